"""Layout (stage 3): one glyph per operation kind, each in its own local coordinates.

:func:`build_glyph` picks the builder of the operation's kind (:mod:`.glyph_boxes`, :mod:`.glyph_wirings`,
:mod:`.glyph_einsum`, :mod:`.glyph_conv`; the records and helpers they share are in :mod:`.glyph_parts`), draws tandem wires double
and names the ports.  The layout translates glyphs into place; glyphs know nothing about columns or other
operations.
"""
from __future__ import annotations

from ..model.kinds import KINDS
from ..model.types import AxisKind, OpKind
from .glyph_beside import draw_beside
from .glyph_boxes import draw_block, draw_function, draw_index, draw_learned, draw_on_axis, STYLES
from .glyph_conv import draw_conv
from .glyph_marks import carry_mark, draw_elementwise
from .glyph_parts import axis_label_source, draw_ports, Glyph, OpRows, OVER
from .glyph_sequence import draw_chunk, draw_mask, draw_rotary
from .glyph_einsum import draw_einsum
from .glyph_memory import draw_loaded_concat, draw_saved_copy
from .fuse import LoadedConcat, SavedCopy
from .glyph_wirings import draw_add, draw_bar, draw_copy, draw_delete, draw_save_load, draw_unit
from .scene import Path

__all__ = ["OpRows", "Glyph", "build_glyph", "axis_label_source", "OVER", "BUILDERS"]

#: the glyph names of the model's kind table (``KINDS[kind].glyph``) -> their builders
BUILDERS = {
    "function": draw_function,
    "learned": draw_learned,
    "elementwise": draw_elementwise,  # element-wise maps and scalings
    "on_axis": draw_on_axis,  # softmax, normalisation
    "index": draw_index,
    "einsum": draw_einsum,
    "bar": draw_bar,  # views, concatenations
    "add": draw_add,
    "conv": draw_conv,  # convolutions, pooling
    "unit": draw_unit,
    "copy": draw_copy,
    "delete": draw_delete,
    "save_load": draw_save_load,
    "block": draw_block,
    "chunk": draw_chunk,  # a split: the mirror of a concatenation
    "mask": draw_mask,  # a causal mask: the lower-triangular square (an additive one is a box)
    "rotary": draw_rotary,  # a box over the rotated values, the tables feeding in from below
}


def build_glyph(g: OpRows) -> Glyph:
    """The glyph for ``g.op``: the builder its kind's row names (unknown kinds are drawn as generic boxes)."""
    if g.beside is not None:  # two maps in one column (see .fuse.fuse_beside)
        glyph = draw_beside(g, build_glyph)
        draw_ports(glyph, g)
        return glyph
    row = KINDS.get(g.op.kind)
    builder = BUILDERS.get(row.glyph, draw_function) if row is not None else draw_function
    if g.op.kind in (OpKind.FUNCTION, OpKind.LEARNED):  # a declared look: ``def NAME : SIG style bare|circle``
        builder = STYLES.get(g.op.params.style or "box", builder)
    if type(g.op) is SavedCopy or type(g.op) is LoadedConcat:  # drawn with its save or load (.glyph_memory)
        builder = draw_saved_copy if type(g.op) is SavedCopy else draw_loaded_concat
    glyph = builder(g)
    _double_tandem(glyph, g)
    if g.act is not None and "mark" not in glyph.anchors:  # the map drawn in this column (a norm places its own)
        carry_mark(glyph, g)
    draw_ports(glyph, g)
    return glyph


def _offset_cmd(c: tuple, dy: float) -> tuple:
    """A path command moved down by ``dy``."""
    if c[0] == "A":  # ("A", r, sweep, x, y)
        return ("A", c[1], c[2], c[3], c[4] + dy)
    return (c[0],) + tuple(v + dy if k % 2 == 1 else v for k, v in enumerate(c[1:]))


def _double_tandem(glyph: Glyph, g: OpRows):
    """Wires of tandem axes are double lines inside glyphs too."""
    ins = {round(g.ins[i][j], 3) for i, v in enumerate(g.op.inputs) for j, a in enumerate(v.axes)
           if a.kind == AxisKind.TANDEM and j < len(g.ins[i])}
    outs = {round(g.outs[k][l], 3) for k, v in enumerate(g.op.outputs) for l, a in enumerate(v.axes)
            if a.kind == AxisKind.TANDEM and l < len(g.outs[k])}
    if not ins and not outs:
        return
    items = []
    for it in glyph.items:
        if isinstance(it, Path) and it.role == "wire" and it.d and it.d[0][0] == "M" and it.d[-1][0] in ("L", "C"):
            x0, y0 = it.d[0][1], it.d[0][2]
            x1, y1 = it.d[-1][-2], it.d[-1][-1]
            if (abs(x0) < 1e-6 and round(y0, 3) in ins) or (abs(x1 - glyph.width) < 1e-6 and round(y1, 3) in outs):
                for off in (-1.4, 1.4):
                    d = tuple(_offset_cmd(c, off) for c in it.d)
                    items.append(Path(d, stroke=it.stroke, width=0.85, role="wire", owner=it.owner))
                continue
        items.append(it)
    glyph.items = items
