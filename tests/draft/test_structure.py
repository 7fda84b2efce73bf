"""What a draft says beyond the gallery: generic boxes listed in the header, --depth folding
submodules into bound boxes, and the naming of sizes from the atoms."""
from __future__ import annotations

import sympy

import sphinx_ncd
from sphinx_ncd.draft.naming import SizeNamer, spec_size


def test_generic_boxes_are_listed_and_still_proved(drafting, prove):
    result = drafting("small_models:Gated(d=11)", "x: b d")
    assert result.generic == ("cumsum",)
    assert "# generic boxes (no construct in the language): cumsum" in result.text
    assert "mul = mul x sigmoid_  " in result.text  # the language's element-wise product, no longer generic
    assert prove(result).status == "proved"


def test_depth_folds_deep_submodules_into_bound_boxes(drafting, prove):
    full = drafting("small_models:Nested(d=11, f=13)", "x: b d")
    assert "inner_0 = L+[inner.0] x : d -> f" in full.text and full.generic == ()
    folded = drafting("small_models:Nested(d=11, f=13)", "x: b d", depth=0)
    assert "inner = Sequential[inner] x : b d -> b d" in folded.text
    assert "L+[inner.0]" not in folded.text
    assert folded.generic == ("inner (Sequential)",)
    assert prove(folded).status == "proved"


def test_title_and_check_spec(drafting):
    result = drafting("small_models:Nested(d=11, f=13)", "x: b d", title="Residual MLP")
    assert 'title "Residual MLP"' in result.text
    assert result.check_code == "small_models:Nested(d=d, f=f)"
    assert dict(result.sizes) == {"b": 17, "d": 11, "f": 13}
    assert sphinx_ncd.parse(result.text).signature == "b d -> b d"


def test_naming_prefers_atoms_then_multiples_then_products():
    namer = SizeNamer({"d": 35, "h": 5, "t": 19})
    d, h = namer.symbols["d"], namer.symbols["h"]
    assert namer.name(35) == d
    assert namer.name(105) == 3 * d
    assert namer.name(7) == d / h
    assert namer.name(95) == h * namer.symbols["t"]
    assert namer.name(1000003) == sympy.Integer(1000003)
    assert namer.factor(1 / 7 ** 0.5) == "1/sqrt(d/h)" or namer.factor(1 / 7 ** 0.5, [d / h]) == "1/sqrt(d/h)"
    assert namer.factor(0.5) == "1/2"
    assert spec_size(d / h) == "d/h"


def test_naming_notes_ambiguity():
    namer = SizeNamer({"k": 7, "h": 5, "a": 35, "c": 49})
    assert namer.name(245) == namer.symbols["k"] * namer.symbols["a"]  # the first of two products
    assert namer.notes == ["size 245 read as a*k; it could also be c*h"]


def test_fused_attention_is_drawn_as_the_paper_draws_it(drafting, prove):
    """F.scaled_dot_product_attention: a fence with the scores, the scale, SoftMax over the keys'
    positions (a second name for t) and the weighted sum -- not a generic box."""
    result = drafting("small_models:FusedAttention(d=35, h=5)", "x: b t d")
    text = result.text
    assert result.generic == ()
    assert 'fence "Scaled Dot-Product Attention" ' in text
    for line in ("scores = einsum view_ view_1_1 : b t h d/h, b t2 h d/h -> b h t t2",
                 "scaled = scale scores by 1/sqrt(d/h)",
                 "scaled_dot_product_attention = einsum weights view_2 : b h t t2, b t2 h d/h -> b h t d/h",
                 "out = L+[out] transpose_3 : h d/h -> d"):
        assert line in text, f"{line!r} not in the draft:\n{text}"
    assert "split_0, split_1, split_2 = chunk qkv over 3*d" in text  # the fused projection split
    assert "masked = mask scaled over t t2" in text and "weights = softmax masked over t2" in text  # is_causal
    assert prove(result).status == "proved"


def test_a_step_the_handlers_fail_on_becomes_a_generic_box(drafting, prove, monkeypatch):
    from sphinx_ncd.draft.translate import Translator

    def broken(self, node, ins):
        raise KeyError("a case the handler does not know")

    monkeypatch.setattr(Translator, "aten_softmax", broken)
    result = drafting("ncd_gallery.attention:ScaledDotProductAttention()", "Q: y k, K: x k, V: x k")
    assert "softmax_ = f_softmax div : y x -> y x" in result.text
    assert result.generic == ("softmax",)
    assert prove(result).status == "proved"


# --- the newer constructs, where the module makes them recognisable ----------------------------------

def test_a_split_projection_and_a_product_of_branches_are_chunk_and_mul(drafting, prove):
    result = drafting("small_models:GatedBranches(d=11, f=13)", "x: b d")
    for line in ("up = L+[up] x : d -> 2*f", "chunk_0, chunk_1 = chunk up over 2*f", "relu_ = relu chunk_0",
                 "mul = mul relu_ chunk_1", "down = L+[down] mul : f -> d"):
        assert line in result.text, f"{line!r} not in the draft:\n{result.text}"
    assert result.generic == ()
    assert prove(result).status == "proved"


def test_grouped_and_depthwise_convolutions_say_their_groups(drafting, prove):
    result = drafting("small_models:GroupedConv(c=6)", "x: b c H W")
    assert "grouped = conv+[grouped] x over H W : c -> c kernel 3 padding 1 groups 2" in result.text
    assert "depthwise = conv[depthwise] grouped over H W : c -> c kernel 3 padding 1 groups c" in result.text
    assert result.generic == ()
    assert prove(result).status == "proved"


def test_masked_fill_with_a_causal_mask_is_the_causal_mask(drafting, prove):
    result = drafting("small_models:MaskedScores(d=11)", "x: b t d")
    assert "masked_fill = mask matmul over t t2" in result.text, result.text
    assert "softmax_ = softmax masked_fill over t2" in result.text
    assert result.generic == () and "ones" not in result.text  # the mask's construction draws nothing
    assert prove(result).status == "proved"


def test_masked_fill_with_a_given_mask_draws_the_mask_value(drafting):
    result = drafting("small_models:MaskedByInput()", "s: b t u, m: b t u")
    assert "masked_fill = mask s gt over t u" in result.text, result.text
    assert result.generic == ("gt",)  # the comparison stays a generic box
    assert sphinx_ncd.parse(result.text).signature == "b t u, b t u -> b t u"
