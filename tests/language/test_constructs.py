"""Language tests (table driven): every construct parses and infers the expected shapes."""
from __future__ import annotations

import pytest
import sympy

import sphinx_ncd
from sphinx_ncd.model import AxisKind, OpKind

# (id, spec, expected signature, expected operation kinds in data-flow order (copies included))
CASES = [
    ("input-output", "input X: a b\noutput X", "a b -> a b", []),
    ("tuple-segments", "input A: a, B: b c, C: 1\noutput A, B, C", "a, b c, 1 -> a, b c, 1", []),
    ("scalar-1", "input S: 1\nY = relu S", "1 -> 1", ["elementwise"]),
    ("literal-sizes", "input X: 28 28\nY = view X : 28 28 -> 784", "28 28 -> 784", ["view"]),
    ("expression-sizes", "input X: 4*n x/s\nY = G X : 4*n -> n", "4*n x/s -> n x/s", ["function"]),
    ("juxtaposed-size", "input X: 2c\nY = G X : 2c -> c", "2c -> c", ["function"]),
    ("learned", "input X: b m\nY = L X : m -> k", "b m -> b k", ["learned"]),
    ("learned-bias", "input X: 784\nY = L+ X : 784 -> 512", "784 -> 512", ["learned"]),
    ("learned-binding", "input X: m\nY = L^Q[Lq] X : m -> k h", "m -> k h", ["learned"]),
    ("learned-keyword", "input X: m\nY = learned+ W X : m -> k", "m -> k", ["learned"]),
    ("generic-broadcast", "input X: 4 3\nY = G X : 3 -> 2", "4 3 -> 4 2", ["function"]),
    ("broadcast-middle", "input X: a y b\nY = F X : y -> z", "a y b -> a z b", ["function"]),
    ("inner-broadcast", "input X: c a, D: d\nY = H X D : a, d -> b", "c a, d -> c b", ["function"]),
    ("multi-output", "input X: a\nP, Q = F X : a -> b, c\noutput P, Q", "a -> b, c", ["function"]),
    ("def-reuse", "def G : 3 -> 2\ninput X: 4 3\nY = G X", "4 3 -> 4 2", ["function"]),
    ("def-learned", "def W : m -> k learned+\ninput X: y m\nY = W X", "y m -> y k", ["learned"]),
    ("elementwise", "input X: a b\nY = relu X\nZ = gelu Y\nW = sigmoid Z", "a b -> a b",
     ["elementwise"] * 3),
    ("map", "input X: a\nY = map f X", "a -> a", ["elementwise"]),
    ("scale", "input S: y x\nS = scale S by 1/sqrt(k)", "y x -> y x", ["scale"]),
    ("softmax", "input S: y x h\nA = softmax S over x", "y x h -> y x h", ["softmax"]),
    ("norm", "input X: b c\nY = norm X over c", "b c -> b c", ["norm"]),
    ("index", "input A: a b\nR = index A at 2 on a", "a b -> b", ["index"]),
    ("einsum-inner", "input A: p n, B: n q\nC = einsum A B : p n, n q -> p q", "p n, n q -> p q", ["einsum"]),
    ("einsum-transpose", "input K: x k\nT = einsum K : x k -> k x", "x k -> k x", ["einsum"]),
    ("einsum-diagonal", "input Q: y k h, K: x k h\nS = einsum Q K : y k h, x k h -> y x h",
     "y k h, x k h -> y x h", ["einsum"]),
    ("einsum-outer", "input A: a, B: b\nC = einsum A B : a, b -> a b", "a, b -> a b", ["einsum"]),
    ("einsum-fresh-names", "input Q: y k, K: k x\nS = einsum Q K : y k1, k2 x -> y k1 k2 x",
     "y k, k x -> y k1 k2 x", ["einsum"]),  # a fresh name is its own axis (issue 12's key axis)
    ("einsum-broadcast", "input Q: b y k, K: b x k\nS = einsum Q K : y k, x k -> y x",
     "b y k, b x k -> b y x", ["einsum"]),
    ("view-split", "input X: y (k h)\nY = view X : (k h) -> k h", "y (k h) -> y k h", ["view"]),
    ("view-merge", "input X: y k h\nY = view X : k h -> (k h)", "y k h -> y (k h)", ["view"]),
    ("concat", "input A: b c, B: b c\nC = concat A B over c", "b c, b c -> b 2c", ["concat"]),
    ("concat-different", "input A: b c, B: b d\nC = concat A B over c\n",
     "b c, b d -> b c+d", ["concat"]),
    ("add", "input A: a b, B: a b\nC = add A B", "a b, a b -> a b", ["add"]),
    ("residual-copy", "input X: a\nR = F X : a -> a\nX = add X R", "a -> a", ["copy", "function", "add"]),
    ("delete-unused", "input X: a, Z: b\nY = relu X\noutput Y", "a, b -> a", ["elementwise", "delete"]),
    ("conv", "tandem Y\ninput X: b c Y\nZ = conv[C1] X over Y : c -> k kernel 3 padding 1",
     "b c Y -> b k Y", ["conv"]),
    ("conv-valid", "input X: c x\nZ = conv X over x : c -> k kernel 3", "c x -> k x-2", ["conv"]),
    ("conv-stride", "input X: c x\nZ = conv+ X over x : c -> k kernel 3 stride 2 padding 1",
     "c x -> k x/2", ["conv"]),
    ("conv-dilation", "input X: c x\nZ = conv X over x : c -> k kernel 3 dilation 2",
     "c x -> k x-4", ["conv"]),
    ("conv-symbolic-stride", "input X: c x\nZ = conv X over x : c -> k kernel 1 stride s",
     "c x -> k x/s", ["conv"]),
    ("conv-transposed", "input X: c x\nZ = convT X over x : c -> k kernel 2 stride 2", "c x -> k 2x", ["conv"]),
    ("maxpool", "input X: c x\nZ = maxpool X over x kernel 2", "c x -> c x/2", ["pool"]),
    ("avgpool-global", "input X: b c x\nZ = avgpool X over x", "b c x -> b c", ["pool"]),
    ("unit", "input X: b\nU = unit b\nW = einsum X U : b, b c -> c", "b -> c", ["unit", "einsum"]),
    ("save-load", "input X: a\nsave X to C\nY = load C\noutput Y", "a -> a", ["save", "load"]),
    ("load-shape", "input X: a\nY = load M : b\noutput X, Y", "a -> a, b", ["load"]),
    ("fence", 'input X: a\nfence "Block" #ffe2bb {\n  X = relu X\n}', "a -> a", ["elementwise"]),
    ("repeat-count", "input X: a\nrepeat N {\n  X = F X : a -> a\n}", "a -> a", ["function"]),
    ("repeat-index", "input X: c_0\nrepeat \\lambda = 0..3 {\n  X = F X : c_\\lambda -> c_{\\lambda+1}\n}",
     "c_0 -> c_4", ["function"]),
    ("block-use", "block B(k) {\n  input X: m\n  Y = L X : m -> k\n  output Y\n}\ninput X: t 8\nY = B(k=4) X",
     "t 8 -> t 4", ["block"]),
    ("block-expand", "block B {\n  input X: m\n  Y = relu X\n  output Y\n}\ninput X: m\nY = expand B X",
     "m -> m", ["elementwise"]),  # the body in place (tests/language/test_expand.py)
    ("block-header", "block Attention(m)\ninput X: x m\nY = L X : m -> m", "x m -> x m", ["learned"]),
    ("use-library", "use attention\nwidth t\ninput X: t m\nY = MultiHeadAttention(m, k, h) X X",
     "t m -> t m", ["copy", "block"]),
    ("tandem", "tandem Y\ninput X: c Y\nZ = relu X", "c Y -> c Y", ["elementwise"]),
    ("width", "width y x\ninput X: y m", "y m -> y m", []),
    ("derivative", "input X: a, dX: a'\nY = F X : a -> b\ndY = DF X dX : a, a' -> b'\noutput Y, dY",
     "a, a' -> b, b'", ["copy", "function", "function"]),
    ("legend-let", "let nb = n1/4\ninput X: n1\nY = F X : n1 -> nb", "n1 -> nb", ["function"]),
    ("sizes", "sizes y=20 x=22\ninput X: y x", "y x -> y x", []),
    ("title", 'title "A title"\ninput X: a', "a -> a", []),
    ("order", "input A: a, B: b\nP = relu A\nQ = relu B\norder Q, P\noutput Q, P", "a, b -> b, a",
     ["elementwise", "elementwise"]),
    ("comments", "# a comment\ninput X: a   # trailing\nY = relu X # more", "a -> a", ["elementwise"]),
    ("light-math-labels", "input X: \\bar{x}\nY = F^{(1)}_\\lambda X : \\bar{x} -> \\mathbf{y}",
     "\\bar{x} -> \\mathbf{y}", ["function"]),
]


