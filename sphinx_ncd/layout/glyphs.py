"""Layout (stage 3): one glyph per operation kind, each in its own local coordinates.

A glyph is built from an :class:`OpRows` (the operation and the rows of its
input and output wires, relative to the item's top wire) and returns a
:class:`Glyph`: its width, its primitives with x running from 0 (the input
ports) to ``width`` (the output ports), the vertical room it needs above and
below its wires, and its named anchors.  Input wire ``j`` of input ``i`` ends
at anchor ``in{i}.{j}`` = (0, row); output wires start at ``out{k}.{l}`` =
(width, row).  The layout engine translates glyphs into place; glyphs know
nothing about columns or other operations.

The drawings follow ``vocabulary.md`` (the paper's own figures).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model.types import AxisKind, OpKind, Operation
from .geometry import (
    ARROW, BOX_HPAD, BOX_MIN_W, BOX_PAD, CUT, DOT_R, EXTRUDE, FONT, NORM_R, PENT_H,
    PENT_POINT, PITCH, SEP_DASH, SEP_WIDTH, SHADOW, SMALL_FONT, THICK, THIN, TRI, WIRE,
    bend_length, separator_y, wire_path,
)
from .mathtext import label
from .scene import Circle, Path, Text

__all__ = ["OpRows", "Glyph", "build_glyph", "axis_label_source", "OVER"]

OVER = "/over"  # owner suffix of broadcast wires drawn over a box (a label must not sit on them)


@dataclass
class OpRows:
    op: Operation
    ins: list[list[float]]  # per input value: y of each wire row (a scalar value has one bare row)
    outs: list[list[float]]  # per output value
    in_core: list[list[bool]]  # per input wire: acted on (True) or broadcast over the box (False)
    out_core: list[list[bool]]
    pairs: list[tuple[tuple[int, int], tuple[int, int]]]  # broadcast wires: (in i, j) -> (out k, l)
    owner: str = ""
    alert: bool = False  # highlighted: draw in the alert colour


@dataclass
class Glyph:
    width: float
    items: list = field(default_factory=list)  # primitives, local coordinates
    headroom: float = 0.0  # room needed above the top wire row
    footroom: float = 0.0  # room needed below the bottom wire row
    anchors: dict = field(default_factory=dict)  # name -> (x, y)


def axis_label_source(axis) -> str:
    """The light-math source of a wire label: overlined for width axes, bold overlined for tandem."""
    src = axis.label
    if getattr(axis, "tangent", False) and not src.endswith("'"):
        src = "{" + src + "}'"
    if axis.kind == AxisKind.WIDTH:
        src = "\\bar{" + src + "}"
    elif axis.kind == AxisKind.TANDEM:
        src = "\\bar{\\mathbf{" + src + "}}"
    return src


# --- helpers ---------------------------------------------------------------------------


def _ink(g: OpRows) -> str:
    return "alert" if g.alert else "ink"


def _line(x0, y0, x1, y1, g: OpRows, role="wire", width=WIRE, stroke=None):
    return Path(wire_path([(x0, y0), (x1, y1)]), stroke=stroke or _ink(g), width=width, role=role, owner=g.owner)


def _poly(pts, g: OpRows, fill="paper", stroke=None, role="box", width=THIN, opacity=1.0):
    d = [("M", *pts[0])] + [("L", *p) for p in pts[1:]] + [("Z",)]
    return Path(tuple(d), stroke=stroke if stroke is not None else _ink(g), fill=fill, width=width,
                role=role, owner=g.owner, opacity=opacity)


def _text(src, cx, cy, g: OpRows, size=FONT, style=None, fill=None, role="label"):
    """A label centred on (cx, cy) (ink-centred vertically)."""
    lab = label(src, size, style)
    x = cx - lab.width / 2
    y = cy + (lab.ascent - lab.descent) / 2
    return Text(lab, x, y, fill=fill or _ink(g), role=role, owner=g.owner)


def _core_rows(g: OpRows) -> list[float]:
    rows = [y for ys, cs in zip(g.ins, g.in_core) for y, c in zip(ys, cs) if c]
    rows += [y for ys, cs in zip(g.outs, g.out_core) for y, c in zip(ys, cs) if c]
    return rows


def _all_rows(g: OpRows) -> list[float]:
    return [y for ys in g.ins for y in ys] + [y for ys in g.outs for y in ys]


def _ports(glyph: Glyph, g: OpRows):
    for i, ys in enumerate(g.ins):
        for j, y in enumerate(ys):
            glyph.anchors[f"in{i}.{j}"] = (0.0, y)
    for k, ys in enumerate(g.outs):
        for l, y in enumerate(ys):
            glyph.anchors[f"out{k}.{l}"] = (glyph.width, y)


def _pass_wires(glyph: Glyph, g: OpRows, x0=0.0, x1=None):
    """Broadcast wires: straight over the glyph (bending when their row changes), drawn on top."""
    x1 = glyph.width if x1 is None else x1
    for (i, j), (k, l) in g.pairs:
        glyph.items.append(Path(wire_path([(x0, g.ins[i][j]), (x1, g.outs[k][l])]), stroke=_ink(g),
                                width=WIRE, role="wire", owner=g.owner + OVER))


def _seps_between(rows: list[list[float]]) -> list[float]:
    """y of the dashed separators between consecutive segments."""
    out = []
    rows = sorted((r for r in rows if r), key=lambda r: r[0])
    for a, b in zip(rows, rows[1:]):
        if a and b:
            out.append(separator_y(a[-1], b[0]))
    return out


def _sep(x0, y0, x1, y1, g: OpRows):
    return Path(wire_path([(x0, y0), (x1, y1)]), stroke=_ink(g), width=SEP_WIDTH, dash=SEP_DASH,
                role="separator", owner=g.owner)


def _box_extent(g: OpRows) -> tuple[float, float]:
    rows = _core_rows(g) or _all_rows(g) or [0.0]
    return min(rows) - BOX_PAD, max(rows) + BOX_PAD


def _label_y(g: OpRows, y0: float, y1: float, lab) -> float:
    """A vertical centre for a box label that no broadcast wire crosses."""
    passing = sorted({g.ins[i][j] for (i, j), _ in g.pairs})  # boxes carry them straight across
    return _free_centre(y0, y1, passing, lab)


def _free_centre(y0: float, y1: float, passing, lab) -> float:
    """The centre of the free band of [y0, y1] nearest its middle that is tall enough for ``lab``."""
    passing = sorted(y for y in passing if y0 < y < y1)
    centre = (y0 + y1) / 2
    if not passing:
        return centre
    half = lab.height / 2 + 1.0
    edges = [y0] + passing + [y1]
    best = None
    for a, b in zip(edges, edges[1:]):
        if b - a >= 2 * half:
            c = (a + b) / 2
            if best is None or abs(c - centre) < abs(best - centre):
                best = c
    return centre if best is None else best


# --- boxes ---------------------------------------------------------------------------------


def _tile(g: OpRows, src: str, style, shape: str, fill: str, extra_w: float = 0.0) -> Glyph:
    lab = label(src, FONT, style)
    y0, y1 = _box_extent(g)
    w = max(BOX_MIN_W, lab.width + 2 * BOX_HPAD + extra_w)
    # broadcast wires cross the box straight; those that change row bend after it
    moves = [(g.ins[i][j], g.outs[k][l]) for (i, j), (k, l) in g.pairs]
    dy = max((abs(a - b) for a, b in moves), default=0.0)
    xb = w + (EXTRUDE if shape == "block" else 0.0) + (SHADOW if shape == "learned" else 0.0)
    total = xb + bend_length(dy) if dy > 1e-6 else w
    glyph = Glyph(total)
    if total > w:
        for ys, cs in zip(g.outs, g.out_core):
            for y, c in zip(ys, cs):
                if c:
                    glyph.items.append(_line(w, y, total, y, g))
    if shape == "learned":
        pts = [(0, y0), (w, y0), (w, y1), (CUT, y1), (0, y1 - CUT)]
        glyph.items.append(_poly([(x + SHADOW, y + SHADOW) for x, y in pts], g, fill="shadow", stroke="",
                                 role="shadow", opacity=0.35))
        glyph.items.append(_poly(pts, g, fill=fill))
    elif shape == "block":
        e = EXTRUDE
        glyph.items.append(_poly([(0, y0), (e, y0 - e), (w + e, y0 - e), (w, y0)], g, fill="extrude"))
        glyph.items.append(_poly([(w, y0), (w + e, y0 - e), (w + e, y1 - e), (w, y1)], g, fill="extrude"))
        glyph.items.append(_poly([(0, y0), (w, y0), (w, y1), (0, y1)], g, fill=fill))
        glyph.headroom = max(glyph.headroom, -(y0 - e - min(_all_rows(g) or [0])) + 2)
    else:
        glyph.items.append(_poly([(0, y0), (w, y0), (w, y1), (0, y1)], g, fill=fill))
    cy = _label_y(g, y0, y1, lab)
    glyph.items.append(_text(src, (w - extra_w) / 2, cy, g, style=style))
    for a, b in moves:
        pts = [(0, a), (total, b)] if abs(a - b) < 1e-6 else [(0, a), (xb, a), (total, b)]
        glyph.items.append(Path(wire_path(pts), stroke=_ink(g), width=WIRE, role="wire", owner=g.owner + OVER))
    top = min(_all_rows(g) or [0.0])
    bottom = max(_all_rows(g) or [0.0])
    glyph.headroom = max(glyph.headroom, top - y0 + (EXTRUDE + 1 if shape == "block" else 0))
    glyph.footroom = max(0.0, y1 - bottom + (SHADOW if shape == "learned" else 0))
    _box_seps(glyph, g)
    return glyph


def _box_seps(glyph: Glyph, g: OpRows):
    """Separators between a box's inputs end at its left edge; between outputs they start at its right."""
    # (they are drawn by the engine up to the ports; nothing crosses the box)
    return None


