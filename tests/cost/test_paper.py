"""The paper's section 3.6 cost readings and figure 21's attention fence, derived by the cost model.

Figures 33 and 36 carry the paper's totals in their specs (``let time``, ``let memory``):
the time in operations (one multiply-add each, the paper's "a linear map a -> b costs
a x b"), the memory in numbers stored.
"""
import sympy

import sphinx_ncd
from sphinx_ncd.cost.streaming import naive_attention_traffic

from .gallery import DOCS, ROOT

GALLERY_FIGS = DOCS / "gallery" / "figures"


def _parse(path):
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                            search_path=[str(ROOT / "templates")])


def _paper(diagram, name):
    from sphinx_ncd.model.sizes import parse_size
    return parse_size(dict(diagram.main.legend)[name])


def _at(expr, **sizes):
    return float(sympy.sympify(expr).subs({sympy.Symbol(k, integer=True, positive=True): v
                                           for k, v in sizes.items()}))


LARGE = ({"a": 10 ** 5, "b": 10 ** 5}, {"a": 10 ** 6, "b": 10 ** 3}, {"a": 10 ** 3, "b": 10 ** 6})


def test_backpropagation_time_is_the_papers_exactly():
    d = _parse(GALLERY_FIGS / "fig36.ncd")
    report = sphinx_ncd.cost(d)
    assert sympy.expand(report.flops / 2 - _paper(d, "time")) == 0        # 2ab + b multiply-adds


def test_backpropagation_memory_is_the_papers_plus_the_scalar_target():
    d = _parse(GALLERY_FIGS / "fig36.ncd")
    peak = sphinx_ncd.cost(d).peak_forward
    for sizes in LARGE:
        assert _at(peak, **sizes) == _at(_paper(d, "memory"), **sizes) + 1   # a + b, and dL's one number


def test_forward_mode_optimisation_reproduces_the_papers_order():
    """Figure 33: time a^2 b + ... and memory a^2 + a b, to leading order (the memory is the
    tallest section, a^2 or a b, where the paper adds the two: within a factor of two)."""
    d = _parse(GALLERY_FIGS / "fig33.ncd")
    report = sphinx_ncd.cost(d)
    for sizes in LARGE:
        time = _at(report.flops / 2, **sizes) / _at(_paper(d, "time"), **sizes)
        memory = _at(report.peak_forward, **sizes) / _at(_paper(d, "memory"), **sizes)
        assert abs(time - 1) < 0.01, (sizes, time)
        assert 0.5 <= memory <= 1.0 + 1e-3, (sizes, memory)


def test_backpropagation_is_a_factor_a_cheaper_than_the_forward_mode():
    forward = sphinx_ncd.cost(_parse(GALLERY_FIGS / "fig33.ncd"), sizes={"a": 256, "b": 64})
    backward = sphinx_ncd.cost(_parse(GALLERY_FIGS / "fig36.ncd"), sizes={"a": 256, "b": 64})
    ratio = forward.value(forward.flops) / backward.value(backward.flops)
    assert 256 / 2 < ratio < 256


def _attention(n):
    d = _parse(DOCS / "figures" / "fig21.ncd")
    report = sphinx_ncd.cost(d, sizes={"y": n, "x": n, "m": 1024, "k": 64, "h": 16}, machine="h100")
    (fence,) = [f for f in report.fences if f.title == "Scaled Dot-Product Attention"]
    return report, fence


def test_attention_fence_naive_against_fused_traffic_at_1k_4k_16k():
    ratios = []
    for n in (1024, 4096, 16384):
        report, fence = _attention(n)
        # unfused, the diagram's four boxes each read and write main memory: the naive form
        assert report.value(fence.unfused) == naive_attention_traffic(n, n, 64) * 16
        # fused, only Q, K, V in and O out cross the fence ...
        assert report.value(fence.fused) == 4 * n * 64 * 16
        # ... but its inner scores do not fit the fast memory, so it must stream
        assert report.value(fence.onchip) * 2 > report.machine.fast_memory
        att = report.attention(fence)
        assert att["streamed"] < att["naive"]
        assert att["onchip"] * 2 <= report.machine.fast_memory
        ratios.append(att["ratio"])
    assert ratios == sorted(ratios) and ratios[0] > 10


def test_attention_is_reported_on_the_innermost_fence_only():
    report, _ = _attention(1024)
    holding = [f.title for f in report.fences if f.attention is not None]
    assert holding == ["Scaled Dot-Product Attention"]
