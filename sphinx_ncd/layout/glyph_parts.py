"""Layout (stage 3): what every glyph is made of -- the records and the drawing helpers they share.

A glyph is built from an :class:`OpRows` (the operation and the rows of its input and output wires, relative
to the item's top wire) and returns a :class:`Glyph`: its width, its primitives with x running from 0 (the
input ports) to ``width`` (the output ports), the vertical room it needs above and below its wires, and its
named anchors.  Input wire ``j`` of input ``i`` ends at anchor ``in{i}.{j}`` = (0, row); output wires start at
``out{k}.{l}`` = (width, row).  Here: those records, tiles (the boxes of maps) and the small drawing helpers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model.types import AxisKind, Operation
from .geometry import (
    ARROW, bend_length, BOX_HPAD, BOX_MIN_W, BOX_PAD, CUT, EXTRUDE, FONT, SEP_DASH, SEP_WIDTH, separator_y,
    SHADOW, TANDEM_OFFSETS, TANDEM_WIRE, THIN, WIRE, wire_path,
)
from .axismarks import axis_label_source  # noqa: F401 - re-exported: glyphs use it from here
from .mathtext import label
from .scene import Path, Text


__all__ = [
    "OVER", "over_owner", "OpRows", "Glyph", "axis_label_source", "ink_of", "draw_line", "poly", "draw_text", "core_rows",
    "all_rows", "draw_ports", "pass_wires", "seps_between", "draw_sep", "box_extent", "label_y", "free_centre",
    "draw_tile", "converge", "draw_straight", "arrow_head", "find_row",
]


OVER = "/over"  # owner suffix of broadcast wires drawn over a box (a label must not sit on them)


def over_owner(g: "OpRows", i: int, j: int) -> str:
    """The owner of the broadcast wire of input ``i``'s row ``j`` drawn over ``g``'s box:
    ``"op:3/over:5.1"`` (the SVG's interactive hook names wire ``5.1`` by it)."""
    return f"{g.owner}{OVER}:{g.op.inputs[i].id}.{j}"


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
    scale: object = None  # an einsum drawn with the scaling after it: (that scaling, whether it is highlighted)
    join: bool = False  # an addition drawn as a symmetric join (its output midway between its inputs)
    act: object = None  # a normalisation drawn with the element-wise map after it: (that map, highlighted?)
    beside: object = None  # a map drawn with the map after it on other wires: (that map, highlighted?)
    memory_alert: bool = False  # a copy or concatenation drawn with its save or load: that one is highlighted


@dataclass
class Glyph:
    width: float
    items: list = field(default_factory=list)  # primitives, local coordinates
    headroom: float = 0.0  # room needed above the top wire row
    footroom: float = 0.0  # room needed below the bottom wire row
    anchors: dict = field(default_factory=dict)  # name -> (x, y)
    #: :func:`.scene.box_terms` of the items, once asked for (a glyph shared by operations drawn alike is boxed
    #: from them at each place, see :mod:`.glyph_memo`); the items are not changed after that
    box: tuple | None = field(default=None, repr=False, compare=False)


def ink_of(g: OpRows) -> str:
    return "alert" if g.alert else "ink"


def draw_line(x0, y0, x1, y1, g: OpRows, role="wire", width=WIRE, stroke=None):
    return Path(wire_path([(x0, y0), (x1, y1)]), stroke or ink_of(g), None, width, None, role, g.owner)


def poly(pts, g: OpRows, fill="paper", stroke=None, role="box", width=THIN, opacity=1.0):
    d = [("M", *pts[0])] + [("L", *p) for p in pts[1:]] + [("Z",)]
    return Path(tuple(d), stroke=stroke if stroke is not None else ink_of(g), fill=fill, width=width,
                role=role, owner=g.owner, opacity=opacity)


def draw_text(src, cx, cy, g: OpRows, size=FONT, style=None, fill=None, role="label"):
    """A label centred on (cx, cy) (ink-centred vertically)."""
    lab = label(src, size, style)
    x = cx - lab.width / 2
    y = cy + (lab.ascent - lab.descent) / 2
    return Text(lab, x, y, fill=fill or ink_of(g), role=role, owner=g.owner)


def core_rows(g: OpRows) -> list[float]:
    rows = [y for ys, cs in zip(g.ins, g.in_core) for y, c in zip(ys, cs) if c]
    rows += [y for ys, cs in zip(g.outs, g.out_core) for y, c in zip(ys, cs) if c]
    return rows


def all_rows(g: OpRows) -> list[float]:
    return [y for ys in g.ins for y in ys] + [y for ys in g.outs for y in ys]


def draw_ports(glyph: Glyph, g: OpRows):
    for i, ys in enumerate(g.ins):
        for j, y in enumerate(ys):
            glyph.anchors[f"in{i}.{j}"] = (0.0, y)
    for k, ys in enumerate(g.outs):
        for l, y in enumerate(ys):
            glyph.anchors[f"out{k}.{l}"] = (glyph.width, y)


def wire_strokes(pts, g: OpRows, doubled: bool, owner: str | None = None, role: str = "wire") -> list[Path]:
    """A wire through ``pts`` inside a glyph: one stroke, or the two strokes of a tandem axis's doubled wire,
    as the wires between glyphs draw it."""
    owner = g.owner if owner is None else owner
    if not doubled:
        return [Path(wire_path(pts), ink_of(g), None, WIRE, None, role, owner)]  # (positional: a quicker call)
    return [Path(wire_path([(x, y + off) for x, y in pts]), stroke=ink_of(g), width=TANDEM_WIRE, role=role,
                 owner=owner) for off in TANDEM_OFFSETS]


def is_tandem(v, j: int) -> bool:
    """Whether axis ``j`` of value ``v`` is a tandem axis (drawn as a doubled wire)."""
    return j < len(v.axes) and v.axes[j].kind == AxisKind.TANDEM


def pass_wires(glyph: Glyph, g: OpRows, x0=0.0, x1=None):
    """Broadcast wires: straight over the glyph (bending when their row changes), drawn on top."""
    x1 = glyph.width if x1 is None else x1
    for (i, j), (k, l) in g.pairs:
        glyph.items.extend(wire_strokes([(x0, g.ins[i][j]), (x1, g.outs[k][l])], g, is_tandem(g.op.inputs[i], j),
                                        over_owner(g, i, j)))


def seps_between(rows: list[list[float]]) -> list[float]:
    """y of the dashed separators between consecutive segments."""
    out = []
    rows = sorted((r for r in rows if r), key=lambda r: r[0])
    for a, b in zip(rows, rows[1:]):
        if a and b:
            out.append(separator_y(a[-1], b[0]))
    return out


def draw_sep(x0, y0, x1, y1, g: OpRows):
    return Path(wire_path([(x0, y0), (x1, y1)]), ink_of(g), None, SEP_WIDTH, SEP_DASH, "separator", g.owner)


def box_extent(g: OpRows) -> tuple[float, float]:
    rows = core_rows(g) or all_rows(g) or [0.0]
    return min(rows) - BOX_PAD, max(rows) + BOX_PAD


def label_y(g: OpRows, y0: float, y1: float, lab) -> float:
    """A vertical centre for a box label that no broadcast wire crosses."""
    passing = sorted({g.ins[i][j] for (i, j), _ in g.pairs})  # boxes carry them straight across
    return free_centre(y0, y1, passing, lab)


def free_centre(y0: float, y1: float, passing, lab) -> float:
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


def draw_tile(g: OpRows, src: str, style, shape: str, fill: str, extra_w: float = 0.0) -> Glyph:
    lab = label(src, FONT, style)
    y0, y1 = box_extent(g)
    w = max(BOX_MIN_W, lab.width + 2 * BOX_HPAD + extra_w)
    # broadcast wires cross the box straight; those that change row bend after it
    moves = [(g.ins[i][j], g.outs[k][l], over_owner(g, i, j)) for (i, j), (k, l) in g.pairs]
    dy = max((abs(a - b) for a, b, _ in moves), default=0.0)
    xb = w + (EXTRUDE if shape == "block" else 0.0) + (SHADOW if shape == "learned" else 0.0)
    total = xb + bend_length(dy) if dy > 1e-6 else w
    glyph = Glyph(total)
    if total > w:
        for ys, cs in zip(g.outs, g.out_core):
            for y, c in zip(ys, cs):
                if c:
                    glyph.items.append(draw_line(w, y, total, y, g))
    if shape == "learned":
        pts = [(0, y0), (w, y0), (w, y1), (CUT, y1), (0, y1 - CUT)]
        glyph.items.append(poly([(x + SHADOW, y + SHADOW) for x, y in pts], g, fill="shadow", stroke="",
                                 role="shadow", opacity=0.35))
        glyph.items.append(poly(pts, g, fill=fill))
    elif shape == "block":
        e = EXTRUDE
        glyph.items.append(poly([(0, y0), (e, y0 - e), (w + e, y0 - e), (w, y0)], g, fill="extrude"))
        glyph.items.append(poly([(w, y0), (w + e, y0 - e), (w + e, y1 - e), (w, y1)], g, fill="extrude"))
        glyph.items.append(poly([(0, y0), (w, y0), (w, y1), (0, y1)], g, fill=fill))
        glyph.headroom = max(glyph.headroom, -(y0 - e - min(all_rows(g) or [0])) + 2)
    else:
        glyph.items.append(poly([(0, y0), (w, y0), (w, y1), (0, y1)], g, fill=fill))
    cy = label_y(g, y0, y1, lab)
    glyph.items.append(draw_text(src, (w - extra_w) / 2, cy, g, style=style))
    for a, b, owner in moves:
        pts = [(0, a), (total, b)] if abs(a - b) < 1e-6 else [(0, a), (xb, a), (total, b)]
        glyph.items.append(Path(wire_path(pts), stroke=ink_of(g), width=WIRE, role="wire", owner=owner))
    top = min(all_rows(g) or [0.0])
    bottom = max(all_rows(g) or [0.0])
    glyph.headroom = max(glyph.headroom, top - y0 + (EXTRUDE + 1 if shape == "block" else 0))
    glyph.footroom = max(0.0, y1 - bottom + (SHADOW if shape == "learned" else 0))
    _box_seps(glyph, g)
    return glyph


def _box_seps(glyph: Glyph, g: OpRows):
    """Separators between a box's inputs end at its left edge; between outputs they start at its right."""
    # (they are drawn by the engine up to the ports; nothing crosses the box)
    return None


def converge(glyph: Glyph, g: OpRows, xl: float, xr: float, cy: float, edge=None):
    """Core input wires run into (xl, cy) and core output wires leave (xr, cy); ``edge(y)`` moves the meeting
    point of a wire on row ``y`` (a circle's outline)."""
    for ys, cs in zip(g.ins, g.in_core):
        for y, c in zip(ys, cs):
            if c:
                x = xl if edge is None else edge(y, -1)
                glyph.items.append(Path(wire_path([(0, y), (x, y if edge else cy)]), stroke=ink_of(g), width=WIRE,
                                        role="wire", owner=g.owner))
    for ys, cs in zip(g.outs, g.out_core):
        for y, c in zip(ys, cs):
            if c:
                x = xr if edge is None else edge(y, 1)
                glyph.items.append(Path(wire_path([(x, y if edge else cy), (glyph.width, y)]), stroke=ink_of(g),
                                        width=WIRE, role="wire", owner=g.owner))


def draw_straight(glyph: Glyph, g: OpRows):
    """Every wire passes straight through (pairs by position when the model paired none)."""
    if g.pairs:
        pass_wires(glyph, g)
        return
    for ys_in, ys_out in zip(g.ins, g.outs):
        for y0, y1 in zip(ys_in, ys_out):
            glyph.items.append(draw_line(0, y0, glyph.width, y1, g))


def arrow_head(x, y, g: OpRows, left=False):
    a = ARROW
    if left:
        pts = [(x, y), (x + a, y - a * 0.45), (x + a * 0.7, y), (x + a, y + a * 0.45)]
    else:
        pts = [(x, y), (x - a, y - a * 0.45), (x - a * 0.7, y), (x - a, y + a * 0.45)]
    return poly(pts, g, fill=ink_of(g), stroke=ink_of(g), role="glyph", width=0.6)


def find_row(g: OpRows, axis) -> tuple[int, int] | None:
    """(input, wire) of ``axis`` among the op's core wires, else any wire."""
    if axis is None:
        return None
    for pref in (True, False):
        for i, (vals, cores) in enumerate(zip(g.op.inputs, g.in_core)):
            for j, (a, c) in enumerate(zip(vals.axes, cores)):
                if (c or not pref) and (a == axis or a.label == getattr(axis, "label", axis)):
                    return i, j
    return None
