"""Issue 12's constructs checked against PyTorch code: the key axis with a causal or additive mask, chunk,
mul, a bound rotary embedding, grouped and depthwise convolutions (their ``groups`` compared)."""
from __future__ import annotations

ATTENTION = """input X: t m
Q = L[q] X : m -> k
K = L[k] X : m -> k
S = einsum Q K : t k, u k -> t u
S = mask S over t u
A = softmax S over u
output A
"""

CAUSAL_CODE = '''import torch
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, m, k):
        super().__init__()
        self.q = nn.Linear(m, k, bias=False)
        self.k = nn.Linear(m, k, bias=False)

    def forward(self, x):
        s = self.q(x) @ self.k(x).T
        n = x.shape[0]
        s = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
        return s.softmax(-1)
'''

ADDITIVE = """input X: b t m, M: b 1 t t
Q = L[q] X : m -> k
K = L[k] X : m -> k
S = einsum Q K : b t k, b u k -> b t u
S = mask S M over t u
A = softmax S over u
output A
"""

ADDITIVE_CODE = '''import torch
from torch import nn


class Masked(nn.Module):
    def __init__(self, m, k):
        super().__init__()
        self.q = nn.Linear(m, k, bias=False)
        self.k = nn.Linear(m, k, bias=False)

    def forward(self, x, mask):
        s = self.q(x) @ self.k(x).transpose(1, 2)
        return (s + mask[:, 0]).softmax(-1)
'''


def test_self_attention_with_its_key_axis_and_a_causal_mask_is_proved(run, parse):
    report = run(parse(ATTENTION), CAUSAL_CODE)
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every t, m, k"


def test_an_additive_padding_mask_is_proved(run, parse):
    report = run(parse(ADDITIVE), ADDITIVE_CODE)
    assert report.status == "proved", report.format()


FUSED = """block Fused(d)
input X: b t d
P = L+[qkv] X : d -> 3d
Q, K, V = chunk P over 3d
H = mul Q K
Y = add H V
output Y
"""

FUSED_CODE = '''from torch import nn


class Fused(nn.Module):
    def __init__(self, d, parts=3):
        super().__init__()
        self.qkv = nn.Linear(d, parts * d)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        return q * k + v
'''


def test_chunk_and_mul_are_proved_and_a_wrong_split_is_caught(run, parse):
    report = run(parse(FUSED), FUSED_CODE)
    assert report.status == "proved", report.format()
    wrong = run(parse(FUSED.replace("d -> 3d", "d -> 4d").replace("Q, K, V = chunk P over 3d",
                                                                   "Q, K, V, W = chunk P over 4d")), FUSED_CODE)
    assert wrong.status == "mismatch" and wrong.mismatch.name == "L+[qkv]"


ROTARY = """block Rope(h, e)
input Q: b h t e, K: b h t e, C: t e, S: t e
Q, K = rotary[apply_rope] Q K C S over t e
A = einsum Q K : b h t e, b h u e -> b h t u
output A
"""

ROTARY_CODE = '''import torch
from torch import nn


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


def apply_rope(q, k, cos, sin):
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


class Rope(nn.Module):
    def __init__(self, h, e):
        super().__init__()

    def forward(self, q, k, cos, sin):
        q, k = apply_rope(q, k, cos, sin)
        return q @ k.transpose(-1, -2)
'''


def test_a_rotary_box_bound_to_the_code_is_checked_for_even_features_only(run, parse):
    report = run(parse(ROTARY), ROTARY_CODE)
    assert report.status == "proved", report.format()
    assert not report.assumptions  # the box says e is even: 'e divisible by 2' is no assumption
    (box,) = report.boxes
    assert box.name == "rotary[apply_rope]" and box.status == "proved"


DEPTHWISE = """block Separable(c, k)
tandem Y
input X: b c Y
D = conv[dw] X over Y : c -> c kernel 3 padding 1 groups c
P = conv[pw] D over Y : c -> k kernel 1
output P
"""

DEPTHWISE_CODE = '''from torch import nn


class Separable(nn.Module):
    def __init__(self, c, k):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False)
        self.pw = nn.Conv2d(c, k, 1, bias=False)

    def forward(self, x):
        return self.pw(self.dw(x))
'''


def test_a_depthwise_convolution_is_proved_with_its_groups(run, parse):
    report = run(parse(DEPTHWISE), DEPTHWISE_CODE)
    assert report.status == "proved", report.format()


def test_a_convolution_drawn_without_its_groups_is_caught_naming_the_setting(run, parse):
    report = run(parse(DEPTHWISE.replace(" groups c", "")), DEPTHWISE_CODE)
    assert report.status == "mismatch", report.format()
    assert report.mismatch.name == "conv[dw]"
    assert "groups: diagram 1, code c" in report.mismatch.detail


def test_groups_drawn_other_than_the_code_are_caught(run, parse):
    report = run(parse(DEPTHWISE.replace("groups c", "groups 2")), DEPTHWISE_CODE, {"c": 4})
    assert report.status == "mismatch", report.format()
    assert "groups: diagram 2, code c" in report.mismatch.detail


ROUTER = """block Router(d, e, k)
input X: b d
R = L+[gate] X : d -> e
V, I = topk R : e -> k
output V, I
"""

ROUTER_CODE = '''import torch
from torch import nn


class Router(nn.Module):
    def __init__(self, d, e, k):
        super().__init__()
        self.gate = nn.Linear(d, e)
        self.k = k

    def forward(self, x):
        return torch.topk(self.gate(x), self.k, dim=-1)
'''


def test_topk_is_proved_and_a_wrong_count_is_caught(run, parse):
    report = run(parse(ROUTER), ROUTER_CODE)
    assert report.status == "proved_if", report.format()
    assert report.assumptions == ("k ≤ e",)  # torch.topk's own condition: no more kept than there are
    wrong = run(parse(ROUTER.replace("e -> k", "e -> 2k")), ROUTER_CODE)
    assert wrong.status == "mismatch", wrong.format()


SELECT = """block Select(n, d)
input X: b n d, I: b k d, S: b k d
G = gather X I over n
Y = scatter X I S over n
output G, Y
"""

SELECT_CODE = '''import torch
from torch import nn


class Select(nn.Module):
    def __init__(self, n, d):
        super().__init__()

    def forward(self, x, index, src):
        return torch.gather(x, 1, index), x.scatter(1, index, src)
'''


def test_gather_and_scatter_are_proved_with_integer_positions(run, parse):
    report = run(parse(SELECT), SELECT_CODE)
    assert report.status == "proved", report.format()
    wrong = ("block Select(n, d)\ninput X: b n d, I: b n k, S: b k d\nG = gather X I over d\n"
             "Y = scatter X S S over n\noutput G, Y\n")  # gathered along d: the code gathers along n
    report = run(parse(wrong), SELECT_CODE)
    assert report.status == "error" and "index torch.Size([b, n, k])" in report.format(), report.format()
