"""Layout (stage 3): element-wise operations -- marks drawn on the segment they act on.

An element-wise map or a scaling acts on a ``1`` wire broadcast over every axis of its segment; the paper draws
it as its label between two arrowheads (➤R➤) sitting on the segment's top wire, so that a reader sees which
segment (which branch) it acts on.  A scaling that directly follows an inner product is drawn by the einsum
glyph as the arrow leaving the cup (:func:`scale_arrow`), as the paper draws the attention scale.
"""
from __future__ import annotations

import dataclasses
import re

from ..model.kinds import KINDS
from ..model.types import OpKind
from .geometry import ARROW, BOX_MIN_W, FONT, WIRE, wire_path
from .glyph_parts import (
    all_rows, arrow_head, draw_line, draw_text, Glyph, ink_of, is_tandem, OpRows, over_owner, wire_strokes,
)
from .mathtext import label, plain_text
from .pieces import translate
from .scene import bbox_of, Group, Path

__all__ = ["draw_elementwise", "scale_source", "elementwise_source", "scale_arrow", "MARK_LEAD", "MARK_GAP",
           "SHORT_MARKS", "mark_width", "carried_mark", "carry_mark"]

MARK_LEAD = 2.5  # plain wire before the first arrowhead and after the second (the step column adds its stubs)
MARK_GAP = 2.0  # between an arrowhead and the label

#: the paper's short symbol for a common activation (➤R➤ for ReLU), keyed by the spec's keyword: only the mark
#: shows it; the model, the cost table, the generated code and the hover text keep the full name.  A label of
#: the user's own (``map ReLU X``) is drawn as written
SHORT_MARKS = {"relu": "R"}
SHORT_SIZE = FONT * 1.3  # a one-letter mark is set larger than the wire labels, as the paper's R


def scale_source(factor: str) -> str:
    """The light-math label of a scaling factor: ``1/sqrt(k)`` -> ``k^{-1/2}``."""
    f = factor.replace(" ", "")
    m = re.fullmatch(r"1/sqrt\((.+)\)", f)
    if m:
        return "{" + m.group(1) + "}^{-1/2}"
    m = re.fullmatch(r"sqrt\((.+)\)", f)
    if m:
        return "{" + m.group(1) + "}^{1/2}"
    m = re.fullmatch(r"1/(.+)", f)
    if m:
        return "{" + m.group(1) + "}^{-1}"
    return factor


def elementwise_source(op) -> str:
    """The label of an element-wise operation: its function's name, or ``∗factor`` for a scaling."""
    if op.kind == OpKind.SCALE:
        return "\\ast " + scale_source(str(op.params.factor or op.label))
    function = getattr(op.params, "function", "")
    if function in SHORT_MARKS and op.label == KINDS[op.kind].words.get(function):
        return SHORT_MARKS[function]
    return op.label or "f"


def _mark_label(op):
    """(source, size, laid-out label) of an element-wise operation's mark."""
    src = elementwise_source(op)
    size = SHORT_SIZE if src in SHORT_MARKS.values() else FONT
    return src, size, label(src, size)


def mark_width(op) -> float:
    """The width of ➤f➤ for the element-wise operation ``op``."""
    return max(BOX_MIN_W, _mark_label(op)[2].width + 2 * (ARROW + MARK_GAP + MARK_LEAD))


def carried_mark(glyph: Glyph, g: OpRows, y: float) -> None:
    """The mark of ``g.act`` (an element-wise map drawn in a normalisation's column, see
    :class:`.fuse.Activated`) on the glyph's straight wire at row ``y``, centred; owned by the map."""
    w = glyph.width
    _place_mark(glyph, g, y, w / 2, [it for it in glyph.items if _level_at(it, y, 0.0, w) and it.d[0][2] == y])


MARK_CLEAR = 7.5  # half the height of the band a mark needs about its wire, clear of the host glyph's ink


def _level_at(it, y: float, x0: float, x1: float) -> bool:
    """Whether ``it`` is a straight wire stroke at about row ``y`` (a tandem's strokes lie 1.4 off) meeting
    x0..x1."""
    if not isinstance(it, Path) or it.role != "wire" or len(it.d) != 2 or it.d[0][0] != "M" or it.d[1][0] != "L":
        return False
    (_, a, ya), (_, b, yb) = it.d
    return abs(ya - yb) < 1e-6 and abs(ya - y) < 1.6 and a < x1 and b > x0


