"""Layout (stage 3): the einsum's glyph -- linear wiring in two stages, as the paper draws it.

Every wire first bends (crossings are transposes) into an intermediate order where the wires of one contracted
axis, and of one output axis, are neighbours; then contracted neighbours close in a cup (an inner product), output
neighbours meet in a dot (a diagonal) standing on one of their wires, and each output wire bends to its row.
The separators between the inputs (an outer product) end at the glyph's side.  The intermediate order is the one
crossing fewest wires, and a stage starts late enough for its crossings to clear the dots next to them.
"""
from __future__ import annotations

import math
from itertools import permutations

from .crossings import crossings_of, knots
from .geometry import bend_length, DOT_R, PITCH, WIRE, wire_path
from .glyph_marks import scale_arrow
from .glyph_parts import all_rows, draw_sep, Glyph, ink_of, is_tandem, OpRows, seps_between, wire_strokes
from .scene import Circle, Path

__all__ = ["draw_einsum", "einsum_names", "einsum_rows", "OUTER_X"]

def _einsum_names(g: OpRows):
    """The name of every input and output wire of ``g``'s einsum (see :func:`einsum_names`)."""
    return einsum_names(g.op, g.ins)


def einsum_names(op, ins):
    """The name of every input and output wire: the einsum's own names (the model's typed record) on its core
    axes, the axis label on a wire passing over it; ``ins``: the input rows (a scalar's drawn 1 wire)."""
    ins_n = [[a.label for a in v.axes] for v in op.inputs]
    outs_n = [[a.label for a in v.axes] for v in op.outputs]
    names_in = getattr(op.params, "names_in", ())
    for i, names in enumerate(names_in[:len(ins_n)]):
        for n, pos in zip(names, op.core_in_pos[i] if i < len(op.core_in_pos) else ()):
            ins_n[i][pos] = n
    for i, v in enumerate(op.inputs):  # a scalar's bare 1 wire takes part too: it is the 1 axis
        if not v.axes and i < len(ins) and ins[i]:
            ins_n[i] = ["1"]
    names_out = getattr(op.params, "names_out", ())
    if outs_n and op.core_out_pos:
        for n, pos in zip(names_out, op.core_out_pos[0]):
            outs_n[0][pos] = n
    return ins_n, outs_n


OUTER_X = 5.0  # the level run before an outer product's wires bend (its separators end at the glyph's side)


def draw_einsum(g: OpRows) -> Glyph:
    """Linear wiring in two stages.

    First every wire bends (crossings = transposes) into an intermediate order
    where the wires of one contracted axis are neighbours and the wires of one
    output axis are neighbours; then contracted neighbours close in a
    semicircular cap (inner product), output neighbours meet in a dot
    (diagonal), and each output wire bends to its row.  The separators between
    the inputs end at the glyph's side (outer product).  Where a stage's crossings would
    fall within a wire pitch of a dot left of them, or of a merge dot its wires
    bend into just after, that stage starts (or the dot stands) later, after a
    straight run: the glyph widens by about the least that clears them; so does a first-stage crossing
    within a pitch of the glyph's side, where the separators between its inputs end.  A merge's
    dot stands on one of its wires, which runs straight into it (see
    :func:`_merge_row`), where that crosses no more wires and adds no height.
    """
    ins_n, outs_n = _einsum_names(g)
    key = (tuple(map(tuple, g.ins)), tuple(map(tuple, g.outs)), tuple(map(tuple, ins_n)), tuple(map(tuple, outs_n)))
    plan = _PLANS.get(key)
    if plan is not None:  # drawn before (another render of the same rows): the same order and leads
        return _einsum_glyph(g, *plan)[0]
    best = _planned(g, False)
    if any(_merges(kind, ys) for _, kind, _, ys in _units_of(g)[0]):  # a merge's dot on its level wire: kept
        level = _planned(g, True)  # where it crosses no more wires, stands no nearer a crossing, adds no height
        if (_plan_vees(g, level[2]), *level[0], level[1].footroom) <= \
                (_plan_vees(g, best[2]), *best[0], best[1].footroom):  # and first, where it draws no V
            best = level
    if len(_PLANS) >= 1024:
        _PLANS.clear()
    _PLANS[key] = best[2]
    return best[1]


