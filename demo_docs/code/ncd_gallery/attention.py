"""Gallery code for figures 16, 17, 20 and 21 (paper sections 2.4.2 and 3.2):
the attention score section written step by step and with one einsum,
scaled dot-product attention, and multi-head attention.

Gallery stage.  Shapes follow the diagrams; ``...`` in an einops pattern is
any number of leading (batch) axes broadcast over the whole figure.
"""
from __future__ import annotations

import math

import einops
import torch
from torch import Tensor, nn

__all__ = [
    "attention_scores_stepwise", "attention_scores", "scaled_dot_product_attention",
    "ScaledDotProductAttention", "multi_head_dot_product_attention", "MultiHeadAttention",
    "AttentionScores",
]


# --- Figures 16, 17 ---------------------------------------------------------
def attention_scores_stepwise(Q: Tensor, K: Tensor) -> Tensor:
    """``y k h, x k h -> y x h`` one wiring at a time (figure 16 read left to right):
    transpose, outer product with the heads diagonalised, inner product over k
    (the two k axes made one, then summed), then scale by ``k^-1/2``."""
    k = Q.shape[-2]
    Kt = einops.einsum(K, "x k h -> k x h")                    # crossing
    P = einops.einsum(Q, Kt, "y k1 h, k2 x h -> y k1 k2 x h")  # outer, merge h
    S = einops.einsum(P, "y k k x h -> y x h")                 # cup over k
    return S / math.sqrt(k)                                     # scale arrow


def attention_scores(Q: Tensor, K: Tensor) -> Tensor:
    """The same section with the linear wirings applied simultaneously (figure 17)."""
    k = Q.shape[-2]
    return einops.einsum(Q, K, "... y k h, ... x k h -> ... y x h") / math.sqrt(k)


# --- Figure 20 --------------------------------------------------------------
def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor) -> Tensor:
    """``y k, x k, x k -> y k``: SoftMax over x, the injected data's width."""
    scores = einops.einsum(q, k, "... y k, ... x k -> ... y x") / math.sqrt(k.shape[-1])
    weights = torch.softmax(scores, dim=-1)                                # over x
    return einops.einsum(weights, v, "... y x, ... x k -> ... y k")


class ScaledDotProductAttention(nn.Module):
    """Figure 20 as a module (no learned weights): ``forward(Q, K, V)``."""

    def forward(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        return scaled_dot_product_attention(q, k, v)


# --- Figure 21 --------------------------------------------------------------
def multi_head_dot_product_attention(q: Tensor, k: Tensor, v: Tensor,
                                     mask: Tensor | None = None) -> Tensor:
    """``y k h, x k h, x k h -> y k h``: every head at once, SoftMax over x.

    ``mask`` (``y x``, True where attention is allowed) is used by the
    transformer's decoder; the figure itself has none.
    """
    scores = einops.einsum(q, k, "... y k h, ... x k h -> ... y x h") / math.sqrt(k.shape[-2])
    if mask is not None:
        scores = scores.masked_fill(~mask[..., None], float("-inf"))
    weights = torch.softmax(scores, dim=-2)                                # over x
    return einops.einsum(weights, v, "... y x h, ... x k h -> ... y k h")


class MultiHeadAttention(nn.Module):
    """Figure 21: ``y m, x m -> y m`` with learned ``Lq, Lk, Lv : m -> k h`` and
    ``Lo : k h -> m`` (no bias, as in the diagram and *Attention is All You Need*)."""

    def __init__(self, m: int, k: int, h: int):
        super().__init__()
        self.m, self.k, self.h = m, k, h
        self.Lq = nn.Linear(m, k * h, bias=False)
        self.Lk = nn.Linear(m, k * h, bias=False)
        self.Lv = nn.Linear(m, k * h, bias=False)
        self.Lo = nn.Linear(k * h, m, bias=False)

    def forward(self, E: Tensor, X: Tensor, mask: Tensor | None = None) -> Tensor:
        def split(t: Tensor) -> Tensor:  # unbind the heads: (k h) -> k h
            return einops.rearrange(t, "... (k h) -> ... k h", h=self.h)

        q, k, v = split(self.Lq(E)), split(self.Lk(X)), split(self.Lv(X))
        o = multi_head_dot_product_attention(q, k, v, mask)
        return self.Lo(einops.rearrange(o, "... k h -> ... (k h)"))


class AttentionScores(nn.Module):
    """Figures 16 and 17 as a module: ``y k h, x k h -> y x h`` (step by step)."""

    def forward(self, Q: Tensor, K: Tensor) -> Tensor:
        return attention_scores_stepwise(Q, K)
