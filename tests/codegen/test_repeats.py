"""Repetitions and blocks used as one box: generated code, and value checks through per-iteration bindings."""
from __future__ import annotations

import random

import pytest

import sphinx_ncd
from sphinx_ncd.codegen import codegen, generate
from sphinx_ncd.errors import NCDError

torch = pytest.importorskip("torch")

REPEAT = """\
sizes c=4 N=3
input X: b c
repeat N {
  X = L+ X : c -> c
  X = relu X
}
output X
"""

LEVELS = """\
sizes c_0=2 c_1=3 c_2=5 c_3=7
input X: b c_0
repeat \\lambda = 0..2 {
  X = L+[layers.\\lambda] X : c_\\lambda -> c_{\\lambda+1}
  X = tanh X
}
output X
"""

LEVELS_CODE = """\
import torch
from torch import nn


class Levels(nn.Module):
    def __init__(self, c_0, c_1, c_2, c_3):
        super().__init__()
        sizes = [c_0, c_1, c_2, c_3]
        self.layers = nn.ModuleList(nn.Linear(sizes[i], sizes[i + 1]) for i in range(3))

    def forward(self, x):
        for layer in self.layers{stop}:
            x = torch.tanh(layer(x))
        return x
"""

SHARED_CODE = """\
import torch
from torch import nn


class Levels(nn.Module):
    def __init__(self, c_0, c_1, c_2, c_3):
        super().__init__()
        one = nn.Linear(c_0, c_1)
        self.layers = nn.ModuleList([one, one, one])  # one module object, three times

    def forward(self, x):
        for layer in self.layers:
            x = torch.tanh(layer(x))
        return x
"""


def _module(src: str, name: str, **kwargs):
    ns: dict = {}
    exec(compile(src, "generated.py", "exec"), ns)
    return ns[name](**kwargs)


def test_a_repetition_is_a_loop_over_separate_modules():
    src = codegen(sphinx_ncd.parse(REPEAT, filename="r.ncd"))
    assert "self.linears = nn.ModuleList(" in src and "for _ in range(self.N))" in src
    assert "for layer in self.linears:" in src
    model = _module(src, "R")
    assert len(model.linears) == 3
    assert len({id(m.weight) for m in model.linears}) == 3  # each iteration its own weights
    x = torch.randn(2, 4)
    want = x
    for lin in model.linears:
        want = torch.relu(lin(want))
    assert torch.allclose(model(x), want)


def test_sizes_follow_the_index():
    src = codegen(sphinx_ncd.parse(LEVELS, filename="levels.ncd"))
    assert "self.c = (self.c_0, self.c_1, self.c_2, self.c_3,)" in src
    assert 'str(lambda_): nn.Linear(self.c[lambda_], self.c[lambda_ + 1], bias=True)' in src
    assert "for lambda_ in range(3):" in src
    model = _module(src, "Levels", c_0=2, c_1=3, c_2=5, c_3=7)
    assert [tuple(model.layers[str(i)].weight.shape) for i in range(3)] == [(3, 2), (5, 3), (7, 5)]
    assert tuple(model(torch.randn(4, 2)).shape) == (4, 7)


def test_a_box_bound_by_the_index_is_checked_at_every_iteration(values, run_check):
    diagram = sphinx_ncd.parse(LEVELS, filename="levels.ncd")
    code = LEVELS_CODE.replace("{stop}", "")
    shape = run_check(diagram, code)
    assert shape.status == "proved", shape.format()
    assert all(f"[layers.{i}]: proved (b c_{i} -> b c_{i + 1})" in shape.format() for i in range(3)), \
        shape.format()
    report = values(diagram, code, name=None)
    assert report.status == "agree", report.format()
    assert [b.name for b in report.boxes] == ["layers.0", "layers.1", "layers.2"]


def test_correct_code_is_never_flagged_at_random_sizes_and_seeds(values):
    diagram = sphinx_ncd.parse(LEVELS, filename="levels.ncd")
    rng = random.Random(15)
    for _ in range(3):
        sizes = {f"c_{i}": rng.randint(2, 9) for i in range(4)} | {"b": rng.randint(2, 6)}
        report = values(diagram, LEVELS_CODE.replace("{stop}", ""), sizes, seed=rng.randint(0, 999))
        assert report.status == "agree", (sizes, report.format())


def test_a_loop_that_skips_an_iteration_is_caught(values):
    diagram = sphinx_ncd.parse(LEVELS, filename="levels.ncd")
    code = LEVELS_CODE.replace("{stop}", "[:2]").replace("return x", "return torch.zeros(x.shape[0], 7) + x.sum()")
    report = values(diagram, code)
    assert report.status == "differ"
    assert "layers.2" in report.summary and "never calls" in report.summary


def test_one_module_repeated_is_caught(values):
    diagram = sphinx_ncd.parse(LEVELS.replace("c_1=3 c_2=5 c_3=7", "c_1=2 c_2=2 c_3=2"), filename="levels.ncd")
    report = values(diagram, SHARED_CODE)
    assert report.status == "differ"
    assert "'layers.0' and 'layers.1' are one module object" in report.summary


BLOCK = """\
block Unit(c) {
  input X: b c
  H = L+[lin] X : c -> c
  H = relu H
  Y = add X H
  output Y
}
input X: b c
Y = Unit(c)[first] X
Z = Unit(c) Y
output Z
"""


def test_a_block_used_as_one_box_is_a_submodule_of_its_own_class():
    g = generate(sphinx_ncd.parse(BLOCK, filename="unit.ncd"))
    assert "class Unit(nn.Module):" in g.source
    assert "self.first = Unit(c=self.c)" in g.source and "self.unit2 = Unit(c=self.c)" in g.source
    assert ("first.lin", 0, "learned") in g.modules
    assert g.unbound and "in Unit" in g.unbound[0][1]  # the second use has no binding to match weights
    model = _module(g.source, g.class_name, c=3)
    x = torch.randn(2, 3)
    y = x + torch.relu(model.first.lin(x))
    assert torch.allclose(model(x), y + torch.relu(model.unit2.lin(y)))