def _planned(g: OpRows, level: bool) -> tuple:
    """The einsum's glyph whose stages start late enough for its crossings to clear the dots (see
    :func:`draw_einsum`), its merges' dots on their level wires when ``level``: ((crossings near a dot, all
    crossings), the glyph, its plan)."""
    lead = lead2 = leadj = 0.0
    best, order = None, None
    for n in range(5):
        glyph, xj, order = _einsum_glyph(g, lead, lead2, order, leadj, level)
        found = crossings_of([p for p in glyph.items if isinstance(p, Path) and p.role == "wire"])
        if n == 0 and knots(found):  # the estimated order draws a knot: draw its best few, keep the least tangled
            order = _untangled(g, order, found, level)
            continue
        dots = [c for c in glyph.items if isinstance(c, Circle) and c.fill not in (None, "none", "paper")]
        near = [(c, d) for c in found for d in dots if (c.x - d.cx) ** 2 + (c.y - d.cy) ** 2 < PITCH ** 2]
        # a first-stage crossing stands a pitch clear of the separators' end at the glyph's side (the paper's K
        # transpose in scaled dot-product attention, after Q and K's separator ends)
        early = [c for c in found if c.x < min(xj, PITCH)] if seps_between(g.ins) else []
        if best is None or (len(near) + len(early), len(found)) < best[0]:
            best = ((len(near) + len(early), len(found)), glyph, (lead, lead2, order, leadj, level))
        more = [0.0, 0.0, 0.0]  # how much later each stage must start, and the junctions stand, for the crossings
        for c, d in near:       # to clear the dots left of them (and the first stage's, the junctions right of them)
            reach = math.sqrt(PITCH ** 2 - (c.y - d.cy) ** 2)
            if d.cx < c.x:
                k = 0 if c.x < xj else 1
                more[k] = max(more[k], d.cx + reach - c.x + 0.25)
            elif c.x < xj <= d.cx + 1e-6:  # a merge's wires bend into their dot: the crossing moves with it
                more[2] = max(more[2], (c.x + reach - d.cx + 0.25) / (1.0 - min(c.x / xj, 0.8)))
        for c in early:
            more[0] = max(more[0], PITCH - c.x + 0.25)
        if more == [0.0, 0.0, 0.0]:
            break
        lead, lead2, leadj = lead + more[0], lead2 + more[1], leadj + more[2]
    return best


def _plan_vees(g: OpRows, plan) -> int:
    """How many merge dots the einsum's ``plan`` draws as a V (:func:`_vee`)."""
    units, out_rows, top = _units_of(g)
    units = sorted(units, key=lambda u: plan[2].index(u[2]))
    return _vees(units, _mid_rows(units, top, out_rows, plan[4]), out_rows)


#: (input rows, output rows, their names) -> (lead, lead2, the units' order, leadj, level): an einsum's plan,
#: worked out once
_PLANS: dict = {}


