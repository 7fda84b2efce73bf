"""Layout (stage 3): folding -- where a panel wider than the target width is cut into rows.

A panel is a strip of alternating memory states and steps.  It can be cut only
at a memory state: the row before the cut ends with that state (every wire
named, then an arrowhead at the row's right edge) and the next row begins with
the same state (every wire named again, in the same order).  This module only
*chooses* the cuts, from numbers the column pass measured on the unfolded strip;
:mod:`.rows` lays each row out as its own piece and :mod:`.engine` stacks them.

The choice is a small dynamic programme over the candidate states (linear in
their number times the states one row can hold):

- fewest rows first, then rows of even width, and no first or last row holding a single operation while
  another choice of as many rows exists (a lone map left under the body reads as an afterthought);
- a cut at a fence, block or repetition boundary is preferred to one inside a
  chain of operations, and a cut carrying few wires to one carrying many (the
  state just after a copy has fanned out holds its wires twice);
- never inside a fence or a repetition unless that group alone is wider than the
  target, or keeping it whole would take more rows than cutting it (then inside
  it, at a high price);
- a ``break`` the author wrote is always a cut;
- a row whose edge cuts a group counts that group's edge room (it is drawn open there, its room taken);
- a strip within half a unit of the target is kept whole (the rows' own check allows as much);
- a row that cannot be made narrow enough (one step wider than the target) is
  kept whole rather than cut where it may not be.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Strip", "choose_cuts", "strip_width", "ROW_COST", "OVERFLOW_COST", "LONE_COST"]

ROW_COST = 1000.0  # every extra row
OVERFLOW_COST = 100000.0  # a row wider than the target (only when nothing else fits)
INSIDE_GROUP_COST = 20000.0  # a cut inside a fence or repetition wider than the target
BOUNDARY_BONUS = 150.0  # a cut where a fence, block or repetition begins or ends
RAGGED_COST = 400.0  # times the squared share of the target a row leaves empty
WIRE_COST = 30.0  # every wire a cut carries over (a cut just after a copy fans out carries twice as many)
LONE_COST = 90.0  # a first or last row of a folded strip holding one step: three carried wires' worth (a cut that
# names many more wires twice costs the figure more height than a lone step does)
FIT_SLACK = 0.5  # a strip this little wider than the target fits (the rows' own check allows as much)


@dataclass(frozen=True)
class Strip:
    """What the unfolded strip measured, per section index (states at even places, steps between).

    ``left[k]``/``right[k]``: x where section ``k`` begins and ends; ``relabel[k]``: the width a state column
    naming every wire of state ``k`` needs (a row that begins or ends there names them all);
    ``groups``: per fence or repetition, (first step index, last step index, the room its edges take beyond its
    steps): a row holding it whole is the row from the state before its first step to the state after its last;
    ``boundary[k]``: whether a group begins or ends at state ``k``; ``breaks``: states the author cut at.
    """

    left: tuple[float, ...]
    right: tuple[float, ...]
    relabel: dict
    states: tuple[int, ...]  # indices of the state sections, in order (the first and the last included)
    groups: tuple[tuple[int, int, float], ...] = ()  # (first step, last step, edge room)
    boundary: frozenset = frozenset()
    breaks: frozenset = frozenset()
    edge: float = 0.0  # what a continued row adds at its right edge (the arrowheads)
    wires: dict | None = None  # state index -> the wires it holds (a cut draws them twice, named and arrowed)


def _width(s: Strip, i: int, j: int) -> float:
    """Estimated width of the row from state ``i`` to state ``j``."""
    w = s.right[j] - s.left[i]
    first, last = s.states[0], s.states[-1]
    if i != first:  # the row begins by naming every wire
        w += max(0.0, s.relabel.get(i, 0.0) - (s.right[i] - s.left[i]))
    if j != last:
        w += max(0.0, s.relabel.get(j, 0.0) - (s.right[j] - s.left[j])) + s.edge
    for first_step, last_step, pad in s.groups:  # a group the row's edge cuts is drawn open there, its edge room
        w += pad / 2 * ((first_step < i < last_step) + (first_step < j < last_step))  # taken all the same
    return w


def strip_width(s: Strip) -> float:
    """The width the strip measured for itself whole."""
    return _width(s, s.states[0], s.states[-1])


def _cut_cost(s: Strip, k: int, target: float, keep: bool = True) -> float | None:
    """The price of cutting at state ``k``; None where it may not be cut.  ``keep``: groups are kept whole where
    they fit on a row of their own, else cut at a high price; otherwise a cut inside one costs half a row."""
    cost = 0.0
    for first, last, pad in s.groups:
        if first < k < last:
            if not keep:  # cut only where that saves a row (see choose_cuts)
                cost += ROW_COST / 2
            elif _width(s, first - 1, last + 1) + pad <= target:  # it fits on a row of its own: keep it whole
                return None
            else:
                cost += INSIDE_GROUP_COST
    if k in s.boundary:
        cost -= BOUNDARY_BONUS
    if s.wires:
        cost += WIRE_COST * s.wires.get(k, 0)
    return cost


def choose_cuts(s: Strip, target: float) -> list[int]:
    """The states (section indices) to cut at, in order; empty when the strip is kept whole.  Groups that fit
    on a row are kept whole, unless that takes more rows (or a row wider than the target) than cutting one."""
    first, last = s.states[0], s.states[-1]
    if _width(s, first, last) <= target + FIT_SLACK and not s.breaks:
        return []
    kept = _cuts(s, target, True)
    if not s.groups:
        return kept
    cut = _cuts(s, target, False)
    return cut if _rows_cost(s, cut, target) < _rows_cost(s, kept, target) else kept


def _rows_cost(s: Strip, cuts: list[int], target: float) -> tuple[int, int]:
    """(rows wider than the target, rows): what keeping groups whole may cost."""
    bounds = [s.states[0], *cuts, s.states[-1]]
    return sum(_width(s, a, b) > target for a, b in zip(bounds, bounds[1:])), len(bounds) - 1


def _lone(s: Strip, i: int, j: int) -> float:
    """The price of the row from state ``i`` to state ``j`` standing at an end of a folded strip with a single
    step on it (sections alternate state, step, state: one step spans two places)."""
    first, last = s.states[0], s.states[-1]
    if j - i != 2 or (i, j) == (first, last) or (i != first and j != last):
        return 0.0
    return LONE_COST


def _cuts(s: Strip, target: float, keep: bool) -> list[int]:
    """The cheapest cuts (see :func:`choose_cuts`); ``keep``: never inside a group that fits on a row."""
    first, last = s.states[0], s.states[-1]
    cands = [first]
    cost_at = {}
    for k in s.states[1:-1]:
        c = 0.0 if k in s.breaks else _cut_cost(s, k, target, keep)
        if c is not None:
            cands.append(k)
            cost_at[k] = c
    cands.append(last)
    best = {first: (0.0, None)}
    for n, j in enumerate(cands[1:], 1):
        options = []
        for m in range(n - 1, -1, -1):
            i = cands[m]
            if i not in best:
                continue
            w = _width(s, i, j)
            if w > target and m < n - 1:
                break  # longer rows only grow
            cost = best[i][0] + ROW_COST + cost_at.get(j, 0.0) + _lone(s, i, j)
            if w > target:
                cost += OVERFLOW_COST + (w - target)
            elif target != math.inf:
                cost += RAGGED_COST * ((target - w) / target) ** 2
            options.append((cost, i))
            if i in s.breaks:
                break  # a row never runs over a break
        if options:
            best[j] = min(options)
    cuts = []
    j = last
    while best[j][1] is not None:
        j = best[j][1]
        if j != first:
            cuts.append(j)
    return sorted(cuts)
