"""Layout (stage 3): the convolution and pooling glyph.

As the paper draws them (``vocabulary.md``, paper figures 24-27): a plain learned convolution (stride and
dilation 1) is a compact ``★3`` box, thick-edged, carrying its kernel size, so a padded convolution is told
from a plain one by its output size; a strided, dilated or transposed convolution, or a pooling, is the
star tensor on the spatial wire with its stride and dilation marks, the transposed ``T`` beside it, the
kernel size (``2²``) on the kernel wire (double) that runs into a large bold L, or into the pooling's
reduction written after it (``2² ═Max➤``).  A convolution whose learned map is named (``conv L^Q[Cq] ...``)
is the star tensor too, its L carrying the name: the paper's 1x1 maps in visual attention (``★ 1² L^Q``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..model.sizes import size_label
from ..model.types import AxisKind, OpKind
from .geometry import (
    ARROW, bend_length, BOX_HPAD, BOX_MIN_W, BOX_PAD, CUT, FONT, PITCH, SHADOW, SMALL_FONT, THIN, WIRE, wire_path,
)
from .glyph_boxes import LEARNED_SIZE, learned_source, TENSOR_STAR
from .glyph_parts import (
    all_rows, arrow_head, axis_label_source, draw_line, draw_text, draw_tile, find_row, free_centre, Glyph, ink_of, OpRows, OVER,
    pass_wires, poly,
)
from .mathtext import label
from .scene import Path, Text

__all__ = ["draw_conv"]


QUAD_W, QUAD_H = 20.0, 22.0  # the star tensor: narrower than tall, as the paper draws it
QUAD_X = 2.0  # its left edge
MIN_GAP = 10.0  # the least run of the kernel wire between the star tensor and the map
DIL_GAP = 7.0  # between the dilation and the kernel size along the kernel wire (``2   3²``, not ``23²``)
MARK_PAD = 2.5  # the kernel wire runs this far past its marks at either end
STAR_SIZE = FONT * 1.5  # the star in the compact box
COMPACT_EDGE = 2.0  # the compact box's thick edge, as the paper's ★3
MARK_FONT = 10.2  # stride, dilation, kernel size and T: 12 px and more at the reading scale (1.2)


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
    gap: float = MIN_GAP  # the kernel wire's run, room for its marks (map_gap)
    up: bool = False  # the kernel wire leaves the tensor's top (the channel wires lie just above the spatial one)


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


def _one(v) -> bool:
    return v in (None, 1, "1", "")


def kernel_source(op, power: bool) -> str:
    """The kernel size as the paper writes it: ``3`` in the compact box, ``3^{2}`` on a rank-2 kernel wire; a
    global pooling's window is its whole input: the spatial axis's own label (its bar already says tandem)."""
    k = op.params.kernel
    if k is None:
        over = op.params.over or ()
        over = over if isinstance(over, (tuple, list)) else (over,)
        return axis_label_source(over[0]) if op.kind == OpKind.POOL and len(over) == 1 else ""
    src = size_label(k)
    over = op.params.over or ()
    rank = sum(getattr(a, "rank", 1) for a in (over if isinstance(over, (tuple, list)) else (over,)))
    if power and rank > 1:
        src = ("{" + src + "}" if len(src) > 1 else src) + "^{" + str(rank) + "}"
    return src


def draw_conv(g: OpRows) -> Glyph:
    """A compact ★k box for a plain learned convolution; else the star tensor and its kernel wire: a strided,
    dilated or transposed one, a pooling, and one whose learned map is named (the paper's ★ 1² L^Q: the box
    has no room for the name)."""
    p = g.op.params
    if g.op.kind != OpKind.POOL and not p.transposed and _one(p.stride) and _one(p.dilation) \
            and not getattr(p, "map_label", None):
        return _compact(g)
    return _tensor_form(g)


def _compact(g: OpRows) -> Glyph:
    """The paper's ★3 box: every core wire enters and leaves it; a large star, then the kernel size."""
    k = kernel_source(g.op, power=False) or " "
    star = label("\\star", STAR_SIZE)
    gap = 1.5
    glyph = draw_tile(g, k, None, "box", "conv", extra_w=star.width + gap)
    items, text = [], None
    for it in glyph.items:
        if isinstance(it, Path) and it.role == "box":
            it = replace(it, width=COMPACT_EDGE)
        elif isinstance(it, Text) and it.owner == g.owner and text is None:
            text = it  # the kernel size, re-placed after the star below
            continue
        items.append(it)
    glyph.items = items
    if text is not None:
        lab = text.label
        x0 = (glyph_box_width(lab, star.width + gap) - lab.width - star.width - gap) / 2
        items.append(Text(star, x0, text.y, fill=ink_of(g), role="label", owner=g.owner))
        items.append(Text(lab, x0 + star.width + gap, text.y, fill=ink_of(g), role="label", owner=g.owner))
    box = next((it for it in items if isinstance(it, Path) and it.role == "box"), None)
    if box is not None:
        ys = [pt[2] for pt in box.d if len(pt) == 3]
        xs = [pt[1] for pt in box.d if len(pt) == 3]
        _groups_mark(glyph, g, (min(xs) + max(xs)) / 2, min(ys) - 5)
    return glyph