def _einsum_glyph(g: OpRows, lead: float, lead2: float, order=None, leadj: float = 0.0,
                  level: bool = False) -> tuple[Glyph, float, list]:
    """The einsum's glyph with straight runs of ``lead`` before its first stage, ``leadj`` into its junctions
    and ``lead2`` after them (see :func:`draw_einsum`), its units in ``order`` (their names; None: the order
    that crosses fewest wires); returns it, where its junctions are and its units' order."""
    units, out_rows, top = _units_of(g)
    if order is None:
        units = _fewest_crossings(units, out_rows, top, level)
    else:
        units = sorted(units, key=lambda u: order.index(u[2]))
    mid = _mid_rows(units, top, out_rows, level)
    # stage 1: sources -> intermediate rows (sources of one unit keep their order)
    d1 = [abs(a - b) for _, _, n, ys in units for a, b in zip(ys, _targets(ys, mid[n]))]
    cross1 = _crosses([(a, b) for _, _, n, ys in units for a, b in zip(ys, _targets(ys, mid[n]))])
    x0, x1 = _stage1_x(g, d1, cross1)
    x0, x1 = x0 + lead, x1 + lead  # later still where a crossing measured too near a dot (draw_einsum)
    # junction points (merge dots / caps) and stage 2: the output wires bend to their rows
    junction = {n: (mid[n][0] + mid[n][-1]) / 2 for _, _, n, _ in units}
    d2 = [abs(junction[n] - yo) for n, outs in out_rows.items() if n in junction for yo in outs]
    cup = next((u for u in units if u[1] == "cap" and len(u[3]) == 2), None) if g.scale else None
    arrow, end = None, 0.0
    if cup is not None:  # the scaling after it: an arrow out of the cup, the other wires level past its label
        r = (mid[cup[2]][-1] - mid[cup[2]][0]) / 2
        arrow, end = scale_arrow(g, x1 + r, junction[cup[2]], *g.scale)
    cross2 = _crosses([(junction[n], yo) for n, outs in out_rows.items() if n in junction for yo in outs])
    xj, xs2, x2 = _stage2_x(units, mid, (cross1, cross2), d2, x1, end)
    xj, xs2, x2 = xj + leadj, xs2 + leadj + lead2, x2 + leadj + lead2
    glyph = Glyph(x2 + 4)
    direct = arrow is None and not seps_between(g.ins) and not any(
        (kind == "out" and len(ys) > 1) or (kind == "cap" and len(ys) != 2) for _, kind, _, ys in units)  # no dot
    doubled = _tandem_names(g)
    for unit in units:
        _einsum_unit(glyph, g, unit, mid[unit[2]], junction[unit[2]], out_rows.get(unit[2], []),
                     (x0, x1, xj, xs2, x2), direct, unit[2] in doubled)
    _einsum_ends(glyph, g, out_rows, {u[2] for u in units}, mid, xj, doubled)
    if arrow is not None:
        glyph.items.append(arrow)
        glyph.anchors["scale"] = (x1 + r, junction[cup[2]])
    return glyph, xj, [u[2] for u in units]


def _tandem_names(g: OpRows) -> set:
    """The einsum's names whose wires are tandem axes (drawn doubled through the glyph as between glyphs)."""
    ins_n, outs_n = einsum_names(g.op, g.ins)
    return {n for values, names in ((g.op.inputs, ins_n), (g.op.outputs, outs_n))
            for v, ns in zip(values, names) for j, n in enumerate(ns) if is_tandem(v, j)}


def einsum_rows(op, ins, outs) -> tuple[dict, dict]:
    """Each of the einsum's names -> the rows of the input wires it names (its sources), and -> the rows of
    the output wires it names (``ins``, ``outs``: the operation's rows)."""
    ins_n, outs_n = einsum_names(op, ins)
    src: dict[str, list[float]] = {}
    for i, names in enumerate(ins_n):
        for j, n in enumerate(names[:len(ins[i])]):
            src.setdefault(n, []).append(ins[i][j])
    out_rows: dict[str, list[float]] = {}
    for k, names in enumerate(outs_n):
        for l, n in enumerate(names[:len(outs[k])]):
            out_rows.setdefault(n, []).append(outs[k][l])
    return src, out_rows


def _units_of(g: OpRows) -> tuple[list, dict, float]:
    """The einsum's units -- (mean source row, "out" or "cap", name, source rows), ordered by where their
    sources are --, each output name's rows, and the top input row."""
    src, out_rows = einsum_rows(g.op, g.ins, g.outs)
    units = sorted(((sum(ys) / len(ys), "out" if n in out_rows else "cap", n, sorted(ys)) for n, ys in src.items()),
                   key=lambda u: (u[0], u[2]))
    return units, out_rows, min((y for ys in g.ins for y in ys), default=0.0)


