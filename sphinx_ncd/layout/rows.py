"""Layout (stage 3): ports and rows -- where each wire of an operation or a value sits, relative to its item.

A value's wires are stacked on the uniform pitch, one tuple segment under the other; an operation's input and
output rows, which of its wires it acts on and which pass over it (the model's ``core_in_pos``, ``core_out_pos``
and ``broadcast_pairs``), are handed to its glyph as :class:`~.glyphs.OpRows`.
"""
from __future__ import annotations

import sympy

from ..model.types import Axis, Operation, OpKind, Panel, Value
from .geometry import ITEM_GAP, PITCH
from .fuse import activated_by, beside_of, JoinedAdd, loaded_by, saved_by, scaled_by
from .glyph_einsum import einsum_rows
from .glyphs import OpRows

__all__ = ["nrows", "shown_axes", "silent_values", "stack_values", "op_rows", "value_axis", "reserve_below"]


def nrows(v: Value) -> int:
    return len(v.axes) or 1


_ONE = Axis("1", sympy.Integer(1))  # the wire of a value with no axes (a scalar), where one is drawn


def shown_axes(v: Value) -> tuple:
    """The axes drawn for ``v``: its own, or a single ``1`` wire for a scalar."""
    return v.axes or (_ONE,)


def silent_values(panel: Panel) -> set:
    """Scalars (no axes) that an operation produces and nothing consumes: they carry no wire and end at the
    operation that produced them (a 1-length axis may be removed freely).  A scalar that feeds an operation, or
    is an input of the diagram, keeps a wire labelled ``1`` so its data flow stays visible."""
    consumed = {v.id for op in panel.operations for v in op.inputs}
    return {v.id for op in panel.operations for v in op.outputs if not v.axes and v.id not in consumed}


def stack_values(values, top: float) -> dict[int, list[float]]:
    out = {}
    y = top
    for v in values:
        rows = [y + PITCH * r for r in range(nrows(v))]
        out[v.id] = rows
        y = rows[-1] + ITEM_GAP
    return out


def _rel_rows(values) -> list[list[float]]:
    st = stack_values(values, 0.0)
    return [st[v.id] for v in values]


def _spaced_rows(values, reserve) -> list[list[float]]:
    """Like :func:`_rel_rows`, with the reserved room kept below each value."""
    out = []
    y = 0.0
    for v in values:
        rows = [y + PITCH * r for r in range(nrows(v))]
        out.append(rows)
        y = rows[-1] + reserve.get(v.id, 0.0) + ITEM_GAP
    return out


def op_rows(op: Operation, owner: str, alert: bool, ypos=None, reserve=None, hl=()) -> OpRows:
    plain = type(op) is Operation  # not one drawn with another (.fuse): none of the look-ups below finds one
    load = None if plain else loaded_by(op)
    if load is not None:  # the loaded value level with the result, the other a pitch below it (.glyph_memory)
        mine = load.outputs[0].id
        ins = [[PITCH * (j + (0 if v.id == mine else len(load.outputs[0].axes))) for j in range(nrows(v))]
               for v in op.inputs]
    elif ypos is not None and len(op.inputs) > 1 and all(v.id in ypos for v in op.inputs):
        # stack the inputs in the order they arrive (top to bottom), so their wires need not cross
        order = sorted(range(len(op.inputs)), key=lambda i: (ypos[op.inputs[i].id][0], i))
        stacked = stack_values([op.inputs[i] for i in order], 0.0)
        ins = [stacked[v.id] for v in op.inputs] if len({v.id for v in op.inputs}) == len(op.inputs) \
            else _rel_rows(op.inputs)
    else:
        ins = _rel_rows(op.inputs)
    join = False if plain else isinstance(op, JoinedAdd)
    save = None if plain else saved_by(op)
    if save is not None:  # the copy going on lies a pitch under where the saved one would (see .glyph_memory)
        outs = [[PITCH * (j + nrows(v)) for j in range(nrows(v))] for v in op.outputs]
    elif op.kind == OpKind.COPY and reserve:  # each branch leaves room for what its consumer will grow into
        outs = _spaced_rows(op.outputs, reserve)
    elif join:  # a symmetric join: the sum lies midway between the first and the last of its inputs
        tops = sorted(ys[0] for ys in ins if ys)
        mid = (tops[0] + tops[-1]) / 2 - tops[0] if tops else 0.0
        outs = [[y + mid for y in ys] for ys in _rel_rows(op.outputs)]
    else:
        outs = _rel_rows(op.outputs)
        if op.kind in _LEVEL_KINDS:
            outs = _level_outputs(op, ins, outs)
    # which wires the box acts on and which pass over it: the model's explicit positions and pairing
    pairs = [tuple(map(tuple, p)) for p in op.broadcast_pairs]
    paired_in = {p[0] for p in pairs}
    paired_out = {p[1] for p in pairs}
    in_core = [[j in op.core_in_pos[i] or (i, j) not in paired_in for j in range(len(v.axes))] or [True]
               for i, v in enumerate(op.inputs)]
    out_core = [[l in op.core_out_pos[k] or (k, l) not in paired_out for l in range(len(v.axes))] or [True]
                for k, v in enumerate(op.outputs)]
    if plain:
        return OpRows(op, ins, outs, in_core, out_core, pairs, owner, alert)
    sc, act, bes = scaled_by(op), activated_by(op), beside_of(op)
    return OpRows(op, ins, outs, in_core, out_core, pairs, owner=owner, alert=alert,
                  scale=(sc, sc.id in hl) if sc is not None else None, join=join,
                  act=(act, act.id in hl) if act is not None else None,
                  beside=(bes, bes.id in hl) if bes is not None else None,
                  memory_alert=bool(hl) and any(m is not None and m.id in hl for m in (save, load)))


