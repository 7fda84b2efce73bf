"""The model hands over what it knows: typed parameters per kind, explicit core positions and the
pairing of broadcast wires, one table row per kind.  Checked on the paper's specs and the templates."""
from __future__ import annotations

from pathlib import Path

import pytest
import sympy

import sphinx_ncd
from sphinx_ncd.model import kinds as K
from sphinx_ncd.model import types as T
from sphinx_ncd.model.infer import PanelBuilder
from sphinx_ncd.model.records import Declarations
from sphinx_ncd.model.schedule import schedule
from sphinx_ncd.syntax.parser import OPERATIONS, parse_spec

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "demo_docs" / "figures").glob("*.ncd")) + sorted((ROOT / "templates").glob("*.ncd"))


def _ops(panel):
    for op in panel.operations:
        yield op
        if op.body is not None:
            yield from _ops(op.body)


def _all_ops(diagram):
    for panel in diagram.panels:
        yield from _ops(panel)
    for _, body in diagram.blocks:
        yield from _ops(body)


def _parse(path: Path):
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), path.name, search_path=(str(path.parent),))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_operation_is_typed_and_wired(path):
    ops = list(_all_ops(_parse(path)))
    assert ops
    for op in ops:
        row = K.KINDS[op.kind]
        assert type(op.params) is row.params, op
        assert len(op.core_in_pos) == len(op.inputs) or not op.core_in  # pointwise: one empty core
        for i, v in enumerate(op.inputs):
            pos = op.core_in_pos[i]
            assert list(pos) == sorted(set(pos)) and all(0 <= j < len(v.axes) for j in pos), op
            assert len(pos) == len(op.core_in[i]), op
        for k, v in enumerate(op.outputs):
            pos = op.core_out_pos[k]
            assert list(pos) == sorted(set(pos)) and all(0 <= j < len(v.axes) for j in pos), op
            assert len(pos) == len(op.core_out[k]), op
        sources = [a for a, _ in op.broadcast_pairs]
        targets = [b for _, b in op.broadcast_pairs]
        assert len(set(sources)) == len(sources) and len(set(targets)) == len(targets), op
        assert targets == sorted(targets), op
        for (i, j), (k, l) in op.broadcast_pairs:
            assert j not in op.core_in_pos[i] and l not in op.core_out_pos[k], op
            a, b = op.inputs[i].axes[j], op.outputs[k].axes[l]
            assert a.tangent == b.tangent, op
            # the same wire, or its value on leaving a repetition (c_{\lambda+1} leaves as c_4)
            assert a.label == b.label or a.size.free_symbols - b.size.free_symbols, op
        _check_wiring_class(op, row.wiring)


def _check_wiring_class(op, wiring):
    every_in = tuple(tuple(range(len(v.axes))) for v in op.inputs)
    if wiring == K.POINTWISE:
        assert op.core_in_pos == ((),) and op.core_out_pos == ((),), op
        n = len(op.inputs[0].axes)
        assert op.broadcast_pairs == tuple(((0, j), (0, j)) for j in range(n)), op
    elif wiring == K.AXIS:
        assert all(len(p) == 1 for p in op.core_in_pos), op
    elif wiring == K.ALL:
        assert op.core_in_pos == every_in and op.broadcast_pairs == (), op
    elif wiring == K.SOURCE:
        assert not op.inputs and op.core_out_pos == tuple(tuple(range(len(v.axes))) for v in op.outputs), op
    elif wiring in (K.SIGNATURE, K.WINDOW):
        # every broadcast output wire continues an input wire
        paired = {b for _, b in op.broadcast_pairs}
        for k, v in enumerate(op.outputs):
            for l in range(len(v.axes)):
                assert l in op.core_out_pos[k] or (k, l) in paired or k > 0, op


