"""ncd draft on the gallery's own models: every draft parses, renders, and is proved by the checker
against the module it came from, as written (no hand edit)."""
from __future__ import annotations

import pytest

import sphinx_ncd

# (import spec, input description, lines the draft must contain)
GALLERY = {
    "mlp": ("ncd_gallery.mlp:BasicImageRecogniser()", "x: b 28 28", [
        "flatten = view x : 28 28 -> 784",
        "linear_relu_stack_0 = L+[linear_relu_stack.0] flatten : 784 -> 512",
        "softmax_ = softmax linear_relu_stack_4 over 10"]),
    "sdpa": ("ncd_gallery.attention:ScaledDotProductAttention()", "Q: y k, K: x k, V: x k", [
        "einsum_ = einsum Q K : y k, x k -> y x", "scale einsum_ by 1/sqrt(k)", "over x"]),
    "attention": ("ncd_gallery.attention:MultiHeadAttention(m=11, k=7, h=5)", "E: y m, X: x m", [
        "Lq = L[Lq] E : m -> k h", "einsum_ = einsum Lq Lk : y k h, x k h -> y x h",
        "softmax_ = softmax div over x", "Lo = L[Lo] einsum_1 : k h -> m"]),
    "transformer": ("ncd_gallery.transformer:EncoderLayer(m=11, k=7, h=5, f=13)", "X: b t m", [
        "let t2 = t", "attention_Lk_1 = view attention_Lk : t -> t2", "add_ = add X attention_Lo",
        "norm1 = norm[norm1] add_ over m", "feedforward_L1 = L+[feedforward.L1] norm1 : m -> f",
        'fence "MultiHeadAttention (attention)"']),
    "resnet": ("ncd_gallery.resnet:Block(s=2, N=2, n0=5, n1=28)", "X: b n0 H W", [
        "over H W : n0 -> n1/4 kernel 1 stride 2", "norm[preactivate.0] X over n0",
        "over H W : n1/4 -> n1/4 kernel 3 padding 1",
        "units_0_secondary = conv+[units.0.secondary] preactivate_1 over H W"]),
    "unet": ("ncd_gallery.unet:UNet(c0=3, y=7, c1=5, depth=2)", "X: b c0 4*H 4*W", [
        "input X: b c0 4*H 4*W", "maxpool[down.0.pool] down_0_conv_3 over H W kernel 2",
        "convT+[up.0.up] middle_3 over H W : 4*c1 -> 2*c1 kernel 2 stride 2",
        "cat = concat up_0_up down_1_conv_3 over 2*c1"]),
    "vision": ("ncd_gallery.vision:VisualAttention(c=11, k=7)", "E: b c H W, X: b c P Q", [
        "Cq = conv[Cq] E over H W : c -> k kernel 1", "reshape_1 = view permute : H W -> H*W",
        "softmax", "Co = convT[Co]"]),
    "convolution": ("ncd_gallery.convolution:LearnedConvolution(c=5, o=7, kernel=3, stride=2, padding=1)",
                    "X: b c H W", ["C = conv+[C] X over H W : c -> o kernel 3 stride 2 padding 1"]),
}


@pytest.mark.parametrize("name", list(GALLERY))
def test_gallery_draft_parses_renders_and_is_proved(name, drafting, prove):
    code, inputs, lines = GALLERY[name]
    result = drafting(code, inputs)
    for line in lines:
        assert line in result.text, f"{line!r} not in the draft:\n{result.text}"
    assert result.generic == ()
    assert "# generic boxes: none" in result.text
    diagram = sphinx_ncd.parse(result.text, filename=f"{name}.ncd")
    png = sphinx_ncd.render(diagram, format="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    report = prove(result)
    assert report.status == "proved", report.summary
    assert all(b.status in ("proved", "checked") for b in report.boxes), report.boxes


def test_draft_points_at_the_source_line_of_each_operation(drafting):
    result = drafting(*GALLERY["attention"][:2])
    lq = next(line for line in result.text.splitlines() if line.startswith("Lq = "))
    assert lq.endswith("# attention.py:87")
    assert "# source lines refer to: ncd_gallery/attention.py" in result.text
    assert '--code "ncd_gallery.attention:MultiHeadAttention(m=m, k=k, h=h)"' in result.text


def test_draft_is_stable(drafting):
    """The same module drafts to the same text: names come from module paths and graph nodes."""
    assert drafting(*GALLERY["transformer"][:2]).text == drafting(*GALLERY["transformer"][:2]).text


@pytest.mark.slow
def test_gpt2_block_from_transformers(drafting, prove):
    pytest.importorskip("transformers")
    result = drafting("hf_blocks:gpt2_block(d=35, h=5)", "x: b t d")
    text = result.text
    for line in ("attn_c_attn = L+[attn.c_attn] ln_1 : d -> 3*d", "split_0, split_1, split_2 = chunk attn_c_attn over 3*d",
                 "view_2 = view split_1 : d -> h d/h", "scale matmul by 1/sqrt(d/h)",
                 "mlp_act = map NewGELU[mlp.act] mlp_c_fc", "sizes d=35 h=5",
                 'fence "GPT2Attention (attn)"', "add_3 = add add_ mlp_dropout"):
        assert line in text, f"{line!r} not in the draft:\n{text}"
    assert result.generic == ()
    diagram = sphinx_ncd.parse(text)
    assert sphinx_ncd.render(diagram, format="png")[:4] == b"\x89PNG"
    report = prove(result)
    assert report.status == "proved", report.summary


def test_demo_page_draft_is_what_ncd_draft_writes_today(drafting):
    """demo_docs/figures/fig21-drafted.ncd is shown as 'unedited': it must be today's draft."""
    import pathlib

    page = pathlib.Path(__file__).resolve().parents[2] / "demo_docs" / "figures" / "fig21-drafted.ncd"
    fresh = drafting("ncd_gallery.attention:MultiHeadAttention(m=11, k=7, h=5)", "E: y m, X: x m",
                     title="Multi-head attention, drafted")
    assert page.read_text(encoding="utf-8") == fresh.text
