"""Issue 12's language constructs: the self-attention key axis, mask, chunk, mul, rotary, conv groups.

Each is typed (shapes, wiring), described, drawn (the glyph its row names), costed and generated (or refused
with its location); every bad input is a located error.
"""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd import NCDError
from sphinx_ncd.model.kinds import KINDS

SELF_ATTENTION = """input X: t m
Q = L[q] X : m -> k
K = L[k] X : m -> k
S = einsum Q K : t k, u k -> t u
S = mask S over t u
A = softmax S over u
output A
"""


def ops(text):
    return sphinx_ncd.parse(text, filename="spec.ncd").main.operations


def op_of(text, kind):
    return next(op for op in ops(text) if op.kind == kind)


def shapes(op):
    return [[(a.label, str(a.size)) for a in v.axes] for v in op.outputs]


# --- the key axis ------------------------------------------------------------------------------

def test_the_key_axis_keeps_its_own_name_and_the_query_axis_size():
    scores = op_of(SELF_ATTENTION, "einsum")
    assert shapes(scores) == [[("t", "t"), ("u", "t")]]  # two wires, equal in size, distinct in name
    soft = op_of(SELF_ATTENTION, "softmax")
    assert soft.params.over.label == "u" and soft.core_in == ((soft.inputs[0].axes[1],),)


def test_softmax_over_the_key_axis_is_drawn_on_the_key_wire():
    from sphinx_ncd.model.describe import describe

    text = describe(sphinx_ncd.parse(SELF_ATTENTION))
    assert text.startswith("Neural circuit diagram: t m -> t u;") and "softmax over u" in text
    assert "causal mask over t, u" in text


@pytest.mark.parametrize("spec", [
    "let u = t\ninput S: t t\nA = softmax S over u\n",
    "let u = t\ninput S: b t t\nA = norm S over u\n",
])
def test_over_an_unnamed_axis_of_a_repeated_size_is_a_located_error(spec):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="bad.ncd")
    err = info.value
    assert err.span.line == 3 and err.span.text.endswith("over u")
    assert err.span.column == err.span.text.index("over u") + 6
    assert "more than one axis of that size" in err.message and "einsum Q K : t k, u k -> t u" in err.hint


def test_a_let_alias_of_the_key_axis_still_finds_it_by_name():
    text = "let u = t\n" + SELF_ATTENTION
    assert op_of(text, "softmax").params.over.label == "u"


# --- mask ----------------------------------------------------------------------------------------

def test_causal_mask_acts_on_the_two_sequence_axes_and_broadcasts_the_rest():
    mask = op_of("input S: b h t u\nA = mask S over t u\n", "mask")
    assert mask.params.causal and [a.label for a in mask.params.over] == ["t", "u"]
    assert mask.label == "Causal" and mask.signature == "t u -> t u"
    assert [a.label for a in mask.broadcast[0]] == ["b", "h"]
    assert "causal mask over t, u" in KINDS["mask"].describe(mask)


def test_an_additive_mask_value_fits_the_scores_with_ones_broadcast():
    mask = op_of("input S: b h t u, M: b 1 t u\nA = mask S M over t u\n", "mask")
    assert not mask.params.causal and mask.label == "Mask" and mask.signature == "t u, b 1 t u -> t u"
    assert KINDS["mask"].describe(mask) == "mask M added over t, u"


@pytest.mark.parametrize("spec, column, words", [
    ("input S: t u\nA = mask S\n", 5, "mask needs 'over' and 2 axis name(s)"),
    ("input S: t u\nA = mask S over t\n", 17, "mask acts over 2 axis name(s)"),
    ("input S: t u\nA = mask S over t t\n", 19, "that is an axis already named"),
    ("input S: t u, M: t v\nA = mask S M over t u\n", 12, "mask M (t v) does not fit the scores S (t u)"),
    ("input S: t u, M: t u, N: t u\nA = mask S M N over t u\n", 14, "`mask` takes 2 input(s) but is given 3"),
])
def test_mask_errors_are_located(spec, column, words):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="bad.ncd")
    assert info.value.span.line == 2 and info.value.span.column == column
    assert words in info.value.message


# --- chunk and mul -------------------------------------------------------------------------------

def test_chunk_splits_a_fused_projection_into_equal_named_parts():
    chunk = op_of("input X: b t d\nP = L[c] X : d -> 3d\nQ, K, V = chunk P over 3d\n", "chunk")
    assert shapes(chunk) == [[("b", "b"), ("t", "t"), ("d", "d")]] * 3
    assert chunk.params.parts == 3 and KINDS["chunk"].describe(chunk) == "split into 3 equal parts along 3d"


def test_chunk_names_a_part_by_the_let_it_equals():
    chunk = op_of("let f = 2*d\ninput X: t f\nA, B = chunk X over f\n", "chunk")
    assert [a.label for a in chunk.outputs[0].axes] == ["t", "d"]