def _covers(strokes: list, x0: float, x1: float) -> bool:
    """Whether the level ``strokes`` of one row (each stroke of a tandem wire alike) run unbroken over x0..x1."""
    for y in {it.d[0][2] for it in strokes}:
        x = x0
        for a, b in sorted((it.d[0][1], it.d[1][1]) for it in strokes if it.d[0][2] == y):
            if a > x + 0.5:
                return False
            x = max(x, b)
        if x < x1 - 0.5:
            return False
    return bool(strokes)


def _break_under(glyph: Glyph, strokes: list, xl: float, xr: float) -> None:
    """The wire ``strokes`` broken behind a mark's label (from ``xl`` to ``xr``)."""
    for it in strokes:
        glyph.items.remove(it)
        (_, a, y), (_, b, _) = it.d
        for u, v in ((a, min(b, xl - 1.0)), (max(a, xr + 1.0), b)):
            if v - u < 1e-6:
                continue
            glyph.items.append(Path(wire_path([(u, y), (v, y)]), stroke=it.stroke, width=it.width, role="wire",
                                    owner=it.owner))


def _place_mark(glyph: Glyph, g: OpRows, y: float, cx: float, strokes: list) -> None:
    """``g.act``'s ➤f➤ centred at (cx, y) on ``strokes`` (broken behind its label), owned by the map."""
    act, alert = g.act
    sub = dataclasses.replace(g, op=act, owner=f"op:{act.id}", alert=alert, act=None)
    src, size, lab = _mark_label(act)
    xl, xr = cx - lab.width / 2, cx + lab.width / 2
    _break_under(glyph, strokes, xl, xr)
    text = draw_text(src, cx, y, sub, size=size)
    title = f"{plain_text(act.label) if act.label else act.kind} : {act.signature}"
    glyph.items.append(Group((arrow_head(xl - MARK_GAP, y, sub), arrow_head(xr + MARK_GAP + ARROW, y, sub), text),
                             role="op", owner=sub.owner, title=title))
    top, bottom = min(all_rows(g) or [y]), max(all_rows(g) or [y])
    glyph.headroom = max(glyph.headroom, top - min(text.bbox[1], y - ARROW * 0.45) + 1)
    glyph.footroom = max(glyph.footroom, max(text.bbox[3], y + ARROW * 0.45) - bottom + 1)
    glyph.anchors["mark"] = (cx, y)


def carry_mark(glyph: Glyph, g: OpRows) -> None:
    """Draw ``g.act`` (an element-wise map fused with the operation before it, see :func:`.fuse.fuse_activations`)
    in that operation's glyph: on the first of its output wires, top down, that runs straight under the whole mark
    with no other ink of the glyph within the mark's band (the paper's ➤R➤ over a ★3 box); where there is none,
    just after the glyph, on its top output wire (its output wires run on under the mark)."""
    mw = mark_width(g.act[0])
    if glyph.width < mw:
        _widen(glyph, g, mw)
    w = glyph.width
    x0, x1 = w / 2 - mw / 2, w / 2 + mw / 2
    for y in sorted({y for ys in g.outs for y in ys}):
        strokes = [it for it in glyph.items if _level_at(it, y, x0, x1)]
        if not _covers(strokes, x0, x1):
            continue
        band = (x0, y - MARK_CLEAR, x1, y + MARK_CLEAR)
        if any(it not in strokes and _meets(it, band) for it in glyph.items):
            continue
        _place_mark(glyph, g, y, w / 2, strokes)
        return
    ext = []
    for k, ys in enumerate(g.outs):  # after the glyph: its output wires run on under the mark
        for l, y in enumerate(ys):
            ext += wire_strokes([(w, y), (w + mw, y)], g, k < len(g.op.outputs) and is_tandem(g.op.outputs[k], l))
    glyph.items.extend(ext)
    glyph.width = w + mw
    top = min((y for ys in g.outs for y in ys), default=0.0)
    _place_mark(glyph, g, top, w + mw / 2, [it for it in ext if _level_at(it, top, w, w + mw)])


