"""Layout (stage 3): two maps drawn in one column, each on its own wires (see :func:`.fuse.fuse_beside`).

Each map's glyph is drawn as it would be alone on the same rows, with the wires the other acts on left to that
other; the narrower is centred in the wider's width, its wires run on to the column's edges, and the wires
neither touches cross the column once.  The second map's primitives are one group owned by it (its hover
title, its highlight, its box for notes).
"""
from __future__ import annotations

from ..model.types import Operation
from .glyph_parts import Glyph, is_tandem, OpRows, over_owner, wire_strokes
from .mathtext import plain_text
from .pieces import translate
from .scene import Group

__all__ = ["draw_beside"]


def _part(g: OpRows, op: Operation, core: frozenset, owner: str, alert: bool) -> OpRows:
    """The rows of one of the two maps alone: the fused rows, its own wires as its core, the rest passing."""
    n = len(g.ins[0])
    return OpRows(op, g.ins, g.outs, [[j in core for j in range(n)]], [[j in core for j in range(n)]],
                  [((0, j), (0, j)) for j in range(n) if j not in core], owner=owner, alert=alert)


def _kept(glyph: Glyph, part: OpRows, rows) -> list:
    """The glyph's primitives less the wires it passes over its box on ``rows`` (drawn by the other map)."""
    drop = {over_owner(part, 0, j) for j in rows}
    return [it for it in glyph.items if it.owner not in drop]


def _centred(items: list, glyph: Glyph, part: OpRows, rows, width: float) -> list:
    """``items`` centred in ``width``, the wires on ``rows`` run on from the column's edges to the glyph's."""
    dx = (width - glyph.width) / 2
    if dx < 1e-6:
        return items
    out = [translate(it, dx, 0.0) for it in items]
    for j in rows:
        y, owner = part.ins[0][j], part.owner if part.in_core[0][j] else over_owner(part, 0, j)
        doubled = is_tandem(part.op.inputs[0], j)
        out += wire_strokes([(0.0, y), (dx, y)], part, doubled, owner)
        out += wire_strokes([(dx + glyph.width, y), (width, y)], part, doubled, owner)
    return out


def draw_beside(g: OpRows, build) -> Glyph:
    """The glyph of ``g.op`` (a :class:`.fuse.Beside`) and of the map beside it, in one column; ``build`` draws
    one map's glyph from its rows."""
    second, alert = g.beside
    n = len(g.ins[0])
    theirs = frozenset(second.core_in_pos[0])
    ours = frozenset(g.op.core_in_pos[0]) - theirs
    fields = {k: v for k, v in g.op.__dict__.items() if k != "beside"}
    first = Operation.frozen(**{**fields, "outputs": second.inputs, "core_in_pos": (tuple(sorted(ours)),),
                                "core_out_pos": (tuple(sorted(ours)),),
                                "broadcast_pairs": tuple(((0, j), (0, j)) for j in range(n) if j not in ours)})
    a = _part(g, first, ours, g.owner, g.alert)
    b = _part(g, second, theirs, f"op:{second.id}", alert)
    ga, gb = build(a), build(b)
    width = max(ga.width, gb.width)
    free = [j for j in range(n) if j not in ours and j not in theirs]
    items = _centred(_kept(ga, a, theirs), ga, a, sorted(ours) + free, width)
    mine = _centred(_kept(gb, b, [j for j in range(n) if j not in theirs]), gb, b, sorted(theirs), width)
    title = f"{plain_text(second.label) if second.label else second.kind} : {second.signature}"
    items.append(Group(tuple(mine), "op", b.owner, title))
    return Glyph(width, items, max(ga.headroom, gb.headroom), max(ga.footroom, gb.footroom))