def _function(g: OpRows) -> Glyph:
    return _tile(g, g.op.label or "f", None, "box", "paper")


def _learned(g: OpRows) -> Glyph:
    src = g.op.label or "L"
    bias = g.op.kind == OpKind.LEARNED and bool(g.op.params.bias)
    glyph = _tile(g, src, "bold", "learned", "learned", extra_w=6.0 if bias else 0.0)
    if bias:
        y0, y1 = _box_extent(g)
        plus = label("+", SMALL_FONT + 1, "bold")
        lab = label(src, FONT, "bold")
        box_w = max(BOX_MIN_W, lab.width + 2 * BOX_HPAD + 6.0)
        x = (box_w - 6.0) / 2 + lab.width / 2 + 0.5
        cy = _label_y(g, y0, y1, lab)
        glyph.items.append(Text(plus, x, cy + lab.ascent / 2 + 1.5, fill=_ink(g), role="label", owner=g.owner))
    return glyph


def _block(g: OpRows) -> Glyph:
    params = g.op.params  # a BlockParams
    name = params.name or g.op.label or "Block"
    if params.args:
        src = f"{name}({', '.join(str(value) for _, value in params.args)})"
    else:
        src = g.op.label or name
    return _tile(g, src, "regular", "block", "paper")


# --- declared styles (``def NAME : SIG style bare|circle``) ---------------------------------------------------------