_LEVEL_KINDS = frozenset((OpKind.INDEX, OpKind.EINSUM))  # wirings whose result is some of their input wires


def _through_wires(op: Operation, ins, outs) -> list[tuple[float, tuple]]:
    """Each output wire of a wiring at offset 0 with the input rows it comes from: an einsum's names (a name
    summed or merged has several sources, a new one none), the wires passing over an index."""
    if op.kind == OpKind.EINSUM:
        src, out_rows = einsum_rows(op, ins, outs)
        return [(y, tuple(src.get(n, ()))) for n, ys in out_rows.items() for y in ys]
    return [(outs[k][l], (ins[i][j],)) for (i, j), (k, l) in op.broadcast_pairs
            if i < len(ins) and j < len(ins[i]) and k < len(outs) and l < len(outs[k])]


def _level_outputs(op: Operation, ins, outs) -> list[list[float]]:
    """A wiring's output rows moved down, within the span of its input rows (the item never grows), to where
    its wires run most level: the shift that makes the sum of the distances from each output wire to its
    sources least; on a tie, the one that keeps the longest run of neighbouring output wires level, then, for an
    einsum, the lowest (the result goes on with the later input: ``A V : y x h, x k h -> y k h`` keeps ``k h``
    on V's rows and bends only ``y`` down, as the paper draws multi-head attention) and for an index the top
    (an index taking the top wire leaves the ones under it on their rows, as the paper's figures 8, 9 and 18
    draw it; where they cannot all stay level the result keeps the top, where the next step expects it)."""
    wires = _through_wires(op, ins, outs)
    rows_in = [y for ys in ins for y in ys]
    rows_out = [y for ys in outs for y in ys]
    if not any(s for _, s in wires) or not rows_in or not rows_out:
        return outs
    room = max(rows_in) - max(rows_out)  # the outputs' top may go this far down and stay within the inputs
    shifts = sorted({s - y for y, ss in wires for s in ss if 1e-6 < s - y <= room + 1e-6})
    lowest = op.kind == OpKind.EINSUM

    def score(t: float) -> tuple:
        run = longest = 0
        gaps = []  # every wire's distance to each of its sources, in order (summed as sum() would)
        for y, ss in wires:
            level = False
            for s in ss:
                d = abs(y + t - s)
                gaps.append(d)
                if d < 1e-6:
                    level = True
            run = run + 1 if level else 0
            if run > longest:
                longest = run
        return round(sum(gaps), 6), -longest, -t if lowest else t

    best = min([0.0, *shifts], key=score)
    return [[y + best for y in ys] for ys in outs] if best else outs


def value_axis(v: Value, j: int):
    axes = shown_axes(v)
    return axes[j] if j < len(axes) else None


def reserve_below(later) -> dict[int, float]:
    """Room to keep below each value of the coming state: the extra height its consumer in the following step
    will need (a map from one axis to three grows by two rows).  Leaving that room now lets the wires run
    straight into their consumers instead of bending a second time (a copy feeding several maps)."""
    out: dict[int, float] = {}
    if later is None or later.kind != "step":
        return out
    for op in later.ops:
        if len(op.inputs) != 1 or not op.outputs:
            continue
        rows = _rel_rows(op.outputs)
        grown = (rows[-1][-1] - rows[0][0]) - PITCH * (nrows(op.inputs[0]) - 1)
        if grown > 1e-6:
            out[op.inputs[0].id] = grown
    return out
