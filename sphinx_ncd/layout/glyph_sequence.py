"""Layout (stage 3): the glyphs of the sequence models' operations: a split (``chunk``) and a causal mask.

As the paper draws views and concatenations (a solid bar consuming and producing shapes), a split is a bar
that every wire of its input enters and every wire of its parts leaves, tuple separators between the parts,
and a dot on the bar where the split axis enters (a concatenation puts its dot where the joined axis leaves).
The paper has no mask; a causal one is drawn as the matrix it keeps: a square on its query and key wires with
its lower triangle filled.  An additive mask (a value of its own) and rotary embeddings are boxes
(:func:`~.glyph_boxes.draw_function`).
"""
from __future__ import annotations

from .geometry import DOT_R, PITCH
from .glyph_boxes import draw_function
from .glyph_parts import all_rows, box_extent, draw_line, Glyph, ink_of, OpRows, pass_wires, poly
from .glyph_wirings import draw_bar
from .scene import Circle

__all__ = ["draw_chunk", "draw_mask"]

MASK_LEAD = 6.0  # the wires' run from the glyph's sides to the mask's square


def draw_mask(g: OpRows) -> Glyph:
    """A causal mask: a square over the query and key wires, its lower-left triangle (the positions a query
    keeps: its own and the earlier ones) filled; the wires end at its sides, the broadcast ones pass over."""
    if not getattr(g.op.params, "causal", False):
        return draw_function(g)
    y0, y1 = box_extent(g)
    side = min(y1 - y0, 2 * PITCH)
    w = side + 2 * MASK_LEAD
    glyph = Glyph(w)
    xa, xb = MASK_LEAD, MASK_LEAD + side
    for ys, cs, x, end in ((g.ins, g.in_core, 0.0, xa), (g.outs, g.out_core, xb, w)):
        for y, c in ((y, c) for yy, cc in zip(ys, cs) for y, c in zip(yy, cc)):
            if c:
                glyph.items.append(draw_line(x, y, end, y, g))
    glyph.items.append(poly([(xa, y0), (xb, y0), (xb, y1), (xa, y1)], g, fill="paper"))
    glyph.items.append(poly([(xa, y0), (xb, y1), (xa, y1)], g, fill=ink_of(g)))
    pass_wires(glyph, g)
    rows = all_rows(g) or [0.0]
    glyph.headroom = max(0.0, min(rows) - y0) + 1
    glyph.footroom = max(0.0, y1 - max(rows)) + 1
    return glyph


def draw_chunk(g: OpRows) -> Glyph:
    glyph = draw_bar(g, concat=True)
    over = g.op.params.over
    xb = glyph.width / 2
    for j, a in enumerate(g.op.inputs[0].axes):
        if over is not None and a.label == over.label and j < len(g.ins[0]):
            glyph.items.append(Circle(xb, g.ins[0][j], DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    return glyph
