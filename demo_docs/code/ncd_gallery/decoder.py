"""Gallery code for the decoder page (beyond the paper): causal self-attention with a fused projection,
grouped-query attention with rotary position embeddings, and the gated MLP of the Llama family.

Gallery stage.  Shapes follow the diagrams of ``demo_docs/figures/decoder-*.ncd``: one sequence ``t``
(no batch axis), heads last as in the paper's figure 21.
"""
from __future__ import annotations

import math

import einops
import torch
from torch import Tensor, nn

__all__ = ["CausalSelfAttention", "rotate", "GroupedQueryAttention", "GatedMLP"]


def _causal(scores: Tensor) -> Tensor:
    """``t u ...``: scores of keys after the query's position set to -inf."""
    t, u = scores.shape[0], scores.shape[1]
    later = torch.ones(t, u, dtype=torch.bool).triu(1)
    return scores.masked_fill(later.reshape(t, u, *([1] * (scores.dim() - 2))), float("-inf"))


class CausalSelfAttention(nn.Module):
    """``t m -> t m``: one fused projection split into queries, keys and values; h heads of depth k."""

    def __init__(self, m: int, k: int, h: int):
        super().__init__()
        self.k, self.h = k, h
        self.qkv = nn.Linear(m, 3 * k * h, bias=False)
        self.proj = nn.Linear(k * h, m, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        q, key, v = einops.rearrange(self.qkv(x), "t (p k h) -> p t k h", p=3, h=self.h)
        scores = einops.einsum(q, key, "t k h, u k h -> t u h") / math.sqrt(self.k)
        weights = torch.softmax(_causal(scores), dim=1)
        out = einops.einsum(weights, v, "t u h, u k h -> t k h")
        return self.proj(einops.rearrange(out, "t k h -> t (k h)"))


def rotate(q: Tensor, k: Tensor, cos: Tensor, sin: Tensor) -> tuple[Tensor, Tensor]:
    """Rotary position embedding of ``t heads e`` queries and keys by ``t e`` tables (features in halves)."""
    def turn(x: Tensor) -> Tensor:
        a, b = x.chunk(2, dim=-1)
        half = torch.cat((-b, a), dim=-1)
        return x * cos[:, None, :] + half * sin[:, None, :]

    return turn(q), turn(k)


class GroupedQueryAttention(nn.Module):
    """``t d, t e, t e -> t d``: g key/value heads, each shared by r query heads (h = g r) of depth e."""

    def __init__(self, g: int, r: int, e: int):
        super().__init__()
        self.g, self.r, self.e = g, r, e
        d = g * r * e
        self.q_proj = nn.Linear(d, g * r * e, bias=False)
        self.k_proj = nn.Linear(d, g * e, bias=False)
        self.v_proj = nn.Linear(d, g * e, bias=False)
        self.o_proj = nn.Linear(g * r * e, d, bias=False)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
        q = einops.rearrange(self.q_proj(x), "t (h e) -> t h e", e=self.e)
        k = einops.rearrange(self.k_proj(x), "t (g e) -> t g e", e=self.e)
        v = einops.rearrange(self.v_proj(x), "t (g e) -> t g e", e=self.e)
        q, k = rotate(q, k, cos, sin)
        q = einops.rearrange(q, "t (g r) e -> t g r e", g=self.g)
        scores = einops.einsum(q, k, "t g r e, u g e -> g r t u") / math.sqrt(self.e)
        later = torch.ones(scores.shape[-2], scores.shape[-1], dtype=torch.bool).triu(1)
        weights = torch.softmax(scores.masked_fill(later, float("-inf")), dim=-1)
        out = einops.einsum(weights, v, "g r t u, u g e -> t g r e")
        return self.o_proj(einops.rearrange(out, "t g r e -> t (g r e)"))


class GatedMLP(nn.Module):
    """``t d -> t d``: SiLU of the gate times the up projection, then down (Llama's MLP)."""

    def __init__(self, d: int, f: int):
        super().__init__()
        self.gate = nn.Linear(d, f, bias=False)
        self.up = nn.Linear(d, f, bias=False)
        self.down = nn.Linear(f, d, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.down(nn.functional.silu(self.gate(x)) * self.up(x))
