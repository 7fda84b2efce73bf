"""Repetitions and blocks used as one box: generated code, and value checks through per-iteration bindings."""
from __future__ import annotations

import random

import pytest

import sphinx_ncd
from sphinx_ncd.codegen import codegen, generate
from sphinx_ncd.errors import NCDError

from .conftest import ROOT, parse_file

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


# --- a plain repetition's iterations counted in bindings (\iter): torchvision-style stages, figure 26 -------------

STAGE = """\
sizes c=4 N=3
block Stage(N, c) {
  input X: b c
  X = L+[0.lin] X : c -> c
  repeat N-1 {
    H = L+[\\iter.lin] X : c -> c
    H = tanh H
    X = add X H
  }
  output X
}
input X: b c
X = Stage(N, c)[layer1] X
output X
"""

STAGE_CODE = """\
import torch
from torch import nn


class Unit(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.lin = nn.Linear(c, c)


class Stage(nn.Sequential):
    def forward(self, x):
        x = self[0].lin(x)
        for unit in list(self)[1:]{stop}:
            x = x + torch.tanh(unit.lin(x))
        return x


class Net(nn.Module):
    def __init__(self, c, N):
        super().__init__()
        self.layer1 = Stage(*[Unit(c) for _ in range(N)])  # torchvision's stages: layer1[0], layer1[1] ...

    def forward(self, x):
        return self.layer1(x)
"""


def test_a_count_binding_loops_over_each_iterations_module():
    """``\\iter`` counts the iterations of ``repeat N-1`` from 1: the block's class builds ``layer1.1`` ..
    ``layer1.N-1`` beside its first unit, the count its constructor's ``N``; the use lists every path."""
    diagram = sphinx_ncd.parse(STAGE, filename="stage.ncd")
    g = generate(diagram)
    assert "for iteration in range(1, self.N):" in g.source
    assert 'getattr(self, str(iteration))["lin"]' in g.source
    assert {p for p, _, _ in g.modules} == {"layer1.0.lin", "layer1.1.lin", "layer1.2.lin"}
    model = _module(g.source, g.class_name, c=3, N=4)
    assert [name for name, _ in model.layer1.named_children()] == ["0", "1", "2", "3"]
    assert len({id(m) for m in model.modules()}) == len(list(model.modules()))


def test_a_count_binding_is_checked_at_every_iteration(values, run_check):
    diagram = sphinx_ncd.parse(STAGE, filename="stage.ncd")
    code = STAGE_CODE.replace("{stop}", "")
    shape = run_check(diagram, code, name="Net")
    assert shape.status == "proved", shape.format()
    report = values(diagram, code, name="Net")
    assert report.status == "agree", report.format()
    assert [b.name for b in report.boxes][-3:] == ["layer1.0.lin", "layer1.1.lin", "layer1.2.lin"], report.format()
    rng = random.Random(26)
    for _ in range(2):
        sizes = {"c": rng.randint(2, 7), "b": rng.randint(2, 5)}
        again = values(diagram, code, sizes, name="Net", seed=rng.randint(0, 999))
        assert again.status == "agree", (sizes, again.format())


def test_a_skipped_iteration_is_caught_at_its_box(values):
    code = STAGE_CODE.replace("{stop}", "[:-1]")
    report = values(sphinx_ncd.parse(STAGE, filename="stage.ncd"), code, name="Net")
    assert report.status == "differ", report.format()
    assert "layer1.2.lin" in report.summary and "never calls" in report.summary, report.summary


def test_count_bindings_outside_a_plain_repetition_are_refused_with_their_location(values):
    outside = "input X: b c\nX = L[layers.\\iter] X : c -> c\noutput X\n"
    indexed = "input X: b c\nrepeat \\lambda = 0..2 {\n  X = L[layers.\\iter] X : c -> c\n}\noutput X\n"
    for text, line, words in ((outside, 2, "in none"), (indexed, 3, "\\lambda")):
        diagram = sphinx_ncd.parse(text, filename="bad.ncd")
        with pytest.raises(NCDError) as info:
            codegen(diagram)
        assert info.value.span.line == line and words in info.value.message, info.value.format()
        assert "^" in info.value.format() and "bad.ncd:" in info.value.format()
        with pytest.raises(NCDError) as again:  # the check plan refuses it at the same place
            values(diagram, "import torch\nclass M(torch.nn.Module):\n    pass\n")
        assert again.value.span.line == line


def test_a_count_no_size_gives_is_refused_with_its_location():
    text = STAGE.replace("sizes c=4 N=3", "sizes c=4")
    with pytest.raises(NCDError) as info:
        codegen(sphinx_ncd.parse(text, filename="stage.ncd"))
    assert info.value.span.text.strip().startswith("repeat N-1") and "\\iter" in info.value.message
    assert info.value.span.line == 5 and "^" in info.value.format()


