"""Layout (stage 3): a highlighted note's tint along the path it explains.

The paper tints what a note explains: a box's column, or -- for operations joined by a wire, such as the two
einsums that diagonalize fig 21's heads ("Concat (Diagonalize)") -- the path itself: the join dots and the wires
between them.  :func:`joined_tints` finds, for the operations a note is attached to, the wire strokes that lead
from a join dot of one to a join dot of the next (the fewest strokes, following the strokes end to end), and
draws a broad translucent stroke along them and a disc on each dot they join, behind the wires.  Operations that
no such path joins keep the column tint (:mod:`.notes`).  In a folded panel, :func:`fold_tints` carries the
path across each row break: the continued wire's strokes to the row's edge, its arrowhead, and the strokes from
the next row's edge on to the next operation's dot (each row alone tints only the dots it holds).
"""
from __future__ import annotations

from collections import deque
from itertools import pairwise

from .scene import Circle, Group, Path, bbox_of
from .wires import ARROW_TIP

__all__ = ["DOT_TINT", "TINT_WIDTH", "fold_tints", "joined_tints"]

TINT_WIDTH = 7.0  # the tint along a path
DOT_TINT = 5.5  # radius of the tint on a join dot
_NEAR = 0.6  # stroke ends this close meet


def _flat(items):
    stack = list(items)
    while stack:
        it = stack.pop()
        if isinstance(it, Group):
            stack.extend(it.items)
        else:
            yield it


def _ends(path: Path):
    pts = [(c[-2], c[-1]) for c in path.d if c[0] in ("M", "L", "C")]
    return pts[0], pts[-1]


def _key(p):
    return (round(p[0] / _NEAR), round(p[1] / _NEAR))


def _dots_and_strokes(items, op_ids) -> tuple[dict, list, dict]:
    """Among the drawn ``items``: each of the operations ``op_ids``' join dots, the wire strokes, and which strokes
    end at each point (by :func:`_key`)."""
    prims = list(_flat(items))
    dots = {i: [c for c in prims if isinstance(c, Circle) and c.role == "dot" and c.owner == f"op:{i}"]
            for i in op_ids}
    strokes = [p for p in prims if isinstance(p, Path) and p.role == "wire" and len(p.d) >= 2]
    at: dict = {}
    for k, s in enumerate(strokes):
        for end in _ends(s):
            at.setdefault(_key(end), set()).add(k)
    return dots, strokes, at


def joined_tints(items, op_ids, colour, owner) -> tuple[list, set, list]:
    """For the operations ``op_ids`` (in order) among the drawn ``items``: the tint primitives along the paths
    joining their dots (a lone one's join dots and the strokes meeting them), the ids of the operations tinted
    so, and the boxes of the tinted dots (where a leader may start)."""
    dots, strokes, at = _dots_and_strokes(items, op_ids)

    ends = [_ends(s) for s in strokes]
    near: dict = {}

    def touching(dot):
        if id(dot) not in near:
            reach = dot.r + _NEAR
            near[id(dot)] = {k for k, pair in enumerate(ends)
                             if any(abs(e[0] - dot.cx) <= reach and abs(e[1] - dot.cy) <= reach for e in pair)}
        return near[id(dot)]

    lit, joined, lit_dots = set(), set(), []
    ids = [i for i in op_ids if dots[i]]
    if len(ids) == 1:  # the others in other rows of a folded panel: this one's join dots (where two or more
        # of its wires meet, not a separator's end) and their strokes
        joins = [d for d in dots[ids[0]] if len(touching(d)) >= 2]
        if joins:
            lit = set().union(*(touching(d) for d in joins))
            joined, lit_dots = set(ids), joins
    for a, b in pairwise(ids):
        for da in dots[a]:
            for db in dots[b]:
                path = _shortest(touching(da), touching(db), strokes, at)
                if path is None:
                    continue
                lit |= set(path) | touching(da) | touching(db)
                joined |= {a, b}
                lit_dots += [d for d in (da, db) if d not in lit_dots]
    tints = [Path(strokes[k].d, stroke=colour, width=TINT_WIDTH, role="highlight", owner=owner, opacity=0.8,
                  cap="round") for k in sorted(lit)]
    tints += [Circle(d.cx, d.cy, DOT_TINT, stroke=None, fill=colour, role="highlight", owner=owner)
              for d in lit_dots]
    return tints, joined, [bbox_of(t) for t in tints[-len(lit_dots):]] if lit_dots else []


def fold_tints(items, op_ids, colour, owner, continued, drawn) -> list:
    """The tint along the path from each of the operations ``op_ids`` to the next where the two stand in
    different rows of a folded panel (the drawn ``items``; ``continued``: (wire, arrow tip, resumed at) for each
    wire carried from a row's right edge to the next row's left edge): the strokes of the path in every row it
    crosses and the arrowheads at the breaks, leaving out the strokes already tinted (their paths ``drawn``)."""
    dots, strokes, at = _dots_and_strokes(items, op_ids)
    across = dict(at)  # the same, with a wire's end at a row's right edge meeting its start in the next row
    heads = {}
    for _, tip, resumed in continued:
        out_key, in_key = _key((tip[0] - ARROW_TIP, tip[1])), _key(resumed)
        joined = at.get(out_key, set()) | at.get(in_key, set())
        across[out_key] = across[in_key] = joined
        heads[out_key] = (tip[0] - ARROW_TIP, tip[1]), tip
    ends = [_ends(s) for s in strokes]

    def touching(dot):
        reach = dot.r + _NEAR
        return {k for k, pair in enumerate(ends)
                if any(abs(e[0] - dot.cx) <= reach and abs(e[1] - dot.cy) <= reach for e in pair)}

    lit, arrows = set(), set()
    for a, b in pairwise(i for i in op_ids if dots[i]):
        for da in dots[a]:
            for db in dots[b]:
                start, goal = touching(da), touching(db)
                if _shortest(start, goal, strokes, at) is not None:  # in one row: that row tints it
                    continue
                path = _shortest(start, goal, strokes, across)
                if path is None:
                    continue
                lit |= set(path)
                arrows |= {k for s in path for e in _ends(strokes[s]) if (k := _key(e)) in heads}
    done = {p.d for p in drawn}
    tints = [Path(strokes[k].d, stroke=colour, width=TINT_WIDTH, role="highlight", owner=owner, opacity=0.8,
                  cap="round") for k in sorted(lit) if strokes[k].d not in done]
    tints += [Path((("M", *heads[k][0]), ("L", *heads[k][1])), stroke=colour, width=TINT_WIDTH, role="highlight",
                   owner=owner, opacity=0.8, cap="round") for k in sorted(arrows)]
    return tints


def _shortest(start: set, goal: set, strokes, at) -> list | None:
    """The fewest strokes from one of ``start`` to one of ``goal``, following strokes that meet end to end."""
    if not start or not goal:
        return None
    prev = {k: None for k in sorted(start)}
    queue = deque(sorted(start))
    while queue:
        k = queue.popleft()
        if k in goal:
            out = [k]
            while prev[out[-1]] is not None:
                out.append(prev[out[-1]])
            return out
        for end in _ends(strokes[k]):
            for n in sorted(at.get(_key(end), ())):
                if n not in prev:
                    prev[n] = k
                    queue.append(n)
    return None
