// Test helper: ?theme=dark|light|auto sets furo's toggle (as its theme button does); harmless elsewhere.
(function () {
  var m = /[?&]theme=(dark|light|auto)/.exec(window.location.search);
  if (!m) return;
  window.localStorage.setItem("theme", m[1]);
  function set() { document.body.dataset.theme = m[1]; }
  if (document.body) set(); else document.addEventListener("DOMContentLoaded", set);
})();
