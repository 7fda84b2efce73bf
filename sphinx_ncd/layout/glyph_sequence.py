"""Layout (stage 3): the glyph of a split (``chunk``), the mirror image of a concatenation.

As the paper draws views and concatenations (a solid bar consuming and producing shapes), a split is a bar
that every wire of its input enters and every wire of its parts leaves, tuple separators between the parts,
and a dot on the bar where the split axis enters (a concatenation puts its dot where the joined axis leaves).
Masks and rotary embeddings are boxes (:func:`~.glyph_boxes.draw_function`).
"""
from __future__ import annotations

from .geometry import DOT_R
from .glyph_parts import Glyph, OpRows, ink_of
from .glyph_wirings import draw_bar
from .scene import Circle

__all__ = ["draw_chunk"]


def draw_chunk(g: OpRows) -> Glyph:
    glyph = draw_bar(g, concat=True)
    over = g.op.params.over
    xb = glyph.width / 2
    for j, a in enumerate(g.op.inputs[0].axes):
        if over is not None and a.label == over.label and j < len(g.ins[0]):
            glyph.items.append(Circle(xb, g.ins[0][j], DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    return glyph
