/* sphinx_ncd interactive diagrams: hover/focus wires, axis labels (light the axis), boxes (click: code); zoom */
(function () {
var tip, lit = [], D = " \u2014 ";
function at(e, o) { for (var k in o) e.setAttribute(k, o[k]); return e; }
function el(t, o) { return at(document.createElement(t), o); }
function say(w, d) {
  var a = d.a[w[0]];
  return "axis " + a[0] + D + "size " + a[1] + (a[2] && a[2] != a[1] ? " = " + a[2] : "") + D + "value " + w[1];
}
function light(els) { unlight(); lit = els; lit.forEach(function (e) { e.classList.add("ncd-lit"); }); }
function unlight() { lit.forEach(function (e) { e.classList.remove("ncd-lit"); }); lit = []; }
function show(el, t) {
  var r = el.getBoundingClientRect();
  tip.textContent = t; tip.hidden = false;
  tip.style.left = Math.max(0, r.left + scrollX) + "px"; tip.style.top = r.bottom + scrollY + 6 + "px";
}
function hide() { tip.hidden = true; unlight(); }
function btn(p, t, label, fn) {
  var b = el("button", {type: "button", "aria-label": label});
  b.textContent = t; b.onclick = fn; return p.appendChild(b);
}
function full(svg, from) {
  var o = el("div", {"class": "ncd-overlay", role: "dialog", "aria-modal": "true", "aria-label": svg.getAttribute("aria-label")}),
    c = svg.cloneNode(true);
  function close() { o.remove(); removeEventListener("keydown", key, true); from.focus(); }
  function key(e) {  // Escape closes; Tab and Shift+Tab cycle inside the view (focus never leaves it)
    var f = o.querySelectorAll("[tabindex],button"), x = document.activeElement, s = e.shiftKey,
      a = o.firstChild, b = f[f.length - 1];
    if (e.key == "Escape") close();
    if (e.key == "Tab" && (!o.contains(x) || x == (s ? a : b))) { e.preventDefault(); (s ? b : a).focus(); }
  }
  c.removeAttribute("id"); c.style.cssText = "width:" + c.getAttribute("width") + "px;max-width:none";
  btn(o, "\u00d7", "close", close).className = "ncd-close";
  o.appendChild(c); document.body.appendChild(o); addEventListener("keydown", key, true); o.firstChild.focus();
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
    if (e.tagName == "g") {  // a label, kept above the wide hover strokes of the wires
      at(e, {tabindex: 0, role: "button", "aria-label": say(w, d)}); e.parentNode.appendChild(e);
    } else if (e.getAttribute("stroke-width")) {
      var h = e.cloneNode(); h.removeAttribute("style"); h.setAttribute("class", "ncd-hit"); e.after(h);
    }
  });
  svg.querySelectorAll("g[data-op]").forEach(function (g) {
    var o = d.o[g.dataset.op];
    if (!o) return;
    g.dataset.tip = [o[0], o[1] && "bound to " + o[1], where].filter(Boolean).join(D) + (o[2] ? "\n" + o[2] : "");
    at(g, {tabindex: 0, role: href ? "link" : "img", "aria-label": g.dataset.tip});
  });
  function over(e) {
    var el = e.target.closest("[data-w],[data-op]"), w = el && d.w[el.dataset.w];
    if (el && el.dataset.tip) { show(el, el.dataset.tip); light([el]); }
    else if (w) {
      show(el, say(w, d));
      light(el.tagName == "g" ? axis[w[0]] : [el.classList.contains("ncd-hit") ? el.previousSibling : el]);
    }
  }
  function go(e) { if (href && e.target.closest("g[data-op]")) location.href = href; }
  var on = svg.addEventListener.bind(svg);
  on("pointerover", over); on("focusin", over); on("pointerleave", hide); on("focusout", hide); on("click", go);
  on("keydown", function (e) {
    if (e.key == "Enter") go(e);
    if (e.key == "Escape") { hide(); document.activeElement.blur(); }
  });
  var bar = el("div", {"class": "ncd-tools"}), z = 1, w0 = +svg.getAttribute("width");
  function zoom(f) {
    z = Math.min(4, Math.max(.5, z * f));
    svg.style.width = w0 * z + "px"; svg.style.maxWidth = "none";
  }
  btn(bar, "\u2212", "zoom out", function () { zoom(.8); });
  btn(bar, "+", "zoom in", function () { zoom(1.25); });
  var f = btn(bar, "\u2922", "full-size view", function () { full(svg, f); });
  div.insertBefore(bar, div.firstChild);
}
function start() {
  tip = el("div", {"class": "ncd-tip", role: "status"});
  tip.hidden = true; document.body.appendChild(tip);
  document.querySelectorAll("div.ncd-inline").forEach(init);
}
if (document.readyState == "loading") addEventListener("DOMContentLoaded", start); else start();
})();
