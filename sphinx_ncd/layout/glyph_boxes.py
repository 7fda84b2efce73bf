"""Layout (stage 3): glyphs of maps drawn as boxes and marks on a wire.

Functions and learned maps (tiles, or a declared bare or circle look), configured components (blocks),
element-wise maps and scalings (arrows), softmax and normalisation (on one axis) and indexes (pentagons),
as the paper draws them (``vocabulary.md``).
"""
from __future__ import annotations

from ..model.types import OpKind
from .geometry import (
    bend_length, BOX_HPAD, BOX_MIN_W, EXTRUDE, FONT, NORM_R, PENT_H, PENT_POINT, PITCH, SMALL_FONT, THIN, TRI, WIRE,
    wire_path,
)
from .glyph_parts import (
    all_rows, box_extent, converge, core_rows, draw_line, draw_text, draw_tile,
    find_row, free_centre, Glyph, ink_of, label_y, OpRows, pass_wires, poly,
)
from .mathtext import label
from .scene import Circle, Path, Text


__all__ = ["draw_function", "is_letter", "LETTER_SIZE", "draw_learned", "draw_letter", "learned_source", "draw_block", "STYLES", "draw_elementwise", "draw_on_axis", "draw_index", "TENSOR_STAR"]


INDEX_FONT = 10.2  # the index in its pentagon: 12 px and more at the reading scale (1.2)
LEARNED_SIZE = FONT * 1.9  # the paper's learned map: a large bold L, its superscript about the labels' size
BLOCK_LEADING = 2.0  # between a block header's name and its arguments
BLOCK_VPAD = 4.0  # above and below them, inside the box
LETTER_SIZE = FONT * 1.9  # a generic function named by one capital (G, H, F^T): the paper's large bare italic
TENSOR_STAR = FONT * 1.8  # the convolution tensor's star, in its tensor or box: as prominent as the paper's


def is_letter(src: str) -> bool:
    """A label that is one capital Latin letter, with scripts or not (``G``, ``F^T``, ``H_1``): the paper draws
    such generic functions as large bare italics; words and lower-case letters (``f``, ``Attn``) stay boxed."""
    return bool(src) and src[0].isascii() and src[0].isupper() and (len(src) == 1 or src[1] in "^_")


def draw_function(g: OpRows) -> Glyph:
    """A generic function: the paper's large bare italic for one capital letter (``style box`` keeps the
    tile), a box with its label otherwise."""
    src = g.op.label or "f"
    if g.op.kind == OpKind.FUNCTION and is_letter(src) and getattr(g.op.params, "style", None) != "box":
        return draw_letter(g, src, LETTER_SIZE, reach=0.0, centred=True)
    glyph = draw_tile(g, src, None, "box", "paper")
    if src == "\\star":  # the convolution tensor (the paper's figure 23): its star as large as in the tensor glyph
        glyph.items = [_large_star(it, g) if isinstance(it, Text) and it.owner == g.owner and it.label.text == "⋆"
                       else it for it in glyph.items]
    return glyph


def _large_star(text: Text, g: OpRows) -> Text:
    """The star label re-set at TENSOR_STAR on the same centre."""
    lab = text.label
    return draw_text("\\star", text.x + lab.width / 2, text.y - (lab.ascent - lab.descent) / 2, g, size=TENSOR_STAR)


def learned_source(src: str, bias: bool = False) -> str:
    """The label of a learned map as the paper sets it: the letter bold, its scripts plain (``L^Q`` ->
    ``\\mathbf{L}^Q``); ``bias`` adds the ``+`` subscript (``L_+``)."""
    if src[:1].isascii() and src[:1].isalpha() and (len(src) == 1 or src[1] in "^_"):
        out = "\\mathbf{" + src[0] + "}" + src[1:]
    else:
        out = "\\mathbf{" + src + "}"
    if bias:
        out = out + "_{+}" if "_" not in src else "{" + out + "}_{+}"
    return out


def draw_learned(g: OpRows) -> Glyph:
    """A learned map as the paper draws it: a large bold L on its wires, no box (a tile when declared
    ``style box``)."""
    bias = g.op.kind == OpKind.LEARNED and bool(g.op.params.bias)
    if getattr(g.op.params, "style", None) == "box":
        return _learned_tile(g, bias)
    return draw_letter(g, learned_source(g.op.label or "L", bias), LEARNED_SIZE)