def _styled_source(g: OpRows) -> tuple[str, str | None]:
    """The label and font style of a function or learned map drawn in a declared style."""
    learned = g.op.kind == OpKind.LEARNED
    src = g.op.label or ("L" if learned else "f")
    if learned and g.op.params.bias:
        src = "{" + src + "}_{+}"
    return src, ("bold" if learned else None)


def _converge(glyph: Glyph, g: OpRows, xl: float, xr: float, cy: float, edge=None):
    """Core input wires run into (xl, cy) and core output wires leave (xr, cy); ``edge(y)`` moves the meeting
    point of a wire on row ``y`` (a circle's outline)."""
    for ys, cs in zip(g.ins, g.in_core):
        for y, c in zip(ys, cs):
            if c:
                x = xl if edge is None else edge(y, -1)
                glyph.items.append(Path(wire_path([(0, y), (x, y if edge else cy)]), stroke=_ink(g), width=WIRE,
                                        role="wire", owner=g.owner))
    for ys, cs in zip(g.outs, g.out_core):
        for y, c in zip(ys, cs):
            if c:
                x = xr if edge is None else edge(y, 1)
                glyph.items.append(Path(wire_path([(x, y if edge else cy), (glyph.width, y)]), stroke=_ink(g),
                                        width=WIRE, role="wire", owner=g.owner))


def _bare(g: OpRows) -> Glyph:
    """A label on its wire, no box: the core wires run into the label and out of it."""
    src, style = _styled_source(g)
    lab = label(src, FONT, style)
    rows = _core_rows(g) or _all_rows(g) or [0.0]
    y0, y1 = min(rows), max(rows)
    spread = y1 - y0
    lead = bend_length(spread / 2) if spread > 1e-6 else 8.0
    w = 2 * lead + lab.width + 6
    glyph = Glyph(w)
    cy = _label_y(g, y0 - lab.height, y1 + lab.height, lab) if spread < 1e-6 else _free_centre(
        y0, y1, sorted({g.ins[i][j] for (i, j), _ in g.pairs}), lab)
    _converge(glyph, g, lead, w - lead, cy)
    glyph.items.append(_text(src, w / 2, cy, g, style=style))
    _pass_wires(glyph, g)
    top, bottom = min(_all_rows(g) or [cy]), max(_all_rows(g) or [cy])
    glyph.headroom = max(0.0, top - (cy - lab.ascent)) + 1
    glyph.footroom = max(0.0, cy + lab.descent - bottom) + 1
    return glyph


def _circle(g: OpRows) -> Glyph:
    """A circle over the core wires with the label inside; the wires end on its outline."""
    src, style = _styled_source(g)
    lab = label(src, FONT * 0.9, style)
    rows = _core_rows(g) or _all_rows(g) or [0.0]
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

    _converge(glyph, g, cx - r, cx + r, cy, edge)
    fill = "learned" if g.op.kind == OpKind.LEARNED else "paper"
    glyph.items.append(Circle(cx, cy, r, stroke=_ink(g), fill=fill, width=THIN, role="box", owner=g.owner))
    glyph.items.append(_text(src, cx, cy, g, size=FONT * 0.9, style=style))
    _pass_wires(glyph, g)
    top, bottom = min(_all_rows(g) or [cy]), max(_all_rows(g) or [cy])
    glyph.headroom = max(0.0, top - (cy - r)) + 1
    glyph.footroom = max(0.0, cy + r - bottom) + 1
    return glyph


_STYLES = {"bare": _bare, "circle": _circle}


# --- element-wise -------------------------------------------------------------------------------


def _straight(glyph: Glyph, g: OpRows):
    """Every wire passes straight through (pairs by position when the model paired none)."""
    if g.pairs:
        _pass_wires(glyph, g)
        return
    for ys_in, ys_out in zip(g.ins, g.outs):
        for y0, y1 in zip(ys_in, ys_out):
            glyph.items.append(_line(0, y0, glyph.width, y1, g))


def _arrow_head(x, y, g: OpRows, left=False):
    a = ARROW
    if left:
        pts = [(x, y), (x + a, y - a * 0.45), (x + a * 0.7, y), (x + a, y + a * 0.45)]
    else:
        pts = [(x, y), (x - a, y - a * 0.45), (x - a * 0.7, y), (x - a, y + a * 0.45)]
    return _poly(pts, g, fill=_ink(g), stroke=_ink(g), role="glyph", width=0.6)


