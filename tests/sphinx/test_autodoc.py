"""Sphinx extension: a diagram in an autodoc docstring is located as docutils locates
its own errors there (``ncdmod.py:docstring of ncdmod.bad:8``), not in the including page."""
from __future__ import annotations

import pytest

from ncd_sphinx_helpers import ncd_warnings


@pytest.mark.sphinx("html", testroot="ncd-autodoc")
def test_docstring_error_is_located_in_the_docstring(app):
    app.build()
    warnings = ncd_warnings(app)
    assert len(warnings) == 1, warnings
    head = warnings[0].split(": WARNING", 1)[0]
    assert head.endswith("ncdmod.py:docstring of ncdmod.bad:8"), warnings[0]
    assert "Y = softmax X over z" in warnings[0]
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 1 and "ncd-error" in page  # the good one drawn, the bad one boxed