@pytest.mark.parametrize("spec, line, column, words", [
    ("input X: t 10\nA, B, C = chunk X over 10\n", 2, 24, "does not split into 3 equal parts"),
    ("input X: t 10\nA = chunk X over 10\n", 2, 1, "assign two names or more"),
])
def test_chunk_errors_are_located(spec, line, column, words):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="bad.ncd")
    assert (info.value.span.line, info.value.span.column) == (line, column)
    assert words in info.value.message


def test_mul_is_an_elementwise_product_drawn_as_merged_wires():
    mul = op_of("input G: b f, U: b f\nH = mul G U\n", "einsum")
    p = mul.params
    assert p.names_in == (("b", "f"), ("b", "f")) and p.merged == ("b", "f") and not p.contracted
    assert KINDS["einsum"].describe(mul) == "element-wise product over b f"
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("input G: b f, U: b g\nH = mul G U\n", filename="bad.ncd")
    assert (info.value.span.line, info.value.span.column) == (2, 11)
    assert "mul: the shapes must be equal: b f and b g" == info.value.message


# --- rotary --------------------------------------------------------------------------------------

ROTARY = "input Q: b h t e, K: b g t e, C: b t e, S: b t e\nQ, K = rotary Q K C S over t e\n"


def test_rotary_rotates_each_value_over_positions_and_features_with_its_tables():
    rot = op_of(ROTARY, "rotary")
    assert rot.params.rotated == 2 and [a.label for a in rot.params.over] == ["t", "e"]
    assert rot.signature == "t e, t e, t e, t e -> t e, t e"
    assert [v.shape for v in rot.outputs] == ["b h t e", "b g t e"]
    assert rot.label == "RoPE" and "rotary position embedding of Q, K" in KINDS["rotary"].describe(rot)


@pytest.mark.parametrize("spec, column, words", [
    ("input Q: t 5\nQ = rotary Q over t 5\n", 19, "must have an even size"),
    ("input Q: t e, C: t e\nQ = rotary Q C over t e\n", 14, "rotary rotates 1 value(s)"),
    ("input Q: t e, C: t f, S: t f\nQ = rotary Q C S over t e\n", 14, "`rotary` expects `t e` but receives `t f`"),
])
def test_rotary_errors_are_located(spec, column, words):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="bad.ncd")
    assert (info.value.span.line, info.value.span.column) == (2, column)
    assert words in info.value.message


# --- conv groups ---------------------------------------------------------------------------------

def test_conv_groups_is_recorded_and_must_divide_the_channels():
    conv = op_of("tandem Y\ninput X: b c Y\nD = conv X over Y : c -> c kernel 3 padding 1 groups c\n", "conv")
    assert str(conv.params.groups) == "c"
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("tandem Y\ninput X: b 6 Y\nD = conv X over Y : 6 -> 4 kernel 3 groups 4\n", filename="b")
    assert (info.value.span.line, info.value.span.column) == (3, 44)
    assert info.value.message == "groups 4 does not divide the in channels (6)"
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("tandem Y\ninput X: b c Y\nD = maxpool X over Y kernel 2 groups 2\n", filename="b")
    assert "groups" in info.value.message and info.value.span.line == 3


# --- every new kind is drawn, costed and generated ------------------------------------------------

ALL_NEW = """input X: b t d, M: b 1 t t
P = L+[c_attn] X : d -> 3d
Q, K, V = chunk P over 3d
Q, K = rotary[rope] Q K over t d
S = einsum Q K : b t d, b u d -> b t u
S = mask S over t u
S = mask S M over t u
A = softmax S over u
O = einsum A V : b t u, b u d -> b t d
O = mul O O
output O
"""


def test_every_new_kind_renders_and_is_costed():
    d = sphinx_ncd.parse(ALL_NEW, filename="all.ncd")
    svg = sphinx_ncd.render(d, "svg")
    assert "Causal" in svg and "Mask" in svg and "RoPE" in svg
    report = sphinx_ncd.cost(d)
    text = report.format() if hasattr(report, "format") else str(report)
    assert "chunk" in text.lower() or "c_attn" in text


def test_generated_code_masks_splits_and_calls_the_bound_rotary():
    source = sphinx_ncd.codegen(sphinx_ncd.parse(ALL_NEW, filename="all.ncd"))
    assert "torch.chunk(P, 3, dim=2)" in source
    assert 'masked_fill(' in source and ".triu(" in source
    assert "self.rope(Q, K)" in source
    assert "S + M.reshape(" in source
    compile(source, "generated.py", "exec")


def test_an_unbound_rotary_is_refused_by_codegen_at_its_line():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.codegen(sphinx_ncd.parse("input Q: t e\nQ = rotary Q over t e\n", filename="r.ncd"))
    assert info.value.span.line == 2 and "unbound rotary embedding" in info.value.message


# --- top-k, gather, scatter --------------------------------------------------------------------------