def _scale_source(factor: str) -> str:
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


def _elementwise(g: OpRows) -> Glyph:
    if g.op.kind == OpKind.SCALE:
        src = "\\ast " + _scale_source(str(g.op.params.factor or g.op.label))
    else:
        src = g.op.label or "f"
    lab = label(src, FONT)
    w = lab.width + 2 * ARROW + 8
    glyph = Glyph(max(w, BOX_MIN_W))
    _straight(glyph, g)
    top = min(_all_rows(g) or [0.0])
    ya = top - PITCH * 0.75
    cx = glyph.width / 2
    glyph.items.append(_arrow_head(cx - lab.width / 2 - 2, ya, g))
    glyph.items.append(_arrow_head(cx + lab.width / 2 + 2 + ARROW, ya, g))
    glyph.items.append(_text(src, cx, ya, g))
    glyph.headroom = PITCH * 0.75 + max(lab.ascent, ARROW) + 2
    return glyph


# --- wire glyphs sitting on one axis ------------------------------------------------------------------


def _find_row(g: OpRows, axis) -> tuple[int, int] | None:
    """(input, wire) of ``axis`` among the op's core wires, else any wire."""
    if axis is None:
        return None
    for pref in (True, False):
        for i, (vals, cores) in enumerate(zip(g.op.inputs, g.in_core)):
            for j, (a, c) in enumerate(zip(vals.axes, cores)):
                if (c or not pref) and (a == axis or a.label == getattr(axis, "label", axis)):
                    return i, j
    return None


def _on_axis(g: OpRows, shape: str) -> Glyph:
    over = g.op.params.over
    hit = _find_row(g, over)
    if hit is None:
        cores = [(i, j) for i, cs in enumerate(g.in_core) for j, c in enumerate(cs) if c]
        hit = cores[-1] if cores else ((0, len(g.ins[0]) - 1) if g.ins and g.ins[0] else None)
    w = 30.0
    glyph = Glyph(w)
    # the acted-on wire goes straight through; every other wire too
    ins = [y for ys in g.ins for y in ys]
    outs = [y for ys in g.outs for y in ys]
    for y0, y1 in zip(ins, outs):
        glyph.items.append(_line(0, y0, w, y1, g))
    if hit is not None:
        y = g.ins[hit[0]][hit[1]]
        cx = w / 2
        if shape == "softmax":
            h = TRI
            pts = [(cx - h * 0.5, y), (cx + h * 0.45, y - h / 2), (cx + h * 0.45, y + h / 2)]
            glyph.items.append(_poly(pts, g, fill="paper", role="box"))
        else:
            glyph.items.append(Circle(cx, y, NORM_R, stroke=_ink(g), fill="paper", width=THIN, role="box",
                                      owner=g.owner))
        top = min(ins) if ins else y
        bottom = max(ins) if ins else y
        glyph.headroom = max(0.0, top - (y - TRI / 2)) + 1
        glyph.footroom = max(0.0, (y + TRI / 2) - bottom) + 1
    return glyph


def _index(g: OpRows) -> Glyph:
    axis = g.op.params.axis
    hit = _find_row(g, axis)
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
    glyph.items.append(_line(0, yk, x0, yk, g))
    h = PENT_H
    pts = [(x0, yk - h / 2), (x0 + pw - PENT_POINT, yk - h / 2), (x0 + pw, yk), (x0 + pw - PENT_POINT, yk + h / 2),
           (x0, yk + h / 2)]
    # the remaining wires: pair in order, skipping the indexed one
    rest_in = [g.ins[a][b] for a in range(len(g.ins)) for b in range(len(g.ins[a])) if (a, b) != (i, j)]
    rest_out = [y for ys in g.outs for y in ys]
    for y0, y1 in zip(rest_in, rest_out):
        glyph.items.append(_line(0, y0, w, y1, g))
    glyph.items.append(_poly(pts, g, fill="index", stroke="index", role="box"))
    lt = _text(src, x0 + (pw - PENT_POINT) / 2 + 1, yk, g, size=FONT * 0.9, fill="index-text")
    glyph.items.append(lt)
    glyph.anchors["index"] = (x0, yk)
    top = min(_all_rows(g) or [yk])
    bottom = max(_all_rows(g) or [yk])
    glyph.headroom = max(0.0, top - (yk - h / 2)) + 1
    glyph.footroom = max(0.0, yk + h / 2 - bottom) + 1
    return glyph


# --- views, concatenation, addition, copies ---------------------------------------------------------------


