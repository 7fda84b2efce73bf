"""The value check: correct code agrees to 1e-10, the four mistakes a shape check cannot see are caught."""
from __future__ import annotations

import random

import pytest

import sphinx_ncd

from .conftest import ROOT, gallery_cases, parse_file

FIG20 = ROOT / "demo_docs" / "figures" / "fig20.ncd"
FIG21 = ROOT / "demo_docs" / "figures" / "fig21.ncd"


def test_softmax_over_the_wrong_axis_of_a_square_tensor(values):
    report = values(parse_file(FIG20), "ncd_gallery.mistakes_values:WrongAxisAttention()", {"y": 6, "x": 6})
    assert report.status == "differ"
    assert report.summary == ("values differ: A: softmax over x in the diagram; "
                              "the code's values match a softmax over y")
    assert report.error.span.text.strip() == "A = softmax S over x"
    assert report.blamed == next(op.id for op in parse_file(FIG20).operations if op.kind == "softmax")


def test_heads_split_as_h_k(values):
    report = values(parse_file(FIG21), "ncd_gallery.mistakes_values:HeadsSplitHK(m=m, k=k, h=h)",
                    {"m": 12, "k": 3, "h": 4, "y": 5, "x": 7})
    assert report.status == "differ"
    assert "L^Q[Lq]: the diagram flattens its output as (k h); the code's values match (h k)" in report.summary
    assert "L^O[Lo]" in report.summary  # the same reorder explains the merge before Lo
    assert report.error.span.line == 9  # Q = L^Q[Lq] E : m -> k h
    lo = next(b for b in report.boxes if b.name == "L^O[Lo]")
    assert lo.status == "input" and lo.max_diff > 1e-3
    assert [b.status for b in report.boxes[:3]] == ["agree"] * 3


def test_one_module_shared_by_two_boxes(values):
    report = values(parse_file(FIG21), "ncd_gallery.mistakes_values:SharedKeyValue(m=m, k=k, h=h)",
                    {"m": 12, "k": 3, "h": 4, "y": 5, "x": 7})
    assert report.status == "differ"
    assert "'Lk' and 'Lv' are one module object" in report.summary
    assert report.error.span.text.strip() == "K = L^K[Lk] X : m -> k h"


def test_a_loop_that_fills_only_some_heads(values):
    report = values(parse_file(FIG21), "ncd_gallery.mistakes_values:PartialHeadLoop(m=m, k=k, h=h)",
                    {"m": 12, "k": 3, "h": 4, "y": 5, "x": 7})
    assert report.status == "differ"
    assert report.summary.startswith("values differ at L^O[Lo]: its input O differs already")
    assert report.summary.endswith("only where h = 3")
    assert report.error.span.text.strip() == "Y = L^O[Lo] O : k h -> m"


def test_figure_26_identity_units_that_are_one_object(values):
    """The mistakes page's figure 26: as many units as drawn, the identity units one module object."""
    report = values(parse_file(ROOT / "demo_docs" / "figures" / "fig26.ncd"),
                    "ncd_gallery.mistakes_values:SharedUnitsResNet(N=3, n=(4, 8, 16, 32), y=10)",
                    {"n_0": 4, "n_1": 8, "n_2": 16, "n_3": 32, "Y": 8})
    assert report.status == "differ", report.format()
    assert "'1.units.1.main.1' and '1.units.2.main.1' are one module object" in report.summary
    assert "conv+[units.\\iter.main.1]" in report.error.span.text  # the unit's box, in the block's body
    diagram = parse_file(ROOT / "demo_docs" / "figures" / "fig26.ncd")
    assert report.blamed == next(op.id for op in diagram.operations if op.binding == "1")  # the first Block


def test_every_expected_value_difference_in_the_gallery_differs(values):
    cases = [c for c in gallery_cases() if c[3] and "values" in c[3]]
    assert any(spec.name == "fig26.ncd" for spec, _, _, _ in cases)
    for spec, code, sizes, _ in cases:
        assert values(parse_file(spec), code, sizes).status == "differ", (spec.name, code)


def test_each_mistake_passes_the_shape_check(worker):
    """They are blind spots: the shape check proves every one of them."""
    from sphinx_ncd.checking.api import check

    cases = [(FIG20, "ncd_gallery.mistakes_values:WrongAxisAttention()", {"y": 6, "x": 6})] + [
        (FIG21, f"ncd_gallery.mistakes_values:{name}(m=m, k=k, h=h)", None)
        for name in ("HeadsSplitHK", "SharedKeyValue", "PartialHeadLoop")] + [
        (ROOT / "demo_docs" / "figures" / "fig26.ncd",
         "ncd_gallery.mistakes_values:SharedUnitsResNet(N=3, n=(4, 8, 16, 32), y=10)",
         {"n_0": 4, "n_1": 8, "n_2": 16, "n_3": 32, "Y": 8})]
    for spec, code, sizes in cases:
        report = check(parse_file(spec), code, sizes, worker=worker, use_cache=False,
                       path=(str(ROOT / "demo_docs" / "code"),))
        assert report.status in ("proved", "proved_if", "checked"), (code, report.summary)


