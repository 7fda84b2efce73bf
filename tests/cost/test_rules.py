"""The cost rules of each operation kind, the memory figures and the machine presets."""
import pytest
import sympy

import sphinx_ncd
from sphinx_ncd.cost.machines import MACHINES, get_machine
from sphinx_ncd.cost.streaming import (TILE_X, naive_attention_traffic, query_block, streamed_attention,
                                       streamed_onchip, streamed_traffic)

MLP = """\
title "MLP"
width t
input X: t m
H = L+ X : m -> f
H = relu H
Y = L H : f -> m
Y = add X Y
N = norm Y over m
P = softmax N over m
P = scale P by 2
output P
"""


def _cost(text, **sizes):
    return sphinx_ncd.cost(sphinx_ncd.parse(text, filename="spec.ncd"), sizes=sizes)


def _box(report, kind):
    return [b for b in report.boxes if b.kind == kind]


def test_each_kind_follows_the_stated_convention():
    r = _cost(MLP, t=3, m=5, f=7)
    learned = _box(r, "learned")
    assert [r.value(b.cost.counted) for b in learned] == [2 * 3 * 5 * 7, 2 * 3 * 7 * 5]
    assert r.value(learned[0].cost.flops) == 2 * 3 * 5 * 7 + 3 * 7          # the bias: one add per output
    assert [r.value(b.cost.params) for b in learned] == [5 * 7 + 7, 7 * 5]
    assert r.value(_box(r, "elementwise")[0].cost.flops) == 3 * 7
    assert r.value(_box(r, "add")[0].cost.flops) == 3 * 5
    assert r.value(_box(r, "norm")[0].cost.flops) == 5 * 3 * 5
    assert r.value(_box(r, "softmax")[0].cost.flops) == 5 * 3 * 5
    assert r.value(_box(r, "scale")[0].cost.flops) == 3 * 5
    assert r.value(r.counted) == 4 * 3 * 5 * 7


def test_symbolic_without_sizes_and_numbers_with_them():
    r = _cost(MLP)
    t, m, f = (sympy.Symbol(n, integer=True, positive=True) for n in "tmf")
    assert sympy.expand(r.counted - 4 * t * m * f) == 0
    assert r.roofline(r.flops, r.traffic) is None
    r = _cost(MLP, t=512, m=768, f=3072)
    intensity, bound, seconds = r.roofline(r.flops, r.traffic)
    assert bound in ("compute", "memory") and seconds > 0 and intensity > 0


def test_training_keeps_more_than_the_forward_pass():
    r = _cost(MLP, t=64, m=32, f=128)
    assert r.value(r.peak_training) > r.value(r.peak_forward)
    assert r.value(r.peak_training) >= 2 * r.value(r.params)


def test_copies_are_one_tensor_in_memory():
    r = _cost("input X: a\nY = F X : a -> b\nZ = G X Y : a, b -> c\noutput Z\n", a=10, b=1, c=1)
    assert max(r.value(s) for s in r.states) == 11      # X (once, though drawn twice) and Y


def test_views_and_indexes_are_free():
    r = _cost("input X: 4 3\nY = view X : 4 3 -> 12\nZ = index Y at 2 on 12\noutput Z\n")
    assert r.value(r.flops) == 0 and r.value(r.traffic) == 0


def test_a_repetition_counts_its_boxes_once_per_repeat():
    once = _cost("input X: a\nX = L X : a -> a\noutput X\n", a=8)
    thrice = _cost("input X: a\nrepeat 3 {\n  X = L X : a -> a\n}\noutput X\n", a=8)
    assert thrice.value(thrice.flops) == 3 * once.value(once.flops)


def test_presets_have_sources_and_a_ridge():
    assert set(MACHINES) >= {"h100", "h200", "a100", "cpu"}
    for m in MACHINES.values():
        assert m.source and m.peak_flops > 0 and m.bandwidth > 0 and m.fast_memory > 0
        assert m.bound(m.ridge * 2, 1) == "compute" and m.bound(m.ridge / 2, 1) == "memory"
        assert m.roofline_time(m.peak_flops, 0) == 1.0
    assert get_machine("H200").bandwidth > get_machine("h100").bandwidth
    with pytest.raises(KeyError):
        get_machine("tpu")


def test_naive_attention_traffic_is_the_four_kernels():
    y, x, k = 7, 11, 3
    assert naive_attention_traffic(y, x, k) == (y * k + x * k + y * x) + 2 * y * x + 2 * y * x + (y * x + x * k + y * k)
    assert naive_attention_traffic(y, x, k, separate_scale=False) == 2 * y * k + 2 * x * k + 4 * x * y


def test_streamed_block_is_the_largest_that_fits():
    fast = MACHINES["h100"].fast_memory // 2
    b = query_block(fast, 10 ** 6, 64)
    assert streamed_onchip(b, TILE_X, 64) <= fast < streamed_onchip(b + 1, TILE_X, 64)
    assert streamed_traffic(4096, 4096, 64, 4096) == 4 * 4096 * 64     # one block: each tensor once
    tiny = streamed_attention(100, 100, 64, 10)
    assert not tiny["fits"] and tiny["traffic"] is None
