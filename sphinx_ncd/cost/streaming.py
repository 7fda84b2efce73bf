"""Cost stage: memory traffic of attention, naive against streamed (dependency-free).

The formulas follow the reading of "FlashAttention on a Napkin" (Abbott and Zardini,
TMLR 2025): a value that crosses a fence goes to main memory; one that stays inside a
fused kernel stays on chip.  Everything is counted in *elements* for one
(batch, head) pair, with ``y`` queries, ``x`` keys and head dimension ``k``; the
arithmetic is plain ``+ * /`` so the functions take numbers or sympy symbols alike.

Naive (one kernel per operation, each reads its inputs from and writes its output to
main memory)::

    S = Q K^T     reads y k + x k, writes y x
    S = scale S   reads y x,       writes y x
    A = softmax S reads y x,       writes y x
    O = A V       reads y x + x k, writes y k
    total         2 y k + 2 x k + 6 x y      (4 x y without a separate scale)

Streamed (one kernel; the softmax computed online): a block of ``b_y`` query rows and
its output accumulator stay on chip while the keys and values stream past in tiles of
``b_x`` rows.  Q is read once, O written once, K and V read once per query block::

    traffic  = 2 y k + 2 x k * ceil(y / b_y)
    on chip  = 2 b_y k + 2 b_x k + b_y b_x + 2 b_y      (Q and O blocks, K and V tiles,
                                                       the score tile, max and sum)

``b_y`` is the largest block whose on-chip need fits the fast memory.  Matrix
multiplication with fast memory ``M`` moves at least about ``2 a b c / sqrt(M) + a c``.
"""
from __future__ import annotations

import math

from .conventions import MULTIPLY_ADD, PER_ELEMENT

__all__ = ["naive_attention_ops", "naive_attention_traffic", "streamed_attention",
           "streamed_traffic", "streamed_onchip", "query_block", "matmul_traffic_fused",
           "TILE_X"]

TILE_X = 64          # key/value tile rows: a tensor-core friendly width


def naive_attention_ops(y, x, k, separate_scale=True):
    """[(name, flops, elements moved)] for the four (or three) kernels of naive attention."""
    ops = [("S = Q K^T", MULTIPLY_ADD * y * x * k, y * k + x * k + y * x)]
    if separate_scale:
        ops.append(("scale", PER_ELEMENT["scale"] * y * x, 2 * y * x))
    ops.append(("softmax", PER_ELEMENT["softmax"] * y * x, 2 * y * x))
    ops.append(("O = A V", MULTIPLY_ADD * y * x * k, y * x + x * k + y * k))
    return ops


def naive_attention_traffic(y, x, k, separate_scale=True):
    """Elements moved to and from main memory by naive attention."""
    return sum(t for _, _, t in naive_attention_ops(y, x, k, separate_scale))


def streamed_onchip(block_y, tile_x, k):
    """Elements the streamed kernel keeps on chip for one query block."""
    return 2 * block_y * k + 2 * tile_x * k + block_y * tile_x + 2 * block_y


def query_block(fast_elements, y, k, tile_x=TILE_X):
    """The largest query block (at most ``y``) whose on-chip need fits ``fast_elements``.

    Returns 0 when not even one query row fits beside a key/value tile.
    """
    free = fast_elements - 2 * tile_x * k
    if free <= 0:
        return 0
    return int(min(y, free // (2 * k + tile_x + 2)))


def streamed_traffic(y, x, k, block_y):
    """Elements moved by streamed attention with query blocks of ``block_y`` rows."""
    passes = -(-y // block_y) if isinstance(y, int) and isinstance(block_y, int) else y / block_y
    return 2 * y * k + 2 * x * k * passes


def streamed_attention(y, x, k, fast_elements, tile_x=TILE_X, separate_scale=True):
    """FLOPs, traffic, block and on-chip need of the streamed (fused) kernel, as a dict."""
    tile_x = min(tile_x, x)
    block = query_block(fast_elements, y, k, tile_x)
    flops = sum(f for _, f, _ in naive_attention_ops(y, x, k, separate_scale))
    flops += y * k * math.ceil(x / tile_x)          # online softmax: rescale O per key tile
    if block == 0:
        return {"flops": flops, "traffic": None, "block": 0,
                "onchip": streamed_onchip(1, tile_x, k), "fits": False}
    return {"flops": flops, "traffic": streamed_traffic(y, x, k, block), "block": block,
            "onchip": streamed_onchip(block, tile_x, k), "fits": True}


def matmul_traffic_fused(a, b, c, fast_elements):
    """Lower bound on elements moved by an (a x b)(b x c) product with fast memory ``M``."""
    return 2 * a * b * c / math.sqrt(fast_elements) + a * c
