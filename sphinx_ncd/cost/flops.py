"""Cost stage: FLOPs, parameters and unfused memory traffic of one operation (sympy).

Reads only :class:`~sphinx_ncd.cost.adapter.OpFacts`.  The conventions are those of
:mod:`sphinx_ncd.cost.conventions`: ``counted`` is the part ``torch.utils.flop_counter``
counts too (matrix products, contracting einsums, linear maps, convolutions), ``flops``
adds the per-element conventions for the rest.  Traffic is in elements: an operation
run as its own kernel reads its inputs (and weights) and writes its outputs.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from .adapter import divide
from .conventions import MULTIPLY_ADD, PER_ELEMENT

__all__ = ["OpCost", "op_cost", "ZERO"]

ZERO = 0   # an int: figures evaluated at sizes stay plain ints (fast); symbolic ones become sympy
_FREE = {"view", "index", "copy", "delete", "save", "load", "chunk"}  # references to memory: no arithmetic, no traffic


@dataclass(frozen=True)
class OpCost:
    """The cost of one operation; every figure a sympy expression (traffic in elements)."""

    flops: sympy.Expr
    counted: sympy.Expr
    params: sympy.Expr
    reads: sympy.Expr
    writes: sympy.Expr
    assumed: bool = False      # a generic box: costed as the dense map its signature allows

    def xreplace(self, table) -> "OpCost":
        if not table:
            return self
        return OpCost(*(sympy.sympify(getattr(self, n)).xreplace(table)
                        for n in ("flops", "counted", "params", "reads", "writes")), self.assumed)

    def scaled(self, factor) -> "OpCost":
        return OpCost(self.flops * factor, self.counted * factor, self.params, self.reads * factor,
                      self.writes * factor, self.assumed)


def _sum(exprs):
    out = ZERO
    for e in exprs:
        out += e
    return out


def _dense(f, learned: bool) -> tuple:
    """A linear (or generic) box: (counted, other, params).

    A learned box maps all its inputs; a generic box the inputs the adapter says it is
    linear in (see :func:`sphinx_ncd.cost.adapter._linear_inputs`).
    """
    outs = _sum(f.core_out)
    linear = f.settings.get("linear_in", range(len(f.core_in)))
    ins = _sum(f.core_in) if learned else _sum(f.core_in[i] for i in linear)
    counted = MULTIPLY_ADD * f.lifted * ins * outs
    if not learned:
        return counted, ZERO, ZERO
    bias = f.settings.get("bias", False)
    params = ins * outs + (outs if bias else ZERO)
    return counted, (PER_ELEMENT["bias"] * f.lifted * outs if bias else ZERO), params


def _einsum(f) -> tuple:
    """(counted, other): contract the inputs pairwise, left to right, as torch.einsum does."""
    sizes, kept, per_input = f.settings["axes"], f.settings["kept"], f.settings["per_input"]
    if len(per_input) == 1:
        gone = [n for n in dict.fromkeys(per_input[0]) if n not in kept]
        total = _prod(sizes[n] for n in dict.fromkeys(per_input[0]))
        return ZERO, (total - divide(total, _prod(sizes[n] for n in gone)) if gone else ZERO)
    counted, other = ZERO, ZERO
    running = list(dict.fromkeys(per_input[0]))
    for i, names in enumerate(per_input[1:], start=1):
        union = list(dict.fromkeys(running + names))
        later = {n for rest in per_input[i + 1:] for n in rest} | kept
        gone = [n for n in union if n not in later]
        if _prod(sizes[n] for n in gone) != 1:
            counted += MULTIPLY_ADD * _prod(sizes[n] for n in union)
        else:
            other += PER_ELEMENT["elementwise"] * _prod(sizes[n] for n in union)
        running = [n for n in union if n not in gone]
    return counted, other


def _prod(exprs):
    out = 1
    for e in exprs:
        out *= e
    return out


def _conv(f) -> tuple:
    """(counted, other, params) of a convolution or pooling, per torch's convolution count."""
    s = f.settings
    c_in = divide(f.core_in[0], s["in_spatial"])
    c_out = divide(f.core_out[0], s["out_spatial"])
    if f.kind == "pool":
        return ZERO, f.lifted * c_in * s["out_spatial"] * s["window"], ZERO
    spatial = s["in_spatial"] if s["transposed"] else s["out_spatial"]
    groups = s.get("groups", 1)  # each output channel sees c_in / groups input channels
    counted = MULTIPLY_ADD * f.lifted * spatial * c_in * c_out * s["window"] / groups
    params = c_in * c_out * s["window"] / groups + (c_out if s["bias"] else ZERO)
    bias = PER_ELEMENT["bias"] * f.lifted * f.core_out[0] if s["bias"] else ZERO
    return counted, bias, params


def op_cost(f) -> OpCost:
    """The :class:`OpCost` of one operation (blocks are expanded by the caller)."""
    reads = _sum(n for _, n in f.inputs)
    writes = _sum(n for _, n in f.outputs)
    out = writes
    counted, other, params, assumed = ZERO, ZERO, ZERO, False
    kind = f.kind
    if kind in _FREE:
        return OpCost(ZERO, ZERO, ZERO, ZERO, ZERO)
    if kind == "learned" or kind == "function":
        counted, other, params = _dense(f, kind == "learned")
        assumed = kind == "function"
    elif kind == "einsum":
        counted, other = _einsum(f)
    elif kind in ("conv", "pool"):
        counted, other, params = _conv(f)
    elif kind in ("scale", "elementwise", "softmax", "mask", "rotary"):
        other = PER_ELEMENT[kind] * out
    elif kind == "norm":
        other = PER_ELEMENT["norm"] * out
    elif kind == "add":
        other = PER_ELEMENT["elementwise"] * (len(f.inputs) - 1) * out
    elif kind == "unit":
        reads = ZERO            # the identity matrix is written, nothing is read
    elif kind not in ("concat", "topk", "gather", "scatter"):  # these move entries: no arithmetic, traffic only
        raise ValueError(f"no cost rule for operation kind {kind!r}")
    return OpCost(counted + other, counted, params, reads + params, writes, assumed)
