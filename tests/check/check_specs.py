"""Specs and paths shared by the checker's tests (written for these tests)."""
from __future__ import annotations

import pathlib

MODELS = str(pathlib.Path(__file__).resolve().parent / "models")

SDPA = """\
title "Scaled dot-product attention"
width y x
input Q: y k, K: x k, V: x k
S = einsum Q K : y k, x k -> y x
S = scale S by 1/sqrt(k)
A = softmax S over x
O = einsum A V : y x, x k -> y k
output O
"""

MHA = """\
block MultiHead(m, k, h)
width y x
input E: y m, X: x m
Q = L^Q[query] E : m -> k h
K = L^K[key] X : m -> k h
V = L^V[value] X : m -> k h
S = einsum Q K : y k h, x k h -> y x h
S = scale S by 1/sqrt(k)
A = softmax S over x
O = einsum A V : y x h, x k h -> y k h
Y = L^O[out] O : k h -> m
output Y
"""

MLP = """\
input X: b 28 28
X = view X : 28 28 -> 784
X = L+[layers.0] X : 784 -> 512
X = relu X
X = L+[layers.2] X : 512 -> 512
X = relu X
X = L+[layers.4] X : 512 -> 10
X = softmax X over 10
output X
"""


RESNET = """\
title "Identity ResNet (full pre-activation)"
tandem Y
block Stage(s, N, n0, n1) {
  input X: b n0 Y
  P = norm X over n0
  P = relu P
  R = conv+ P over Y : n0 -> n1 kernel 1 stride s
  S = conv+ P over Y : n0 -> n1 kernel 1 stride s
  X = add R S
  output X
}
input X: b 3 Y
X = conv+[stem] X over Y : 3 -> n0 kernel 3 padding 1
X = Stage(s=1, N, n0=n0, n1=n1)[stages.0] X
X = Stage(s=2, N, n0=n1, n1=n2)[stages.1] X
X = Stage(s=2, N, n0=n2, n1=n3)[stages.2] X
X = norm[final.0] X over n3
X = relu X
X = avgpool[pool] X over Y
X = L+[classify] X : n3 -> y
X = softmax X over y
output X
"""

# a wrong multi-head attention (its heads split by unflatten(-1, (-1, h))), checked beside the right one
WRONG_HEADS = """\
import torch
from torch import nn
class MultiHead(nn.Module):
    def __init__(self, m, k, h):
        super().__init__()
        self.h = h
        self.query, self.key = nn.Linear(m, k * h), nn.Linear(m, k * h)
        self.value, self.out = nn.Linear(m, k * h), nn.Linear(k * h, m)
    def forward(self, e, x):
        q = self.query(e).unflatten(-1, (-1, self.h))
        k = self.key(x).unflatten(-1, (-1, self.h))
        v = self.value(x).unflatten(-1, (-1, self.h))
        s = torch.einsum("ykh,xkh->yxh", q, k) / q.shape[-2] ** 0.5
        o = torch.einsum("yxh,xkh->ykh", s.softmax(1), v)
        return self.out(o.flatten(-2)).transpose(0, 1)
"""
