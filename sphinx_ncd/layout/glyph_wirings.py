"""Layout (stage 3): glyphs of pure wirings -- operations that only route wires.

Views and concatenations (a bar), additions, copies, deletions, saves and loads, units, and einsums (cups,
crossings and merges in two stages), as the paper draws them (``vocabulary.md``).
"""
from __future__ import annotations

import math
from itertools import permutations

from ..model.types import OpKind
from .geometry import ARROW, bend_length, DOT_R, FONT, PITCH, THICK, THIN, WIRE, wire_path
from .glyph_parts import (
    all_rows, arrow_head, core_rows, draw_line, draw_sep, draw_text, Glyph, ink_of, OpRows, pass_wires,
    seps_between,
)
from .crossings import crossings_of
from .mathtext import label
from .scene import Circle, Path, Text

__all__ = ["draw_bar", "draw_add", "draw_copy", "draw_delete", "draw_save_load", "draw_unit", "draw_einsum"]


def draw_bar(g: OpRows, concat: bool | None = None) -> Glyph:
    concat = g.op.kind == OpKind.CONCAT if concat is None else concat
    w = 24.0
    glyph = Glyph(w)
    xb = w / 2
    core = core_rows(g) or all_rows(g) or [0.0]
    if concat:
        core = all_rows(g) or core
    y0, y1 = min(core) - 5, max(core) + 5
    for ys, cs in zip(g.ins, g.in_core):
        for y, c in zip(ys, cs):
            if c or concat:
                glyph.items.append(draw_line(0, y, xb, y, g))
    for ys, cs in zip(g.outs, g.out_core):
        for y, c in zip(ys, cs):
            if c or concat:
                glyph.items.append(draw_line(xb, y, w, y, g))
    if not concat:
        pass_wires(glyph, g)
    glyph.items.append(Path((("M", xb, y0), ("L", xb, y1)), stroke=ink_of(g), width=THICK, role="box", owner=g.owner))
    if concat:
        over = g.op.params.over
        for k, out in enumerate(g.op.outputs):
            for l, a in enumerate(out.axes):
                if over is not None and (a == over or a.label == getattr(over, "label", over)):
                    glyph.items.append(Circle(xb, g.outs[k][l], DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
        # the separators between inputs end on the bar
        for ysep in seps_between(g.ins):
            glyph.items.append(draw_sep(0, ysep, xb, ysep, g))
    else:
        for ysep in seps_between(g.ins):
            glyph.items.append(draw_sep(0, ysep, xb, ysep, g))
    for ysep in seps_between(g.outs):
        glyph.items.append(draw_sep(xb, ysep, w, ysep, g))
    top = min(all_rows(g) or [0.0])
    bottom = max(all_rows(g) or [0.0])
    glyph.headroom = max(0.0, top - y0)
    glyph.footroom = max(0.0, y1 - bottom)
    return glyph


def draw_add(g: OpRows) -> Glyph:
    """Addition: the inputs' wires join the output's in dots.  Where the joining wires bend across the
    output's other rows, the dots are staggered as a copy's are, mirrored (:func:`copy_dot_steps`)."""
    ins = g.ins
    outs = g.outs[0] if g.outs else []
    dy = max((abs(y - outs[min(j, len(outs) - 1)]) for ys in ins for j, y in enumerate(ys)),
             default=0.0) if outs else 0.0
    steps, widen = copy_dot_steps(outs, ins, dy)
    xm = bend_length(dy) + 4 + widen
    w = xm + 16
    glyph = Glyph(w)
    xs = [xm - steps[j] for j in range(len(outs))]
    for ys in ins:
        for j, y in enumerate(ys):
            if j < len(outs):
                glyph.items.append(Path(wire_path([(0, y), (xs[j], outs[j])]), stroke=ink_of(g), width=WIRE,
                                        owner=g.owner))
    for ysep in seps_between(ins):
        glyph.items.append(draw_sep(0, ysep, xs[-1] if outs else xm, outs[-1] if outs else ysep, g))
    for j, y in enumerate(outs):
        glyph.items.append(draw_line(xs[j], y, w, y, g))
        glyph.items.append(Circle(xs[j], y, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    if outs:
        yb = outs[-1] + 9
        glyph.items.append(draw_text("+", xs[-1] + 6, yb, g, size=FONT * 0.9))
        glyph.footroom = 14 if len(ins) < 2 else 0
    glyph.anchors["sum"] = (xs[0] if outs else xm, outs[0] if outs else 0.0)
    return glyph


def draw_copy(g: OpRows) -> Glyph:
    """Copies: each source wire ends in a dot its copies leave from.  Where the copies bend across the source's
    other wires, the dots are staggered (:func:`copy_dot_steps`) so that no crossing is within a wire pitch of
    the dot of the wire crossed."""
    src = g.ins[0] if g.ins else []
    dy = max((abs(y - ys[j]) for ys in g.outs for j, y in enumerate(src) if j < len(ys)), default=0.0)
    xd = 6.0
    steps, widen = copy_dot_steps(src, g.outs, dy)
    w = xd + widen + bend_length(dy) + 6
    glyph = Glyph(w)
    for j, y in enumerate(src):
        xj = xd + steps[j]
        glyph.items.append(draw_line(0, y, xj, y, g))
        for ys in g.outs:
            if j < len(ys):
                glyph.items.append(Path(wire_path([(xj, y), (w, ys[j])]), stroke=ink_of(g), width=WIRE,
                                        owner=g.owner))
    for j, y in enumerate(src):
        glyph.items.append(Circle(xd + steps[j], y, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    if src:
        for ysep in seps_between(g.outs):
            glyph.items.append(draw_sep(xd + steps[-1], src[-1], w, ysep, g))
    if not src:  # copying a scalar: a dot that splits
        for ys in g.outs:
            for y in ys:
                glyph.items.append(draw_line(xd, 0, w, y, g))
    glyph.anchors["split"] = (xd + (steps[0] if steps else 0.0), src[0] if src else 0.0)
    return glyph


def copy_dot_steps(src: list[float], outs: list[list[float]], dy: float) -> tuple[list[float], float]:
    """How far right of the first dot column each source wire's copy dot sits, and how much the glyph widens.
    Copies bending down cross the wires below their source, so a lower wire's dot is drawn further left
    (copies bending up: further right), by enough that the crossing is at least a pitch past it.  The
    bends end where they would without staggering (the later dots' bends are a little steeper) unless that
    would make them too steep; level or mixed copies keep one column."""
    n = len(src)
    drops = [ys[j] - y for ys in outs for j, y in enumerate(src) if j < len(ys) and abs(ys[j] - y) > 1e-9]
    if n < 2 or not drops or (min(drops) < 0 < max(drops)):
        return [0.0] * n, 0.0
    gap = min(abs(b - a) for a, b in zip(src, src[1:]))
    length = bend_length(dy)
    r = bend_reach(1.0, dy, gap - 2 * WIRE)  # the steepest copy crosses the next wire (a doubled one's near
    # stroke, ~1.4 off its row) r * its length on
    need = PITCH + 1.0
    if r * length >= need:
        return [0.0] * n, 0.0
    room = 1.0 - r * (n - 1)  # the first branch is shortened by (n - 1) steps
    step = (need - r * length) / room if room > 0.2 else 0.0
    widen = 0.0
    if step <= 0.0 or length - (n - 1) * step < 0.6 * length:  # too steep: widen instead
        step, widen = need - r * length, (n - 1) * (need - r * length)
    return [(n - 1 - j) * step if drops[0] > 0 else j * step for j in range(n)], widen


def bend_reach(length: float, drop: float, rise: float) -> float:
    """Horizontal distance from its start at which an S-bend (:func:`wire_path`) of ``length`` and vertical
    travel ``drop`` has travelled ``rise`` vertically."""
    if abs(drop) <= rise:
        return length
    f = rise / abs(drop)
    lo, hi = 0.0, 1.0
    for _ in range(40):  # y(t) = 3t^2 - 2t^3 rises monotonically on [0, 1]
        t = (lo + hi) / 2
        lo, hi = (t, hi) if 3 * t * t - 2 * t ** 3 < f else (lo, t)
    t = (lo + hi) / 2
    return length * (1.5 * t * (1 - t) * (1 - t) + 1.5 * t * t * (1 - t) + t ** 3)  # x(t), controls at mid


def draw_delete(g: OpRows) -> Glyph:
    w = 12.0
    glyph = Glyph(w)
    for ys in g.ins:
        for y in ys:
            glyph.items.append(draw_line(0, y, w / 2, y, g))
            glyph.items.append(Circle(w / 2, y, DOT_R * 0.8, fill="paper", stroke=ink_of(g), width=THIN, owner=g.owner))
    return glyph


def draw_save_load(g: OpRows, save: bool | None = None) -> Glyph:
    save = g.op.kind == OpKind.SAVE if save is None else save
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
            glyph.items.append(Path(wire_path([(0, y), (xa - ARROW * 0.7, cy)]), stroke=ink_of(g), width=WIRE,
                                    owner=g.owner))
        glyph.items.append(arrow_head(xa, cy, g))
        glyph.items.append(Text(lab, xa + 2, cy + (lab.ascent - lab.descent) / 2, fill=ink_of(g), owner=g.owner))
    else:
        glyph.items.append(Text(lab, 0, cy + (lab.ascent - lab.descent) / 2, fill=ink_of(g), owner=g.owner))
        xa = lab.width + 2 + ARROW
        glyph.items.append(arrow_head(xa, cy, g))
        for y in ys:
            glyph.items.append(Path(wire_path([(xa, cy), (w, y)]), stroke=ink_of(g), width=WIRE, owner=g.owner))
    glyph.headroom = max(0.0, min(ys) - (cy - lab.ascent)) + 1
    glyph.footroom = max(0.0, cy + lab.descent - max(ys)) + 1
    return glyph


def draw_unit(g: OpRows) -> Glyph:
    outs = [y for ys in g.outs for y in ys]
    glyph = Glyph(24.0)
    pass_wires(glyph, g)
    pairs_out = {(k, l) for _, (k, l) in g.pairs}
    free = [g.outs[k][l] for k in range(len(g.outs)) for l in range(len(g.outs[k])) if (k, l) not in pairs_out]
    for a, b in zip(free[0::2], free[1::2]):
        r = abs(b - a) / 2
        xc = glyph.width - 8 - 0.0
        glyph.width = max(glyph.width, r + 14)
        xc = glyph.width - 8
        glyph.items.append(Path((("M", glyph.width, a), ("L", xc, a), ("A", r, 0, xc, b), ("L", glyph.width, b)),
                                stroke=ink_of(g), width=WIRE, owner=g.owner))
    if len(free) % 2:
        glyph.items.append(Circle(glyph.width - 8, free[-1], DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
        glyph.items.append(draw_line(glyph.width - 8, free[-1], glyph.width, free[-1], g))
    del outs
    return glyph


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


def draw_einsum(g: OpRows) -> Glyph:
    """Linear wiring in two stages.

    First every wire bends (crossings = transposes) into an intermediate order
    where the wires of one contracted axis are neighbours and the wires of one
    output axis are neighbours; then contracted neighbours close in a
    semicircular cap (inner product), output neighbours meet in a dot
    (diagonal), and each output wire bends to its row.  The separators between
    the inputs end in a dot (outer product).  Where a stage's crossings would
    fall within a wire pitch of a dot left of them (the outer product's, or a
    merge dot the next stage's wires cross just after), that stage starts later,
    after a straight run: the glyph widens by about the least that clears them.
    """
    ins_n, outs_n = _einsum_names(g)
    key = (tuple(map(tuple, g.ins)), tuple(map(tuple, g.outs)), tuple(map(tuple, ins_n)), tuple(map(tuple, outs_n)))
    plan = _PLANS.get(key)
    if plan is not None:  # drawn before (another render of the same rows): the same order and leads
        return _einsum_glyph(g, *plan)[0]
    lead = lead2 = 0.0
    best, order = None, None
    for _ in range(4):
        glyph, xj, order = _einsum_glyph(g, lead, lead2, order)
        dots = [c for c in glyph.items if isinstance(c, Circle) and c.fill not in (None, "none", "paper")]
        near = [(c, d) for c in crossings_of([p for p in glyph.items if isinstance(p, Path) and p.role == "wire"])
                for d in dots if (c.x - d.cx) ** 2 + (c.y - d.cy) ** 2 < PITCH ** 2]
        if best is None or len(near) < best[0]:
            best = (len(near), glyph, (lead, lead2, order))
        more = [0.0, 0.0]  # how much later each stage must start for its crossings to clear the dots left of them
        for c, d in near:
            if d.cx < c.x:
                need = d.cx + math.sqrt(PITCH ** 2 - (c.y - d.cy) ** 2) - c.x
                k = 0 if c.x < xj else 1
                more[k] = max(more[k], need + 0.25)
        if not near or more == [0.0, 0.0]:
            break
        lead, lead2 = lead + more[0], lead2 + more[1]
    if len(_PLANS) >= 1024:
        _PLANS.clear()
    _PLANS[key] = best[2]
    return best[1]


#: (input rows, output rows, their names) -> (lead, lead2, the units' order): an einsum's plan, worked out once
_PLANS: dict = {}


OUTER_DOT_X = 3.0  # where an input separator ends in an einsum's outer-product dot


def _einsum_glyph(g: OpRows, lead: float, lead2: float, order=None) -> tuple[Glyph, float, list]:
    """The einsum's glyph with straight runs of ``lead`` before its first stage and ``lead2`` after its
    junctions (see :func:`draw_einsum`), its units in ``order`` (their names; None: the order that crosses
    fewest wires); returns it, where its junctions are and its units' order."""
    ins_n, outs_n = _einsum_names(g)
    src: dict[str, list[float]] = {}
    for i, names in enumerate(ins_n):
        for j, n in enumerate(names[:len(g.ins[i])]):
            src.setdefault(n, []).append(g.ins[i][j])
    out_rows: dict[str, list[float]] = {}
    for k, names in enumerate(outs_n):
        for l, n in enumerate(names[:len(g.outs[k])]):
            out_rows.setdefault(n, []).append(g.outs[k][l])
    # units: (kind, name, source rows); ordered by where their sources are
    units = sorted(((sum(ys) / len(ys), "out" if n in out_rows else "cap", n, sorted(ys)) for n, ys in src.items()),
                   key=lambda u: (u[0], u[2]))
    top = min((y for ys in g.ins for y in ys), default=0.0)
    if order is None:
        units = _fewest_crossings(units, out_rows, top)
    else:
        units = sorted(units, key=lambda u: order.index(u[2]))
    mid = _mid_rows(units, top)
    # stage 1: sources -> intermediate rows (sources of one unit keep their order)
    d1 = [abs(a - b) for _, _, n, ys in units for a, b in zip(ys, mid[n])]
    if not any(d > 1e-6 for d in d1):
        lead = 0.0
    x1 = lead + (bend_length(max(d1, default=0.0)) if any(d > 1e-6 for d in d1) else 4.0)
    # junction points (merge dots / caps) and stage 2: the output wires bend to their rows
    junction = {n: (mid[n][0] + mid[n][-1]) / 2 for _, _, n, _ in units}
    d2 = [abs(junction[n] - yo) for n, outs in out_rows.items() if n in junction for yo in outs]
    if not any(d > 1e-6 for d in d2):
        lead2 = 0.0
    rmax = max((abs(mid[n][-1] - mid[n][0]) / 2 for _, kind, n, _ in units if kind == "cap"), default=0.0)
    xj = x1 + max(rmax, DOT_R) + 2
    x2 = xj + lead2 + (bend_length(max(d2, default=0.0)) if any(d > 1e-6 for d in d2) else 6.0)
    glyph = Glyph(x2 + 4)
    direct = not seps_between(g.ins) and not any((kind == "out" and len(ys) > 1) or (kind == "cap" and len(ys) != 2)
                                                 for _, kind, _, ys in units)  # no dot drawn
    for unit in units:
        _einsum_unit(glyph, g, unit, mid[unit[2]], junction[unit[2]], out_rows.get(unit[2], []),
                     (lead, x1, xj, xj + lead2, x2), direct)
    _einsum_ends(glyph, g, out_rows, src, mid, xj)
    return glyph, xj, [u[2] for u in units]


def _mid_rows(units, top: float) -> dict:
    """The intermediate rows of each unit, stacked from ``top`` in the units' order."""
    mid: dict[str, list[float]] = {}
    y = top
    for _, _, n, ys in units:
        mid[n] = [y + PITCH * r for r in range(len(ys))]
        y = mid[n][-1] + PITCH
    return mid


def _fewest_crossings(units, out_rows, top: float) -> list:
    """The units in the intermediate order whose two stages cross fewest wires (a transpose the einsum needs
    crosses anyway; one the order would add need not), the order of their sources' mean heights where that
    draws as few; up to 6 units (720 orders) are tried, more keep that order."""
    if len(units) < 3 or len(units) > 6:
        return units

    def crossings(order) -> int:
        mid = _mid_rows(order, top)
        first = [(a, b, n) for _, _, n, ys in order for a, b in zip(ys, mid[n])]
        second = [((mid[n][0] + mid[n][-1]) / 2, yo, n) for _, kind, n, _ in order if kind == "out"
                  for yo in out_rows.get(n, ())]
        return sum(1 for stage in (first, second) for i, (a, b, n) in enumerate(stage)
                   for c, d, m in stage[i + 1:] if m != n and (a - c) * (b - d) < 0)

    best, fewest = units, crossings(units)
    for order in permutations(units):
        if fewest == 0:
            break
        k = crossings(order)
        if k < fewest:
            best, fewest = list(order), k
    return best


def _einsum_ends(glyph: Glyph, g: OpRows, out_rows, src, mid, xj: float) -> None:
    """An einsum's axes from nowhere, its outer-product dots and output separators, and its footroom."""
    w = glyph.width
    for n, outs in out_rows.items():  # an axis from nowhere starts at a dot
        if n not in src:
            for yo in outs:
                glyph.items.append(draw_line(xj, yo, w, yo, g))
                glyph.items.append(Circle(xj, yo, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    # outer product: the separators between inputs end in a dot
    for ysep in seps_between(g.ins):
        glyph.items.append(draw_sep(0, ysep, OUTER_DOT_X, ysep, g))
        glyph.items.append(Circle(OUTER_DOT_X, ysep, DOT_R * 0.8, fill=ink_of(g), stroke=None, owner=g.owner))
    for ysep in seps_between(g.outs):
        glyph.items.append(draw_sep(w - 4, ysep, w, ysep, g))
    allm = [y for m in mid.values() for y in m]
    if allm:
        glyph.footroom = max(0.0, max(allm) - max(all_rows(g)))


def _einsum_unit(glyph: Glyph, g: OpRows, unit, m, yj: float, outs, xs, direct: bool = True) -> None:
    """One axis name of an einsum: its input wires into their intermediate rows ``m``, then a cap (summed over
    by a pair), a merge dot (several inputs), or on to its output rows ``outs``.  A wire that only moves takes
    one S-bend across the glyph when ``direct`` (no dot it could run through), else both stages."""
    _, kind, n, ys = unit
    x0, x1, xj, xk, x2 = xs  # stage 1 from x0 to x1, junctions at xj, stage 2 from xk to x2
    w = glyph.width
    if kind == "cap" and len(ys) == 2:
        r = (m[1] - m[0]) / 2
        d = wire_path([(0, ys[0]), (x0, ys[0]), (x1, m[0])]) + (("A", r, 1, x1, m[1]),) + \
            wire_path([(x1, m[1]), (x0, ys[1]), (0, ys[1])])[1:]
        glyph.items.append(Path(d, stroke=ink_of(g), width=WIRE, owner=g.owner))
        glyph.anchors[f"cap.{n}"] = (x1 + r, yj)
        return
    if kind == "out" and len(ys) == 1 and direct:  # a wire that only moves: one S-bend across the whole glyph
        for yo in outs:
            glyph.items.append(Path(wire_path([(0, ys[0]), (w, yo)]), stroke=ink_of(g), width=WIRE, owner=g.owner))
        return
    for a, b in zip(ys, m):
        glyph.items.append(Path(wire_path([(0, a), (x0, a), (x1, b)]), stroke=ink_of(g), width=WIRE, owner=g.owner))
    if len(ys) > 1:
        for b in m:
            glyph.items.append(Path(wire_path([(x1, b), (xj, yj)]), stroke=ink_of(g), width=WIRE, owner=g.owner))
        glyph.items.append(Circle(xj, yj, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    else:
        glyph.items.append(draw_line(x1, m[0], xj, yj, g))
    if kind == "cap":  # summed out alone: the wire ends in a dot
        glyph.items.append(Circle(xj, yj, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
        return
    for yo in outs:
        glyph.items.append(Path(wire_path([(xj, yj), (xk, yj), (x2, yo), (w, yo)]), stroke=ink_of(g), width=WIRE,
                                owner=g.owner))