def _untangled(g: OpRows, order: list, found, level: bool = False) -> list:
    """The units' order for an einsum whose estimated ``order`` draws a knot (its glyph's crossings ``found``):
    among the estimate's best few orders, the one whose drawn glyph has fewest knots, then fewest crossings
    (the estimate measures bends on one run; the glyph's caps and stages differ)."""
    units, out_rows, top = _units_of(g)
    best = ((knots(found), len(found)), order)
    if not 3 <= len(units) <= 6:
        return order
    ranked = sorted(permutations(units), key=lambda o: _order_cost(o, out_rows, top, level=level))
    for alt in ranked[:_TRIED]:
        names = [u[2] for u in alt]
        drawn = _einsum_glyph(g, 0.0, 0.0, names, 0.0, level)[0]
        found = crossings_of([p for p in drawn.items if isinstance(p, Path) and p.role == "wire"])
        if (knots(found), len(found)) < best[0]:
            best = ((knots(found), len(found)), names)
    return best[1]


_TRIED = 3  # orders drawn to untangle a knot


def _mid_rows(units, top: float, out_rows=None, level: bool = False) -> dict:
    """The intermediate rows of each unit, stacked from ``top`` in the units' order; a wire that leaves on
    the row it came in on (nothing moves it) keeps that row when it lies below the stack, so it runs level
    through the glyph instead of rising into the stack and falling back, and a cap on two neighbouring wires
    closes them on their own rows."""
    mid: dict[str, list[float]] = {}
    y = top
    rows = sorted(r for u in units for r in u[3])
    for i, (_, kind, n, ys) in enumerate(units):
        if kind == "out" and len(ys) == 1 and out_rows and any(abs(o - ys[0]) < 1e-6 for o in out_rows.get(n, ())):
            y = max(y, ys[0])
        elif _merges(kind, ys):  # one row: the dot stands on a source or its output at or below the stack
            mid[n] = [_merge_row(ys, y, (out_rows or {}).get(n, ()), level or i == len(units) - 1)]
            y = mid[n][0] + PITCH
            continue
        elif kind == "cap" and len(ys) == 2 and y <= ys[0] + 1e-6 and rows.index(ys[1]) == rows.index(ys[0]) + 1:
            mid[n] = list(ys)  # neighbours (no wire between them): the cap closes them where they are
            y = ys[1] + PITCH
            continue
        mid[n] = [y + PITCH * r for r in range(len(ys))]
        y = mid[n][-1] + PITCH
    return mid


def _merges(kind: str, ys) -> bool:
    """Whether a unit's wires meet in a dot (a diagonal, or a sum over three or more wires)."""
    return len(ys) > 1 and not (kind == "cap" and len(ys) == 2)


def _merge_row(ys, y: float, outs, prefer_out: bool) -> float:
    """The row a merge's dot stands on, at or below the stack's next row ``y``, so that one of its wires runs
    level into it or out of it and none makes a V there (:func:`_vee`): a source there that is also an
    output row in ``outs`` when ``prefer_out`` (the last unit of the stack: it pushes no other down, or the
    level plan), else the highest source there, else the highest output row there (the inputs bend into it
    from above and below, the result runs on level), else ``y`` itself (every wire then bends into it)."""
    rows = {r for r in (*ys, *outs) if r >= y - 1e-6}

    def key(r: float) -> tuple:
        src = _on(r, ys)
        return _vee(r, ys, outs), 0 if prefer_out and src and _on(r, outs) else 1 if src else 2, r

    return _fallback_row(rows, y, ys, outs, key)


def _fallback_row(rows, y: float, ys, outs, key) -> float:
    """The best of ``rows`` (see :func:`_merge_row`), or ``y`` where each of them makes a V and ``y`` does not."""
    if rows:
        best = min(rows, key=key)
        if not _vee(best, ys, outs) or _vee(y, ys, outs):
            return best
    return y


def _on(r: float, rows) -> bool:
    return any(abs(r - o) < 1e-6 for o in rows)


def _vee(r: float, ys, outs) -> bool:
    """Whether a merge dot on row ``r`` draws a V: a source comes down into it and the result climbs away, or
    one comes up into it and the result falls away (the wires would meet in a hook instead of on a line)."""
    return any(s < r - 1e-6 for s in ys) and any(o < r - 1e-6 for o in outs) or \
        any(s > r + 1e-6 for s in ys) and any(o > r + 1e-6 for o in outs)


