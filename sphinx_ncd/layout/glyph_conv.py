"""Layout (stage 3): the convolution and pooling glyph.

The star tensor on the spatial wire, the kernel wire (double) into a learned map or a pooling box, and the
stride and dilation marks, as the paper draws them (``vocabulary.md``).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model.sizes import size_label as label_of_size
from ..model.types import AxisKind, OpKind
from .geometry import BOX_HPAD, BOX_MIN_W, BOX_PAD, CUT, FONT, PITCH, SHADOW, SMALL_FONT, THIN, WIRE, wire_path
from .glyph_parts import (
    all_rows, draw_line, draw_text, find_row, free_centre, Glyph, ink_of, OpRows, OVER, pass_wires, poly,
)
from .mathtext import label
from .scene import Path, Text

__all__ = ["draw_conv"]


QUAD_W, QUAD_H = 22.0, 18.0  # the star tensor
QUAD_X = 4.0  # its left edge
MAP_GAP = 14.0  # between the star tensor and the map box


@dataclass
class _ConvRows:
    """Which of a convolution's wires play which part: the spatial input(s) into the star tensor, the other
    (channel) inputs into the map box, the spatial output out of the star, the channel outputs out of the map."""

    spatial: list
    other_in: list
    spatial_out: list
    chan_out: list
    ys: float  # the spatial input's row
    ky: float  # the kernel wire's row


def _conv_rows(g: OpRows) -> _ConvRows:
    op = g.op
    over = op.params.over or ()
    if not isinstance(over, (tuple, list)):
        over = (over,)
    spatial = [s for s in (find_row(g, a) for a in over) if s is not None]
    cores = [(i, j) for i, cs in enumerate(g.in_core) for j, c in enumerate(cs) if c]
    if not spatial and cores:
        spatial = [cores[0]]
    other_in = [c for c in cores if c not in spatial]
    ys = min([g.ins[i][j] for i, j in spatial] or [0.0])
    out_core = [(k, l) for k, cs in enumerate(g.out_core) for l, c in enumerate(cs) if c]
    # the spatial output: the core output wire in the spatial input's place (same kind first)
    sp_axes = [op.inputs[i].axes[j] for i, j in spatial if j < len(op.inputs[i].axes)]
    spatial_out = [(k, l) for k, l in out_core
                   if sp_axes and l < len(op.outputs[k].axes) and op.outputs[k].axes[l].kind == sp_axes[0].kind
                   and sp_axes[0].kind != AxisKind.PLAIN][:1]
    if not spatial_out and out_core and sp_axes:
        pos = [j for i, j in spatial][0]
        core_positions = [j for i, j in cores if i == spatial[0][0]]
        rank = core_positions.index(pos) if pos in core_positions else 0
        spatial_out = [out_core[min(rank, len(out_core) - 1)]]
    chan_out = [c for c in out_core if c not in spatial_out]
    return _ConvRows(spatial, other_in, spatial_out, chan_out, ys, ys + PITCH * 0.9)


def draw_conv(g: OpRows) -> Glyph:
    """★ tensor on the spatial wire; kernel wire (double) into a learned map or a pooling box."""
    op = g.op
    r = _conv_rows(g)
    is_pool = op.kind == OpKind.POOL
    if is_pool:
        msrc = "\\mathbb{E}" if str(op.params.reduce or "max") in ("mean", "avg", "average") else "Max"
        mstyle = None
    else:
        msrc = op.label if op.label and not op.label.startswith("\\star") else "L"
        mstyle = "bold"
    mlab = label(msrc, FONT, mstyle)
    bias = not is_pool and bool(op.params.bias)
    xk = QUAD_X + QUAD_W + MAP_GAP  # map box left
    mw = max(BOX_MIN_W, mlab.width + 2 * BOX_HPAD + (6 if bias else 0))
    w = xk + mw + 8
    glyph = Glyph(w)
    map_rows = [r.ky] + [g.ins[i][j] for i, j in r.other_in] + [g.outs[k][l] for k, l in r.chan_out]
    my0, my1 = (r.ky - BOX_PAD, r.ky + BOX_PAD) if is_pool else (min(map_rows) - BOX_PAD, max(map_rows) + BOX_PAD)
    _star(glyph, g, r)
    yo = g.outs[r.spatial_out[0][0]][r.spatial_out[0][1]] if r.spatial_out else r.ys
    # the channel wires go into the map box
    for i, j in r.other_in:
        glyph.items.append(draw_line(0, g.ins[i][j], xk, g.ins[i][j], g))
    if is_pool:
        glyph.items.append(poly([(xk, my0), (xk + mw, my0), (xk + mw, my1), (xk, my1)], g, fill="paper"))
    else:
        pts = [(xk, my0), (xk + mw, my0), (xk + mw, my1), (xk + CUT, my1), (xk, my1 - CUT)]
        glyph.items.append(poly([(x + SHADOW, y + SHADOW) for x, y in pts], g, fill="shadow", stroke="",
                                role="shadow", opacity=0.35))
        glyph.items.append(poly(pts, g, fill="learned"))
    mcy = free_centre(my0, my1, [yo] if r.spatial_out else [], mlab)
    glyph.items.append(draw_text(msrc, xk + (mw - (6 if bias else 0)) / 2, mcy, g, style=mstyle))
    if bias:
        plus = label("+", SMALL_FONT + 1, "bold")
        glyph.items.append(Text(plus, xk + (mw - 6) / 2 + mlab.width / 2 + 0.5, mcy + mlab.ascent / 2 + 1.5,
                                fill=ink_of(g), owner=g.owner))
    groups = getattr(op.params, "groups", 1)
    if str(groups) != "1":  # grouped (depthwise) convolution: the channels split into groups, marked on the map
        glyph.items.append(draw_text("\\div " + label_of_size(groups), xk + mw / 2, my0 - 5, g, size=SMALL_FONT,
                                     role="glyph"))
    for k, l in r.chan_out:  # channel outputs leave the map box
        glyph.items.append(draw_line(xk + mw, g.outs[k][l], w, g.outs[k][l], g))
    pass_wires(glyph, g)
    if r.spatial_out:  # the spatial output leaves the tensor's top right and passes over the map
        glyph.items.append(Path(wire_path([(QUAD_X + QUAD_W, r.ys - QUAD_H / 4), (w, yo)]), stroke=ink_of(g),
                                width=WIRE, owner=g.owner + OVER))
    rows = all_rows(g) or [0.0]
    glyph.headroom = max(0.0, min(rows) - (r.ys - QUAD_H / 2 - 12))
    glyph.footroom = max(0.0, max(my1, r.ky + 12) + SHADOW - max(rows))
    return glyph


def _star(glyph: Glyph, g: OpRows, r: _ConvRows) -> None:
    """The star tensor on the spatial wire, its stride and dilation marks, and the kernel wire (double) from it
    to the map box."""
    xq, qw, qh, ys, ky = QUAD_X, QUAD_W, QUAD_H, r.ys, r.ky
    for i, j in r.spatial:
        glyph.items.append(draw_line(0, g.ins[i][j], xq, ys, g))
    quad = [(xq, ys - qh / 2), (xq + qw, ys - qh / 2 - 2), (xq + qw, ky + 3), (xq, ys + qh / 2)]
    glyph.items.append(poly(quad, g, fill="conv"))
    glyph.items.append(Path((("M", xq, ys + qh / 2), ("L", xq + qw, ys - qh / 2 - 2)), stroke=ink_of(g),
                            width=THIN * 0.8, role="glyph", owner=g.owner))
    glyph.items.append(draw_text("\\star" + ("^{\\top}" if g.op.params.transposed else ""), xq + qw * 0.33, ys - 1,
                                 g, size=FONT * 0.95, role="glyph"))
    stride, dilation = g.op.params.stride, g.op.params.dilation
    if stride not in (None, 1, "1", ""):
        glyph.items.append(draw_text(str(stride), xq + qw + 6, ys - qh / 2 - 4, g, size=SMALL_FONT, role="glyph"))
    if dilation not in (None, 1, "1", ""):
        glyph.items.append(draw_text(str(dilation), xq + qw + 6, ky + 8, g, size=SMALL_FONT, role="glyph"))
    xk = xq + qw + MAP_GAP
    for off in (-1.3, 1.3):
        glyph.items.append(Path((("M", xq + qw, ky + off), ("L", xk, ky + off)), stroke=ink_of(g), width=0.8,
                                role="wire", owner=g.owner))
    glyph.anchors["kernel"] = (xk, ky)
