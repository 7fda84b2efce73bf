"""Attention for the checker's tests: scaled dot-product and multi-head, written with einops."""
import math

import einops
import torch
from torch import nn


def sdpa(q, k, v):
    """``y k, x k, x k -> y k``."""
    scores = torch.einsum("yk,xk->yx", q, k) / math.sqrt(k.shape[-1])
    return torch.einsum("yx,xk->yk", scores.softmax(dim=-1), v)


def sdpa_transposed(q, k, v):
    """The classic slip: the attention matrix transposed before the values (only fine when y = x)."""
    att = (q @ k.T / math.sqrt(k.shape[-1])).softmax(dim=-1)
    return att.T @ v


def heads_attention(q, k, v):
    """``y k h, x k h, x k h -> y k h``: one attention per head."""
    s = einops.einsum(q, k, "y k h, x k h -> y x h") / math.sqrt(q.shape[-2])
    return einops.einsum(s.softmax(dim=1), v, "y x h, x k h -> y k h")


class MultiHead(nn.Module):
    """``y m, x m -> y m`` with learned maps ``m -> k h`` bound as ``(k h)``."""

    def __init__(self, m, k, h):
        super().__init__()
        self.heads = h
        self.query = nn.Linear(m, k * h, bias=False)
        self.key = nn.Linear(m, k * h, bias=False)
        self.value = nn.Linear(m, k * h, bias=False)
        self.out = nn.Linear(k * h, m, bias=False)

    def split(self, t):
        return einops.rearrange(t, "... (k h) -> ... k h", h=self.heads)

    def forward(self, e, x):
        o = heads_attention(self.split(self.query(e)), self.split(self.key(x)), self.split(self.value(x)))
        return self.out(einops.rearrange(o, "... k h -> ... (k h)"))


class HeadSplit(nn.Module):
    """``t d -> h t (d/h)``: heads carved out of the model width by einops."""

    def __init__(self, h):
        super().__init__()
        self.h = h

    def forward(self, x):
        return einops.rearrange(x, "t (h e) -> h t e", h=self.h)


class SelfAttention(nn.Module):
    """``t d -> t d``: heads carved out of ``d`` inside, so ``d`` must be divisible by ``h``."""

    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        q, k, v = einops.rearrange(self.qkv(x), "t (three h e) -> three h t e", three=3, h=self.h)
        s = torch.einsum("hye,hxe->hyx", q, k) / math.sqrt(q.shape[-1])
        o = torch.einsum("hyx,hxe->hye", s.softmax(-1), v)
        return self.proj(einops.rearrange(o, "h t e -> t (h e)"))


def project(x, w):
    """A plain function a diagram box can bind to: ``b m -> b k``."""
    return x @ w


class Projected(nn.Module):
    """Calls the module-level ``project`` twice and one submodule twice; returns a tuple."""

    def __init__(self, m, k):
        super().__init__()
        self.w = nn.Parameter(torch.empty(m, k))
        self.norm = nn.LayerNorm(k)

    def forward(self, a, b):
        return self.norm(project(a, self.w)), self.norm(project(b, self.w))
