"""LaTeX integration: the label overlay ``<md5>.lbl`` that ``ncd.sty`` typesets over a drawing.

With ``labels=tex`` the scene's labels carry their source and TeX's sizes but
no glyphs (:class:`~sphinx_ncd.latex.labels.Measured`), so the PDF backend draws
none of them; this module lists them as TeX code::

    \\ncdlabels{<width bp>}{<height bp>}
    \\ncdlabel{<x bp>}{<y bp>}{<size>}{<RRGGBB>}{<TeX code>}

(x, y): the label's baseline origin, from the drawing's bottom left corner; the
ink colour is ``000000`` (the paper's text colour), other roles their light-theme colour.
"""
from __future__ import annotations

from ..layout.scene import Text
from ..rendering.pdf import PT_PER_UNIT
from ..rendering.theme import colour
from .labels import request_for

__all__ = ["overlay_labels", "overlay_text"]


def overlay_labels(sc) -> list[tuple[float, float, str, str, str]]:
    """(x bp, y bp from the bottom, size command, colour, TeX code) of every label TeX typesets."""
    x0, y0, _w, h = sc.viewbox
    out = []
    for item in sc.walk():
        if not isinstance(item, Text) or not item.fill or item.label.glyphs or not item.label.source:
            continue
        lab = item.label
        req = request_for(lab.source, lab.size, lab.style)
        rgb = "000000" if item.fill == "ink" else colour(item.fill, False).lstrip("#").upper()
        out.append(((item.x - x0) * PT_PER_UNIT, (y0 + h - item.y) * PT_PER_UNIT, req.size, rgb, req.tex))
    return out


def overlay_text(sc) -> str:
    """The ``.lbl`` file of a scene (empty string when it has no TeX labels)."""
    labels = overlay_labels(sc)
    if not labels:
        return ""
    _x0, _y0, w, h = sc.viewbox
    lines = [f"\\ncdlabels{{{w * PT_PER_UNIT:.3f}}}{{{h * PT_PER_UNIT:.3f}}}%"]
    lines += [f"\\ncdlabel{{{x:.3f}}}{{{y:.3f}}}{{{r}}}{{{c}}}{{{t}}}%" for x, y, r, c, t in labels]
    return "\n".join(lines) + "\n"