def test_an_iteration_the_code_lacks_is_a_located_binding_error(values):
    code = STAGE_CODE.replace("{stop}", "").replace("range(N)", "range(N - 1)")  # layer1[2] missing
    report = values(sphinx_ncd.parse(STAGE, filename="stage.ncd"), code, name="Net")
    assert report.status == "error", report.format()
    assert "layer1.2" in report.summary, report.summary
    assert report.error is not None and report.error.span is not None and report.error.span.line == 6, report.format()


def test_more_iterations_in_the_code_than_the_diagram_is_a_located_error(values):
    """The paper's ``[unit] * N`` after the first unit: the code's list has a module past the last iteration."""
    code = STAGE_CODE.replace("{stop}", "").replace("for _ in range(N)", "for _ in range(N + 1)")
    report = values(sphinx_ncd.parse(STAGE, filename="stage.ncd"), code, name="Net")
    assert report.status == "error", report.format()
    assert "'layer1.2'" in report.summary and "'layer1.3'" in report.summary, report.summary
    assert report.error.span is not None and report.error.span.line == 6 and "^" in report.error.format()


FIG26 = ROOT / "demo_docs" / "figures" / "fig26.ncd"
FIG26_SIZES = {"n_0": 4, "n_1": 8, "n_2": 16, "n_3": 32, "Y": 8}
FIG26_CODE = """\
from ncd_gallery import resnet


class ResNet(resnet.IdentityResNet):
    def __init__(self, N=3, y=10):
        super().__init__(N, (4, 8, 16, 32), y)
{mistake}
"""
SKIPS_A_UNIT = """\
        block = self[2]

        def forward(x, block=block):  # the last identity unit of the second block is left out of the loop
            x = block.preactivate(x)
            for unit in list(block.units)[:-1]:
                x = unit(x)
            return x

        block.forward = forward
"""
SHARES_A_UNIT = """\
        for block in list(self)[1:4]:
            block.units[2] = block.units[1]  # one unit object twice: the paper's [unit] * N
"""
ONE_UNIT_MORE = """\
        self[3].units.append(resnet.ResidualConnection(resnet._bottleneck(32, 8, 32)))  # N+1 units
"""


def test_figure_26_every_identity_unit_is_checked(values, run_check):
    """``repeat N-1`` inside ``Block(s, N, ...)``: the count from each use's N, every unit's boxes at its path."""
    diagram = parse_file(FIG26)
    code = FIG26_CODE.format(mistake="")
    report = values(diagram, code, FIG26_SIZES, name="ResNet")
    assert report.status == "agree" and report.max_diff <= 1e-10, report.format()
    names = [b.name for b in report.boxes]
    for block in (1, 2, 3):
        for unit in (1, 2):
            assert f"{block}.units.{unit}.main.1" in names and f"{block}.units.{unit}.main.0.0" in names, names
    assert not any(".units.3." in n for n in names)
    shape = run_check(diagram, code, FIG26_SIZES, name="ResNet", path=(str(ROOT / "demo_docs" / "code"),))
    assert shape.status == "proved", shape.format()


def test_figure_26_a_skipped_unit_is_caught_at_its_box(values):
    report = values(parse_file(FIG26), FIG26_CODE.format(mistake=SKIPS_A_UNIT), FIG26_SIZES, name="ResNet")
    assert report.status == "differ", report.format()
    assert report.summary.startswith("values differ at ") and "2.units.2.main.0.0" in report.summary, report.summary
    assert "never calls" in report.summary, report.format()
    assert "R = norm[units.\\iter.main.0.0] X over n1" in report.error.span.text  # the unit's box, in the block


def test_figure_26_a_shared_unit_is_caught(values):
    report = values(parse_file(FIG26), FIG26_CODE.format(mistake=SHARES_A_UNIT), FIG26_SIZES, name="ResNet")
    assert report.status == "differ", report.format()
    assert "'1.units.1.main.1' and '1.units.2.main.1' are one module object" in report.summary, report.summary


def test_figure_26_one_unit_more_is_a_located_error(values):
    report = values(parse_file(FIG26), FIG26_CODE.format(mistake=ONE_UNIT_MORE), FIG26_SIZES, name="ResNet")
    assert report.status == "error", report.format()
    assert "'3.units.2'" in report.summary and "'3.units.3'" in report.summary, report.summary
    assert "conv+[units.\\iter.main.5]" in report.error.span.text, report.format()  # the unit's last box


TORCHVISION_STAGE = """\
tandem Y
sizes N=3 c=6 Y=5
block Stage(N, c) {
  input X: b c Y
  R = conv[0.conv1] X over Y : c -> c kernel 3 padding 1
  R = norm[0.bn1] R over c
  R = relu R
  R = conv[0.conv2] R over Y : c -> c kernel 3 padding 1
  R = norm[0.bn2] R over c
  X = add X R
  X = relu X
  repeat N-1 {
    R = conv[\\iter.conv1] X over Y : c -> c kernel 3 padding 1
    R = norm[\\iter.bn1] R over c
    R = relu R
    R = conv[\\iter.conv2] R over Y : c -> c kernel 3 padding 1
    R = norm[\\iter.bn2] R over c
    X = add X R
    X = relu X
  }
  output X
}
input X: b c Y
X = Stage(N, c)[layer1] X
output X
"""