def _bar(g: OpRows, concat: bool) -> Glyph:
    w = 24.0
    glyph = Glyph(w)
    xb = w / 2
    core = _core_rows(g) or _all_rows(g) or [0.0]
    if concat:
        core = _all_rows(g) or core
    y0, y1 = min(core) - 5, max(core) + 5
    for ys, cs in zip(g.ins, g.in_core):
        for y, c in zip(ys, cs):
            if c or concat:
                glyph.items.append(_line(0, y, xb, y, g))
    for ys, cs in zip(g.outs, g.out_core):
        for y, c in zip(ys, cs):
            if c or concat:
                glyph.items.append(_line(xb, y, w, y, g))
    if not concat:
        _pass_wires(glyph, g)
    glyph.items.append(Path((("M", xb, y0), ("L", xb, y1)), stroke=_ink(g), width=THICK, role="box", owner=g.owner))
    if concat:
        over = g.op.params.over
        for k, out in enumerate(g.op.outputs):
            for l, a in enumerate(out.axes):
                if over is not None and (a == over or a.label == getattr(over, "label", over)):
                    glyph.items.append(Circle(xb, g.outs[k][l], DOT_R, fill=_ink(g), stroke=None, owner=g.owner))
        # the separators between inputs end on the bar
        for ysep in _seps_between(g.ins):
            glyph.items.append(_sep(0, ysep, xb, ysep, g))
    else:
        for ysep in _seps_between(g.ins):
            glyph.items.append(_sep(0, ysep, xb, ysep, g))
    for ysep in _seps_between(g.outs):
        glyph.items.append(_sep(xb, ysep, w, ysep, g))
    top = min(_all_rows(g) or [0.0])
    bottom = max(_all_rows(g) or [0.0])
    glyph.headroom = max(0.0, top - y0)
    glyph.footroom = max(0.0, y1 - bottom)
    return glyph


def _add(g: OpRows) -> Glyph:
    ins = g.ins
    outs = g.outs[0] if g.outs else []
    dy = max((abs(y - outs[min(j, len(outs) - 1)]) for ys in ins for j, y in enumerate(ys)), default=0.0) if outs else 0.0
    xm = bend_length(dy) + 4
    w = xm + 16
    glyph = Glyph(w)
    for ys in ins:
        for j, y in enumerate(ys):
            if j < len(outs):
                glyph.items.append(Path(wire_path([(0, y), (xm, outs[j])]), stroke=_ink(g), width=WIRE,
                                        owner=g.owner))
    for ysep in _seps_between(ins):
        glyph.items.append(_sep(0, ysep, xm, outs[-1] if outs else ysep, g))
    for y in outs:
        glyph.items.append(_line(xm, y, w, y, g))
        glyph.items.append(Circle(xm, y, DOT_R, fill=_ink(g), stroke=None, owner=g.owner))
    if outs:
        yb = outs[-1] + 9
        glyph.items.append(_text("+", xm + 6, yb, g, size=FONT * 0.9))
        glyph.footroom = 14 if len(ins) < 2 else 0
    glyph.anchors["sum"] = (xm, outs[0] if outs else 0.0)
    return glyph


def _copy(g: OpRows) -> Glyph:
    src = g.ins[0] if g.ins else []
    dy = max((abs(y - ys[j]) for ys in g.outs for j, y in enumerate(src) if j < len(ys)), default=0.0)
    xd = 6.0
    w = xd + bend_length(dy) + 6
    glyph = Glyph(w)
    for j, y in enumerate(src):
        glyph.items.append(_line(0, y, xd, y, g))
        for ys in g.outs:
            if j < len(ys):
                glyph.items.append(Path(wire_path([(xd, y), (w, ys[j])]), stroke=_ink(g), width=WIRE,
                                        owner=g.owner))
    for y in src:
        glyph.items.append(Circle(xd, y, DOT_R, fill=_ink(g), stroke=None, owner=g.owner))
    if src:
        for ysep in _seps_between(g.outs):
            glyph.items.append(_sep(xd, src[-1], w, ysep, g))
    if not src:  # copying a scalar: a dot that splits
        for ys in g.outs:
            for y in ys:
                glyph.items.append(_line(xd, 0, w, y, g))
    glyph.anchors["split"] = (xd, src[0] if src else 0.0)
    return glyph


def _delete(g: OpRows) -> Glyph:
    w = 12.0
    glyph = Glyph(w)
    for ys in g.ins:
        for y in ys:
            glyph.items.append(_line(0, y, w / 2, y, g))
            glyph.items.append(Circle(w / 2, y, DOT_R * 0.8, fill="paper", stroke=_ink(g), width=THIN, owner=g.owner))
    return glyph


def _save_load(g: OpRows, save: bool) -> Glyph:
    slot = str(g.op.params.slot or g.op.label or "C")
    lab = label(slot, FONT)
    w = lab.width + ARROW + 14
    glyph = Glyph(w)
    rows = g.ins if save else g.outs
    ys = [y for r in rows for y in r] or [0.0]
    cy = (min(ys) + max(ys)) / 2
    if save:
        xa = 8 + ARROW
        for y in ys:
            glyph.items.append(Path(wire_path([(0, y), (xa - ARROW * 0.7, cy)]), stroke=_ink(g), width=WIRE,
                                    owner=g.owner))
        glyph.items.append(_arrow_head(xa, cy, g))
        glyph.items.append(Text(lab, xa + 2, cy + (lab.ascent - lab.descent) / 2, fill=_ink(g), owner=g.owner))
    else:
        glyph.items.append(Text(lab, 0, cy + (lab.ascent - lab.descent) / 2, fill=_ink(g), owner=g.owner))
        xa = lab.width + 2 + ARROW
        glyph.items.append(_arrow_head(xa, cy, g))
        for y in ys:
            glyph.items.append(Path(wire_path([(xa, cy), (w, y)]), stroke=_ink(g), width=WIRE, owner=g.owner))
    glyph.headroom = max(0.0, min(ys) - (cy - lab.ascent)) + 1
    glyph.footroom = max(0.0, cy + lab.descent - max(ys)) + 1
    return glyph


