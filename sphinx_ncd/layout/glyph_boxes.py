"""Layout (stage 3): glyphs of maps drawn as boxes and marks on a wire.

Functions and learned maps (tiles, or a declared bare or circle look), configured components (blocks),
element-wise maps and scalings (arrows), softmax and normalisation (on one axis) and indexes (pentagons),
as the paper draws them (``vocabulary.md``).
"""
from __future__ import annotations

from ..model.types import OpKind
from .geometry import (
    ARROW, bend_length, BOX_HPAD, BOX_MIN_W, FONT, NORM_R, PENT_H, PENT_POINT, PITCH, SMALL_FONT, THIN, TRI,
)
from .glyph_parts import (
    all_rows, arrow_head, box_extent, converge, core_rows, draw_line, draw_straight, draw_text, draw_tile,
    find_row, free_centre, Glyph, ink_of, label_y, OpRows, pass_wires, poly,
)
from .mathtext import label
from .scene import Circle, Text


__all__ = ["draw_function", "draw_learned", "draw_block", "STYLES", "draw_elementwise", "draw_on_axis", "draw_index"]


def draw_function(g: OpRows) -> Glyph:
    return draw_tile(g, g.op.label or "f", None, "box", "paper")


def draw_learned(g: OpRows) -> Glyph:
    src = g.op.label or "L"
    bias = g.op.kind == OpKind.LEARNED and bool(g.op.params.bias)
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
    params = g.op.params  # a BlockParams
    name = params.name or g.op.label or "Block"
    if params.args:
        src = f"{name}({', '.join(str(value) for _, value in params.args)})"
    else:
        src = g.op.label or name
    return draw_tile(g, src, "regular", "block", "paper")


def _styled_source(g: OpRows) -> tuple[str, str | None]:
    """The label and font style of a function or learned map drawn in a declared style."""
    learned = g.op.kind == OpKind.LEARNED
    src = g.op.label or ("L" if learned else "f")
    if learned and g.op.params.bias:
        src = "{" + src + "}_{+}"
    return src, ("bold" if learned else None)


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
from .glyph_marks import draw_elementwise  # noqa: E402


def draw_on_axis(g: OpRows, shape: str | None = None) -> Glyph:
    shape = shape or ("softmax" if g.op.kind == OpKind.SOFTMAX else "norm")
    over = g.op.params.over
    hit = find_row(g, over)
    if hit is None:
        cores = [(i, j) for i, cs in enumerate(g.in_core) for j, c in enumerate(cs) if c]
        hit = cores[-1] if cores else ((0, len(g.ins[0]) - 1) if g.ins and g.ins[0] else None)
    w = 30.0
    glyph = Glyph(w)
    # the acted-on wire goes straight through; every other wire too
    ins = [y for ys in g.ins for y in ys]
    outs = [y for ys in g.outs for y in ys]
    for y0, y1 in zip(ins, outs):
        glyph.items.append(draw_line(0, y0, w, y1, g))
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
    return glyph


def draw_index(g: OpRows) -> Glyph:
    axis = g.op.params.axis
    hit = find_row(g, axis)
    if hit is None:
        cores = [(i, j) for i, cs in enumerate(g.in_core) for j, c in enumerate(cs) if c]
        hit = cores[0] if cores else (0, 0)
    src = str(g.op.params.index or g.op.label or "i")
    lab = label(src, FONT * 0.9)
    pw = lab.width + 8 + PENT_POINT
    w = max(BOX_MIN_W + 8, pw + 16)
    glyph = Glyph(w)
    i, j = hit
    yk = g.ins[i][j] if g.ins and g.ins[i] else 0.0
    x0 = 6.0
    glyph.items.append(draw_line(0, yk, x0, yk, g))
    h = PENT_H
    pts = [(x0, yk - h / 2), (x0 + pw - PENT_POINT, yk - h / 2), (x0 + pw, yk), (x0 + pw - PENT_POINT, yk + h / 2),
           (x0, yk + h / 2)]
    # the remaining wires: pair in order, skipping the indexed one
    rest_in = [g.ins[a][b] for a in range(len(g.ins)) for b in range(len(g.ins[a])) if (a, b) != (i, j)]
    rest_out = [y for ys in g.outs for y in ys]
    for y0, y1 in zip(rest_in, rest_out):
        glyph.items.append(draw_line(0, y0, w, y1, g))
    glyph.items.append(poly(pts, g, fill="index", stroke="index", role="box"))
    lt = draw_text(src, x0 + (pw - PENT_POINT) / 2 + 1, yk, g, size=FONT * 0.9, fill="index-text")
    glyph.items.append(lt)
    glyph.anchors["index"] = (x0, yk)
    top = min(all_rows(g) or [yk])
    bottom = max(all_rows(g) or [yk])
    glyph.headroom = max(0.0, top - (yk - h / 2)) + 1
    glyph.footroom = max(0.0, yk + h / 2 - bottom) + 1
    return glyph