def _widen(glyph: Glyph, g: OpRows, width: float) -> None:
    """The glyph centred in ``width``, its input and output wires run on to the new edges."""
    dx = (width - glyph.width) / 2
    items = [translate(it, dx, 0.0) for it in glyph.items]
    for side, rows, values in ((0, g.ins, g.op.inputs), (1, g.outs, g.op.outputs)):
        a, b = (0.0, dx) if side == 0 else (glyph.width + dx, width)
        for k, ys in enumerate(rows):
            for l, y in enumerate(ys):
                items += wire_strokes([(a, y), (b, y)], g, k < len(values) and is_tandem(values[k], l))
    glyph.items = items
    glyph.anchors = {name: (x + dx, y) for name, (x, y) in glyph.anchors.items()}
    glyph.width = width


def _meets(it, band) -> bool:
    b = bbox_of(it)
    return b is not None and b[0] < band[2] and b[2] > band[0] and b[1] < band[3] and b[3] > band[1]


def draw_elementwise(g: OpRows) -> Glyph:
    """➤f➤ on the top wire of the segment it acts on; every wire of the segment passes straight through."""
    src, size, lab = _mark_label(g.op)
    w = mark_width(g.op)
    glyph = Glyph(w)
    ins = g.ins[0] if g.ins and g.ins[0] else [0.0]
    y = ins[0]  # the segment's top wire carries the mark
    xl, xr = w / 2 - lab.width / 2, w / 2 + lab.width / 2
    marked = False
    for (i, j), (k, l) in g.pairs:
        if i == 0 and j == 0 and abs(g.outs[k][l] - y) < 1e-6 and not marked:
            marked = True  # the wire is broken behind the label
            owner = over_owner(g, i, j)
            for a, b in ((0.0, xl - 1.0), (xr + 1.0, w)):
                glyph.items.append(Path(wire_path([(a, y), (b, y)]), stroke=ink_of(g), width=WIRE, role="wire",
                                        owner=owner))
            continue
        glyph.items.append(Path(wire_path([(0.0, g.ins[i][j]), (w, g.outs[k][l])]), stroke=ink_of(g), width=WIRE,
                                role="wire", owner=over_owner(g, i, j)))
    if not marked:  # a scalar (no pairs): its 1 wire runs through the mark
        for ys_in, ys_out in zip(g.ins, g.outs):
            for n, (a, b) in enumerate(zip(ys_in, ys_out)):
                if n == 0 and abs(a - y) < 1e-6 and abs(b - y) < 1e-6 and not marked:
                    marked = True
                    glyph.items.append(draw_line(0.0, y, xl - 1.0, y, g))
                    glyph.items.append(draw_line(xr + 1.0, y, w, y, g))
                else:
                    glyph.items.append(draw_line(0.0, a, w, b, g))
    glyph.items.append(arrow_head(xl - MARK_GAP, y, g))
    glyph.items.append(arrow_head(xr + MARK_GAP + ARROW, y, g))
    text = draw_text(src, w / 2, y, g, size=size)
    glyph.items.append(text)
    top, bottom = min(all_rows(g) or [y]), max(all_rows(g) or [y])
    x0, y0, x1, y1 = text.bbox
    glyph.headroom = max(0.0, top - min(y0, y - ARROW * 0.45)) + 1
    glyph.footroom = max(0.0, max(y1, y + ARROW * 0.45) - bottom) + 1
    glyph.anchors["mark"] = (w / 2, y)
    return glyph


def scale_arrow(g: OpRows, x: float, y: float, scale_op, alert: bool) -> tuple[Group, float]:
    """The arrow leaving an inner product's cup at (x, y), labelled with the scaling that follows it (the paper's
    ``*k^{-1/2}``); returns it, owned by the scaling, and the x where it ends."""
    src = elementwise_source(scale_op)
    lab = label(src, FONT)
    tip = x + max(ARROW + 10.0, lab.width * 0.6 + ARROW)
    ink = "alert" if alert else ink_of(g)
    owner = f"op:{scale_op.id}"
    line = Path(wire_path([(x, y), (tip - ARROW * 0.7, y)]), stroke=ink, width=WIRE, role="glyph", owner=owner)
    head = arrow_head(tip, y, g)
    head = Path(head.d, stroke=ink, fill=ink, width=head.width, role="glyph", owner=owner)
    text = draw_text(src, x + 2 + lab.width / 2, y - 3 - (lab.ascent + lab.descent) / 2 - 1, g, fill=ink)
    text = type(text)(text.label, text.x, text.y, fill=ink, role="label", owner=owner)
    title = f"{plain_text(scale_op.label) if scale_op.label else scale_op.kind} : {scale_op.signature}"
    end = max(tip, text.bbox[2])
    return Group((line, head, text), role="op", owner=owner, title=title), end