def _unit(g: OpRows) -> Glyph:
    outs = [y for ys in g.outs for y in ys]
    glyph = Glyph(24.0)
    _pass_wires(glyph, g)
    pairs_out = {(k, l) for _, (k, l) in g.pairs}
    free = [g.outs[k][l] for k in range(len(g.outs)) for l in range(len(g.outs[k])) if (k, l) not in pairs_out]
    for a, b in zip(free[0::2], free[1::2]):
        r = abs(b - a) / 2
        xc = glyph.width - 8 - 0.0
        glyph.width = max(glyph.width, r + 14)
        xc = glyph.width - 8
        glyph.items.append(Path((("M", glyph.width, a), ("L", xc, a), ("A", r, 0, xc, b), ("L", glyph.width, b)),
                                stroke=_ink(g), width=WIRE, owner=g.owner))
    if len(free) % 2:
        glyph.items.append(Circle(glyph.width - 8, free[-1], DOT_R, fill=_ink(g), stroke=None, owner=g.owner))
        glyph.items.append(_line(glyph.width - 8, free[-1], glyph.width, free[-1], g))
    del outs
    return glyph


# --- einsum: cups, crossings, merges ---------------------------------------------------------------------------


def _einsum_names(g: OpRows):
    """The name of every input and output wire: the einsum's own names (the model's typed record) on its core
    axes, the axis label on a wire passing over it."""
    op = g.op
    ins_n = [[a.label for a in v.axes] for v in op.inputs]
    outs_n = [[a.label for a in v.axes] for v in op.outputs]
    names_in = getattr(op.params, "names_in", ())
    for i, names in enumerate(names_in[:len(ins_n)]):
        for n, pos in zip(names, op.core_in_pos[i] if i < len(op.core_in_pos) else ()):
            ins_n[i][pos] = n
    names_out = getattr(op.params, "names_out", ())
    if outs_n and op.core_out_pos:
        for n, pos in zip(names_out, op.core_out_pos[0]):
            outs_n[0][pos] = n
    return ins_n, outs_n


def _einsum(g: OpRows) -> Glyph:
    """Linear wiring in two stages.

    First every wire bends (crossings = transposes) into an intermediate order
    where the wires of one contracted axis are neighbours and the wires of one
    output axis are neighbours; then contracted neighbours close in a
    semicircular cap (inner product), output neighbours meet in a dot
    (diagonal), and each output wire bends to its row.  The separators between
    the inputs end in a dot (outer product).
    """
    ins_n, outs_n = _einsum_names(g)
    src: dict[str, list[float]] = {}
    for i, names in enumerate(ins_n):
        for j, n in enumerate(names):
            if j < len(g.ins[i]):
                src.setdefault(n, []).append(g.ins[i][j])
    out_rows: dict[str, list[float]] = {}
    for k, names in enumerate(outs_n):
        for l, n in enumerate(names):
            if l < len(g.outs[k]):
                out_rows.setdefault(n, []).append(g.outs[k][l])
    # units: (kind, name, source rows); ordered by where their sources are
    units = []
    for n, ys in src.items():
        kind = "out" if n in out_rows else "cap"
        units.append((sum(ys) / len(ys), kind, n, sorted(ys)))
    units.sort(key=lambda u: (u[0], u[2]))
    top = min((y for ys in g.ins for y in ys), default=0.0)
    mid: dict[str, list[float]] = {}
    y = top
    for _, kind, n, ys in units:
        mid[n] = [y + PITCH * r for r in range(len(ys))]
        y = mid[n][-1] + PITCH
    # stage 1: sources -> intermediate rows (sources of one unit keep their order)
    d1 = [abs(a - b) for _, _, n, ys in units for a, b in zip(ys, mid[n])]
    x1 = bend_length(max(d1, default=0.0)) if any(d > 1e-6 for d in d1) else 4.0
    # junction points (merge dots / caps) and stage 2: the output wires bend to their rows
    junction = {}
    for _, kind, n, ys in units:
        m = mid[n]
        junction[n] = (m[0] + m[-1]) / 2
    d2 = [abs(junction[n] - yo) for n, outs in out_rows.items() if n in junction for yo in outs]
    rmax = max((abs(mid[n][-1] - mid[n][0]) / 2 for _, kind, n, _ in units if kind == "cap"), default=0.0)
    xj = x1 + max(rmax, DOT_R) + 2
    x2 = xj + (bend_length(max(d2, default=0.0)) if any(d > 1e-6 for d in d2) else 6.0)
    w = x2 + 4
    glyph = Glyph(w)
    for _, kind, n, ys in units:
        m = mid[n]
        if kind == "cap" and len(ys) == 2:
            r = (m[1] - m[0]) / 2
            d = wire_path([(0, ys[0]), (x1, m[0])]) + (("A", r, 1, x1, m[1]),) + wire_path([(x1, m[1]), (0, ys[1])])[1:]
            glyph.items.append(Path(d, stroke=_ink(g), width=WIRE, owner=g.owner))
            glyph.anchors[f"cap.{n}"] = (x1 + r, junction[n])
            continue
        if kind == "out" and len(ys) == 1:  # a wire that only moves: one S-bend across the whole glyph
            for yo in out_rows.get(n, []):
                glyph.items.append(Path(wire_path([(0, ys[0]), (w, yo)]), stroke=_ink(g), width=WIRE,
                                        owner=g.owner))
            continue
        for a, b in zip(ys, m):
            glyph.items.append(Path(wire_path([(0, a), (x1, b)]), stroke=_ink(g), width=WIRE, owner=g.owner))
        yj = junction[n]
        if len(ys) > 1:
            for b in m:
                glyph.items.append(Path(wire_path([(x1, b), (xj, yj)]), stroke=_ink(g), width=WIRE, owner=g.owner))
            glyph.items.append(Circle(xj, yj, DOT_R, fill=_ink(g), stroke=None, owner=g.owner))
        else:
            glyph.items.append(_line(x1, m[0], xj, yj, g))
        if kind == "cap":  # summed out alone: the wire ends in a dot
            glyph.items.append(Circle(xj, yj, DOT_R, fill=_ink(g), stroke=None, owner=g.owner))
            continue
        for yo in out_rows.get(n, []):
            glyph.items.append(Path(wire_path([(xj, yj), (x2, yo), (w, yo)]), stroke=_ink(g), width=WIRE,
                                    owner=g.owner))
    for n, outs in out_rows.items():  # an axis from nowhere starts at a dot
        if n not in src:
            for yo in outs:
                glyph.items.append(_line(xj, yo, w, yo, g))
                glyph.items.append(Circle(xj, yo, DOT_R, fill=_ink(g), stroke=None, owner=g.owner))
    # outer product: the separators between inputs end in a dot
    for ysep in _seps_between(g.ins):
        glyph.items.append(_sep(0, ysep, 5, ysep, g))
        glyph.items.append(Circle(5, ysep, DOT_R * 0.8, fill=_ink(g), stroke=None, owner=g.owner))
    for ysep in _seps_between(g.outs):
        glyph.items.append(_sep(w - 4, ysep, w, ysep, g))
    allm = [y for m in mid.values() for y in m]
    if allm:
        glyph.footroom = max(0.0, max(allm) - max(_all_rows(g)))
    return glyph


