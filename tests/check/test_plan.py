"""The check plan: what the worker is asked to run, made from a diagram without torch."""
from __future__ import annotations

import subprocess
import sys

import pytest

from check_handmade import build
from sphinx_ncd.checking.plan import make_plan
from sphinx_ncd.errors import NCDError


def mha():
    return build({"E": "y m", "X": "x m"}, [
        ("Q", "learned", "L^Q", "Lq", ["E"], "y k h", "m -> k h"),
        ("Y", "learned", "L^O", "Lo", ["Q"], "y m", "k h -> m"),
    ], ["Y"], params=("m", "k", "h"), sizes=(("m", 128),))


def test_symbols_in_reading_order_with_distinct_prime_samples():
    plan = make_plan(mha())
    assert plan.symbols == ("y", "m", "x", "k", "h")
    hints = dict(plan.hints)
    assert hints["m"] == 128  # given by the spec
    free = [hints[s] for s in ("y", "x", "k", "h")]
    assert len(set(free)) == 4 and all(v in (5, 7, 11, 13, 17, 19) for v in free)
    assert plan.given == ("m",)
    assert plan.params == ("m", "k", "h")


def test_sizes_argument_overrides_the_spec():
    plan = make_plan(mha(), {"m": 64, "y": 3})
    assert dict(plan.hints)["m"] == 64 and dict(plan.hints)["y"] == 3
    assert set(plan.given) == {"m", "y"}


def test_bound_boxes_carry_their_expected_shapes():
    box = make_plan(mha()).boxes[0]
    assert box["binding"] == "Lq"
    assert box["inputs"] == [{"name": "E", "dims": ["y", "m"], "labels": ["y", "m"]}]
    assert box["outputs"][0]["labels"] == ["y", "k", "h"]


def test_tandem_axes_expand_into_one_dimension_per_rank():
    d = build({"X": "b c Y"}, [("Z", "pool", "P", None, ["X"], "b c Y/2", "Y -> Y/2")], ["Z"],
              tandem=("Y", "Y/2"))
    plan = make_plan(d)
    assert plan.inputs[0]["dims"] == ["b", "c", "Y_1", "Y_2"]
    assert plan.outputs[0]["dims"] == ["b", "c", "Y_1/2", "Y_2/2"]
    hints = dict(plan.hints)
    assert hints["Y_1"] % 2 == 0 and hints["Y_2"] % 2 == 0  # every size a whole number
    assert dict(plan.multiples) == {"Y_1": "2", "Y_2": "2"}


def test_divided_sizes_get_whole_samples():
    d = build({"X": "t d"}, [("H", "view", "split", None, ["X"], "h t d/h", "t d -> h t d/h")], ["H"])
    hints = dict(make_plan(d).hints)
    assert hints["d"] % hints["h"] == 0


def test_a_size_below_one_is_refused():
    with pytest.raises(NCDError, match="sizes must be positive whole numbers"):
        make_plan(mha(), {"y": 0})


def test_importing_the_checker_does_not_import_torch():
    code = ("import sys, sphinx_ncd, sphinx_ncd.checking.api, sphinx_ncd.checking.cli, sphinx_ncd.checking.plan\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