TORCHVISION_CODE = """\
from torch import nn


class BasicBlock(nn.Module):
    '''torchvision's residual unit, by its attribute names: conv1, bn1, conv2, bn2.'''

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


class ResNetStage(nn.Module):
    def __init__(self, c, N):
        super().__init__()
        self.layer1 = nn.Sequential(*[BasicBlock(c) for _ in range(N)])

    def forward(self, x):
        return self.layer1(x)
"""


def test_a_torchvision_style_stage_binds_by_counting(values, run_check):
    diagram = sphinx_ncd.parse(TORCHVISION_STAGE, filename="stage.ncd")
    shape = run_check(diagram, TORCHVISION_CODE, name="ResNetStage")
    assert shape.status == "proved", shape.format()
    report = values(diagram, TORCHVISION_CODE, name="ResNetStage")
    assert report.status == "agree" and report.max_diff <= 1e-10, report.format()
    assert {f"layer1.{i}.conv2" for i in range(3)} <= {b.name for b in report.boxes}, report.format()


def test_the_reference_shows_the_checked_torchvision_stage():
    text = (ROOT / "demo_docs" / "reference" / "checking.rst").read_text(encoding="utf-8")
    block = text.split("drawn before the repetition::\n\n", 1)[1].split("\n\n", 1)[0]
    shown = [line[3:].split("  #")[0].rstrip() for line in block.splitlines()]
    tested = [line for line in TORCHVISION_STAGE.splitlines()]
    assert shown == [line if not line.startswith("sizes") else "sizes N=3" for line in tested]


def test_a_count_the_caller_gives_over_the_spec_sizes_both_sides(values):
    """``sizes N=2`` from the page over the spec's N=3: one identity unit on both sides, the code built with 2."""
    diagram = sphinx_ncd.parse(STAGE, filename="stage.ncd")
    report = values(diagram, STAGE_CODE.replace("{stop}", ""), {"N": 2}, name="Net")
    assert report.status == "agree", report.format()
    assert [b.name for b in report.boxes][-2:] == ["layer1.0.lin", "layer1.1.lin"], report.format()


NESTED_STAGE = """\
sizes c=4 N=3
block Unit(c) {
  input X: b c
  H = L+[lin] X : c -> c
  H = tanh H
  Y = add X H
  output Y
}
block Stage(N, c) {
  input X: b c
  X = Unit(c)[0] X
  repeat N-1 {
    X = Unit(c)[\\iter] X
  }
  output X
}
input X: b c
X = Stage(N, c)[layer1] X
output X
"""

NESTED_CODE = """\
import torch
from torch import nn


class Unit(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.lin = nn.Linear(c, c)

    def forward(self, x):
        return x + torch.tanh(self.lin(x))


class Net(nn.Module):
    def __init__(self, c, N):
        super().__init__()
        self.layer1 = nn.Sequential(*[Unit(c) for _ in range(N)])

    def forward(self, x):
        return self.layer1(x)
"""


def test_a_block_repeated_by_a_count_its_holders_use_gives(values):
    """``Unit(c)[\\iter]`` inside ``repeat N-1`` inside ``Stage(N, c)``: each unit its own, reached at each use."""
    diagram = sphinx_ncd.parse(NESTED_STAGE, filename="stage.ncd")
    g = generate(diagram)
    assert {p for p, _, _ in g.modules} == {f"layer1.{i}.lin" for i in range(3)}
    report = values(diagram, NESTED_CODE, name="Net")
    assert report.status == "agree", report.format()
    assert {f"layer1.{i}.lin" for i in range(3)} <= {b.name for b in report.boxes}, report.format()


def test_a_count_binding_at_the_top_with_an_offset(values):
    """``repeat N`` at the top, ``L+[layers.\\iter-1]``: the code's ``layers[0]`` .. ``layers[N-1]``."""
    text = "sizes c=4 N=3\ninput X: b c\nrepeat N {\n  X = L+[layers.\\iter-1] X : c -> c\n  X = tanh X\n}\noutput X\n"
    diagram = sphinx_ncd.parse(text, filename="top.ncd")
    g = generate(diagram)
    assert "for iteration in range(1, self.N + 1)" in g.source and "str(iteration - 1)" in g.source, g.source
    assert {p for p, _, _ in g.modules} == {"layers.0", "layers.1", "layers.2"}
    code = LEVELS_CODE.replace("{stop}", "").replace("sizes = [c_0, c_1, c_2, c_3]", "sizes = [c] * 4").replace(
        "def __init__(self, c_0, c_1, c_2, c_3):", "def __init__(self, c):")
    report = values(diagram, code, name="Levels")
    assert report.status == "agree", report.format()
    assert [b.name for b in report.boxes] == ["layers.0", "layers.1", "layers.2"]
    backwards = values(diagram, code.replace("for layer in self.layers:", "for layer in self.layers[::-1]:"),
                       name="Levels")
    assert backwards.status == "differ" and "layers.0" in backwards.summary, backwards.format()
