"""Figures 16, 17, 19-22: attention, the MLP and the transformer on real tensors."""
import math

import pytest
import torch

from ncd_gallery import attention, mlp, transformer


def test_einsum_section_stepwise_equals_simultaneous():
    Q, K = torch.rand(3, 4, 2), torch.rand(5, 4, 2)
    a, b = attention.attention_scores_stepwise(Q, K), attention.attention_scores(Q, K)
    assert a.shape == (3, 5, 2)
    assert torch.allclose(a, b, atol=1e-6)
    # against a plain loop
    assert torch.allclose(a[1, 2, 0], (Q[1, :, 0] * K[2, :, 0]).sum() / 2, atol=1e-6)


def test_scaled_dot_product_attention_softmax_over_x_and_y_differs_from_x():
    q, k, v = torch.rand(3, 4), torch.rand(6, 4), torch.rand(6, 4)
    out = attention.scaled_dot_product_attention(q, k, v)
    assert out.shape == (3, 4)
    ref = torch.softmax(q @ k.T / 2, dim=-1) @ v
    assert torch.allclose(out, ref, atol=1e-6)
    ref2 = torch.nn.functional.scaled_dot_product_attention(q[None], k[None], v[None])[0]
    assert torch.allclose(out, ref2, atol=1e-5)
    assert torch.allclose(attention.ScaledDotProductAttention()(q, k, v), out)


def test_multi_head_attention_shapes_and_reference():
    torch.manual_seed(0)
    mha = attention.MultiHeadAttention(m=16, k=4, h=2)
    E, X = torch.rand(5, 16), torch.rand(7, 16)
    out = mha(E, X)
    assert out.shape == (5, 16)
    # reference: per-head attention with the (k h) packing of the weights
    q = mha.Lq(E).view(5, 4, 2)
    kk = mha.Lk(X).view(7, 4, 2)
    v = mha.Lv(X).view(7, 4, 2)
    heads = [torch.softmax(q[:, :, i] @ kk[:, :, i].T / 2, -1) @ v[:, :, i] for i in range(2)]
    o = torch.stack(heads, -1).reshape(5, 8)
    assert torch.allclose(out, mha.Lo(o), atol=1e-5)
    assert mha(torch.rand(3, 5, 16), torch.rand(3, 7, 16)).shape == (3, 5, 16)
    assert all(m.bias is None for m in (mha.Lq, mha.Lk, mha.Lv, mha.Lo))


def test_mlp_applies_softmax():
    model = mlp.BasicImageRecogniser()
    out = model(torch.rand(28, 28))
    assert out.shape == (10,)
    assert torch.allclose(out.sum(), torch.tensor(1.0)) and (out >= 0).all()
    assert model(torch.rand(3, 28, 28)).shape == (3, 10)


def test_transformer_layers_are_distinct_and_shapes_right():
    torch.manual_seed(0)
    model = transformer.Transformer(N=2, m=16, k=4, h=2, f=32, t=11)
    Y, X = torch.rand(5, 16), torch.rand(7, 16)
    out = model(Y, X)
    assert out.shape == (5, 11)
    assert torch.allclose(out.sum(-1), torch.ones(5), atol=1e-5)
    layers = model.encoder.layers
    assert len(layers) == 2 and layers[0] is not layers[1]
    assert not torch.equal(layers[0].attention.Lq.weight, layers[1].attention.Lq.weight)
    assert len(model.decoder.layers) == 2


def test_decoder_is_causal():
    torch.manual_seed(0)
    layer = transformer.DecoderLayer(m=8, k=4, h=2, f=16).eval()
    y, mem = torch.rand(6, 8), torch.rand(4, 8)
    out = layer(y, mem)
    y2 = y.clone()
    y2[4:] = torch.rand(2, 8)       # change the future
    out2 = layer(y2, mem)
    assert torch.allclose(out[:4], out2[:4], atol=1e-5)
    assert not torch.allclose(out[4:], out2[4:])


def test_token_transformer_runs_on_ids():
    model = transformer.TokenTransformer(vocab=13, N=1, m=8, k=4, h=2, f=16)
    out = model(torch.randint(0, 13, (5,)), torch.randint(0, 13, (6,)))
    assert out.shape == (5, 13)
    pe = transformer.positional_encoding(4, 6)
    assert pe.shape == (4, 6) and math.isclose(float(pe[0, 1]), 1.0)
