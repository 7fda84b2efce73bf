"""The directive's ``:cost:`` option: the table under the figure (HTML, LaTeX), hover figures per box."""
import re

import pytest


def _warnings(app):
    return [w for w in app._warning.getvalue().splitlines() if "WARNING" in w]


@pytest.mark.sphinx("html", testroot="ncd-cost")
def test_cost_table_under_the_figure_and_box_hover_in_html(app):
    app.build()
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    figure_end = page.index("</figure>")
    table = page.index('<table class="ncd-cost')
    assert figure_end < table                                     # under the figure
    assert "Cost of " in page and "at y=1024 x=1024 k=64" in page
    rows = re.findall(r"<tr><td[^>]*>(\d+)</td><td>([^<]*)</td>", page[table:])
    assert [name for _, name in rows][:4] == ["einsum", "1/sqrt(k)", "softmax", "einsum"]
    assert "NVIDIA H200" in page and "streamed" in page
    # the einsum box's hover text carries its figures
    hover = re.findall(r'<g class="ncd-op"[^>]*><title>([^<]*)</title>', page)
    softmax = [h for h in hover if h.startswith("softmax")]
    assert softmax and "FLOP" in softmax[0] and "traffic" in softmax[0]
    assert sum("FLOP" in h for h in hover) >= 4
    # a bad value, an unknown size: located warnings, the figure still drawn without a table
    warnings = _warnings(app)
    assert any("index.rst:19" in w and "size 'q' is not a size of this diagram" in w for w in warnings), warnings
    assert any("index.rst:26" in w and "unknown machine 'tpu'" in w for w in warnings), warnings
    assert len(warnings) == 2
    assert page.count('<table class="ncd-cost') == 1
    assert len(re.findall(r"<svg\b", page)) == 3


@pytest.mark.sphinx("latex", testroot="ncd-cost")
def test_cost_table_in_latex(app):
    app.build()
    tex = (app.outdir / "ncdcost.tex").read_text(encoding="utf-8")
    assert r"\begin{tabular}{llrrrrrrrr}" in tex
    assert tex.index(r"\end{figure}") < tex.index(r"\begin{tabular}{llrrrrrrrr}")
    assert r"Scaled Dot-Product Attention" in tex and r"\item peak memory" in tex


def test_option_sets_share_the_common_part():
    from sphinx_ncd.cost.sphinx import option_sets

    assert option_sets("machine=h200 k=64; y=1 x=1; y=2 machine=a100", {"a": 3}) == [
        ({"a": 3, "k": 64, "y": 1, "x": 1}, "h200", 2), ({"a": 3, "k": 64, "y": 2}, "a100", 2)]
    assert option_sets("", {}) == [({}, "h100", 2)]
    assert option_sets("a=5 bytes=4", {"a": 3}) == [({"a": 5}, "h100", 4)]
    from sphinx_ncd.errors import NCDError
    with pytest.raises(NCDError, match="expected NAME=INT"):
        option_sets("a=five", {})