def draw_letter(g: OpRows, src: str, size: float, reach: float = 0.5, centred: bool = False) -> Glyph:
    """A label standing on its core wires, no box: its baseline on the lowest core wire (the paper's L^Q: the
    input meets the letter's top left, the outputs leave its superscript and its foot).  Each wire runs
    level into the label's side; one whose row is far outside the label's height bends to its edge (``reach``:
    how far above the label's top, in label sizes, a wire may still meet it: the bold L's outputs leave at its
    superscript; ``centred``: the label's middle on the middle of its core wires, as the paper sets G, H, F^T,
    so that wires within its height run level into it)."""
    lab = label(src, size)
    rows = sorted({g.ins[i][j] for i, cs in enumerate(g.in_core) for j, c in enumerate(cs) if c}
                  | {g.outs[k][l] for k, cs in enumerate(g.out_core) for l, c in enumerate(cs) if c}) or all_rows(g) \
        or [0.0]
    passing = sorted({g.ins[i][j] for (i, j), _ in g.pairs})
    base = (rows[0] + rows[-1] + lab.ascent - lab.descent) / 2 if centred else rows[-1] + 0.12 * size
    if any(base - lab.ascent - 1 < y < base + lab.descent + 1 for y in passing):
        base = free_centre(rows[0] - lab.height, rows[-1] + lab.height, passing, lab) + (lab.ascent - lab.descent) / 2
    band = (base - lab.ascent - reach * size, base)  # rows a wire may meet the label at, level
    if centred:  # neighbouring core wires all meet the letter level; ones further apart run in to its extent
        band = (rows[0], rows[-1]) if rows[-1] - rows[0] <= PITCH + 1e-6 else (base - lab.ascent, base + lab.descent)

    def meet(y):  # min(max(y, band[0]), band[1]), without the calls
        y = band[0] if band[0] > y else y
        return band[1] if band[1] < y else y

    travel = max([abs(y - meet(y)) for y in rows] + [0.0])
    lead = bend_length(travel) if travel > 1e-6 else 8.0
    w = 2 * lead + lab.width + 4
    glyph = Glyph(w)
    xl, xr = lead + 1, lead + 3 + lab.width
    for ys, cs in zip(g.ins, g.in_core):
        glyph.items.extend(draw_wire([(0, y), (xl, meet(y))], g) for y, c in zip(ys, cs) if c)
    for ys, cs in zip(g.outs, g.out_core):
        glyph.items.extend(draw_wire([(xr, meet(y)), (w, y)], g) for y, c in zip(ys, cs) if c)
    glyph.items.append(Text(lab, lead + 2, base, fill=ink_of(g), role="label", owner=g.owner))
    pass_wires(glyph, g)
    top, bottom = min(all_rows(g) or [base]), max(all_rows(g) or [base])
    glyph.headroom = max(0.0, top - (base - lab.ascent)) + 1
    glyph.footroom = max(0.0, base + lab.descent - bottom) + 1
    return glyph


def draw_wire(points, g: OpRows) -> Path:
    return Path(wire_path(points), ink_of(g), None, WIRE, None, "wire", g.owner)  # (positional: a quicker call)


def _learned_tile(g: OpRows, bias: bool) -> Glyph:
    src = g.op.label or "L"
    glyph = draw_tile(g, src, "bold", "learned", "learned", extra_w=6.0 if bias else 0.0)
    if bias:
        y0, y1 = box_extent(g)
        plus = label("+", SMALL_FONT + 1, "bold")
        lab = label(src, FONT, "bold")
        box_w = max(BOX_MIN_W, lab.width + 2 * BOX_HPAD + 6.0)
        x = (box_w - 6.0) / 2 + lab.width / 2 + 0.5
        cy = label_y(g, y0, y1, lab)
        glyph.items.append(Text(plus, x, cy + lab.ascent / 2 + 1.5, fill=ink_of(g), role="label", owner=g.owner))
    return glyph