# --- convolution and pooling ---------------------------------------------------------------------------------------


def _conv(g: OpRows) -> Glyph:
    """★ tensor on the spatial wire; kernel wire (double) into a learned map or a pooling box."""
    op = g.op
    over = op.params.over or ()
    if not isinstance(over, (tuple, list)):
        over = (over,)
    spatial = [_find_row(g, a) for a in over]
    spatial = [s for s in spatial if s is not None]
    cores = [(i, j) for i, cs in enumerate(g.in_core) for j, c in enumerate(cs) if c]
    if not spatial and cores:
        spatial = [cores[0]]
    other_in = [c for c in cores if c not in spatial]
    all_in = [g.ins[i][j] for i, j in spatial] or [0.0]
    ys = min(all_in)
    is_pool = op.kind == OpKind.POOL
    transposed = bool(op.params.transposed)
    learned_lbl = op.label if op.label and not op.label.startswith("\\star") else "L"
    # geometry: star quad at x in [4, 4+qw], map box after it
    qw, qh = 22.0, 18.0
    xq = 4.0
    xk = xq + qw + 14  # map box left
    if is_pool:
        reduce = str(op.params.reduce or "max")
        msrc = "\\mathbb{E}" if reduce in ("mean", "avg", "average") else "Max"
        mstyle = None
    else:
        msrc = learned_lbl
        mstyle = "bold"
    mlab = label(msrc, FONT, mstyle)
    bias = not is_pool and bool(op.params.bias)
    mw = max(BOX_MIN_W, mlab.width + 2 * BOX_HPAD + (6 if bias else 0))
    w = xk + mw + 8
    glyph = Glyph(w)
    # kernel row: below the spatial wire; the channel wires (other core inputs) go into the map too
    out_core = [(k, l) for k, cs in enumerate(g.out_core) for l, c in enumerate(cs) if c]
    ky = ys + PITCH * 0.9
    # the spatial output: the core output wire in the spatial input's place (same kind first)
    sp_axes = [g.op.inputs[i].axes[j] for i, j in spatial if j < len(g.op.inputs[i].axes)]
    spatial_out = [(k, l) for k, l in out_core
                   if sp_axes and l < len(op.outputs[k].axes) and op.outputs[k].axes[l].kind == sp_axes[0].kind
                   and sp_axes[0].kind != AxisKind.PLAIN][:1]
    if not spatial_out and out_core and sp_axes:
        pos = [j for i, j in spatial][0]
        core_positions = [j for i, j in cores if i == spatial[0][0]]
        rank = core_positions.index(pos) if pos in core_positions else 0
        spatial_out = [out_core[min(rank, len(out_core) - 1)]] if not is_pool or len(out_core) else []
    chan_out = [c for c in out_core if c not in spatial_out]
    map_rows = [ky] + [g.ins[i][j] for i, j in other_in] + [g.outs[k][l] for k, l in chan_out]
    if not is_pool:
        my0, my1 = min(map_rows) - BOX_PAD, max(map_rows) + BOX_PAD
    else:
        my0, my1 = ky - BOX_PAD, ky + BOX_PAD
    # spatial input into the quad
    for i, j in spatial:
        glyph.items.append(_line(0, g.ins[i][j], xq, ys, g))
    quad = [(xq, ys - qh / 2), (xq + qw, ys - qh / 2 - 2), (xq + qw, ky + 3), (xq, ys + qh / 2)]
    glyph.items.append(_poly(quad, g, fill="conv"))
    glyph.items.append(Path((("M", xq, ys + qh / 2), ("L", xq + qw, ys - qh / 2 - 2)), stroke=_ink(g), width=THIN * 0.8,
                            role="glyph", owner=g.owner))
    glyph.items.append(_text("\\star" + ("^{\\top}" if transposed else ""), xq + qw * 0.33, ys - 1, g,
                             size=FONT * 0.95, role="glyph"))
    # spatial output leaves the top right of the quad
    yo = g.outs[spatial_out[0][0]][spatial_out[0][1]] if spatial_out else ys
    # stride and dilation marks
    stride = op.params.stride
    dilation = op.params.dilation
    if stride not in (None, 1, "1", ""):
        glyph.items.append(_text(str(stride), xq + qw + 6, ys - qh / 2 - 4, g, size=SMALL_FONT, role="glyph"))
    if dilation not in (None, 1, "1", ""):
        glyph.items.append(_text(str(dilation), xq + qw + 6, ky + 8, g, size=SMALL_FONT, role="glyph"))
    # kernel wire: a double line from the quad to the map
    for off in (-1.3, 1.3):
        glyph.items.append(Path((("M", xq + qw, ky + off), ("L", xk, ky + off)), stroke=_ink(g), width=0.8,
                                role="wire", owner=g.owner))
    glyph.anchors["kernel"] = (xk, ky)
    # the channel wires go into the map box
    for i, j in other_in:
        glyph.items.append(_line(0, g.ins[i][j], xk, g.ins[i][j], g))
    if is_pool:
        glyph.items.append(_poly([(xk, my0), (xk + mw, my0), (xk + mw, my1), (xk, my1)], g, fill="paper"))
    else:
        pts = [(xk, my0), (xk + mw, my0), (xk + mw, my1), (xk + CUT, my1), (xk, my1 - CUT)]
        glyph.items.append(_poly([(x + SHADOW, y + SHADOW) for x, y in pts], g, fill="shadow", stroke="",
                                 role="shadow", opacity=0.35))
        glyph.items.append(_poly(pts, g, fill="learned"))
    mcy = _free_centre(my0, my1, [yo] if spatial_out else [], mlab)
    glyph.items.append(_text(msrc, xk + (mw - (6 if bias else 0)) / 2, mcy, g, style=mstyle))
    if bias:
        plus = label("+", SMALL_FONT + 1, "bold")
        glyph.items.append(Text(plus, xk + (mw - 6) / 2 + mlab.width / 2 + 0.5, mcy + mlab.ascent / 2 + 1.5,
                                fill=_ink(g), owner=g.owner))
    # channel outputs leave the map box
    for k, l in chan_out:
        y = g.outs[k][l]
        glyph.items.append(_line(xk + mw, y, w, y, g))
    _pass_wires(glyph, g)
    if spatial_out:  # the spatial output leaves the tensor's top right and passes over the map
        glyph.items.append(Path(wire_path([(xq + qw, ys - qh / 4), (w, yo)]), stroke=_ink(g), width=WIRE,
                                owner=g.owner + OVER))
    rows = _all_rows(g) or [0.0]
    glyph.headroom = max(0.0, min(rows) - (ys - qh / 2 - 12))
    glyph.footroom = max(0.0, max(my1, ky + 12) + SHADOW - max(rows))
    return glyph