KNOWN = [c for c in gallery_cases() if c[3] is None]


@pytest.mark.parametrize("spec,code,sizes,expect", KNOWN, ids=lambda v: getattr(v, "name", None))
def test_every_gallery_figure_agrees_or_says_why_not(values, spec, code, sizes, expect):
    report = values(parse_file(spec), code, sizes)
    assert report.status in ("agree", "not_checked"), report.format()
    if report.status == "agree":
        assert report.max_diff <= 1e-10
    else:  # only a box without a known meaning (or a construct without code, or a learned box no binding
        # reaches) may leave a figure unchecked
        assert any(word in report.summary for word in ("no known meaning", "no code is generated",
                                                       "cannot lift", "has no value", "no binding that reaches")), \
            report.summary
        assert report.error is not None and report.error.span is not None


VALUE_FIGURES = ["fig15.ncd", "fig17.ncd", "fig19.ncd", "fig20.ncd", "fig21.ncd", "fig28.ncd", "fig24-conv.ncd",
                 "fig25-stride-dilation.ncd", "fig24-maxpool.ncd", "fig08.ncd", "fig27.ncd", "fig22.ncd", "fig26.ncd"]


def test_the_figures_with_known_meanings_all_get_a_verdict(values):
    got = {}
    for spec, code, sizes, expect in KNOWN:
        if spec.name in VALUE_FIGURES:
            got[spec.name] = values(parse_file(spec), code, sizes).status
    assert set(got) == set(VALUE_FIGURES)
    assert set(got.values()) == {"agree"}, got


RANDOM = [("fig20.ncd", "ncd_gallery.attention:ScaledDotProductAttention()", ("y", "x", "k")),
          ("fig21.ncd", "ncd_gallery.attention:MultiHeadAttention(m=m, k=k, h=h)", ("y", "x", "m", "k", "h")),
          ("fig17.ncd", "ncd_gallery.attention:AttentionScores()", ("y", "x", "k", "h")),
          ("fig15.ncd", "ncd_gallery.linalg:matmul_by_inner_broadcast", ("p", "n", "q"))]


@pytest.mark.parametrize("draw", range(3))
@pytest.mark.parametrize("name,code,symbols", RANDOM, ids=[r[0] for r in RANDOM])
def test_correct_code_is_never_flagged(values, name, code, symbols, draw):
    rng = random.Random(f"{name}-{draw}")
    sizes = {s: rng.randint(1, 9) for s in symbols}
    report = values(parse_file(ROOT / "demo_docs" / "figures" / name), code, sizes, seed=rng.randint(0, 10 ** 6))
    assert report.status == "agree", (sizes, report.format())


def test_the_verdict_is_cached(worker, tmp_path):
    from sphinx_ncd.checking.values import check_values

    d = parse_file(FIG20)
    code = "ncd_gallery.attention:ScaledDotProductAttention()"
    first = check_values(d, code, worker=worker, cache_dir=tmp_path, path=(str(ROOT / "demo_docs" / "code"),))
    second = check_values(d, code, worker=worker, cache_dir=tmp_path, path=(str(ROOT / "demo_docs" / "code"),))
    assert first.status == second.status == "agree" and not first.cached and second.cached
    assert list(tmp_path.glob("*.json"))


def test_a_box_without_meaning_is_not_checked_with_its_location(values):
    d = sphinx_ncd.parse("input X: a\nY = F X : a -> b\noutput Y\n", filename="f.ncd")
    report = values(d, "def F(x):\n    return x\n")
    assert report.status == "not_checked" and "no known meaning" in report.summary
    assert report.error.span.line == 2


def test_a_bound_generic_box_uses_the_codes_function(values):
    spec = "input X: a\nY = F[F] X : a -> a\nY = softmax Y over a\noutput Y\n"
    good = "import torch\ndef F(x):\n    return 2 * x\ndef model(x):\n    return torch.softmax(F(x), -1)\n"
    d = sphinx_ncd.parse(spec, filename="f.ncd")
    assert values(d, good, {"a": 5}, name="model").status == "agree"
    bad = good.replace("torch.softmax(F(x), -1)", "torch.softmax(F(x) + 1e-3 * x, -1)")
    report = values(d, bad, {"a": 5}, name="model")
    assert report.status == "differ" and "output" in report.summary


def test_user_exceptions_are_located_in_the_users_code(values, tmp_path):
    code = tmp_path / "broken.py"
    code.write_text("import torch\n\ndef model(x):\n    raise ValueError('nope')\n")
    d = sphinx_ncd.parse("input X: a\nY = relu X\noutput Y\n", filename="r.ncd")
    report = values(d, str(code))
    assert report.status == "error" and report.error.span.line == 4
