"""A deep model's proof does not grow with depth: a repeated block runs once, its instances are built
with shared fake tensors, and neither hides an instance that differs (speed itself: benchmarks/bench_check.py)."""
from __future__ import annotations

import pytest

LAYERS = """import os
import torch
from torch import nn

LOG = {log!r}


class Layer(nn.Module):
    made = 0

    def __init__(self, d, f):
        super().__init__()
        Layer.made += 1
        width = f + 1 if Layer.made == {odd} else f  # one instance built differently (none if 0)
        self.up = nn.Linear(d, width)
        self.down = nn.Linear(width, d)
        with open(LOG + ".init", "a") as out:
            out.write("x")

    def forward(self, x):
        with open(LOG + ".run", "a") as out:
            out.write("x")
        return x + self.down(torch.relu(self.up(x)))


class Stack(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.blocks = nn.ModuleList(Layer(d, f) for _ in range(6))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x
"""

SPEC = "\n".join(["block Stack(d, f)", "input X: b d", *[f"X = Layer[blocks.{i}] X : d -> d" for i in range(6)],
                  "output X"]) + "\n"


def _code(tmp_path, odd: int) -> tuple[str, str]:
    log = str(tmp_path / "log")
    return LAYERS.format(log=log, odd=odd), log


def test_a_repeated_block_runs_once_and_every_instance_is_built(run, parse, tmp_path):
    code, log = _code(tmp_path, odd=0)
    report = run(parse(SPEC), code)
    assert report.status == "proved", report.format()
    assert [b.status for b in report.boxes] == ["proved"] * 6
    assert open(log + ".init").read() == "x" * 6  # each instance's constructor ran (its settings are its own)
    assert open(log + ".run").read() == "x"  # the block's forward ran once for all six


def test_an_instance_built_differently_still_runs_and_disagrees_at_its_own_box(run, parse, tmp_path):
    code, log = _code(tmp_path, odd=4)
    report = run(parse(SPEC), code)
    assert open(log + ".init").read() == "x" * 6
    assert open(log + ".run").read() == "xx"  # the first instance, and the odd one out: not replayed
    assert report.status == "proved", report.format()  # f + 1 inside the block: shapes still agree


ODD_SPEC = """block Layer(d, f) {
  input X: b d
  H = L+[up] X : d -> f
  H = relu H
  Y = L+[down] H : f -> d
  Z = add X Y
  output Z
}
block Stack(d, f)
input X: b d
""" + "".join(f"X = Layer(d, f)[blocks.{i}] X\n" for i in range(6)) + "output X\n"


def test_a_block_drawn_for_every_instance_catches_the_one_built_differently(run, parse, tmp_path):
    code, _ = _code(tmp_path, odd=4)
    report = run(parse(ODD_SPEC), code)
    assert report.status == "mismatch", report.format()
    assert "blocks.3" in report.mismatch.name, report.format()


INPLACE = """import torch
from torch import nn


class Flip(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.back = nn.Parameter(torch.empty(d, f).t_())  # f d: changed in place after it was made
        self.out = nn.Parameter(torch.empty(d, f))  # the same request: must stay d f

    def forward(self, x):
        return (x @ self.out) @ self.back
"""


def test_a_constructor_that_changes_a_fresh_tensor_in_place_is_built_again_unshared(run, parse):
    report = run(parse("block Flip(d, f)\ninput X: b d\noutput X\n"), INPLACE)
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, d, f"


def test_equal_factory_requests_share_one_tensor_while_a_model_is_built():
    pytest.importorskip("torch")
    import torch

    from sphinx_ncd.checking.sharing import shared_tensors
    from sphinx_ncd.checking.symbolic import SymbolicBackend

    backend = SymbolicBackend({"d": 7, "f": 11})
    d, f = backend.value("d"), backend.value("f")
    with backend.mode(), shared_tensors() as sharing:
        a, b = torch.empty(f, d), torch.empty((f, d))
        assert a is b and torch.empty(f, d, dtype=torch.float64) is not a and torch.empty(d, f) is not a
        assert torch.nn.Parameter(a) is torch.nn.Parameter(b)
        assert not sharing.spoiled()
        a.t_()
        assert sharing.spoiled()
    assert torch.empty(2, 3) is not torch.empty(2, 3)  # only while building
