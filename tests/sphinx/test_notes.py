"""Sphinx extension: a diagram with ``name`` and ``note`` statements in HTML (light and dark, the interactive
hover), EPUB and LaTeX."""
from __future__ import annotations

import re
import zlib
from html import unescape

import pytest

from ncd_sphinx_helpers import warnings_of

NOTE = "Keys and values come from the same injected data."
BOX_NOTE = "SoftMax over x makes each row sum to one."


@pytest.mark.sphinx("html", testroot="ncd-notes")
def test_html_inlines_the_notes_with_both_themes_and_the_hover(app):
    app.build()
    assert warnings_of(app) == []
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert f"<title>{NOTE}</title>" in svg and f">{NOTE}</text>" in svg
    assert "--ncd-note:#fff1a8" in svg and "--ncd-note:#4a4322" in svg  # light, and the dark theme's
    meta = unescape(re.search(r'<metadata class="ncd-meta">(.*?)</metadata>', svg, re.S).group(1))
    assert BOX_NOTE in meta  # the softmax box's hover text


@pytest.mark.sphinx("epub", testroot="ncd-notes")
def test_epub_image_holds_the_notes(app):
    app.build()
    assert [w for w in warnings_of(app) if "ncd" in w] == []
    page = (app.outdir / "index.xhtml").read_text(encoding="utf-8")
    (image,) = re.findall(r'<img class="ncd-svg" src="(_images/ncd-[0-9a-f]+\.svg)"', page)
    svg = (app.outdir / image).read_text(encoding="utf-8")
    assert f"<title>{NOTE}</title>" in svg and "--ncd-note:" in svg


@pytest.mark.sphinx("latex", testroot="ncd-notes")
def test_latex_includes_the_annotated_drawing(app):
    app.build()
    assert warnings_of(app) == []
    tex = (app.outdir / "ncdnotes.tex").read_text(encoding="utf-8")
    (stem,) = re.findall(r"\\sphinxincludegraphics\[[^\]]*\]\{\{(ncd-[0-9a-f]+)\}\.pdf\}", tex)
    pdf = (app.outdir / f"{stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    content = zlib.decompress(pdf[pdf.index(b"stream\n") + 7:pdf.index(b"endstream")])
    assert b"1 0.945 0.659 rg" in content  # the notes' fill, #fff1a8
