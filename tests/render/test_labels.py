"""Labels: real font metrics, the light-math subset, caching and robustness."""
from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from sphinx_ncd.layout.axismarks import overlined
from sphinx_ncd.layout.fonts import font_path, glyph
from sphinx_ncd.layout.mathtext import label, label_face, plain_text


def test_advances_come_from_the_font_file():
    font = TTFont(str(font_path("regular")))
    upm = font["head"].unitsPerEm
    name = font.getBestCmap()[ord("W")]
    assert glyph("regular", "W").advance == pytest.approx(font["hmtx"][name][0] / upm)
    lab = label("ReLU", 10.0)  # the serif face: the math font's upright letters
    math = TTFont(str(font_path("math")))
    hmtx, cmap, mupm = math["hmtx"], math.getBestCmap(), math["head"].unitsPerEm
    assert lab.width == pytest.approx(sum(hmtx[cmap[ord(c)]][0] for c in "ReLU") / mupm * 10.0)
    with label_face("sans"):
        expected = sum(glyph("regular", c).advance for c in "ReLU") * 10.0
        assert label("ReLU", 10.0).width == pytest.approx(expected)
    assert label("W", 10).width > label("i", 10).width * 2  # not a character count
    # a lone letter is measured with the math italic it is drawn in, not with an upright x
    italic_x = hmtx[cmap[0x1D465]][0] / mupm
    assert label("x", 10).width == pytest.approx(italic_x * 10) and italic_x != hmtx[cmap[ord("x")]][0] / mupm


def test_single_letters_are_italic_words_upright_learned_bold():
    """The paper's faces: serif math italic letters, upright serif words and digits, bold serif L,
    sans titles; the old sans look with label_face("sans")."""
    assert label("x", 11).glyphs[0][:2] == ("math", "\U0001d465")  # mathematical italic small x
    assert label("h", 11).glyphs[0][1] == "\u210e"  # italic h lives in Letterlike Symbols
    assert {g[:2] for g in label("ReLU", 11).glyphs} == {("math", c) for c in "ReLU"}
    assert label("L", 11, "bold").glyphs[0][:2] == ("math", "\U0001d40b")  # bold serif L
    assert label("Double Convolution", 11, "regular").glyphs[0][0] == "regular"  # titles stay sans
    assert label("\\mathsf{\\mathbf{x}}", 11).glyphs[0][:2] == ("bold", "x")  # the tandem x: bold sans
    assert label("2", 11).glyphs[0][:2] == ("math", "2")
    with label_face("sans"):
        assert label("x", 11).glyphs[0][0] == "italic"
        assert {g[0] for g in label("ReLU", 11).glyphs} == {"regular"}
        assert label("L", 11, "bold").glyphs[0][0] == "bold"
        assert label("\\mathbf{x}", 11).glyphs[0][0] == "bold"
    with pytest.raises(ValueError):
        with label_face("comic"):
            pass


def test_a_trailing_number_is_a_subscript():
    """``n0`` is drawn n₀ (a lone letter followed by digits); a word with digits, or a title, is not."""
    n0, n_0 = label("n0", 11), label("n_0", 11)
    assert n0.glyphs == n_0.glyphs and n0.width == n_0.width
    assert n0.glyphs[1][3] > 0 and n0.glyphs[1][4] < 11  # below the baseline, smaller
    assert label("x12/2", 11).glyphs[1][4] < 11 and label("x12/2", 11).glyphs[2][4] < 11
    assert all(g[4] == 11 for g in label("fc1", 11).glyphs)
    assert all(g[4] == 11 for g in label("Block 1", 11, "regular").glyphs)
    assert all(g[4] == 11 for g in label("2x", 11).glyphs)


def test_overline_spans_the_name_not_its_subscript():
    src = overlined("x_{4-\\lambda}", bold=True)
    assert src == "\\bar{\\mathsf{\\mathbf{x}}}_{4-\\lambda}"
    lab, base = label(src, 11), label("\\mathsf{\\mathbf{x}}", 11)
    (x0, _, x1, _), = lab.rules
    assert x1 <= base.width and lab.width > base.width + 5  # the bar ends over the x; the subscript goes on
    assert lab.glyphs[1][0] == "math" and lab.glyphs[1][4] < 11  # the subscript is plain math, smaller
    assert overlined("x_\\lambda/2") == "\\bar{x}_\\lambda/2"
    assert overlined("n0") == "\\bar{n}_{0}"
    assert overlined("28") == "\\bar{28}"  # no name: the whole label
    assert overlined("x_{k} = y/x", True, {"x"}) == "\\bar{\\mathsf{\\mathbf{x}}}_{k} = y/\\bar{\\mathsf{\\mathbf{x}}}"


def test_scripts_are_smaller_and_shifted():
    lab = label("L^Q", 10)
    (_, _, x0, y0, s0), (_, _, x1, y1, s1) = lab.glyphs
    assert s1 == pytest.approx(7.0) and y1 < y0 and x1 > x0
    sub = label("C_\\lambda", 10)
    assert sub.glyphs[1][3] > 0  # below the baseline
    assert sub.glyphs[1][0] == "math" and sub.text == "C_λ"
    both = label("x_i^2", 10)
    assert len(both.glyphs) == 3 and both.glyphs[1][2] == both.glyphs[2][2]  # stacked at one x


def test_overline_greek_and_symbols():
    bar = label("\\bar{x}", 11)
    assert len(bar.rules) == 1 and bar.ascent > label("x", 11).ascent
    assert label("\\Delta", 11).glyphs[0][1] == "Δ"
    assert label("\\eta", 11).glyphs[0][0] == "math"
    assert label("\\mathbb{E}", 11).glyphs[0][1] == "𝔼"
    assert label("k^{-1/2}", 11).glyphs[1][1] == "−"  # a minus sign, not a hyphen
    assert plain_text("\\sqrt{k}") == "√(k)"


def test_anything_renders_without_error():
    for src in ["", "{", "}", "^", "_", "\\", "\\unknown{x}", "a^^b", "{" * 5000, "x" * 5000, "\u0000\ufffe",
                "<&\">", "\\bar", "𝔼★"]:
        lab = label(src, 11)
        assert lab.width >= 0 and lab.ascent >= 0 and lab.descent >= 0


def test_cached():
    assert label("L^Q", 11) is label("L^Q", 11)
    assert glyph("italic", "x") is glyph("italic", "x")


def test_tex_labels_get_the_same_subscripts():
    """The subscript rule is applied to the source, so labels typeset by TeX show n_0 as the outlines do."""
    from sphinx_ncd.latex.labels import Recorder, request_for
    from sphinx_ncd.layout.mathtext import measured_by

    rec = Recorder()
    with measured_by(rec):
        label("n0", 11)
        label("fc1", 11)
    assert request_for("n_{0}", 11, None) in rec.requests and request_for("fc1", 11, None) in rec.requests
