// Test helper: ?theme=dark|light|auto sets furo's toggle (as its theme button does).
(function () {
  var m = /[?&]theme=(dark|light|auto)/.exec(window.location.search);
  if (m) {
    window.localStorage.setItem("theme", m[1]);
    document.body.dataset.theme = m[1];
  }
})();
