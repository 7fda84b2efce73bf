"""The code generator: readable, deterministic, compiling modules; located refusals."""
from __future__ import annotations

import py_compile

import pytest

import sphinx_ncd
from sphinx_ncd.codegen import codegen, generate
from sphinx_ncd.errors import NCDError

from .conftest import gallery_specs, parse_file

ATTENTION = """\
width y x
input E: y m, X: x m
Q = L^Q[Lq] E : m -> k h
K = L^K[Lk] X : m -> k h
V = L^V[Lv] X : m -> k h
S = einsum Q K : y k h, x k h -> y x h
S = scale S by 1/sqrt(k)
A = softmax S over x
O = einsum A V : y x h, x k h -> y k h
Y = L^O[Lo] O : k h -> m
output Y
"""


def test_attention_reads_like_the_diagram():
    src = codegen(sphinx_ncd.parse(ATTENTION, filename="attention.ncd"))
    assert "self.Lq = nn.Linear(self.m, self.k * self.h, bias=False)" in src
    assert 'Q = einops.rearrange(self.Lq(E), "y (k h) -> y k h", k=self.k, h=self.h)' in src
    assert 'S = einops.einsum(Q, K, "y k h, x k h -> y x h")' in src
    assert "A = torch.softmax(S, dim=-2)  # A = softmax S over x" in src
    assert 'Y = self.Lo(einops.rearrange(O, "y k h -> y (k h)"))' in src
    body = src.split("def forward(self, E, X):")[1].strip().splitlines()
    assert len(body) == 9  # one line per operation (the copy of X is a wiring), then the return
    assert body[-1].strip() == "return Y"


def test_the_package_is_callable_and_deterministic():
    diagram = sphinx_ncd.parse(ATTENTION, filename="attention.ncd")
    import sphinx_ncd.codegen as module

    assert module(diagram) == codegen(diagram) == sphinx_ncd.codegen(diagram)


def test_dotted_bindings_nest_module_dicts():
    src = codegen(parse_file(sphinx_ncd.__file__.replace("sphinx_ncd/__init__.py", "demo_docs/figures/fig19.ncd")))
    assert '"0": nn.Linear(784, 512, bias=True)' in src
    assert 'X = self.linear_relu_stack["4"](X)' in src
    assert 'einops.rearrange(X, "x y -> (x y)")' in src
    assert "def __init__(self, k=10):" in src  # let k = 10: the size's default


def test_generic_boxes_ask_for_callables():
    d = sphinx_ncd.parse("def G : 3 -> 2\ninput X: 4 3\nY = G X\noutput Y\n", filename="g.ncd")
    src = codegen(d)
    assert "functions=None" in src and "self.functions['G']" in src and "torch.vmap" in src
    ns = {}
    exec(compile(src, "g.py", "exec"), ns)
    with pytest.raises(TypeError, match="needs a callable for the box"):
        ns["G"]()
    import torch

    model = ns["G"](functions={"G": lambda x: torch.stack([x.sum(), x.max()])})
    assert tuple(model(torch.ones(4, 3)).shape) == (4, 2)


@pytest.mark.parametrize("spec", gallery_specs(), ids=lambda p: p.name)
def test_every_gallery_spec_compiles_or_is_refused_with_a_location(spec, tmp_path):
    diagram = parse_file(spec)
    try:
        src = codegen(diagram)
    except NCDError as err:
        assert err.span is not None and err.span.line >= 1, err.message
        assert err.format().count("^") >= 1
        return
    path = tmp_path / "generated.py"
    path.write_text(src)
    py_compile.compile(str(path), doraise=True)
    assert codegen(parse_file(spec)) == src  # deterministic


def test_refusals_are_located():
    text = "input X: c\nrepeat N {\n  X = L[lin] X : c -> c\n}\noutput X\n"
    with pytest.raises(NCDError) as info:  # one binding cannot name N modules
        codegen(sphinx_ncd.parse(text, filename="r.ncd"))
    assert info.value.span.line == 3 and "inside a repetition" in info.value.message
    text = "input X: c\nrepeat N {\n  repeat M {\n    X = relu X\n  }\n}\noutput X\n"
    with pytest.raises(NCDError) as info:
        codegen(sphinx_ncd.parse(text, filename="r.ncd"))
    assert info.value.span.line == 3 and "inside a repetition" in info.value.message
    text = "input X: a, Y: b\nZ = L[two] X Y : a, b -> c\noutput Z\n"
    with pytest.raises(NCDError) as info:
        codegen(sphinx_ncd.parse(text, filename="l.ncd"))
    assert info.value.span.line == 2 and "nn.Linear" in info.value.message


def test_line_map_points_at_each_operation():
    g = generate(sphinx_ncd.parse(ATTENTION, filename="attention.ncd"))
    lines = g.source.splitlines()
    for op_id, n in g.lines:
        assert lines[n - 1].strip().split(" = ")[0]  # an assignment
    assert len(g.lines) == 8  # every operation that computes (the copy of X is a wiring)


def test_generated_modules_pass_ruff(tmp_path):
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    count = 0
    for spec in gallery_specs():
        try:
            src = codegen(parse_file(spec))
        except NCDError:
            continue
        (tmp_path / (spec.stem.replace("-", "_") + ".py")).write_text(src)
        count += 1
    assert count >= 30
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", str(tmp_path)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


VIEWS = [  # (spec, the same computation in plain torch, input shape)
    ("input X: y (k h)\nX = view X : (k h) -> k h\noutput X\n", lambda x: x.reshape(5, 3, 4), (5, 12)),
    ("input X: y k h\nX = view X : k h -> h k\noutput X\n", lambda x: x.permute(0, 2, 1), (5, 3, 4)),
    ("input X: 28 28\nX = view X : 28 28 -> 784\noutput X\n", lambda x: x.reshape(784), (28, 28)),
    ("input X: b 6 4\nX = view X : 6 4 -> 3 8\noutput X\n", lambda x: x.reshape(2, 3, 8), (2, 6, 4)),
]


@pytest.mark.parametrize("spec,expected,shape", VIEWS)
def test_views_compute_what_they_say(spec, expected, shape):
    import torch

    text = "sizes k=3 h=4\n" + spec
    src = codegen(sphinx_ncd.parse(text, filename="v.ncd"))
    ns = {}
    exec(compile(src, "v.py", "exec"), ns)
    cls = next(v for k, v in ns.items() if isinstance(v, type) and issubclass(v, torch.nn.Module) and v is not
               torch.nn.Module)
    x = torch.randn(*shape)
    assert torch.equal(cls()(x), expected(x))


def test_sphinx_ncd_codegen_is_callable_in_a_fresh_interpreter():
    import subprocess
    import sys

    code = ("import sphinx_ncd\n"
            "d = sphinx_ncd.parse('input X: a\\nY = relu X\\noutput Y\\n', filename='r.ncd')\n"
            "src = sphinx_ncd.codegen(d)\n"
            "import sphinx_ncd.codegen.module, sphinx_ncd.checking.values\n"
            "assert sphinx_ncd.codegen(d) == src and 'torch.relu(X)' in src\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
