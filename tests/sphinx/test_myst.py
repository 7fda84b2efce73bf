"""Sphinx extension: MyST Markdown, with ``{ncd}`` fences and ``myst_fence_as_directive``."""
from __future__ import annotations

import re

import pytest

from ncd_sphinx_helpers import ncd_warnings, source_line, warnings_of


@pytest.mark.sphinx("html", testroot="ncd-myst")
def test_myst_fences(app):
    app.build()
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    # two working diagrams, two error boxes
    assert len(re.findall(r"<svg\b", page)) == 2
    assert page.count("ncd-error") >= 2
    assert 'id="fig-myst"' in page and "Perceptron in MyST" in page
    assert re.search(r'href="#fig-myst"><span class="std std-numref">Fig\. 1</span>', page)
    # errors point at the spec line inside the Markdown file
    found = {w.split(": WARNING")[0].rsplit("/", 1)[-1]: w for w in ncd_warnings(app)}
    assert set(found) == {"index.md:33", "index.md:44"}, warnings_of(app)
    assert "[ncd.syntax]" in found["index.md:33"]
    assert "[ncd.shape]" in found["index.md:44"]
    assert source_line(app.srcdir, "index.md", 33) == "Y = = H"
    assert source_line(app.srcdir, "index.md", 44) == "Y = softmax X over z"
    assert [w for w in warnings_of(app) if "[ncd." not in w] == []
