"""Label faces: the paper's serif by default in every output, the old sans on request (``--label-face``,
``render(label_face=)``), and a bad face refused with a clear error."""
from __future__ import annotations

import re

import pytest

import sphinx_ncd
from sphinx_ncd.cli.main import main
from sphinx_ncd.errors import NCDError
from sphinx_ncd.rendering.api import render, scene

from render_helpers import ROOT

FIG27 = ROOT / "demo_docs" / "figures" / "fig27.ncd"
MATH_ITALIC_C = "mh1d450"  # glyph id of U+1D450 (math italic c) from the math font
SANS_OBLIQUE_C = "ic63"  # glyph id of "c" from Latin Modern Sans Oblique


def _glyph_ids(svg: str) -> set[str]:
    return {m.split("-")[-1] for m in re.findall(r'<path id="([^"]+)"', svg)}


def test_the_default_face_is_the_papers_serif_and_sans_is_kept():
    d = sphinx_ncd.parse(FIG27.read_text(), filename="fig27.ncd")
    serif, sans = render(d, theme="light"), render(d, theme="light", label_face="sans")
    assert MATH_ITALIC_C in _glyph_ids(serif) and SANS_OBLIQUE_C not in _glyph_ids(serif)
    assert SANS_OBLIQUE_C in _glyph_ids(sans) and MATH_ITALIC_C not in _glyph_ids(sans)
    # fence titles stay sans in both faces, as the paper sets them
    assert "rr44" in _glyph_ids(serif) and "rr44" in _glyph_ids(sans)  # "D" of "Double Convolution"
    # widths follow the face drawn: the scenes differ
    assert scene(d).viewbox != scene(d, label_face="sans").viewbox
    # the face does not leak out of the call
    assert render(d, theme="light") == serif


def test_pdf_and_png_draw_the_same_face(tmp_path):
    d = sphinx_ncd.parse("input X: c x\nY = L X : c -> y\noutput Y\n")
    pdf = render(d, "pdf")
    # the PDF draws outlines of the glyphs the scene names: the math italic letters' outlines, not sans ones
    sc = scene(d)
    styles = {g[0] for it in sc.walk() if hasattr(it, "label") for g in it.label.glyphs}
    assert styles == {"math"}
    assert pdf.startswith(b"%PDF")


def test_a_bad_face_is_a_clear_error(tmp_path, capsys):
    d = sphinx_ncd.parse("input X: c\noutput X\n")
    with pytest.raises(NCDError, match="label face must be one of serif, sans"):
        render(d, label_face="comic")
    with pytest.raises(SystemExit) as stop:  # argparse: usage and the choices, exit status 2
        main(["render", str(FIG27), "-o", str(tmp_path / "x.svg"), "--label-face", "comic"])
    assert stop.value.code == 2 and "--label-face" in capsys.readouterr().err


def test_cli_label_face(tmp_path):
    out = tmp_path / "sans.svg"
    assert main(["render", str(FIG27), "-o", str(out), "--label-face", "sans", "--theme", "light"]) == 0
    assert SANS_OBLIQUE_C in _glyph_ids(out.read_text())
    assert main(["render", str(FIG27), "-o", str(out), "--theme", "light"]) == 0
    assert MATH_ITALIC_C in _glyph_ids(out.read_text())