def _vees(units, mid, out_rows) -> int:
    """How many of the units' merge dots, on their rows ``mid``, draw a V (:func:`_vee`)."""
    return sum(1 for _, kind, n, ys in units if _merges(kind, ys) and _vee(mid[n][0], ys, out_rows.get(n, ())))


def _targets(ys, m) -> list:
    """The intermediate row of each source row ``ys`` of a unit whose rows are ``m`` (a merge's one row)."""
    return list(m) * len(ys) if len(m) == 1 else list(m)


def _fewest_crossings(units, out_rows, top: float, level: bool = False) -> list:
    """The units in the intermediate order whose two stages cross fewest wires (a transpose the einsum needs
    crosses anyway; one the order would add need not), then bunch fewest crossings at one point (a knot), the
    order of their sources' mean heights where that draws as few; up to 6 units (720 orders) are tried, more
    keep that order."""
    if len(units) < 3 or len(units) > 6:
        return units

    best, fewest = units, _order_cost(units, out_rows, top, level=level)
    for order in permutations(units):
        if fewest == (0, 0, 0, 0):
            break
        k = _order_cost(order, out_rows, top, fewest[:2], level)
        if k < fewest:
            best, fewest = list(order), k
    return best


def _order_cost(order, out_rows, top: float, bound: tuple | None = None, level: bool = False) -> tuple:
    """The merge dots drawing a V (:func:`_vee`), the crossings, the knots the units in ``order`` draw,
    estimated from their bends' rows (the knots are not counted where the V's and crossings already exceed
    ``bound``: that order loses anyway), then the wires that detour past both their source and output rows."""
    mid = _mid_rows(order, top, out_rows, level)
    vees = _vees(order, mid, out_rows)
    first = [(a, b, n) for _, _, n, ys in order for a, b in zip(ys, _targets(ys, mid[n]))]
    second = [((mid[n][0] + mid[n][-1]) / 2, yo, n) for _, kind, n, _ in order if kind == "out"
              for yo in out_rows.get(n, ())]
    counts = [sum(1 for i, (a, b, n) in enumerate(stage) for c, d, m in stage[i + 1:]
                  if m != n and (a - c) * (b - d) < 0) for stage in (first, second)]
    total = sum(counts)
    if bound is not None and (vees, total) > bound:
        return vees, total, 0, 0
    return vees, total, sum(knots(_bend_crossings(stage)) for stage, k in zip((first, second), counts) if k >= 3), \
        _detours(order, mid, out_rows)


def _detours(units, mid, out_rows) -> int:
    """How many single wires of the units run, on their intermediate rows ``mid``, beyond both their source and
    their output row (down into the stack and back up: a dip that no junction needs), where a merge's dot
    stands on its level wire and so pushes the stack below it down (without a merge the stack stays where the
    paper draws it: scaled dot-product attention's x dips under the cup)."""
    if not any(_merges(kind, ys) for _, kind, _, ys in units):
        return 0
    return sum(1 for _, kind, n, ys in units if kind == "out" and len(ys) == 1 and n in mid
               for o in out_rows.get(n, ())[:1]
               if not min(ys[0], o) - 1e-6 <= mid[n][0] <= max(ys[0], o) + 1e-6)


def _bend_crossings(moves) -> list[tuple]:
    """Where the bends ``(from row, to row, name)`` of one stage, all drawn over one horizontal run, cross,
    as ``(x, y, wire, wire)``: two S-bends from ``a`` to ``b`` and from ``c`` to ``d`` meet where both have
    gone the same fraction ``s = (c - a) / ((b - a) - (d - c))`` of their way, at about ``s`` of the run."""
    run = bend_length(max((abs(a - b) for a, b, _ in moves), default=0.0))
    out = []
    for i, (a, b, n) in enumerate(moves):
        for j in range(i + 1, len(moves)):
            c, d, m = moves[j]
            if m != n and (a - c) * (b - d) < 0:
                s = (c - a) / ((b - a) - (d - c))
                out.append((s * run, a + (b - a) * s, i, j))
    return out