def test_multi_head_attention_fig21():
    d = _parse(ROOT / "demo_docs" / "figures" / "fig21.ncd")
    by_label = {}
    for op in d.operations:
        by_label.setdefault((op.kind, op.label), []).append(op)
    lq = by_label[("learned", "L^Q")][0]  # y m -> y k h: m is the core, y passes over
    assert lq.params == T.LearnedParams(bias=False, style=None)
    assert (lq.core_in_pos, lq.core_out_pos, lq.broadcast_pairs) == (((1,),), ((1, 2),), (((0, 0), (0, 0)),))
    first, second = by_label[("einsum", "")]
    assert first.params.names_in == (("y", "k", "h"), ("x", "k", "h"))
    assert first.params.names_out == ("y", "x", "h")
    assert first.params.contracted == ("k",) and first.params.merged == ("h",) and first.params.outer
    assert first.params.equation == "y k h, x k h -> y x h" == first.param("equation")
    assert second.params.contracted == ("x",)
    # the names belong to the axes at the core positions
    for i, v in enumerate(first.inputs):
        assert tuple(v.axes[j].label for j in first.core_in_pos[i]) == first.params.names_in[i]
    (scale,) = by_label[("scale", "1/sqrt(k)")]
    assert scale.params.factor == "1/sqrt(k)" and str(scale.params.value) == "1/sqrt(k)"
    (softmax,) = by_label[("softmax", "")]
    assert isinstance(softmax.params.over, T.Axis) and softmax.params.over.label == "x"
    assert softmax.core_in_pos == ((1,),) and softmax.broadcast_pairs == (((0, 0), (0, 0)), ((0, 2), (0, 2)))


def test_unet_convolutions_fig27():
    d = _parse(ROOT / "demo_docs" / "figures" / "fig27.ncd")
    convs = [o for o in d.operations if o.kind == T.OpKind.CONV]
    pools = [o for o in d.operations if o.kind == T.OpKind.POOL]
    first = convs[0]
    p = first.params
    assert isinstance(p, T.ConvParams) and p.learned and p.bias is True and p.transposed is False
    assert (p.kernel, p.stride, p.padding, p.dilation) == (3, 1, 1, 1)
    assert [a.label for a in p.over] == ["x_0"]  # the axis as the value has it
    # b c_0 x_0 -> b c_1 x_0: b passes over, channels and space are the core
    assert first.core_in_pos == ((1, 2),) and first.core_out_pos == ((1, 2),)
    assert first.broadcast_pairs == (((0, 0), (0, 0)),)
    assert any(c.params.transposed for c in convs)
    assert pools and all(o.params.reduce == "max" and o.params.learned is False for o in pools)
    assert (pools[0].params.kernel, pools[0].params.stride) == (2, 2)
    saves = [o for o in d.operations if o.kind == T.OpKind.SAVE]
    assert [o.params.slot for o in saves] == ["C_\\lambda"]


def test_broadcast_over_a_leading_and_a_trailing_axis():
    d = sphinx_ncd.parse("input X: y m x\nY = F X : m -> k h")
    (op,) = d.operations
    assert d.main.outputs[0].shape == "y k h x"
    assert (op.core_in_pos, op.core_out_pos) == (((1,),), ((1, 2),))
    assert op.broadcast_pairs == (((0, 0), (0, 0)), ((0, 2), (0, 3)))


def test_two_inputs_broadcast_over_the_same_axis_share_one_wire():
    d = sphinx_ncd.parse("input A: y a, B: y b\nC = G A B : a, b -> c")
    (op,) = d.operations
    assert op.core_in_pos == ((1,), (1,)) and op.core_out_pos == ((1,),)
    assert op.broadcast_pairs == (((0, 0), (0, 0)),)  # B's y ends at the box: A's carries on


def test_repeated_axis_names_are_told_apart_by_position():
    d = sphinx_ncd.parse("input X: x x\nY = softmax X over x")
    (op,) = d.operations
    assert op.core_in_pos == ((0,),) and op.broadcast_pairs == (((0, 1), (0, 1)),)


