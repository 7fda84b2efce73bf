"""Labels: real font metrics, the light-math subset, caching and robustness."""
from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from sphinx_ncd.layout.fonts import font_path, glyph
from sphinx_ncd.layout.mathtext import label, plain_text


def test_advances_come_from_the_font_file():
    font = TTFont(str(font_path("regular")))
    upm = font["head"].unitsPerEm
    name = font.getBestCmap()[ord("W")]
    assert glyph("regular", "W").advance == pytest.approx(font["hmtx"][name][0] / upm)
    lab = label("ReLU", 10.0)
    expected = sum(glyph("regular", c).advance for c in "ReLU") * 10.0
    assert lab.width == pytest.approx(expected)
    assert label("W", 10).width > label("i", 10).width * 2  # not a character count


def test_single_letters_are_italic_words_upright_learned_bold():
    assert label("x", 11).glyphs[0][0] == "italic"
    assert {g[0] for g in label("ReLU", 11).glyphs} == {"regular"}
    assert label("L", 11, "bold").glyphs[0][0] == "bold"
    assert label("\\mathbf{x}", 11).glyphs[0][0] == "bold"


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