def _groups_mark(glyph: Glyph, g: OpRows, x: float, y: float) -> None:
    """A grouped (depthwise) convolution: its channels split into groups, marked ``÷g`` above the map."""
    groups = getattr(g.op.params, "groups", 1)
    if str(groups) != "1":
        glyph.items.append(draw_text("\\div " + size_label(groups), x, y, g, size=SMALL_FONT, role="glyph"))


def glyph_box_width(lab, extra: float) -> float:
    """The width draw_tile gives a box for ``lab`` and ``extra`` room."""
    return max(BOX_MIN_W, lab.width + 2 * BOX_HPAD + extra)


def _tensor_form(g: OpRows) -> Glyph:
    """★ tensor on the spatial wire; kernel wire (double) into a large bold L standing on the channel wires
    (the tensor mirrored when they lie just above the spatial wire: the kernel wire then leaves its top), or
    into the pooling's reduction.  A tile only where the channel wires lie farther off."""
    op = g.op
    r = _conv_rows(g)
    is_pool = op.kind == OpKind.POOL
    bias = not is_pool and bool(op.params.bias)
    if is_pool:
        msrc = "\\mathbb{E}" if str(op.params.reduce or "max") in ("mean", "avg", "average") else "Max"
    else:
        msrc = getattr(op.params, "map_label", None) \
            or (op.label if op.label and not op.label.startswith("\\star") else "L")
    chan_rows = [g.ins[i][j] for i, j in r.other_in] + [g.outs[k][l] for k, l in r.chan_out]
    passing = [g.ins[i][j] for (i, j), _ in g.pairs]
    r.up = not is_pool and bool(chan_rows) and all(r.ys - 1.25 * PITCH <= y < r.ys for y in chan_rows) \
        and not any(min(chan_rows) - 1 < y < r.ys for y in passing)
    if r.up:  # mirrored: the kernel wire leaves the top right corner, up to the L on the channel wires
        r.ky = r.ys - QUAD_H / 2 - 2
    letter = not is_pool and (r.up or all(y > r.ys for y in chan_rows))
    if letter:
        mlab = label(learned_source(msrc, bias), LEARNED_SIZE)
        mw = mlab.width + 4
    elif is_pool:  # the paper's 2² ═Max➤: the reduction written after the kernel wire, no box
        mlab = label(msrc, FONT)
        mw = mlab.width + 3 + ARROW
    else:
        mlab = label(msrc, FONT, None if is_pool else "bold")
        mw = max(BOX_MIN_W, mlab.width + 2 * BOX_HPAD + (6 if bias else 0))
    r.gap = map_gap(g)
    xk = QUAD_X + QUAD_W + r.gap  # the map's left
    w = xk + mw + (0 if letter else 3)
    yo = g.outs[r.spatial_out[0][0]][r.spatial_out[0][1]] if r.spatial_out else r.ys
    if abs(yo - r.ys) > 1e-6:  # the spatial output changes row only past the map box, never over it
        w += bend_length(abs(yo - r.ys))
    route = _spatial_route(g, r, yo)
    w = max(w, route[-1][0])
    glyph = Glyph(w)
    map_rows = [r.ky] + chan_rows
    my0, my1 = (r.ky - BOX_PAD, r.ky + BOX_PAD) if is_pool else (min(map_rows) - BOX_PAD, max(map_rows) + BOX_PAD)
    _star(glyph, g, r)
    for i, j in r.other_in:  # the channel wires go into the map
        glyph.items.append(draw_line(0, g.ins[i][j], xk, g.ins[i][j], g))
    # the L's baseline; mirrored, its scripts clear the spatial wire under it
    base = min(r.ys - 8.5, r.ys - 3 - mlab.descent) if r.up else max(map_rows) + 0.12 * LEARNED_SIZE
    if letter:
        glyph.items.append(Text(mlab, xk + 1, base, fill=ink_of(g), role="label", owner=g.owner))
        my1 = max(my1, base + mlab.descent)
    elif is_pool:
        glyph.items.append(draw_text(msrc, xk + 1 + mlab.width / 2, r.ky, g))
        glyph.items.append(arrow_head(xk + mw, r.ky, g))
        my1 = r.ky + mlab.height / 2 + 1
    else:
        _map_box(glyph, g, msrc, mlab, xk, mw, my0, my1, yo if r.spatial_out else None, bias)
    _groups_mark(glyph, g, xk + mw / 2, my0 - 5)
    x_out = xk + (mlab.width + 3 if letter else mw)
    for k, l in r.chan_out:  # channel outputs leave the map
        glyph.items.append(draw_line(x_out, g.outs[k][l], w, g.outs[k][l], g))
    pass_wires(glyph, g)
    if r.spatial_out:  # the spatial output leaves the tensor's right side (over the map box, if one)
        glyph.items.append(Path(wire_path(route[:-1] + [(w, yo)]), stroke=ink_of(g), width=WIRE,
                                owner=g.owner + OVER))
    rows = all_rows(g) or [0.0]
    top = min(r.ys - QUAD_H / 2 - 12, base - mlab.ascent - 1) if r.up else r.ys - QUAD_H / 2 - 12
    glyph.headroom = max(0.0, min(rows) - top)
    bottom = r.ys + QUAD_H / 2 + 14 if r.up else max(my1, r.ky + 12) + SHADOW
    glyph.footroom = max(0.0, bottom - max(rows))
    return glyph


