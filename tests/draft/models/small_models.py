"""Test models for ncd draft: tiny modules, and modules a draft must refuse with a located error."""
from __future__ import annotations

import torch
from torch import nn


class Scale(nn.Module):
    """``a -> a``: times two (the warm-up model)."""

    def forward(self, x):
        return x * 2


class DataDependent(nn.Module):
    """Branches on a tensor's values: torch.export cannot trace it."""

    def __init__(self, d: int = 4):
        super().__init__()
        self.L = nn.Linear(d, d)

    def forward(self, x):
        if x.sum() > 0:  # data-dependent control flow
            return self.L(x)
        return x


class Gated(nn.Module):
    """``b d -> b d``: a learned gate multiplied in, and a sum over the features (generic boxes)."""

    def __init__(self, d: int):
        super().__init__()
        self.gate = nn.Linear(d, d)

    def forward(self, x):
        g = torch.sigmoid(self.gate(x))
        return (x * g).cumsum(-1)


class Nested(nn.Module):
    """Two levels of submodules, for --depth."""

    def __init__(self, d: int, f: int):
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(d, f), nn.ReLU(), nn.Linear(f, d))
        self.norm = nn.LayerNorm(d)

    def forward(self, x):
        return self.norm(x + self.inner(x))


def not_a_module(d: int):
    """A function, not a module."""
    return d


class FusedAttention(nn.Module):
    """``b t d -> b t d``: causal self-attention through F.scaled_dot_product_attention, h heads."""

    def __init__(self, d: int, h: int):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=-1)
        q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in (q, k, v))
        o = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(o.transpose(1, 2).reshape(b, t, d))


class GatedBranches(nn.Module):
    """``b d -> b d``: a fused projection split in two (``chunk``), the branches multiplied (``mul``)."""

    def __init__(self, d: int, f: int):
        super().__init__()
        self.up = nn.Linear(d, 2 * f)
        self.down = nn.Linear(f, d)

    def forward(self, x):
        g, u = torch.chunk(self.up(x), 2, dim=-1)
        return self.down(torch.relu(g) * u)


class GroupedConv(nn.Module):
    """``b c H W -> b c H W``: a grouped convolution, then a depthwise one."""

    def __init__(self, c: int):
        super().__init__()
        self.grouped = nn.Conv2d(c, c, 3, padding=1, groups=2)
        self.depthwise = nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False)

    def forward(self, x):
        return self.depthwise(self.grouped(x))


class MaskedScores(nn.Module):
    """``b t d -> b t t``: attention scores with a causal mask made by masked_fill, then SoftMax."""

    def __init__(self, d: int):
        super().__init__()
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)

    def forward(self, x):
        t = x.shape[1]
        s = self.q(x) @ self.k(x).transpose(-2, -1)
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        return torch.softmax(s.masked_fill(~causal, float("-inf")), dim=-1)


class MaskedByInput(nn.Module):
    """``b t u, b t u -> b t u``: scores masked where a given mask is true."""

    def forward(self, s, m):
        return s.masked_fill(m > 0, float("-inf"))
