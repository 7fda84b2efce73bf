"""Layout (stage 3): the shipped fonts -- glyph advances, ink bounds and outlines.

Labels are measured with the real metrics of the Latin Modern fonts shipped in
``sphinx_ncd/fonts`` (read with fontTools) and drawn as outline paths, so an
SVG, a PDF and a PNG show the same letters on every machine.  Everything here
is a pure function of (style, character), cached per process with
``functools.lru_cache``; there is no other module state.

Coordinates returned here are in *em* units (1.0 = the font size), y pointing
**up** as in the font; callers scale and flip.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["STYLES", "Glyph", "glyph", "font_path"]

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"

#: style name -> shipped font file
STYLES = {
    "regular": "lmsans10-regular.otf",
    "italic": "lmsans10-oblique.otf",
    "bold": "lmsans10-bold.otf",
    "bolditalic": "lmsans10-boldoblique.otf",
    "math": "latinmodern-math.otf",
}

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
    return FONT_DIR / STYLES[style]


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
