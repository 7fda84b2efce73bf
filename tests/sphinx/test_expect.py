"""Sphinx extension: ``:expect:`` -- a figure showing a mistake the checker must catch."""
from __future__ import annotations

import html
import re

import pytest

from ncd_sphinx_helpers import ncd_warnings, source_line, warnings_of

from sphinx_ncd.sphinxext.options import expectation


def _figure_and_report(page: str, caption: str) -> tuple[str, str]:
    """The <figure> whose caption starts with ``caption`` and the report block after it."""
    start = page.index(caption)
    fig_start = page.rindex("<figure", 0, start)
    fig_end = page.index("</figure>", start)
    after = page[fig_end:]
    block = re.search(r'<div class="[^"]*ncd-report[^"]*".*?</pre>', after, re.S)
    next_figure = after.find("<figure")
    report = ""
    if block and (next_figure == -1 or block.start() < next_figure):
        report = html.unescape(re.sub(r"<[^>]+>", "", block.group(0)))
    return page[fig_start:fig_end], report


@pytest.mark.sphinx("html", testroot="ncd-expect")
def test_expected_mismatch_met_unmet_and_bad_value(app):
    app.build()
    warnings = ncd_warnings(app)
    assert len(warnings) == 2, warnings_of(app)
    unmet, bad = sorted(warnings, key=lambda w: int(w.split(":", 2)[1]))
    index = str(app.srcdir / "index.rst")

    # the mistake is no longer caught: a shape warning at the directive's own line
    assert unmet.startswith(index + ":16: WARNING"), unmet
    assert source_line(app.srcdir, "index.rst", 16).startswith(".. ncd::")
    assert "expected a mismatch, got proved" in unmet
    assert unmet.rstrip().endswith("[ncd.shape]")
    # an unknown expectation: a config warning at its directive
    assert bad.startswith(index + ":27: WARNING"), bad
    assert "'wrong'" in bad and "mismatch, error, proved_if" in bad and bad.rstrip().endswith("[ncd.config]")

    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    figure, report = _figure_and_report(page, "A mistake the checker catches")
    # the verdict on the figure: caption note, badge and the highlighted box with its note
    assert "Shape check, as expected: mismatch at L+[fc1]" in figure
    assert 'class="ncd-verdict ncd-mismatch"' in figure
    assert "shape mismatch" in figure and "expected 512, got 256" in figure.split("<figcaption")[0]
    # the whole report under it: verdict, one line per box, the located message
    assert report.startswith("verdict: mismatch: mismatch at L+[fc1]: expected 512, got 256"), report
    assert "  L+[fc2]: mismatch" in report
    assert "index.rst:11:1: mismatch at L+[fc1]" in report
    assert "    H = L+[fc1] X : 784 -> 512\n    ^^^^" in report
    assert str(app.srcdir) not in report  # paths relative to the source directory

    # the unmet expectation still shows its report (proved), and no "as expected"
    figure, report = _figure_and_report(page, "A mistake that is no longer there")
    assert "as expected" not in figure and report.startswith("verdict: proved")

    # an expected error (the code raises) is met too, located at the user's line
    tail = page[page.index("A mistake that is no longer there"):]
    errors = [html.unescape(re.sub(r"<[^>]+>", "", b))
              for b in re.findall(r'<div class="[^"]*ncd-report ncd-failed[^"]*".*?</pre>', tail, re.S)]
    assert len(errors) == 1 and errors[0].startswith("verdict: error: check failed")
    assert "ncd-error" not in page  # that is the class of a broken diagram's box
    assert str(app.srcdir) not in tail  # neither the caption note nor the report names the build's paths
    assert "code/faulty/models.py:33:9: the code raised TypeError" in errors[0]
    assert "(while checking the diagram at index.rst:43)" in errors[0]
    assert source_line(app.srcdir, "index.rst", 43).strip() == "input X: 4"


@pytest.mark.sphinx("html", testroot="ncd-expect", confoverrides={"ncd_check": "off"})
def test_expect_without_a_check_runs_nothing_and_shows_no_report(app):
    app.build()
    assert [w for w in ncd_warnings(app) if "[ncd.shape]" in w] == []
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert "ncd-report" not in page


@pytest.mark.sphinx("latex", testroot="ncd-expect")
def test_expected_report_in_latex(app):
    app.build()
    tex = next(app.outdir.glob("*.tex")).read_text(encoding="utf-8")
    assert "verdict: mismatch: mismatch at L+[fc1]" in tex
    assert "Shape check, as expected" in tex


@pytest.mark.parametrize("text,value", [("mismatch", "mismatch"), (" Error ", "error"),
                                        ("proved if", "proved_if"), ("proved-if", "proved_if"),
                                        ("proved_if", "proved_if"), ("checked", "checked"),
                                        ("nonsense", None), ("", None), ("not_checked", None)])
def test_expectation_values(text, value):
    assert expectation(text)[0] == value