def _map_box(glyph, g, msrc, mlab, xk, mw, my0, my1, yo, bias) -> None:
    """The learned tile (when the L cannot stand on its wires), with its label and bias '+'."""
    pts = [(xk, my0), (xk + mw, my0), (xk + mw, my1), (xk + CUT, my1), (xk, my1 - CUT)]
    glyph.items.append(poly([(x + SHADOW, y + SHADOW) for x, y in pts], g, fill="shadow", stroke="",
                            role="shadow", opacity=0.35))
    glyph.items.append(poly(pts, g, fill="learned"))
    mcy = free_centre(my0, my1, [yo] if yo is not None else [], mlab)
    glyph.items.append(draw_text(msrc, xk + (mw - (6 if bias else 0)) / 2, mcy, g, style="bold"))
    if bias:
        plus = label("+", SMALL_FONT + 1, "bold")
        glyph.items.append(Text(plus, xk + (mw - 6) / 2 + mlab.width / 2 + 0.5, mcy + mlab.ascent / 2 + 1.5,
                                fill=ink_of(g), owner=g.owner))


def _star(glyph: Glyph, g: OpRows, r: _ConvRows) -> None:
    """The star tensor on the spatial wire, its marks, and the kernel wire (double) from it to the map;
    mirrored top to bottom when the kernel wire leaves at the top (``r.up``)."""
    xq, qw, qh, ys, ky = QUAD_X, QUAD_W, QUAD_H, r.ys, r.ky
    for i, j in r.spatial:
        glyph.items.append(draw_line(0, g.ins[i][j], xq, ys, g))
    if r.up:
        quad = [(xq, ys - qh / 2), (xq + qw, ky - 3), (xq + qw, ys + qh / 2 + 2), (xq, ys + qh / 2)]
        diagonal = ((xq, ys - qh / 2), (xq + qw, ys + qh / 2 + 2))
    else:
        quad = [(xq, ys - qh / 2), (xq + qw, ys - qh / 2 - 2), (xq + qw, ky + 3), (xq, ys + qh / 2)]
        diagonal = ((xq, ys + qh / 2), (xq + qw, ys - qh / 2 - 2))
    glyph.items.append(poly(quad, g, fill="conv"))
    glyph.items.append(Path((("M", *diagonal[0]), ("L", *diagonal[1])), stroke=ink_of(g), width=THIN * 0.8,
                            role="glyph", owner=g.owner))
    cx, cy = _incentre((xq, ys - qh / 2), (xq, ys + qh / 2), diagonal[1])  # the triangle the diagonal cuts off
    glyph.items.append(draw_text("\\star", cx, cy, g, size=TENSOR_STAR, role="glyph"))
    _marks(glyph, g, r)
    xk = xq + qw + r.gap
    for off in (-1.3, 1.3):
        glyph.items.append(Path((("M", xq + qw, ky + off), ("L", xk, ky + off)), stroke=ink_of(g), width=0.8,
                                role="wire", owner=g.owner))
    glyph.anchors["kernel"] = (xk, ky)


