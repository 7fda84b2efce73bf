"""Check (stage: Diagram + PyTorch code -> ShapeReport): the worker proves a few generic models while idle.

A first check in a new worker paid for everything done once per process: the
first run of each kind of operation on symbolic fake tensors (torch's meta
functions, decompositions, contiguity and broadcasting rules), and sympy
deriving the facts of each form of size expression (``a*b``, ``3*a*b*c``,
``a*(b//a)``, ``Eq(a*(b//a), b)``...).  The worker's spare children are copies of
the worker, so whatever the worker has done, they find done.

Here the worker proves small models written for the purpose -- a pre-norm
transformer layer with a causal mask (fused projection, heads split by view and
transpose), attention written with einsum and separate projections, a
convolutional block over a two-dimensional axis -- each against its diagram, in
its idle time: :func:`steps` gives one callable per model, run before anything a
check taught it (:class:`.facts.Replay`, a nice-19 thread stopped before every
fork).  Their size expressions share their *forms* with those of other models
(:mod:`.alike` looks facts up by form, whatever the names).  Their axis names
(``n p m g r``, ``u v k``, ``c q Z``) avoid the usual ``b t d h f``, whose torch
symbols (named from a hash of the axis name) they would share: what a first
check gains comes from forms, not from sympy's cache of the very same
expressions.  Nothing here is keyed to a model a user checks; a check arriving
during the warm-up is answered by a child forked before it (as fast as without
it); a one-shot ``ncd check`` starts its worker without it (``Worker.warm_up``).
``NCD_CHECK_NO_WARMUP=1`` turns it off.
"""
from __future__ import annotations

import os

__all__ = ["steps", "MODELS"]

_LAYER_CODE = '''
import torch
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, m, g):
        super().__init__()
        self.g = g
        self.qkv = nn.Linear(m, 3 * m)
        self.out = nn.Linear(m, m)

    def forward(self, x):
        n, p, m = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (z.view(n, p, self.g, m // self.g).transpose(1, 2) for z in (q, k, v))
        s = q @ k.transpose(-2, -1) * (q.shape[-1] ** -0.5)
        keep = torch.ones(p, p, dtype=torch.bool, device=x.device).tril()
        s = s.masked_fill(~keep, float("-inf")).softmax(dim=-1)
        o = (s @ v).transpose(1, 2).flatten(2)
        return self.out(o)


class Layer(nn.Module):
    def __init__(self, m, g, r):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(m), nn.LayerNorm(m)
        self.attn = SelfAttention(m, g)
        self.ff = nn.Sequential(nn.Linear(m, r), nn.GELU(), nn.Linear(r, m), nn.Dropout(0.0))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.ff(self.norm2(x))


class Stack(nn.Module):
    def __init__(self, m, g, r):
        super().__init__()
        self.layers = nn.ModuleList([Layer(m, g, r), Layer(m, g, r)])
        self.final = nn.LayerNorm(m)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.final(x)
'''

_LAYER_SPEC = '''\
block Stack(m, g, r)
width p
sizes n=3 p=20 m=36 g=6 r=72
input X: n p m
X = Layer[layers.0] X : p m -> p m
X = Layer[layers.1] X : p m -> p m
X = norm[final] X over m
output X
'''

_EINSUM_CODE = '''
import torch
from torch import nn


class CrossAttention(nn.Module):
    def __init__(self, m, k, g):
        super().__init__()
        self.g = g
        self.query, self.key = nn.Linear(m, k * g, bias=False), nn.Linear(m, k * g, bias=False)
        self.value, self.out = nn.Linear(m, k * g, bias=False), nn.Linear(k * g, m, bias=False)

    def forward(self, e, z):
        q = self.query(e).unflatten(-1, (-1, self.g))
        k = self.key(z).unflatten(-1, (-1, self.g))
        v = self.value(z).unflatten(-1, (-1, self.g))
        s = torch.einsum("ukg,vkg->uvg", q, k) / q.shape[-2] ** 0.5
        o = torch.einsum("uvg,vkg->ukg", s.softmax(1), v)
        return self.out(o.flatten(-2))
'''

_EINSUM_SPEC = '''\
block CrossAttention(m, k, g)
width u v
sizes u=11 v=13 m=20 k=5 g=4
input E: u m, Z: v m
Q = L^Q[query] E : m -> k g
K = L^K[key] Z : m -> k g
V = L^V[value] Z : m -> k g
S = einsum Q K : u k g, v k g -> u v g
S = scale S by 1/sqrt(k)
A = softmax S over v
O = einsum A V : u v g, v k g -> u k g
Y = L^O[out] O : k g -> m
output Y
'''

_CONV_CODE = '''
import torch
from torch import nn


class ConvBlock(nn.Module):
    def __init__(self, c, q):
        super().__init__()
        self.conv1 = nn.Conv2d(c, q, 3, padding=1)
        self.norm = nn.BatchNorm2d(q)
        self.conv2 = nn.Conv2d(q, q, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(q, c)

    def forward(self, x):
        x = torch.relu(self.norm(self.conv1(x)))
        x = self.pool(self.conv2(x)).flatten(1)
        return self.head(x).softmax(dim=-1)
'''

_CONV_SPEC = '''\
tandem Z
block ConvBlock(c, q)
sizes n=3 c=5 q=7 Z=12
input X: n c Z
X = conv+[conv1] X over Z : c -> q kernel 3 padding 1
X = norm[norm] X over q
X = relu X
X = conv+[conv2] X over Z : q -> q kernel 3 stride 2 padding 1
X = avgpool[pool] X over Z
X = L+[head] X : q -> c
X = softmax X over c
output X
'''

#: (spec, code) of each model the worker proves while idle (the spec's block names the class)
MODELS = ((_LAYER_SPEC, _LAYER_CODE), (_EINSUM_SPEC, _EINSUM_CODE), (_CONV_SPEC, _CONV_CODE))


def steps(handle) -> list:
    """One callable per model of :data:`MODELS`, each proving it with ``handle`` (the worker's
    ``handle_check``); an empty list with ``NCD_CHECK_NO_WARMUP`` set.  A step that fails is only skipped."""
    if os.environ.get("NCD_CHECK_NO_WARMUP"):
        return []
    return [_step(handle, *model, index) for index, model in enumerate(MODELS)]


def _step(handle, spec: str, code: str, index: int):
    def prove():
        return handle(request(spec, code, index))

    return prove


def request(spec: str, code: str, index: int = 0) -> dict:
    """The check request for one warm-up model, as the build would send it."""
    import json

    from .. import parse
    from .codeload import parse_spec
    from .plan import make_plan

    where = f"<warm-up {index}>"
    plan = make_plan(parse(spec, filename=where), None).as_json()
    return json.loads(json.dumps({"plan": plan, "code": parse_spec(code, None), "mode": "auto", "filename": where}))