@pytest.mark.parametrize("spec, signature, kinds", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_construct(spec, signature, kinds):
    d = sphinx_ncd.parse(spec)
    assert d.signature == signature
    assert [o.kind for o in d.operations] == kinds


def test_equation_panels():
    d = sphinx_ncd.parse("input X: a\nY = F X : a -> b\n=\ninput X: a\nY = G X : a -> c\nZ = H Y : c -> b")
    assert [p.signature for p in d.panels] == ["a -> b", "a -> b"]
    assert len(d.panels[1].operations) == 2
    ids = [o.id for p in d.panels for o in p.operations]
    assert len(set(ids)) == len(ids)


def test_independent_operations_share_a_step():
    d = sphinx_ncd.parse("input E: y m, X: x m\nQ = L E : m -> k\nK = L X : m -> k\noutput Q, K")
    steps = [s for s in d.sections if s.kind == "step"]
    assert len(steps) == 1 and len(steps[0].ops) == 2


def test_sections_alternate_and_states_are_queryable():
    d = sphinx_ncd.parse(open_fig("fig21.ncd"))
    kinds = [s.kind for s in d.sections]
    assert kinds[0] == kinds[-1] == "state"
    assert all(a != b for a, b in zip(kinds, kinds[1:]))
    assert [", ".join(v.shape for v in s.values) for s in d.states][:3] == [
        "y m, x m", "y m, x m, x m", "y k h, x k h, x k h"]  # L^Q waits for L^K and L^V (one step)


def test_passing_values_in_a_step():
    d = sphinx_ncd.parse("input A: a, B: b\nC = relu A\noutput C, B")
    step = d.sections[1]
    assert [v.name for v in step.values] == ["B"]
    assert step.ops[0].broadcast == ((d.main.inputs[0].axes[0],),)


def test_broadcast_axes_recorded():
    d = sphinx_ncd.parse("input X: y m\nQ = L[Lq] X : m -> k h")
    op = d.operations[0]
    assert op.binding == "Lq"
    assert [a.label for a in op.broadcast[0]] == ["y"]
    assert op.signature == "m -> k h"
    assert op.params.bias is False


def test_inner_broadcast_recorded():
    d = sphinx_ncd.parse("input X: c a, D: d\nY = H X D : a, d -> b")
    op = d.operations[0]
    assert [[a.label for a in b] for b in op.broadcast] == [["c"], []]


def test_axis_kinds_and_tandem_rank():
    d = sphinx_ncd.parse("width y\ntandem Y\ntandem V:3\ninput X: y m Y V")
    axes = d.main.inputs[0].axes
    assert [a.kind for a in axes] == [AxisKind.WIDTH, AxisKind.PLAIN, AxisKind.TANDEM, AxisKind.TANDEM]
    assert [a.rank for a in axes] == [1, 1, 2, 3]


def test_derivative_axes_are_tangent():
    d = sphinx_ncd.parse("input X: a, dX: a'\noutput X, dX")
    assert [a.tangent for v in d.main.inputs for a in v.axes] == [False, True]


def test_symbolic_sizes():
    d = sphinx_ncd.parse("input X: 4*n x/s c_{\\lambda+1}")
    sizes = [a.size for a in d.main.inputs[0].axes]
    n, x, s = (sympy.Symbol(c, integer=True, positive=True) for c in "nxs")
    assert sizes[0] == 4 * n and sizes[1] == x / s
    assert str(sizes[2]) == "c(\\lambda + 1)"


def test_conv_sizes_follow_equation_5():
    d = sphinx_ncd.parse("sizes x=16\ninput X: c x\nZ = conv X over x : c -> k kernel 3 stride 3")
    out = d.main.outputs[0].axes[1].size
    assert out.subs(sympy.Symbol("x", integer=True, positive=True), 16) == 5  # floor((16-2-1)/3+1)
    op = d.operations[0]
    assert (op.params.kernel, op.params.stride, op.params.padding, op.params.dilation) == (3, 3, 0, 1)


def test_einsum_wiring_params():
    d = sphinx_ncd.parse("input Q: y k h, K: x k h\nS = einsum Q K : y k h, x k h -> y x h")
    op = d.operations[0]
    assert op.params.contracted == ("k",)
    assert op.params.merged == ("h",)
    assert op.params.names_in == (("y", "k", "h"), ("x", "k", "h"))
    assert op.params.names_out == ("y", "x", "h")
    assert op.params.equation == "y k h, x k h -> y x h"


def test_copies_and_deletions_inferred():
    d = sphinx_ncd.parse("input X: a, U: b\nR = F X : a -> a\nY = add X R\noutput Y")
    kinds = [o.kind for o in d.operations]
    assert kinds.count(OpKind.COPY) == 1 and kinds.count(OpKind.DELETE) == 1
    copy = next(o for o in d.operations if o.kind == OpKind.COPY)
    assert len(copy.outputs) == 2 and all(v.axes == copy.inputs[0].axes for v in copy.outputs)


def test_groups():
    d = sphinx_ncd.parse('input X: a\nfence "Outer" #ffe2bb {\n repeat \\lambda = 1..4 {\n  X = relu X\n }\n}')
    outer, rep = d.main.groups
    assert (outer.kind, outer.title, outer.color) == ("fence", "Outer", "#ffe2bb")
    assert (rep.kind, rep.index, rep.lower, rep.upper, rep.parent) == ("repeat", "\\lambda", "1", "4", 0)
    assert d.operations[0].groups == (0, 1)


def test_block_parameters_carried_into_sizes():
    spec = ("block B(s, n0, n1) {\n  input X: b n0 x\n  Y = conv X over x : n0 -> n1 kernel 1 stride s\n"
            "  output Y\n}\ninput X: b 16 x\nY = B(2, n1=64) X")
    d = sphinx_ncd.parse(spec)
    assert d.signature == "b 16 x -> b 64 x/2"
    op = d.operations[0]
    assert op.params.args == (("s", "2"), ("n1", "64"))
    assert dict(d.blocks)["B"].signature == "b n0 x -> b n1 x/s"


def test_legend_and_sizes_and_title():
    d = sphinx_ncd.parse('title "T"\nsizes y=20 x=22\nlet nb = n1/4\ninput X: y x')
    assert d.title == "T" and d.sizes == (("y", 20), ("x", 22))
    assert d.main.legend == (("nb", "n1/4"),)


def test_line_offset_shifts_spans():
    d = sphinx_ncd.parse("input X: a\nY = relu X", filename="doc.rst", line_offset=10)
    assert d.operations[0].span.line == 12 and d.operations[0].span.file == "doc.rst"


def test_repr_and_describe():
    d = sphinx_ncd.parse(open_fig("fig21.ncd"), filename="fig21.ncd")
    assert repr(d) == "<Diagram Multi-head attention: y m, x m -> y m, 9 ops>"
    text = sphinx_ncd.describe(d)
    assert text.startswith("Neural circuit diagram 'Multi-head attention' of block MultiHeadAttention(m, k, h): "
                           "y m, x m -> y m; learned L^Q (m -> k h)")
    assert "softmax over x" in text and "input" not in text


def open_fig(name):
    from pathlib import Path
    return (Path(__file__).resolve().parents[2] / "demo_docs" / "figures" / name).read_text(encoding="utf-8")


def test_describe_makes_light_math_plain():
    from sphinx_ncd.model.describe import plain
    assert plain("C_{5-\\lambda}") == "C_(5-λ)"
    assert plain("\\bar{x}") == "x\u0305"
    assert plain("1/\\sqrt{k}") == "1/√k"
    d = sphinx_ncd.parse(open_fig("fig27.ncd"))
    text = sphinx_ncd.describe(d)
    assert "\\" not in text and "save to C_λ" in text and "load from C_(4-λ)" in text
