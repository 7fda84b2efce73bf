"""The value check on issue 12's constructs: the generated causal mask, split and product agree with code
that uses masked_fill, chunk and ``*``; code that forgets the mask is caught at the mask box."""
from __future__ import annotations

import sphinx_ncd

SPEC = """input X: t m
P = L[qk] X : m -> 2k
Q, K = chunk P over 2k
S = einsum Q K : t k, u k -> t u
S = mask S over t u
A = softmax S over u
G = mul A A
output G
"""

CODE = '''import torch
from torch import nn


class Causal(nn.Module):
    def __init__(self, m, k, masked=True):
        super().__init__()
        self.qk = nn.Linear(m, 2 * k, bias=False)
        self.masked = masked

    def forward(self, x):
        q, k = self.qk(x).chunk(2, dim=-1)
        s = q @ k.T
        if self.masked:
            n = x.shape[0]
            s = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
        a = s.softmax(-1)
        return a * a
'''


def test_generated_mask_chunk_and_product_agree_with_masked_fill_code(values):
    report = values(sphinx_ncd.parse(SPEC, filename="causal.ncd"), CODE, {"t": 5, "m": 6, "k": 3})
    assert report.status == "agree", report.summary


def test_code_without_the_causal_mask_differs(values):
    code = CODE.replace("masked=True", "masked=False")
    report = values(sphinx_ncd.parse(SPEC, filename="causal.ncd"), code, {"t": 5, "m": 6, "k": 3})
    assert report.status == "differ", report.summary
    assert report.error.span.line >= 5  # at the mask or after it, never before
