"""Sphinx extension: HTML output (figure, caption, numref, alt, align, dark mode, <img> mode)."""
from __future__ import annotations

import re

import pytest

from ncd_sphinx_helpers import warnings_of


@pytest.mark.sphinx("html", testroot="ncd-basic")
def test_html_figures_captions_numref_alt_align(app):
    app.build()
    assert warnings_of(app) == []
    page = (app.outdir / "index.html").read_text(encoding="utf-8")

    # two numbered figures with their captions and anchors
    figures = re.findall(r'<figure class="([^"]*)" id="([^"]+)">', page)
    assert [fid for _, fid in figures] == ["fig-mlp", "fig-attention"]
    assert "align-center" in figures[0][0]
    assert "Fig. 1" in page and "A two-layer perceptron" in page
    assert "Fig. 2" in page and "Scaled dot-product attention" in page
    # :numref: resolves to the figure numbers
    assert re.search(r'href="#fig-mlp"><span class="std std-numref">Fig\. 1</span>', page)
    assert re.search(r'href="#fig-attention"><span class="std std-numref">Fig\. 2</span>', page)

    # inline SVG, labelled for screen readers
    svgs = re.findall(r"<svg\b[^>]*>", page)
    assert len(svgs) == 3, svgs
    for tag in svgs:
        assert 'role="img"' in tag and "aria-label=" in tag and "viewBox=" in tag
    # the default alt text is a generated description, not the raw spec
    first_label = re.search(r'aria-label="([^"]*)"', svgs[0]).group(1)
    assert first_label and "input X" not in first_label and "784" in first_label
    # an explicit :alt: wins
    assert 'aria-label="Attention: queries and keys meet in an einsum, softmax over x."' in svgs[1]
    # :class: and :align: / :width: land on the wrapper
    assert re.search(r'<div class="ncd wide-diagram[^"]*ncd-inline', page)
    assert re.search(r'<div class="ncd align-right ncd-sized ncd-inline" style="width: 50%"[ >]', page)

    # the <img> mode copies an SVG file next to the page
    img = re.search(r'<img class="ncd-svg" src="(_images/ncd-[0-9a-f]+\.svg)" alt="([^"]+)"', page)
    assert img, page
    svg_file = app.outdir / img.group(1)
    assert svg_file.read_text(encoding="utf-8").lstrip().startswith(("<svg", "<?xml"))

    # dark mode: each inline SVG follows the reader's preference and the theme's own toggle
    for svg in re.findall(r"<svg\b.*?</svg>", page, re.S)[:3]:
        style = re.search(r"<style>(.*?)</style>", svg, re.S).group(1)
        assert "prefers-color-scheme:dark" in style.replace(" ", "")
        assert '[data-theme="dark"]' in style
        assert "--ncd-ink" in style
    # ... and the stylesheet corrects <img> diagrams when the toggle and the preference disagree
    assert '_static/ncd.css' in page
    css = (app.outdir / "_static" / "ncd.css").read_text(encoding="utf-8")
    assert 'body[data-theme="dark"]' in css and "prefers-color-scheme: dark" in css


@pytest.mark.sphinx("html", testroot="ncd-basic")
def test_inline_svg_ids_are_unique_per_page(app):
    app.build()
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    ids = re.findall(r'\sid="([^"]+)"', page)
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates


@pytest.mark.parametrize("builder", ["dirhtml", "singlehtml"])
def test_other_html_builders(make_app, rootdir, sphinx_test_tempdir, builder):
    import shutil

    srcdir = sphinx_test_tempdir / f"ncd-basic-{builder}"
    if not srcdir.exists():
        shutil.copytree(rootdir / "test-ncd-basic", srcdir)
    app = make_app(builder, srcdir=srcdir)
    app.build()
    assert warnings_of(app) == []
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert page.count('<div class="ncd') == 4
    assert len(re.findall(r"<svg\b", page)) == 3


@pytest.mark.sphinx("epub", testroot="ncd-basic")
def test_epub(app):
    app.build()
    assert [w for w in warnings_of(app) if "ncd" in w] == []
    page = (app.outdir / "index.xhtml").read_text(encoding="utf-8")
    # every diagram is an <img> of an SVG file in the book (an inline SVG needs an OPF
    # property Sphinx does not declare: epubcheck's OPF-014)
    assert len(re.findall(r"<svg\b", page)) == 0
    images = re.findall(r'<img class="ncd-svg" src="(_images/ncd-[0-9a-f]+\.svg)"', page)
    assert len(images) == 4
    for image in images:
        assert (app.outdir / image).is_file()
        assert image in (app.outdir / "content.opf").read_text(encoding="utf-8")
    # XHTML must be well-formed with the inline SVG in it
    import xml.etree.ElementTree as ET

    ET.fromstring(page.encode("utf-8"))
