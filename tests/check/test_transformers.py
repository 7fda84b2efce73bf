"""Hugging Face ``transformers`` modules, built from configs, drawn and proved through the public API.

No wrapper code: the import spec builds the config (``GPT2Config(n_embd=d, ...)``, any name the
module defines), a forward template passes the extra inputs (``(X, position_embeddings=(C, S),
attention_mask=M)[0]``), a binding selects one element of a returned tuple (``[attn:0]``), and
module-level functions (``eager_attention_forward``, ``apply_rotary_pos_emb``) are boxes too.
"""
from __future__ import annotations

import pathlib

import pytest

pytest.importorskip("transformers")

SPECS = pathlib.Path(__file__).resolve().parent / "specs"
GPT2 = "transformers.models.gpt2.modeling_gpt2"
LLAMA = "transformers.models.llama.modeling_llama"
GPT2_CONFIG = "GPT2Config(n_embd=d, n_head=h, n_inner=f, attn_implementation='eager')"
LLAMA_ATTENTION = (f"{LLAMA}:LlamaAttention(LlamaConfig(hidden_size=d, num_attention_heads=h, num_key_value_heads=g, "
                   "head_dim=e, attn_implementation='eager'), layer_idx=0)"
                   "(X, position_embeddings=(C, S), attention_mask=M)[0]")


@pytest.fixture
def check(worker):
    """The documented entry point, ``sphinx_ncd.check``, with the tests' shared worker."""
    import sphinx_ncd

    def _check(spec, code, sizes=None):
        """``spec``: a file of tests/check/specs, or the spec's text."""
        text = (SPECS / spec).read_text() if spec.endswith(".ncd") else spec
        diagram = sphinx_ncd.parse(text, filename=spec if spec.endswith(".ncd") else "spec.ncd")
        return sphinx_ncd.check(diagram, code, sizes, worker=worker, use_cache=False)

    return _check


def test_gpt2_mlp(check):
    report = check("gpt2_mlp.ncd", f"{GPT2}:GPT2MLP(f, GPT2Config(n_embd=d))")
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, t, d, f"
    assert [b.name for b in report.boxes] == ["L+[c_fc]", "L+[c_proj]"]


def test_gpt2_attention(check):
    report = check("gpt2_attention.ncd", f"{GPT2}:GPT2Attention(GPT2Config(n_embd=d, n_head=h, "
                                         "attn_implementation='eager'), layer_idx=0)(X)[0]")
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, t, d, h"
    assert all(b.status == "proved" for b in report.boxes)


def test_gpt2_block_checks_the_boxes_inside_its_blocks(check):
    report = check("gpt2_block.ncd", f"{GPT2}:GPT2Block({GPT2_CONFIG}, layer_idx=0)(X)")
    assert report.status == "proved", report.format()
    names = [b.name for b in report.boxes]
    assert "L+[c_attn] in attn" in names and "L+[c_fc] in mlp" in names
    assert all(b.status == "proved" for b in report.boxes)


def test_gpt2_block_drawn_with_the_wrong_hidden_width_is_caught(check):
    report = check("gpt2_block.ncd", f"{GPT2}:GPT2Block(GPT2Config(n_embd=d, n_head=h, n_inner=2*f, "
                                     "attn_implementation='eager'), layer_idx=0)(X)")
    assert report.status == "mismatch", report.format()
    assert report.mismatch.name == "L+[c_fc] in mlp"


def test_llama_mlp(check):
    report = check("llama_mlp.ncd", f"{LLAMA}:LlamaMLP(LlamaConfig(hidden_size=d, intermediate_size=f, "
                                    "num_attention_heads=1, head_dim=2))")
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, t, d, f"


def test_llama_grouped_query_attention_with_rotary_embeddings_and_a_causal_mask(check):
    """Drawn with the language's own constructs: ``rotary`` bound to HF's function, the grouped-query scores
    (the key/value heads g merge with the query heads' groups, r query heads per group), the key axis u,
    the additive causal mask over (t, u).  The rotary box says the head depth is even: not an assumption."""
    report = check("llama_attention.ncd", LLAMA_ATTENTION, {"e": 8})
    assert report.status == "proved", report.format()
    assert not report.assumptions and not report.findings
    names = [b.name for b in report.boxes]
    assert names == ["L[q_proj]", "L[k_proj]", "L[v_proj]", "rotary[apply_rotary_pos_emb]", "L[o_proj]"]
    assert all(b.status == "proved" for b in report.boxes)
    kinds = [op.kind for op in sphinx_ncd_parse("llama_attention.ncd").main.operations]
    assert {"rotary", "mask", "softmax"} <= set(kinds)


def sphinx_ncd_parse(name):
    import sphinx_ncd

    return sphinx_ncd.parse((SPECS / name).read_text(), filename=name)


def test_grouped_query_attention_drawn_for_code_without_groups_is_caught(check):
    code = LLAMA_ATTENTION.replace("num_key_value_heads=g", "num_key_value_heads=h")
    report = check("llama_attention.ncd", code, {"e": 8})
    assert report.status == "mismatch", report.format()
    assert report.mismatch.name == "L[k_proj]"


def test_llama_mlp_drawn_with_the_template_gated_mlp(check):
    """``use llama``: the template's GatedMLP (its ``mul`` the gate's product), expanded, binds HF's gate_proj,
    up_proj and down_proj and is proved."""
    spec = "block LlamaMLP(d, f)\nuse llama\ninput X: b t d\nY = expand GatedMLP(d, f) X\noutput Y\n"
    report = check(spec, f"{LLAMA}:LlamaMLP(LlamaConfig(hidden_size=d, intermediate_size=f, "
                         "num_attention_heads=1, head_dim=2))")
    assert report.status == "proved", report.format()
    assert [b.name.split(" ")[0] for b in report.boxes] == ["L[gate_proj]", "L[up_proj]", "L[down_proj]"]
