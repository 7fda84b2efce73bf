"""Cost stage: memory traffic of a fence run as one fused kernel, and attention inside it.

A fence read as one kernel ("FlashAttention on a Napkin"): the values that cross
its border move to and from main memory once, the values made and used inside it
stay on chip.  So its traffic is what enters (each tensor once, however many boxes
read it), the weights of its boxes, and what leaves; its on-chip need is the largest
total of inner values alive at once.  A fence holding the attention pattern
(a contracting einsum, an optional scale, a softmax over one axis, an einsum
contracting that axis) also gets the naive and streamed figures of
:mod:`sphinx_ncd.cost.streaming`.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from .adapter import divide
from .flops import ZERO

__all__ = ["FenceTraffic", "fence_traffic", "aliases", "find_attention"]


@dataclass(frozen=True)
class FenceTraffic:
    """Figures for one fence; traffic and sizes in elements."""

    group: int
    title: str
    op_ids: tuple[int, ...]
    unfused: sympy.Expr
    fused: sympy.Expr
    onchip: sympy.Expr
    attention: dict | None     # {"y", "x", "k", "pairs"} when the fence holds attention


def aliases(facts) -> dict[int, int]:
    """value id -> the id of the tensor it refers to (a copy is the same tensor)."""
    root: dict[int, int] = {}
    for f in facts:
        if f.kind == "copy" and f.inputs:
            src = root.get(f.inputs[0][0], f.inputs[0][0])
            for vid, _ in f.outputs:
                root[vid] = src
    return root


def fence_traffic(group, facts, costs, panel_outputs, root) -> FenceTraffic:
    """The :class:`FenceTraffic` of ``group`` (a model Group); ``facts``/``costs`` in data-flow order."""
    inside = [(f, c) for f, c in zip(facts, costs) if group.id in f.groups]
    ids = {f.id for f, _ in inside}
    made = {root.get(v, v): n for f, _ in inside for v, n in f.outputs}
    used_outside = {root.get(v, v) for f in facts if f.id not in ids for v, _ in f.inputs}
    used_outside |= {root.get(v, v) for v in panel_outputs}
    entering: dict[int, sympy.Expr] = {}
    for f, _ in inside:
        for v, n in f.inputs:
            r = root.get(v, v)
            if r not in made:
                entering.setdefault(r, n)
    leaving = sum((n for v, n in made.items() if v in used_outside), ZERO)
    weights = sum((c.params for _, c in inside), ZERO)
    fused = sum(entering.values(), ZERO) + weights + leaving
    unfused = sum((c.reads + c.writes for _, c in inside), ZERO)
    inner = {v for v in made if v not in used_outside}
    return FenceTraffic(group.id, group.title, tuple(ids), unfused, fused,
                        _peak_inner(inside, inner, made, root), find_attention([f for f, _ in inside]))


def _peak_inner(inside, inner, made, root) -> sympy.Expr:
    """The largest total of inner values alive at once, walking the fence's boxes in order."""
    last: dict[int, int] = {}
    for i, (f, _) in enumerate(inside):
        for v, _ in f.inputs:
            last[root.get(v, v)] = i
    peaks, live = [], {}
    for i, (f, _) in enumerate(inside):
        for v, _ in f.outputs:
            r = root.get(v, v)
            if r in inner:
                live[r] = made[r]
        peaks.append(sum(live.values(), ZERO))
        for r in [r for r in live if last.get(r, -1) <= i]:
            del live[r]
    unique = list(dict.fromkeys(peaks)) or [ZERO]
    if all(isinstance(e, int) for e in unique):
        return max(unique)
    return unique[0] if len(unique) == 1 else sympy.Max(*unique, evaluate=False)


def find_attention(facts) -> dict | None:
    """y, x, k and the number of (batch, head) pairs of an attention pattern among ``facts``."""
    producer = {v: f for f in facts for v, _ in f.outputs}
    for soft in (f for f in facts if f.kind == "softmax"):
        src = producer.get(soft.inputs[0][0])
        if src is not None and src.kind == "scale":
            src = producer.get(src.inputs[0][0])
        if src is None or src.kind != "einsum" or len(src.inputs) != 2:
            continue
        first = _contraction(src)
        after = [f for f in facts if f.kind == "einsum" and len(f.inputs) == 2
                 and f.inputs[0][0] == soft.outputs[0][0]]
        if first is None or not after:
            continue
        contracted, shared = first
        scores = soft.outputs[0][1]
        x = soft.settings["over"]
        pairs = x * shared
        y = divide(scores, pairs)
        return {"y": y, "x": x, "k": contracted, "pairs": shared}
    return None


def _contraction(f):
    """(elements contracted, elements merged) of a two-input einsum, or None if it contracts nothing."""
    s = f.settings
    a, b = s["per_input"]
    gone = [n for n in dict.fromkeys(a) if n in b and n not in s["kept"]]
    merged = [n for n in dict.fromkeys(a) if n in b and n in s["kept"]]
    if not gone:
        return None
    size = 1
    for n in gone:
        size *= s["axes"][n]
    shared = 1
    for n in merged:
        shared *= s["axes"][n]
    return size, shared