def test_topk_keeps_k_of_an_axis_with_or_without_positions():
    both = op_of("input R: b e\nV, I = topk R : e -> k\n", "topk")
    assert [v.shape for v in both.outputs] == ["b k", "b k"] and both.params.indices
    assert KINDS["topk"].describe(both) == "top k of e with their positions"
    one = op_of("input R: b e\nV = topk R : e -> k\n", "topk")
    assert [v.shape for v in one.outputs] == ["b k"] and not one.params.indices


def test_gather_and_scatter_take_positions_shaped_like_the_value_but_the_selected_axis():
    text = "input X: b n d, I: b k d, S: b k d\nG = gather X I over n\nY = scatter X I S over n\n"
    gather, scatter = op_of(text, "gather"), op_of(text, "scatter")
    assert gather.outputs[0].shape == "b k d" and scatter.outputs[0].shape == "b n d"
    assert KINDS["gather"].describe(gather) == "gather along n at I"
    assert KINDS["scatter"].describe(scatter) == "scatter S along n at I"


@pytest.mark.parametrize("spec, column, words", [
    ("input R: b 4\nV = topk R : 4 -> 8\n", 19, "topk keeps 8 of 4"),
    ("input R: b e\nV = topk R : b e -> k\n", 14, "topk takes a signature of one axis to one axis"),
    ("input R: b e\nV, I, J = topk R : e -> k\n", 1, "produces 2 value(s) but 3 name(s) are assigned"),
    ("input X: b n d, I: b k e\nG = gather X I over n\n", 14, "the positions I (b k e) must have the axes b _ d"),
    ("input X: b n d, I: b k d, S: b k e\nY = scatter X I S over n\n", 17, "`scatter` expects `b k d`"),
])
def test_selection_errors_are_located(spec, column, words):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="bad.ncd")
    assert (info.value.span.line, info.value.span.column) == (2, column)
    assert words in info.value.message


def test_selections_generate_the_torch_functions():
    text = ("input R: b e, X: b n d, I: b k d, S: b k d\nV, J = topk R : e -> k\nG = gather X I over n\n"
            "Y = scatter X I S over n\noutput V, J, G, Y\n")
    source = sphinx_ncd.codegen(sphinx_ncd.parse(text, filename="sel.ncd"))
    assert "torch.topk(R, self.k, dim=1)" in source
    assert "torch.gather(X, 1, I)" in source and "X.scatter(1, I, S)" in source
    compile(source, "generated.py", "exec")


SELECTIONS = ("input R: b e, X: b n d, I: b k d, S: b k d\nV, J = topk R : e -> k\nG = gather X I over n\n"
              "Y = scatter X I S over n\noutput V, J, G, Y\n")


@pytest.mark.parametrize("text", [ALL_NEW, SELECTIONS, ROTARY], ids=["attention", "selections", "rotary"])
def test_new_kinds_are_typed_and_wired_as_their_row_says(text):
    """The typed-model rules of tests/language/test_typed_model.py, on every new kind."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).with_name("test_typed_model.py")
    spec = importlib.util.spec_from_file_location("typed_model", path)
    typed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(typed)
    seen = set()
    for op in ops(text):
        row = KINDS[op.kind]
        assert isinstance(op.params, row.params), op
        typed._check_wiring_class(op, row.wiring)
        seen.add(op.kind)
    assert seen & {"mask", "chunk", "rotary", "topk", "gather", "scatter"}


def test_mul_with_a_signature_stays_a_generic_box_named_mul():
    box = ops("input X: b d, Y: b d\nZ = mul X Y : b d, b d -> b d\n")[-1]
    assert box.kind == "function" and box.label == "mul"


@pytest.mark.parametrize("word", ["mask", "chunk", "rotary", "gather", "scatter"])
def test_a_new_word_with_a_signature_and_no_over_stays_a_generic_box(word):
    box = ops(f"input X: b d\nY = {word} X : d -> d\n")[-1]
    assert box.kind == "function" and box.label == word


def test_a_shorter_einsum_pattern_names_the_key_axis_through_a_let():
    text = "let u = t\ninput Q: b t k, K: b t k\nS = einsum Q K : t k, u k -> t u\nA = softmax S over u\n"
    assert shapes(op_of(text, "einsum")) == [[("b", "b"), ("t", "t"), ("u", "t")]]
    assert op_of(text, "softmax").params.over.label == "u"


@pytest.mark.parametrize("spec, column", [
    ("let u = t\ninput Q: t k, K: b t t k\nS = einsum Q K : t k, u k -> t u\n", 23),
    ("let u = t\ninput X: t t\nY = L[f] X : u -> k\n", 10),
])
def test_a_signature_axis_matched_only_by_a_repeated_size_is_a_located_error(spec, column):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="bad.ncd")
    assert (info.value.span.line, info.value.span.column) == (3, column)
    assert "more than one axis of that size (t, t) and none named 'u'" in info.value.message