def test_param_accessor_and_old_style_params_still_work():
    d = sphinx_ncd.parse("input X: c x\nY = conv X over x : c -> k kernel 3")
    (op,) = d.operations
    assert op.param("kernel") == 3 and op.param("stride") == 1 and op.param("no such", 7) == 7
    hand = T.Operation(0, T.OpKind.BLOCK, "B", (), (), (), (), (), params=(("name", "B"), ("args", ())))
    assert hand.params == T.BlockParams("B", (), False) and hand.param("name") == "B"


def test_hand_built_operation_derives_its_wiring():
    y, m, k = (T.Axis(n, sympy.Symbol(n)) for n in "ymk")
    x_in = T.Value(0, "X", (y, m))
    out = T.Value(1, "Y", (y, k))
    op = T.Operation(0, T.OpKind.FUNCTION, "F", (x_in,), (out,), ((m,),), ((k,),), ((y,),))
    assert (op.core_in_pos, op.core_out_pos, op.broadcast_pairs) == (((1,),), ((1,),), (((0, 0), (0, 0)),))
    assert op.params == T.FunctionParams()


def test_schedule_returns_new_records_and_leaves_the_evaluation_alone():
    spec = parse_spec("input X: a\nY = F X : a -> b\nZ = G X : a -> c\nW = H Y Z : b, c -> d\n")
    b = PanelBuilder(Declarations(), "<t>")
    b.run(spec.statements)
    ev = b.result()
    before = [(r.inputs[:], r.outputs[:], r.level) for r in ev.records]
    panel, next_value = schedule(ev)
    assert [(r.inputs, r.outputs, r.level) for r in ev.records] == before
    assert any(op.kind == T.OpKind.COPY for op in panel.operations)  # X is used twice
    assert next_value > ev.next_value  # the copies took new ids
    again, _ = schedule(ev)
    assert [repr(s) for s in again.sections] == [repr(s) for s in panel.sections]


def test_one_row_per_kind():
    kinds = {v for n, v in vars(T.OpKind).items() if n.isupper()}
    assert set(K.KINDS) == kinds
    assert set(T.PARAMS_OF) == kinds
    for row in K.KINDS.values():
        assert row.glyph and row.wiring in (K.SIGNATURE, K.POINTWISE, K.AXIS, K.WINDOW, K.ALL, K.SOURCE)
        if row.typing is not None:
            assert callable(getattr(PanelBuilder, row.typing)), row.kind
    for word, (kind, _) in K.WORDS.items():
        assert word in OPERATIONS and kind in K.KINDS


@pytest.mark.parametrize("word, kind, label", [
    ("relu", "elementwise", "ReLU"), ("sigmoid", "elementwise", r"\sigma"), ("norm", "norm", "Norm"),
    ("add", "add", "+"), ("maxpool", "pool", "Max"), ("convT", "conv", r"\star^T"), ("L", "learned", "L"),
])
def test_a_word_writes_its_rows_kind(word, kind, label):
    args = {"relu": "X", "sigmoid": "X", "norm": "X over a", "add": "X X", "maxpool": "X over a kernel 2",
            "convT": "X over a : c -> c kernel 2", "L": "X : c -> d"}[word]
    d = sphinx_ncd.parse(f"input X: c a\nY = {word} {args}")
    op = next(o for o in d.operations if o.kind not in ("copy", "delete"))
    assert (op.kind, op.label) == (kind, label)
    assert K.KINDS[kind].describe(op)


def test_clauses_come_from_the_row():
    with pytest.raises(sphinx_ncd.NCDError) as err:
        sphinx_ncd.parse("input X: a b\nY = softmax X over a kernel 3")
    assert "kernel" in str(err.value)
    assert "kernel" in K.KINDS["conv"].clauses and "kernel" not in K.KINDS["softmax"].clauses


def test_each_rows_glyph_names_a_layout_builder():
    from sphinx_ncd.layout import glyphs  # the drawing code stays in the layout; the row names it

    for row in K.KINDS.values():
        assert callable(getattr(glyphs, "draw_" + row.glyph, None)), f"{row.kind}: no draw_{row.glyph}"