def draw_block(g: OpRows) -> Glyph:
    """A configured component as the paper draws its header (Block(s, N), UNet): a tinted box in relief, its name
    in sans on one line and, under it, the arguments its wires' labels do not already show."""
    params = g.op.params  # a BlockParams
    name = params.name or g.op.label or "Block"
    shown = {a.label for v in (*g.op.inputs, *g.op.outputs) for a in v.axes}
    args = [str(value) for _, value in params.args if str(value) not in shown]
    title = f"\\mathsf{{{_escaped(name)}}}" if params.args else (g.op.label or name)
    style = None if params.args else "regular"
    if g.pairs:  # a wire passes over it: one line, clear of the wire
        src = title + (f"({', '.join(args)})" if args else "")
        return draw_tile(g, src, style, "block", "block")
    return _header_box(g, label(title, FONT, style), label(f"({', '.join(args)})", FONT) if args else None)


def _header_box(g: OpRows, top, bottom) -> Glyph:
    """The tinted box in relief with its name over its arguments (``bottom``; None: the name alone), tall
    enough for both lines; the wires end at its sides."""
    y0, y1 = box_extent(g)
    need = top.height + (bottom.height + BLOCK_LEADING if bottom else 0.0) + 2 * BLOCK_VPAD
    if y1 - y0 < need:
        grow = (need - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow
    w = max(BOX_MIN_W, top.width + 2 * BOX_HPAD, (bottom.width if bottom else 0.0) + 2 * BOX_HPAD)
    e = EXTRUDE
    glyph = Glyph(w)
    glyph.items.append(poly([(0, y0), (e, y0 - e), (w + e, y0 - e), (w, y0)], g, fill="block-side"))
    glyph.items.append(poly([(w, y0), (w + e, y0 - e), (w + e, y1 - e), (w, y1)], g, fill="block-side"))
    glyph.items.append(poly([(0, y0), (w, y0), (w, y1), (0, y1)], g, fill="block"))
    mid = (y0 + y1) / 2
    if bottom is None:
        lines = ((top, mid + (top.ascent - top.descent) / 2),)
    else:
        lines = ((top, mid - BLOCK_LEADING / 2 - top.descent), (bottom, mid + BLOCK_LEADING / 2 + bottom.ascent))
    for lab, base in lines:
        glyph.items.append(Text(lab, (w - lab.width) / 2, base, fill=ink_of(g), role="label", owner=g.owner))
    rows = all_rows(g) or [0.0]
    glyph.headroom = max(0.0, min(rows) - (y0 - e)) + 1
    glyph.footroom = max(0.0, y1 - max(rows)) + 1
    return glyph


def _escaped(name: str) -> str:
    """A block name as label source: its characters drawn as written."""
    return "".join("\\" + c if c in "\\{}^_" else c for c in name)


def _styled_source(g: OpRows) -> tuple[str, str | None]:
    """The label and font style of a function or learned map drawn in a declared style."""
    if g.op.kind == OpKind.LEARNED:
        return learned_source(g.op.label or "L", bool(g.op.params.bias)), None
    return g.op.label or "f", None


def _bare(g: OpRows) -> Glyph:
    """A label on its wire, no box: the core wires run into the label and out of it."""
    src, style = _styled_source(g)
    lab = label(src, FONT, style)
    rows = core_rows(g) or all_rows(g) or [0.0]
    y0, y1 = min(rows), max(rows)
    spread = y1 - y0
    lead = bend_length(spread / 2) if spread > 1e-6 else 8.0
    w = 2 * lead + lab.width + 6
    glyph = Glyph(w)
    cy = label_y(g, y0 - lab.height, y1 + lab.height, lab) if spread < 1e-6 else free_centre(
        y0, y1, sorted({g.ins[i][j] for (i, j), _ in g.pairs}), lab)
    converge(glyph, g, lead, w - lead, cy)
    glyph.items.append(draw_text(src, w / 2, cy, g, style=style))
    pass_wires(glyph, g)
    top, bottom = min(all_rows(g) or [cy]), max(all_rows(g) or [cy])
    glyph.headroom = max(0.0, top - (cy - lab.ascent)) + 1
    glyph.footroom = max(0.0, cy + lab.descent - bottom) + 1
    return glyph


def _circle(g: OpRows) -> Glyph:
    """A circle over the core wires with the label inside; the wires end on its outline."""
    src, style = _styled_source(g)
    lab = label(src, FONT * 0.9, style)
    rows = core_rows(g) or all_rows(g) or [0.0]
    y0, y1 = min(rows), max(rows)
    r = max(NORM_R + 2, lab.width / 2 + 4, lab.height / 2 + 3, (y1 - y0) / 2 + 4)
    cy = (y0 + y1) / 2
    lead = 8.0
    w = 2 * (lead + r)
    cx = w / 2
    glyph = Glyph(w)

    def edge(y, side):
        dx = max(0.0, r * r - (y - cy) ** 2) ** 0.5
        return cx + side * dx

    converge(glyph, g, cx - r, cx + r, cy, edge)
    fill = "learned" if g.op.kind == OpKind.LEARNED else "paper"
    glyph.items.append(Circle(cx, cy, r, stroke=ink_of(g), fill=fill, width=THIN, role="box", owner=g.owner))
    glyph.items.append(draw_text(src, cx, cy, g, size=FONT * 0.9, style=style))
    pass_wires(glyph, g)
    top, bottom = min(all_rows(g) or [cy]), max(all_rows(g) or [cy])
    glyph.headroom = max(0.0, top - (cy - r)) + 1
    glyph.footroom = max(0.0, cy + r - bottom) + 1
    return glyph


STYLES = {"bare": _bare, "circle": _circle}


# element-wise maps and scalings are marks on the segment they act on: drawn by glyph_marks, named here too
from .glyph_marks import carried_mark, draw_elementwise, mark_width  # noqa: E402


def draw_on_axis(g: OpRows, shape: str | None = None) -> Glyph:
    shape = shape or ("softmax" if g.op.kind == OpKind.SOFTMAX else "norm")
    over = g.op.params.over
    hit = find_row(g, over)
    if hit is None:
        cores = [(i, j) for i, cs in enumerate(g.in_core) for j, c in enumerate(cs) if c]
        hit = cores[-1] if cores else ((0, len(g.ins[0]) - 1) if g.ins and g.ins[0] else None)
    dip = _batch_wire(g, hit) if shape == "norm" else None
    w = 30.0 if dip is None else 2 * NORM_DIP_RUN
    carrier = _mark_carrier(g, hit, dip)
    if carrier is not None:
        w = max(w, mark_width(g.act[0]))
    glyph = Glyph(w)
    # the acted-on wire goes straight through; every other wire too, but the batch wire of a normalisation
    ins = [y for ys in g.ins for y in ys]
    outs = [y for ys in g.outs for y in ys]
    for n, (y0, y1) in enumerate(zip(ins, outs)):
        if n != dip:
            glyph.items.append(draw_line(0, y0, w, y1, g))
    if dip is not None:  # it curves in to touch the circle and out again (the paper's BatchNorm)
        y = g.ins[hit[0]][hit[1]]
        side = 1.0 if ins[dip] > y else -1.0
        glyph.items.append(draw_wire([(0, ins[dip]), (w / 2, y + side * NORM_R), (w, outs[dip])], g))
    if hit is not None:
        y = g.ins[hit[0]][hit[1]]
        cx = w / 2
        if shape == "softmax":
            h = TRI
            pts = [(cx - h * 0.5, y), (cx + h * 0.45, y - h / 2), (cx + h * 0.45, y + h / 2)]
            glyph.items.append(poly(pts, g, fill="paper", role="box"))
        else:
            glyph.items.append(Circle(cx, y, NORM_R, stroke=ink_of(g), fill="paper", width=THIN, role="box",
                                      owner=g.owner))
        top = min(ins) if ins else y
        bottom = max(ins) if ins else y
        glyph.headroom = max(0.0, top - (y - TRI / 2)) + 1
        glyph.footroom = max(0.0, (y + TRI / 2) - bottom) + 1
    if carrier is not None:
        carried_mark(glyph, g, carrier)
    return glyph


def _mark_carrier(g: OpRows, hit, dip) -> float | None:
    """The row that carries the mark of the element-wise map drawn in a normalisation's column (``g.act``): the
    segment's top wire that runs straight through, at least a pitch from the circle; None when there is none
    (the map is then drawn in a column of its own: see :func:`.fuse.fuse_activations`)."""
    if not g.act or hit is None or len(g.ins) != 1:
        return None
    y = g.ins[hit[0]][hit[1]]
    for n, (a, b) in enumerate(zip(g.ins[0], g.outs[0])):
        if n != hit[1] and n != dip and abs(a - b) < 1e-6 and abs(a - y) >= PITCH - 1e-6:
            return a
    return None


NORM_DIP_RUN = 16.0  # the batch wire's run from the glyph's side to the circle it touches
BATCH = "b"  # the batch axis's name in the paper and the docs: a normalisation's statistics run over it


def _batch_wire(g: OpRows, hit) -> int | None:
    """The flat index of a normalisation's batch wire when it lies next to the normalised wire (nothing between
    them) and keeps its row through the glyph: the paper draws it curving in to touch the circle."""
    if hit is None or not g.ins or not g.ins[hit[0]]:
        return None
    y = g.ins[hit[0]][hit[1]]
    ins = [(v, j, yy) for v, ys in enumerate(g.ins) for j, yy in enumerate(ys)]
    outs = [yy for ys in g.outs for yy in ys]
    if len(outs) != len(ins):
        return None
    for n, (v, j, yb) in enumerate(ins):
        axes = g.op.inputs[v].axes if v < len(g.op.inputs) else ()
        if (v, j) == tuple(hit) or j >= len(axes) or axes[j].label != BATCH or abs(outs[n] - yb) > 1e-6:
            continue
        lo, hi = min(y, yb), max(y, yb)
        if not any(lo + 1e-6 < o < hi - 1e-6 for _, _, o in ins) and hi - lo > NORM_R + 2:
            return n
    return None


def draw_index(g: OpRows) -> Glyph:
    axis = g.op.params.axis
    hit = find_row(g, axis)
    if hit is None:
        cores = [(i, j) for i, cs in enumerate(g.in_core) for j, c in enumerate(cs) if c]
        hit = cores[0] if cores else (0, 0)
    src = str(g.op.params.index or g.op.label or "i")
    lab = label(src, INDEX_FONT)
    pw = lab.width + 8 + PENT_POINT
    i, j = hit
    yk = g.ins[i][j] if g.ins and g.ins[i] else 0.0
    x0 = 6.0
    # the remaining wires: pair in order, skipping the indexed one; each runs level under the pentagon and
    # moves to its new row only past its tip (the paper's figures 8 and 9)
    rest_in = [g.ins[a][b] for a in range(len(g.ins)) for b in range(len(g.ins[a])) if (a, b) != (i, j)]
    rest_out = [y for ys in g.outs for y in ys]
    travel = max((abs(a - b) for a, b in zip(rest_in, rest_out)), default=0.0)
    x_tip = x0 + pw + 4
    w = max(BOX_MIN_W + 8, pw + 16, x_tip + (bend_length(travel) if travel > 1e-6 else 0.0))
    glyph = Glyph(w)
    glyph.items.append(draw_line(0, yk, x0, yk, g))
    h = PENT_H
    pts = [(x0, yk - h / 2), (x0 + pw - PENT_POINT, yk - h / 2), (x0 + pw, yk), (x0 + pw - PENT_POINT, yk + h / 2),
           (x0, yk + h / 2)]
    for y0, y1 in zip(rest_in, rest_out):
        glyph.items.append(draw_wire([(0, y0)] + ([(x_tip, y0)] if abs(y0 - y1) > 1e-6 else []) + [(w, y1)], g))
    glyph.items.append(poly(pts, g, fill="index", stroke="index", role="box"))
    lt = draw_text(src, x0 + (pw - PENT_POINT) / 2 + 1, yk, g, size=INDEX_FONT, fill="index-text")
    glyph.items.append(lt)
    glyph.anchors["index"] = (x0, yk)
    top = min(all_rows(g) or [yk])
    bottom = max(all_rows(g) or [yk])
    glyph.headroom = max(0.0, top - (yk - h / 2)) + 1
    glyph.footroom = max(0.0, yk + h / 2 - bottom) + 1
    return glyph