def test_index_bindings_need_number_bounds():
    text = "input X: b c\nrepeat \\lambda = 1..N {\n  X = L[layers.\\lambda] X : c -> c\n}\noutput X\n"
    with pytest.raises(NCDError) as info:
        codegen(sphinx_ncd.parse(text, filename="n.ncd"))
    assert info.value.span.line == 2 and "number bounds" in info.value.message


STACK = """\
sizes c=4
block Unit(c) {
  input X: b c
  H = L+[lin] X : c -> c
  H = relu H
  Y = add X H
  output Y
}
input X: b c
repeat \\lambda = 0..2 {
  X = Unit(c)[encoder.layers.\\lambda] X
}
output X
"""

STACK_CODE = """\
import torch
from torch import nn


class Unit(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.lin = nn.Linear(c, c)

    def forward(self, x):
        return x + torch.relu(self.lin(x))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList(Unit(c) for _ in range(3))


class Stack(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.encoder = Encoder(c)

    def forward(self, x):
        for layer in self.encoder.layers{order}:
            x = layer(x)
        return x
"""


def test_blocks_repeated_by_the_index_are_checked_layer_by_layer(values, run_check):
    diagram = sphinx_ncd.parse(STACK, filename="stack.ncd")
    g = generate(diagram)
    assert 'self.encoder = nn.ModuleDict({"layers": nn.ModuleDict({' in g.source
    assert {p for p, _, _ in g.modules} == {f"encoder.layers.{i}.lin" for i in range(3)}
    code = STACK_CODE.replace("{order}", "")
    assert run_check(diagram, code, name="Stack").status == "proved"
    report = values(diagram, code, name="Stack")
    assert report.status == "agree", report.format()
    names = [b.name for b in report.boxes]
    assert all(any(f"encoder.layers.{i}" in n for n in names) for i in range(3)), report.format()
    assert all(b.status == "agree" for b in report.boxes), report.format()
    swapped = values(diagram, STACK_CODE.replace("{order}", "[::-1]"), name="Stack")  # layers run backwards
    assert swapped.status == "differ", swapped.format()


NORMED = STACK.replace("sizes c=4", "sizes c=4 N=3").replace("0..2", "0..N-1").replace(
    "  Y = add X H\n", "  Y = add X H\n  Y = norm[norm] Y over c\n")

NORMED_CODE = STACK_CODE.replace("{order}", "").replace("range(3)", "range(N)").replace(
    "class Encoder(nn.Module):\n    def __init__(self, c):", "class Encoder(nn.Module):\n    def __init__(self, c, N):"
).replace("self.encoder = Encoder(c)", "self.encoder = Encoder(c, 3)").replace(
    "        self.lin = nn.Linear(c, c)\n", "        self.lin = nn.Linear(c, c)\n        self.norm = nn.LayerNorm(c)\n"
).replace("return x + torch.relu(self.lin(x))", "return self.norm(x + torch.relu(self.lin(x)))").replace(
    "        self.layers = nn.ModuleList(Unit(c) for _ in range(N))\n",
    "        self.layers = nn.ModuleList(Unit(c) for _ in range(N))\n"
    "        with torch.no_grad():  # every layer's norm its own weights: a shared or misplaced one shows\n"
    "            for i, layer in enumerate(self.layers):\n"
    "                layer.norm.weight.fill_(1.0 + i)\n"
    "                layer.norm.bias.fill_(0.5 * i)\n")


def test_index_bounds_written_with_a_size_take_it_from_the_spec(values):
    """``repeat \\lambda = 0..N-1`` with ``sizes N=3``: three layers, each bound by the index, and a ``norm``
    bound inside the block takes each layer's own LayerNorm from the code."""
    diagram = sphinx_ncd.parse(NORMED, filename="normed.ncd")
    g = generate(diagram)
    assert "for lambda_ in range(self.N):" in g.source
    assert {p for p, _, _ in g.modules} == {f"encoder.layers.{i}.lin" for i in range(3)}
    report = values(diagram, NORMED_CODE, name="Stack")
    assert report.status == "agree", report.format()
    names = [b.name for b in report.boxes]
    assert all(f"encoder.layers.{i}.norm" in names for i in range(3)), names
    assert report.max_diff <= 1e-10


def test_a_norm_bound_in_a_block_is_each_layers_own(values):
    """The reference calls layer i's LayerNorm in layer i: code whose layers all use the first layer's norm
    (a shared module, its weights set apart) differs."""
    code = NORMED_CODE.replace(
        "                layer.norm.bias.fill_(0.5 * i)\n",
        "                layer.norm.bias.fill_(0.5 * i)\n"
        "        self.first_norm = self.layers[0].norm\n"
        "        for layer in self.layers[1:]:\n"
        "            layer.forward = (lambda x, _l=layer, _n=self.first_norm: _n(x + torch.relu(_l.lin(x))))\n")
    assert code != NORMED_CODE
    report = values(sphinx_ncd.parse(NORMED, filename="normed.ncd"), code, name="Stack")
    assert report.status == "differ", report.format()


def test_index_bounds_with_an_unknown_size_are_refused_with_their_location():
    text = NORMED.replace("sizes c=4 N=3", "sizes c=4")
    with pytest.raises(NCDError) as info:
        codegen(sphinx_ncd.parse(text, filename="n.ncd"))
    assert info.value.span.text.startswith("repeat") and "sizes" in info.value.message
