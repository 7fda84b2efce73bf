"""Layout (stage 3): the glyphs of the sequence models' operations: a split (``chunk``) and a causal mask.

As the paper draws views and concatenations (a solid bar consuming and producing shapes), a split is a bar
that every wire of its input enters and every wire of its parts leaves, tuple separators between the parts,
and a dot on the bar where the split axis enters (a concatenation puts its dot where the joined axis leaves).
The paper has no mask; a causal one is drawn as the matrix it keeps: a square on its query and key wires with
its lower triangle filled (an additive mask, a value of its own, is a box).  A rotary embedding is a box over
the values it rotates, its cos and sin tables feeding into it from below.
"""
from __future__ import annotations

from dataclasses import replace

from .geometry import BOX_HPAD, BOX_MIN_W, DOT_R, FONT, PITCH, WIRE
from .glyph_boxes import draw_function
from .glyph_parts import all_rows, box_extent, draw_line, draw_tile, Glyph, ink_of, OpRows, pass_wires, poly
from .mathtext import label
from .glyph_wirings import draw_bar
from .scene import Circle

__all__ = ["draw_chunk", "draw_mask", "draw_rotary"]

MASK_LEAD = 6.0  # the wires' run from the glyph's sides to the mask's square
TABLE_GAP = 7.0  # between the table wires rising into a rotary box
TURN = 5.0  # the radius of a table wire's turn upwards


def draw_rotary(g: OpRows) -> Glyph:
    """A rotary embedding: a box over the values it rotates (their broadcast wires pass over it); each wire of
    its cos and sin tables runs in below it and turns up into its bottom edge."""
    rotated = getattr(g.op.params, "rotated", len(g.ins))
    tables = [y for ys in g.ins[rotated:] for y in ys]
    if not tables:
        return draw_function(g)
    src = g.op.label or "RoPE"
    extra = len(tables) * TABLE_GAP  # room on the label's right for the tables to rise into
    mine = replace(g, ins=g.ins[:rotated], in_core=g.in_core[:rotated])
    glyph = draw_tile(mine, src, None, "box", "paper", extra_w=extra)
    w = max(BOX_MIN_W, label(src, FONT).width + 2 * BOX_HPAD + extra)
    bottom = box_extent(mine)[1]
    for k, y in enumerate(sorted(tables)):  # the nearest turns up first: none crosses another
        x = w - (len(tables) - k) * TABLE_GAP + TABLE_GAP / 2
        turn = min(TURN, max(0.0, y - bottom))
        d = (("M", 0.0, y), ("L", x - turn, y), ("C", x, y, x, y, x, y - turn), ("L", x, bottom))
        glyph.items.insert(0, _wire(d, g))
    glyph.footroom = 0.0
    return glyph


def _wire(d, g: OpRows):
    from .scene import Path

    return Path(d, stroke=ink_of(g), width=WIRE, role="wire", owner=g.owner)


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
