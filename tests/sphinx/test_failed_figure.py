"""Sphinx extension: a captioned figure whose spec fails keeps its number and name.

Its error is the page's only warning: a :numref: to it still resolves, instead of
adding a second, misleading "undefined label" warning.
"""
from __future__ import annotations

import pytest

from ncd_sphinx_helpers import warnings_of


@pytest.mark.sphinx("html", testroot="ncd-failed-figure")
def test_a_failed_captioned_figure_keeps_its_number(app):
    app.build()
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert "index.rst:9" in warnings[0] and "did you mean 'over'" in warnings[0]
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert 'class="ncd-error admonition error"' in page
    figure = page[page.index("<figure"):page.index("</figure>")]
    assert "ncd-error" in figure and "Attention, mistyped." in figure
    assert "Fig. 1" in page
