"""Mistakes a shape check cannot see, for the value check's part of the mistakes page.

Gallery stage.  Each object is our own minimal code with one mistake that keeps
every shape right: a softmax over the wrong axis of a square tensor, heads
split as ``(h k)`` where the diagram says ``(k h)``, one module object shared
by two boxes, a loop that fills only some heads, and (figure 26) identity units
that are one module object.  The shape check proves
each of them; the value check (``:check: values``) runs each against the
module generated from the diagram and names the box where the values part.
"""
from __future__ import annotations

import math

import einops
import torch
from torch import Tensor, nn

from .attention import MultiHeadAttention, multi_head_dot_product_attention
from .resnet import IdentityResNet

__all__ = ["WrongAxisAttention", "HeadsSplitHK", "SharedKeyValue", "PartialHeadLoop", "SharedUnitsResNet"]


class WrongAxisAttention(nn.Module):
    """Figure 20 with ``softmax(dim=-2)``: over the queries ``y``, not the keys ``x``.

    With as many queries as keys the scores are square, so every shape is right."""

    def forward(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        scores = einops.einsum(q, k, "y k, x k -> y x") / math.sqrt(k.shape[-1])
        weights = torch.softmax(scores, dim=-2)  # the mistake: dim=-1 is x
        return einops.einsum(weights, v, "y x, x k -> y k")


class HeadsSplitHK(MultiHeadAttention):
    """Figure 21 with the heads unbound as ``(h k)``: the diagram's ``L : m -> k h`` says ``(k h)``.

    Both are ``k·h`` wide, so every shape is right; the weights that make one head differ."""

    def forward(self, E: Tensor, X: Tensor) -> Tensor:
        def split(t: Tensor) -> Tensor:
            return einops.rearrange(t, "... (h k) -> ... k h", h=self.h)  # the mistake

        q, k, v = split(self.Lq(E)), split(self.Lk(X)), split(self.Lv(X))
        o = multi_head_dot_product_attention(q, k, v)
        return self.Lo(einops.rearrange(o, "... k h -> ... (h k)"))


class SharedKeyValue(MultiHeadAttention):
    """Figure 21 whose keys and values come from one module object (``self.Lv = self.Lk``).

    Both boxes are bound and called, with the right shapes; they cannot learn apart."""

    def __init__(self, m: int, k: int, h: int):
        super().__init__(m, k, h)
        self.Lv = self.Lk  # the mistake


class PartialHeadLoop(MultiHeadAttention):
    """Figure 21 with the heads computed in a loop that stops one head short.

    ``range(self.h - 1)``: the last head's output stays zero, with the right shape."""

    def forward(self, E: Tensor, X: Tensor) -> Tensor:
        def split(t: Tensor) -> Tensor:
            return einops.rearrange(t, "... (k h) -> ... k h", h=self.h)

        q, k, v = split(self.Lq(E)), split(self.Lk(X)), split(self.Lv(X))
        o = torch.zeros_like(q)
        for i in range(self.h - 1):  # the mistake: range(self.h)
            scores = einops.einsum(q[..., i], k[..., i], "y k, x k -> y x") / math.sqrt(self.k)
            o[..., i] = einops.einsum(torch.softmax(scores, dim=-1), v[..., i], "y x, x k -> y k")
        return self.Lo(einops.rearrange(o, "... k h -> ... (k h)"))


class SharedUnitsResNet(IdentityResNet):
    """Figure 26 whose Blocks build their identity units as ``[unit] * (N - 1)``.

    The list repeats *one* module object: every identity unit of a block runs
    with the same weights.  Each unit maps ``n1`` to ``n1``, so every shape is
    right (the paper's cell also adds one unit too many, ``[unit] * N``)."""

    def __init__(self, N: int = 3, n: tuple[int, int, int, int] = (16, 64, 128, 256), y: int = 10):
        super().__init__(N, n, y)
        for block in list(self)[1:4]:
            unit = block.units[1]
            for i in range(2, N):
                block.units[i] = unit  # the mistake: one object where the diagram repeats separate units
