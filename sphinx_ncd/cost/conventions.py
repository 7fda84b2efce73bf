"""Cost stage: the FLOP-counting conventions (dependency-free; one place for all of them).

A multiply-add counts 2 FLOPs, so a contraction producing ``n`` values, each a sum of
``c`` products, costs ``2 n c`` -- the convention of ``torch.utils.flop_counter``,
which counts only those (matmul, einsum, linear, convolution) and counts 0 for the rest.
For the rest we count, per element:

==================  =====  ==========================================================
operation           FLOPs  why
==================  =====  ==========================================================
scale               1      one multiply
element-wise        1      one function or arithmetic operation (add, mul, ReLU, ...)
bias                1      one add per output value
softmax             5      max, subtract, exp, sum, divide
norm                5      mean, subtract, square, sum, divide by the deviation
norm (learned)      7      as norm, plus the affine scale and shift
==================  =====  ==========================================================

Views, copies, indexes, concatenation, saving and loading move data and cost 0 FLOPs.
"""
from __future__ import annotations

__all__ = ["MULTIPLY_ADD", "PER_ELEMENT", "CONVENTION_TEXT"]

MULTIPLY_ADD = 2

PER_ELEMENT = {
    "scale": 1,
    "elementwise": 1,
    "bias": 1,
    "softmax": 5,
    "norm": 5,
    "norm_affine": 7,
    "mask": 1,  # a masked_fill or an added mask: one operation per score
    "rotary": 3,  # x cos + rotate(x) sin: two products and a sum per feature
}

CONVENTION_TEXT = ("FLOPs: a multiply-add counts 2 (as torch.utils.flop_counter); per element, "
                   "scale 1, element-wise 1, bias 1, softmax 5, norm 5 (7 with a learned affine); "
                   "views, copies and indexes 0; a mask 1, a rotary embedding 3 per element; "
                   "a split (chunk), top-k, gather and scatter 0.")