_BUILDERS = {
    OpKind.FUNCTION: _function,
    OpKind.LEARNED: _learned,
    OpKind.ELEMENTWISE: _elementwise,
    OpKind.SCALE: _elementwise,
    OpKind.SOFTMAX: lambda g: _on_axis(g, "softmax"),
    OpKind.NORM: lambda g: _on_axis(g, "norm"),
    OpKind.INDEX: _index,
    OpKind.EINSUM: _einsum,
    OpKind.VIEW: lambda g: _bar(g, False),
    OpKind.CONCAT: lambda g: _bar(g, True),
    OpKind.ADD: _add,
    OpKind.CONV: _conv,
    OpKind.POOL: _conv,
    OpKind.UNIT: _unit,
    OpKind.COPY: _copy,
    OpKind.DELETE: _delete,
    OpKind.SAVE: lambda g: _save_load(g, True),
    OpKind.LOAD: lambda g: _save_load(g, False),
    OpKind.BLOCK: _block,
}


def build_glyph(g: OpRows) -> Glyph:
    """The glyph for ``g.op`` (unknown kinds are drawn as generic boxes)."""
    builder = _BUILDERS.get(g.op.kind, _function)
    if g.op.kind in (OpKind.FUNCTION, OpKind.LEARNED):  # a declared look: ``def NAME : SIG style bare|circle``
        builder = _STYLES.get(g.op.params.style or "box", builder)
    glyph = builder(g)
    _double_tandem(glyph, g)
    _ports(glyph, g)
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