def _spatial_route(g: OpRows, r: _ConvRows, yo: float) -> list:
    """The spatial output's way from the tensor's right side to its row ``yo``: level under (over, when
    mirrored) the stride and T until past them when it turns towards them, then one bend."""
    y_exit = r.ys + (QUAD_H / 4 if r.up else -QUAD_H / 4)
    start = (QUAD_X + QUAD_W, y_exit)
    end = _beside_end(g)
    towards = yo > y_exit if r.up else yo < y_exit
    if end is None or not towards or abs(yo - y_exit) < 1e-6:
        return [start, (start[0] + bend_length(abs(yo - y_exit)), yo)]
    return [start, (end + 1, y_exit), (end + 1 + bend_length(abs(yo - y_exit)), yo)]


def _beside_end(g: OpRows):
    """Where the stride and T beside the tensor end (None: neither is written)."""
    p = g.op.params
    corner = _global_out(g.op) or ("" if _one(p.stride) else str(p.stride))
    marks = ([corner] if corner else []) + (["T"] if p.transposed else [])
    if not marks:
        return None
    return QUAD_X + QUAD_W + 2 + sum(_mark_width(m) + 2 for m in marks)


def _incentre(a, b, c) -> tuple[float, float]:
    """The centre of the circle inscribed in triangle abc: where the star stands largest inside it."""
    la = ((b[0] - c[0]) ** 2 + (b[1] - c[1]) ** 2) ** 0.5
    lb = ((a[0] - c[0]) ** 2 + (a[1] - c[1]) ** 2) ** 0.5
    lc = ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
    n = la + lb + lc
    return (la * a[0] + lb * b[0] + lc * c[0]) / n, (la * a[1] + lb * b[1] + lc * c[1]) / n


def _mark_width(src: str) -> float:
    return label(src, MARK_FONT).width if src else 0.0


def map_gap(g: OpRows) -> float:
    """The kernel wire's run from the star tensor to the map: room for the dilation and the kernel size
    written along it (the stride and T stand beside the tensor, off the wire), at least MIN_GAP."""
    p = g.op.params
    dil = _mark_width(str(p.dilation)) + DIL_GAP if not _one(p.dilation) else 0.0
    return max(MIN_GAP, MARK_PAD + dil + _mark_width(kernel_source(g.op, power=True)) + MARK_PAD)


def _marks(glyph: Glyph, g: OpRows, r: _ConvRows) -> None:
    """Stride and the transposed T beside the tensor's corner away from the kernel wire (the paper's ★2 T:
    top right), dilation and kernel size along the kernel wire (on the spatial wire's side when mirrored)."""
    xq, qw, qh, ys, ky = QUAD_X, QUAD_W, QUAD_H, r.ys, r.ky
    p = g.op.params
    y = ys + qh / 2 + 3.5 if r.up else ys - qh / 2 - 3.5  # clear of a neighbouring wire one pitch off
    x = xq + qw + 2
    corner = _global_out(g.op) or ("" if _one(p.stride) else str(p.stride))  # a global pooling writes 1²
    if corner:
        w = _mark_width(corner)
        glyph.items.append(draw_text(corner, x + w / 2, y, g, size=MARK_FONT, role="glyph"))
        x += w + 2
    if p.transposed:
        w = _mark_width("T")
        glyph.items.append(draw_text("T", x + w / 2, y, g, size=MARK_FONT, role="glyph"))
    x = xq + qw + MARK_PAD
    if not _one(p.dilation):
        w = _mark_width(str(p.dilation))
        glyph.items.append(draw_text(str(p.dilation), x + w / 2, ky + (7.5 if r.up else 9), g, size=MARK_FONT,
                                     role="glyph"))
        x += w + DIL_GAP
    k = kernel_source(g.op, power=True)
    if k:  # the kernel size on the kernel wire, as the paper's 2²
        w = _mark_width(k)
        glyph.items.append(draw_text(k, x + w / 2, ky + (7.5 if r.up else -7.5), g, size=MARK_FONT, role="glyph"))


def _global_out(op) -> str:
    """A global pooling's output size as the paper writes it (``1^{2}`` over a rank-2 axis), else ''."""
    if op.kind != OpKind.POOL or op.params.kernel is not None:
        return ""
    over = op.params.over or ()
    rank = sum(getattr(a, "rank", 1) for a in (over if isinstance(over, (tuple, list)) else (over,)))
    return "1^{" + str(rank) + "}" if rank > 1 else "1"
