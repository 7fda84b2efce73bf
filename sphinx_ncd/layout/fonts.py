"""Layout (stage 3): the shipped fonts -- glyph advances, ink bounds and outlines.

Labels are measured with the real metrics of the Latin Modern fonts shipped in
``sphinx_ncd/fonts`` (read with fontTools) and drawn as outline paths, so an
SVG, a PDF and a PNG show the same letters on every machine.  Everything here
is a pure function of (style, character), cached per process with
``functools.lru_cache``; there is no other module state.

Two faces: the paper's serif (Latin Modern Math: its upright Latin letters and
digits, and its Unicode math alphabets for italic, bold and bold italic) and the
sans of the first releases (Latin Modern Sans).  A ``serif*`` style maps a
character to the math font's alphabet (``x`` -> U+1D465) before the look-up, so
a :class:`Glyph` always names the font and character actually drawn.

Coordinates returned here are in *em* units (1.0 = the font size), y pointing
**up** as in the font; callers scale and flip.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["STYLES", "SERIF_STYLES", "Glyph", "glyph", "font_path", "serif_char"]

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"

#: style name -> shipped font file
STYLES = {
    "regular": "lmsans10-regular.otf",
    "italic": "lmsans10-oblique.otf",
    "bold": "lmsans10-bold.otf",
    "bolditalic": "lmsans10-boldoblique.otf",
    "math": "latinmodern-math.otf",
}

#: the serif styles, drawn from the math font: style -> (first capital, first small letter, first digit)
#: of its Unicode math alphabet (None: the font's own ASCII letters or digits)
SERIF_STYLES = {
    "serif": (None, None, None),
    "serif-italic": (0x1D434, 0x1D44E, None),
    "serif-bold": (0x1D400, 0x1D41A, 0x1D7CE),
    "serif-bolditalic": (0x1D468, 0x1D482, 0x1D7CE),
}
#: letters whose math-italic code point is elsewhere (Unicode left the alphabet's slot empty)
_ITALIC_HOLES = {"h": "\u210e"}

#: character drawn when no shipped font has the requested one
MISSING_CHAR = "?"


@dataclass(frozen=True)
class Glyph:
    """One character in one style, in em units (y up)."""

    style: str  # the style whose font actually holds the outline (may be "math" as a fallback)
    char: str  # the character actually drawn (MISSING_CHAR when none had it)
    advance: float  # horizontal advance
    bounds: tuple[float, float, float, float]  # ink box (xmin, ymin, xmax, ymax); zeros for blanks
    path: str  # SVG path data in 1/1000 em units, y up ("" for blanks)


def font_path(style: str) -> Path:
    return FONT_DIR / STYLES["math" if style in SERIF_STYLES else style]


def serif_char(style: str, char: str) -> str:
    """The math font's character for ``char`` in the serif ``style`` (``x`` in serif-italic -> U+1D465)."""
    caps, small, digits = SERIF_STYLES[style]
    if style == "serif-italic" and char in _ITALIC_HOLES:
        return _ITALIC_HOLES[char]
    if "A" <= char <= "Z" and caps is not None:
        return chr(caps + ord(char) - 65)
    if "a" <= char <= "z" and small is not None:
        return chr(small + ord(char) - 97)
    if "0" <= char <= "9" and digits is not None:
        return chr(digits + ord(char) - 48)
    return char


@lru_cache(maxsize=None)
def _font(style: str):
    from fontTools.ttLib import TTFont

    font = TTFont(str(font_path(style)), lazy=True)
    return font, font.getBestCmap(), font.getGlyphSet(), font["head"].unitsPerEm


def _fmt(v: float) -> str:
    r = round(v, 1)
    if r == int(r):
        return str(int(r))
    return f"{r:.1f}"


class _PathPen:
    """A minimal fontTools pen writing compact SVG path data (scaled to 1/1000 em)."""

    def __init__(self, glyphset, k: float):
        self.glyphSet = glyphset
        self.k = k
        self.parts: list[str] = []

    def _p(self, *pts) -> str:
        return " ".join(f"{_fmt(x * self.k)} {_fmt(y * self.k)}" for x, y in pts)

    def moveTo(self, pt):
        self.parts.append("M" + self._p(pt))

    def lineTo(self, pt):
        self.parts.append("L" + self._p(pt))

    def curveTo(self, *pts):
        # CFF outlines are cubic; split longer runs (implied on-curve points are not used by CFF)
        while len(pts) > 3:
            self.parts.append("C" + self._p(*pts[:3]))
            pts = pts[3:]
        if len(pts) == 3:
            self.parts.append("C" + self._p(*pts))
        elif len(pts) == 2:
            self.parts.append("Q" + self._p(*pts))
        elif len(pts) == 1:
            self.parts.append("L" + self._p(*pts))

    def qCurveTo(self, *pts):
        self.parts.append("Q" + self._p(*pts))

    def closePath(self):
        self.parts.append("Z")

    def endPath(self):
        pass

    def addComponent(self, name, transform):  # pragma: no cover - CFF fonts have no components
        from fontTools.pens.transformPen import TransformPen

        self.glyphSet[name].draw(TransformPen(self, transform))


@lru_cache(maxsize=4096)
def glyph(style: str, char: str) -> Glyph:
    """The glyph for ``char`` in ``style``; falls back to the math font, then to '?'."""
    if style in SERIF_STYLES:
        mapped = serif_char(style, char)
        return glyph("math", mapped if ord(mapped) in _font("math")[1] else char)
    for st in (style, "math", "regular"):
        font, cmap, glyphset, upm = _font(st)
        name = cmap.get(ord(char))
        if name is not None:
            break
    else:
        return glyph(style, MISSING_CHAR) if char != MISSING_CHAR else Glyph(style, char, 0.5, (0, 0, 0, 0), "")
    g = glyphset[name]
    from fontTools.pens.boundsPen import BoundsPen

    bp = BoundsPen(glyphset)
    g.draw(bp)
    k = 1.0 / upm
    if bp.bounds is None:
        bounds = (0.0, 0.0, 0.0, 0.0)
        path = ""
    else:
        x0, y0, x1, y1 = bp.bounds
        bounds = (x0 * k, y0 * k, x1 * k, y1 * k)
        pen = _PathPen(glyphset, 1000.0 / upm)
        g.draw(pen)
        path = "".join(pen.parts)
    return Glyph(st, char, g.width * k, bounds, path)
