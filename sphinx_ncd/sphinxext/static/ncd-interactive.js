/* sphinx_ncd: interactive diagrams. Hover or focus a wire, an axis label or a box for what it is; an axis
 * label lights every wire of its axis; a box (click, Enter) opens its code; zoom and a full-size view.
 * Reads the <metadata class="ncd-meta"> JSON of each inline SVG; without this script the SVG is static. */
(function () {
  "use strict";
  var tip, lit = [];
  function say(w, d) {
    var a = d.a[w[0]];
    return "axis " + a[0] + " \u2014 size " + a[1] + (a[2] && a[2] !== a[1] ? " = " + a[2] : "") +
      " \u2014 value " + w[1];
  }
  function light(els) { unlight(); lit = els || []; lit.forEach(function (e) { e.classList.add("ncd-lit"); }); }
  function unlight() { lit.forEach(function (e) { e.classList.remove("ncd-lit"); }); lit = []; }
  function show(el, text) {
    var r = el.getBoundingClientRect();
    tip.textContent = text; tip.hidden = false;
    tip.style.left = Math.max(0, r.left + scrollX) + "px"; tip.style.top = (r.bottom + scrollY + 6) + "px";
  }
  function hide() { tip.hidden = true; unlight(); }
  function button(bar, text, label, fn) {
    var b = document.createElement("button");
    b.type = "button"; b.textContent = text; b.setAttribute("aria-label", label); b.onclick = fn; bar.appendChild(b);
    return b;
  }
  function full(svg, opener) {
    var o = document.createElement("div"), c = svg.cloneNode(true);
    o.className = "ncd-overlay"; o.setAttribute("role", "dialog"); o.setAttribute("aria-modal", "true");
    o.setAttribute("aria-label", svg.getAttribute("aria-label") || "diagram");
    c.removeAttribute("id"); c.style.width = c.getAttribute("width") + "px"; c.style.maxWidth = "none";
    c.style.minWidth = "";
    function close() { o.remove(); document.removeEventListener("keydown", esc); opener.focus(); }
    function esc(e) { if (e.key === "Escape") close(); }
    button(o, "\u00d7", "close the full-size view", close).className = "ncd-close";
    o.appendChild(c); document.body.appendChild(o); document.addEventListener("keydown", esc);
    o.querySelector("button").focus();
  }
  function init(div) {
    var svg = div.querySelector("svg.ncd-diagram"), m = svg && svg.querySelector("metadata.ncd-meta");
    if (!m) return;
    var d = JSON.parse(m.textContent), axis = {}, href = div.dataset.ncdHref, where = div.dataset.ncdWhere;
    svg.setAttribute("role", "group");
    svg.querySelectorAll("[data-w]").forEach(function (e) {
      var w = d.w[e.dataset.w];
      if (!w) return;
      (axis[w[0]] = axis[w[0]] || []).push(e);
      if (e.tagName === "g") {  // a label: above the wires' wide hover strokes
        e.setAttribute("tabindex", "0"); e.setAttribute("role", "button"); e.setAttribute("aria-label", say(w, d));
        e.parentNode.appendChild(e);
      } else if (e.getAttribute("stroke-width")) {
        var h = e.cloneNode(); h.removeAttribute("style"); h.setAttribute("class", "ncd-hit"); e.after(h);
      }
    });
    svg.querySelectorAll("g[data-op]").forEach(function (g) {
      var o = d.o[g.dataset.op];
      if (!o) return;
      var t = o[0] + (o[1] ? " \u2014 bound to " + o[1] : "") + (o[2] ? " \u2014 " + o[2] : "") +
        (where ? " \u2014 " + where : "");
      g.dataset.tip = t; g.setAttribute("tabindex", "0");
      g.setAttribute("role", href ? "link" : "img"); g.setAttribute("aria-label", t);
    });
    function over(e) {
      var el = e.target.closest("[data-w],[data-op]");
      if (!el || !svg.contains(el)) return;
      if (el.dataset.op) { show(el, el.dataset.tip); light([el]); return; }
      var w = d.w[el.dataset.w];
      if (!w) return;
      show(el, say(w, d));
      light(el.tagName === "g" ? axis[w[0]] : [el.classList.contains("ncd-hit") ? el.previousSibling : el]);
    }
    function go(e) {
      var g = e.target.closest("g[data-op]");
      if (g && href) location.href = href;
    }
    svg.addEventListener("pointerover", over); svg.addEventListener("focusin", over);
    svg.addEventListener("pointerleave", hide); svg.addEventListener("focusout", hide);
    svg.addEventListener("click", go);
    svg.addEventListener("keydown", function (e) {
      if (e.key === "Enter") go(e);
      if (e.key === "Escape") { hide(); document.activeElement.blur(); }
    });
    var bar = document.createElement("div"), z = 1, w0 = parseFloat(svg.getAttribute("width"));
    bar.className = "ncd-tools";
    function zoom(f) {
      z = Math.min(4, Math.max(0.5, z * f));
      svg.style.width = w0 * z + "px"; svg.style.maxWidth = "none"; div.classList.add("ncd-zoomed");
    }
    button(bar, "\u2212", "zoom out", function () { zoom(1 / 1.25); });
    button(bar, "+", "zoom in", function () { zoom(1.25); });
    var f = button(bar, "\u2922", "full-size view", function () { full(svg, f); });
    div.insertBefore(bar, div.firstChild);
  }
  function start() {
    tip = document.createElement("div");
    tip.className = "ncd-tip"; tip.setAttribute("role", "status"); tip.hidden = true;
    document.body.appendChild(tip);
    document.querySelectorAll("div.ncd-inline").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