def _einsum_ends(glyph: Glyph, g: OpRows, out_rows, src, mid, xj: float, doubled=frozenset()) -> None:
    """An einsum's axes from nowhere, its outer-product dots and output separators, and its footroom."""
    w = glyph.width
    for n, outs in out_rows.items():  # an axis from nowhere starts at a dot
        if n not in src:
            for yo in outs:
                glyph.items.extend(wire_strokes([(xj, yo), (w, yo)], g, n in doubled))
                glyph.items.append(Circle(xj, yo, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    # outer product: the separators between inputs end at the glyph's side, where their segments' wires
    # begin to bend together (the paper's; a dot there would read as a junction)
    for ysep in seps_between(g.outs):
        glyph.items.append(draw_sep(w - 4, ysep, w, ysep, g))
    allm = [y for m in mid.values() for y in m]
    if allm:
        glyph.footroom = max(0.0, max(allm) - max(all_rows(g)))


def _crosses(moves) -> bool:
    """Whether two of the bends ``(from row, to row)`` swap their order (so cross)."""
    return any((a0 - a1) * (b0 - b1) < -1e-9 for n, (a0, b0) in enumerate(moves) for a1, b1 in moves[n + 1:])


def _stage1_x(g: OpRows, d1, crossing: bool) -> tuple[float, float]:
    """Where an einsum's first-stage bends begin and end: a short level run past the glyph's side where the
    separators between its inputs end."""
    moved = any(d > 1e-6 for d in d1)
    x0 = OUTER_X if seps_between(g.ins) else 0.0
    return x0, x0 + (bend_length(max(d1)) if moved else 4.0)


def _stage2_x(units, mid, crossing, d2, x1: float, arrow_end: float) -> tuple[float, float, float]:
    """Where an einsum's junctions (caps, merge dots) stand, and where its second-stage bends begin and end:
    just past the first stage (and past the scale arrow's label if one), the second stage a pitch clear of the
    dots where its bends cross."""
    rmax = max((abs(mid[n][-1] - mid[n][0]) / 2 for _, kind, n, _ in units if kind == "cap"), default=0.0)
    dots = any((kind == "out" and len(ys) > 1) or (kind == "cap" and len(ys) != 2) for _, kind, _, ys in units)
    xj = max(x1 + max(rmax, DOT_R) + 2, arrow_end + 4 if arrow_end else 0.0)  # later by the plan's leadj where
    # a first-stage crossing falls within a pitch of a junction dot (see draw_einsum)
    xs2 = xj + (PITCH + 1 if dots and crossing[1] else 0.0)
    return xj, xs2, xs2 + (bend_length(max(d2)) if any(d > 1e-6 for d in d2) else 6.0)


def _einsum_unit(glyph: Glyph, g: OpRows, unit, m, yj: float, outs, xs, direct: bool = True,
                 doubled: bool = False) -> None:
    """One axis name of an einsum: its input wires into their intermediate rows ``m``, then a cap (summed over
    by a pair), a merge dot (several inputs), or on to its output rows ``outs``.  A wire that only moves takes
    one S-bend across the glyph when ``direct`` (no dot it could run through), else both stages; ``doubled``: a
    tandem axis, two strokes as between glyphs (a cap stays one stroke)."""
    _, kind, n, ys = unit
    x0, x1, xj, xs2, x2 = xs  # stage 1 from x0 to x1, junctions at xj, stage 2 from xs2 to x2
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
            glyph.items.extend(wire_strokes([(0, ys[0]), (w, yo)], g, doubled))
        return
    if len(ys) > 1:  # a merge: the dot on its row, each other wire one bend into it, ending at the dot
        for a in ys:
            glyph.items.extend(wire_strokes([(0, a), (x0, a), (xj, yj)], g, doubled))
        glyph.items.append(Circle(xj, yj, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    else:
        glyph.items.extend(wire_strokes([(0, ys[0]), (x0, ys[0]), (x1, m[0])], g, doubled))
        glyph.items.extend(wire_strokes([(x1, m[0]), (xj, yj)], g, doubled))
    if kind == "cap":  # summed out alone: the wire ends in a dot
        glyph.items.append(Circle(xj, yj, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
        return
    for yo in outs:
        glyph.items.extend(wire_strokes([(xj, yj), (xs2, yj), (x2, yo), (w, yo)], g, doubled))
