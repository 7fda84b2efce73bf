"""Layout (rows): an einsum's output rows sit where its wires run most level (a tie: the lower input's rows) -- multi-head attention's
``A V -> O`` keeps k and h on V's rows and bends y down, as the paper draws it, instead of lifting V's wires."""
from __future__ import annotations

import sphinx_ncd
from sphinx_ncd.layout.geometry import ITEM_GAP, PITCH
from sphinx_ncd.layout.rows import op_rows


def _rows(text):
    op = sphinx_ncd.parse(text).panels[0].operations[0]
    ypos, y = {}, 0.0
    for v in op.inputs:
        ypos[v.id] = [y + PITCH * j for j in range(len(v.axes))]
        y = ypos[v.id][-1] + ITEM_GAP
    return op_rows(op, "op:0", False, ypos, {}), ypos, op


def test_the_value_of_attention_keeps_vs_rows():
    rows, ypos, op = _rows("input A: y x h, V: x k h\nO = einsum A V : y x h, x k h -> y k h\noutput O\n")
    v = ypos[op.inputs[1].id]
    out = rows.outs[0]
    assert out[1:] == [v[1], v[2]]  # k and h run level from V
    assert out[0] == v[0] and out[0] > rows.ins[0][0]  # y comes down from A's row


def test_a_tie_goes_to_the_lower_input():
    """A matrix product moves its first wire or its second wire alike: the result goes on with the lower input
    (as the first einsum of attention, whose result then needs no lift for the value below it)."""
    rows, ypos, op = _rows("input A: y k, B: k x\nP = einsum A B : y k, k x -> y x\noutput P\n")
    assert rows.outs[0][1] == ypos[op.inputs[1].id][1]


def test_a_strictly_more_level_shift_wins_over_the_tie_rule():
    # y and h continue A's rows, only k comes from V: the result stays on A's rows
    rows, ypos, op = _rows("input A: y h, V: k\nO = einsum A V : y h, k -> y h k\noutput O\n")
    assert rows.outs[0][:2] == ypos[op.inputs[0].id]


def test_outputs_never_leave_the_span_of_the_inputs():
    rows, _, _ = _rows("input A: y, B: z x w\nP = einsum A B : y, z x w -> x y z w\noutput P\n")
    top = min(y for ys in rows.ins for y in ys)
    bottom = max(y for ys in rows.ins for y in ys)
    assert top <= min(rows.outs[0]) and max(rows.outs[0]) <= bottom
