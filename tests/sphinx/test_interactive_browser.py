"""Sphinx extension: interactive diagrams in headless Chromium (furo and sphinx_rtd_theme, light and dark).

The page (``tests/roots/test-ncd-interactive``) has an attention diagram folded
into rows, bound to code through ``linkcode`` (``code.html``), with sizes, and a
second diagram with no code (its boxes open the page's source), a ``:cost:``
(its boxes' own figures) and a wire broadcast over a box.  Chromium is
driven over the DevTools protocol (:mod:`ncd_cdp`): the mouse really moves
over a wire, a wire over a box, an axis label and a box, clicks a box, the
keyboard tabs (also round the full-size view, which keeps the focus) and
presses Escape, and the test reads what the page shows.  axe-core, when
installed (``scripts/install.sh`` puts it under ``.node/``), checks the
diagrams and the full-size view for accessibility violations.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ncd_cdp import Browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
REPO = Path(__file__).resolve().parents[2]
AXE = next((p for p in (Path(os.environ.get("NCD_AXE_CORE", "") or "/nonexistent"),
                        REPO / ".node" / "node_modules" / "axe-core" / "axe.min.js",
                        REPO / "node_modules" / "axe-core" / "axe.min.js") if p.is_file()), None)
THEMES = [t for t in ("furo", "sphinx_rtd_theme") if __import__("importlib").util.find_spec(t)]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]

#: the screen point at the middle of an element: a path's point half-way along it, else its box's centre
_POINT = """(function (el) {
  if (el.getTotalLength) {
    var p = el.getPointAtLength(el.getTotalLength() / 2), m = el.getScreenCTM();
    return [p.x * m.a + p.y * m.c + m.e, p.x * m.b + p.y * m.d + m.f];
  }
  var r = el.getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2];
})(%s)"""
_TIP = "(function () { var t = document.querySelector('.ncd-tip'); return t.hidden ? null : t.textContent; })()"
_LIT = "document.querySelectorAll('.ncd-lit').length"


def _build(built_site, theme):
    site = built_site("ncd-interactive", html_theme=theme)  # once per theme: the tests only read it
    assert [w for w in site.warnings if "ncd" in w] == []
    return site.outdir / "index.html"


def _hover(browser, selector: str):
    browser.eval(f"document.querySelector({selector!r}).scrollIntoView({{block: 'center', behavior: 'instant'}})")
    browser.mouse(1, 1)  # off the diagram first: its tooltip goes
    browser.wait("document.querySelector('.ncd-tip').hidden")
    x, y = browser.eval(_POINT % f"document.querySelector({selector!r})")
    browser.mouse(x, y)
    browser.wait("!document.querySelector('.ncd-tip').hidden", timeout=5)
    return browser.eval(_TIP)


def _click(browser, selector: str) -> None:
    browser.eval(f"document.querySelector({selector!r}).scrollIntoView({{block: 'center', behavior: 'instant'}})")
    x, y = browser.eval(_POINT % f"document.querySelector({selector!r})")
    browser.click(x, y)


def _luminance(browser, selector: str, prop: str) -> float:
    rgb = browser.eval(f"getComputedStyle(document.querySelector({selector!r}))[{prop!r}]")
    r, g, b = (float(v) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    return (r + g + b) / 3


def _page(built_site, tmp_path, theme, dark):
    page = _build(built_site, theme)
    browser = Browser(CHROMIUM, tmp_path / "profile")
    browser.open(page.as_uri() + ("?theme=dark" if dark else "?theme=light"), dark=dark)
    browser.wait("document.querySelector('.ncd-tools')")
    return page, browser


@pytest.mark.skipif(not THEMES, reason="no HTML theme installed")
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_hover_focus_click(built_site, tmp_path, theme, dark):
    page, browser = _page(built_site, tmp_path, theme, dark)
    try:
        first = "#fig-attention svg.ncd-diagram"
        # a wire: its axis, symbolic size, size at :sizes:, value
        tip = _hover(browser, f'{first} path[data-w="0.0"]:not(.ncd-hit)')
        assert tip == "axis y \u2014 size y = 20 \u2014 value Q"
        assert browser.eval(_LIT) == 1
        tip_bg = _luminance(browser, ".ncd-tip", "backgroundColor")
        assert (tip_bg > 150) if dark else (tip_bg < 100), tip_bg  # contrasts with the page
        # an axis label: every wire of that axis lights up, in every row of the folded diagram
        label = browser.eval(f"""(function () {{
            var d = JSON.parse(document.querySelector('{first} metadata').textContent);
            var g = [].find.call(document.querySelectorAll('{first} g[data-w]'),
                                 function (g) {{ return d.a[d.w[g.dataset.w][0]][0] === 'x'; }});
            return g.dataset.w; }})()""")
        tip = _hover(browser, f'{first} g[data-w="{label}"]')
        assert tip.startswith("axis x \u2014 size x = 22 \u2014 value ")
        lit = browser.eval(f"""(function () {{
            var d = JSON.parse(document.querySelector('{first} metadata').textContent);
            var want = [].filter.call(document.querySelectorAll('{first} [data-w]:not(.ncd-hit)'),
                                      function (e) {{ return d.a[d.w[e.dataset.w][0]][0] === 'x'; }});
            var lit = [].slice.call(document.querySelectorAll('.ncd-lit'));
            var ys = lit.map(function (e) {{ return Math.round(e.getBoundingClientRect().top); }});
            return [want.length, lit.length, want.every(function (e) {{ return lit.indexOf(e) >= 0; }}),
                    Math.max.apply(null, ys) - Math.min.apply(null, ys),
                    getComputedStyle(lit.filter(function (e) {{ return e.tagName === 'path'; }})[0]).stroke]; }})()""")
        want, count, every, spread, stroke = lit
        assert want >= 6 and count == want and every, lit
        assert spread > 100, "the lit wires should reach into the later rows of the folded diagram"
        assert stroke in ("rgb(211, 84, 0)", "rgb(255, 166, 87)"), stroke
        # a box: signature, binding target; the first diagram's boxes go to the linkcode page
        tip = _hover(browser, f'{first} g[data-op="0"]')
        assert tip == "einsum : y k, x k -> y x \u2014 toy.Attention"
        # keyboard: Tab reaches the boxes, Escape leaves
        browser.eval("document.activeElement && document.activeElement.blur()")
        for _ in range(40):
            browser.key("Tab", "Tab", 9)
            if browser.eval("!!(document.activeElement && document.activeElement.dataset.op)"):
                break
        assert browser.eval("document.activeElement.getAttribute('role')") in ("link", "img")
        assert browser.eval(_TIP) and " : " in browser.eval(_TIP)
        browser.key("Escape", "Escape", 27)
        assert browser.eval(_TIP) is None and browser.eval(_LIT) == 0
        # zoom and the full-size view
        width = browser.eval(f"document.querySelector('{first}').getBoundingClientRect().width")
        browser.eval("document.querySelector('.ncd-tools button[aria-label=\"zoom in\"]').click()")
        zoomed = browser.eval(f"document.querySelector('{first}').getBoundingClientRect().width")
        assert zoomed > width * 1.1
        browser.eval("document.querySelector('.ncd-tools button[aria-label=\"full-size view\"]').click()")
        assert browser.eval("!!document.querySelector('.ncd-overlay svg.ncd-diagram')")
        # the full-size view keeps the focus: Tab and Shift+Tab cycle inside it, past either end
        inside = "document.querySelector('.ncd-overlay').contains(document.activeElement)"
        count = browser.eval("document.querySelectorAll('.ncd-overlay [tabindex], .ncd-overlay button').length")
        assert count > 5 and browser.eval(inside)
        for _ in range(count + 2):
            browser.key("Tab", "Tab", 9)
            assert browser.eval(inside)
        assert browser.eval("document.activeElement.className") != "ncd-close"  # it went round, not stuck
        for _ in range(3):
            browser.key("Tab", "Tab", 9, modifiers=8)
            assert browser.eval(inside)
        browser.key("Escape", "Escape", 27)
        assert browser.eval("document.querySelector('.ncd-overlay')") is None
        assert browser.eval("document.activeElement.getAttribute('aria-label')") == "full-size view"
        # click a box: to the bound code
        _click(browser, f'{first} g[data-op="1"]')
        browser.wait("location.pathname.endsWith('code.html')")
        assert browser.eval("location.hash") == "#Attention"
        # the second diagram has no code: its boxes open the directive's source
        browser.open(page.as_uri(), dark=dark)
        browser.wait("document.querySelector('.ncd-tools')")
        second = ":not(figure) > div.ncd-inline svg.ncd-diagram"
        tip = _hover(browser, f'{second} g[data-op="0"]')
        head, cost = tip.split("\n")  # then its own results, one a line (white-space: pre-line)
        assert head == "L : 784 -> 512 \u2014 bound to fc1 \u2014 index.rst, line 19", tip
        assert browser.eval("document.querySelector('.ncd-tip').getBoundingClientRect().height") > 30  # 2 lines
        assert cost.startswith("cost: ") and "FLOP" in cost and "params" in cost, tip  # its own :cost: figures
        # a wire drawn over a box (b, broadcast over L): hoverable; its axis label lights it too
        over = f'{second} g[data-op="0"] path[data-w]:not(.ncd-hit)'
        assert _hover(browser, over) == "axis b \u2014 size b \u2014 value X"
        assert browser.eval(f"document.querySelector({over!r}).classList.contains('ncd-lit')")
        hook = browser.eval(f"document.querySelector({over!r}).dataset.w")
        _hover(browser, f'{second} g[data-w="{hook}"]')
        assert browser.eval(f"document.querySelector({over!r}).classList.contains('ncd-lit')")
        assert browser.eval(_LIT) >= 3  # the b wire before, over and after the box
        _click(browser, f'{second} g[data-op="0"]')
        browser.wait("location.pathname.endsWith('_sources/index.rst.txt')")
        assert browser.console_errors() == []
    finally:
        browser.close()


@pytest.mark.skipif(AXE is None, reason="axe-core is not installed (scripts/install.sh puts it under .node/)")
@pytest.mark.skipif(not THEMES, reason="no HTML theme installed")
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_finds_no_violation_in_diagrams(built_site, tmp_path, theme, dark):
    _page_file, browser = _page(built_site, tmp_path, theme, dark)
    try:
        browser.eval(AXE.read_text(encoding="utf-8") + ";0")
        result = browser.eval("""axe.run({include: [['div.ncd']]}).then(function (r) {
            return [r.passes.length, r.violations.map(function (v) {
              return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); })]; })""")
        passes, violations = result
        assert passes > 5
        assert violations == []
        # the full-size view (a modal dialog with a copy of the drawing) too
        browser.eval("document.querySelector('.ncd-tools button[aria-label=\"full-size view\"]').click()")
        result = browser.eval("""axe.run({include: [['.ncd-overlay']]}).then(function (r) {
            return [r.passes.length, r.violations.map(function (v) {
              return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); })]; })""")
        assert result[0] > 5 and result[1] == [], result
    finally:
        browser.close()
