"""Sphinx extension: LaTeX, text, man and Texinfo output."""
from __future__ import annotations

import re

import pytest

from ncd_sphinx_helpers import warnings_of


@pytest.mark.sphinx("latex", testroot="ncd-basic")
def test_latex_includes_pdfs_in_figures(app):
    app.build()
    assert warnings_of(app) == []
    tex = (app.outdir / "ncdbasic.tex").read_text(encoding="utf-8")
    graphics = re.findall(r"\\sphinxincludegraphics\[[^\]]*\]\{\{(ncd-[0-9a-f]+)\}\.pdf\}", tex)
    assert len(graphics) == 4
    for stem in graphics:
        pdf = app.outdir / f"{stem}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF")
    # captioned diagrams are Sphinx floats with a label, so \ref/numref work
    # a tall diagram leaves its caption room: within its group, Sphinx's height limit is 80% of the text height
    room = re.escape(r"{\expandafter\ifx\csname spx@image@maxheight\endcsname\relax\else"
                     r"\csname spx@image@maxheight\endcsname=0.8\textheight\relax\fi ")
    assert re.search(r"\\begin\{figure\}\[htbp\]\s*\\centering\s*\\capstart\s*" + room + r"(\\ncdlabelled\{)?"
                     r"\\sphinxincludegraphics", tex)
    assert r"\caption{A two\sphinxhyphen{}layer perceptron}\label{\detokenize{index:fig-mlp}}" in tex
    assert r"\ref{\detokenize{index:fig-mlp}}" in tex
    # :width: 50% becomes a LaTeX length, :align: right a flush right box
    assert re.search(r"\{\\hspace\*\{\\fill\}" + room
                     + r"(\\ncdlabelled\{)?\\sphinxincludegraphics\[width=0\.50*\\linewidth\]", tex)
    assert ".svg" not in tex


@pytest.mark.sphinx("text", testroot="ncd-basic")
def test_text_placeholder_uses_alt(app):
    app.build()
    assert warnings_of(app) == []
    text = (app.outdir / "index.txt").read_text(encoding="utf-8")
    placeholders = re.findall(r"\[diagram: ([^\]]+)\]", text)
    assert len(placeholders) == 4
    assert "Attention: queries and keys meet in an einsum, softmax over x." in placeholders
    assert all("input X" not in p for p in placeholders)


@pytest.mark.sphinx("man", testroot="ncd-basic")
def test_man_placeholder(app):
    app.build()
    assert warnings_of(app) == []
    page = (app.outdir / "ncdbasic.1").read_text(encoding="utf-8")
    assert len(re.findall(r"^\[diagram: ", page, re.M)) == 4


@pytest.mark.sphinx("texinfo", testroot="ncd-basic")
def test_texinfo_png(app):
    app.build()
    assert warnings_of(app) == []
    texi = (app.outdir / "ncdbasic.texi").read_text(encoding="utf-8")
    images = re.findall(r"@image\{(ncd-[0-9a-f]+),,,([^,]*),png\}", texi)
    assert len(images) == 4
    for stem, alt in images:
        assert (app.outdir / f"{stem}.png").read_bytes().startswith(b"\x89PNG")
        assert alt
