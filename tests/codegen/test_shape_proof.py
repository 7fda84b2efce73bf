"""The generated module of every gallery figure passes a shape proof against its own diagram.

A generated module whose boxes have no known meaning asks for a callable per box;
here each gets one that returns its box's declared output shape (computed from its
inputs, so the proof still covers how the module lifts the box over its broadcast
axes and wires its results on).
"""
from __future__ import annotations

import pytest
import sympy

from sphinx_ncd.checking.plan import _lets
from sphinx_ncd.codegen import generate
from sphinx_ncd.codegen.adapter import read_panel
from sphinx_ncd.codegen.names import SizePrinter
from sphinx_ncd.errors import NCDError

from .conftest import gallery_specs, parse_file


def _generated():
    out = []
    for spec in gallery_specs():
        try:
            generate(parse_file(spec))
        except NCDError:
            continue  # refused with a location: tested in test_codegen
        out.append(spec)
    return out


GENERATED = _generated()


def _dims(core) -> list:
    return [r for ax in core for r in range(ax.rank)]


def _from_inputs(size, known, lets) -> str | None:
    """A size the box derives from its inputs' sizes (``y = x-k+1`` from a ``let``), as a real function
    would compute it: the expression over the input dimensions that show each of its symbols."""
    expr = sympy.sympify(size)
    expr = expr.xreplace({s: lets[s.name] for s in expr.free_symbols if s.name in lets})
    table = {}
    for s in expr.free_symbols:
        text = known.get((s, 0))
        if text is None:
            return None
        table[s] = sympy.Symbol(text)
    if not table:
        return None
    return "(" + sympy.pycode(expr.xreplace(table)) + ")"


def with_callables(diagram) -> str:
    """The generated source plus a subclass that passes a shape-correct callable for every box."""
    g = generate(diagram)
    if not g.functions:
        return g.source
    printer = SizePrinter(prefix="")
    lets = _lets(diagram)
    boxes = []
    steps = [s for panel in [diagram.main] + [p for _, p in diagram.blocks] for s in read_panel(panel)]
    for step in steps:
        name = {"function": step.label, "rotary": step.label, "elementwise": step.function,
                "norm": step.binding or "norm"}.get(step.kind)
        if name not in g.functions or any(b[0] == name for b in boxes):
            continue
        if step.kind == "rotary":  # called on whole tensors (as HF's apply_rotary_pos_emb): outputs as inputs
            boxes.append((name, [f"lambda xs: tuple(xs[{i}].shape)" for i in range(len(step.outputs))], False))
            continue
        known = {}  # a size an input's core shows: read it from that input (tandem wires included)
        for i, core in enumerate(step.core_in):
            k = 0
            for ax in core:
                for r in range(ax.rank):
                    known.setdefault((ax.size, r), f"xs[{i}].shape[{k - len(_dims(core))}]")
                    k += 1
        shapes = []
        for core in step.core_out:
            dims = []
            for ax in core:
                dims.extend(known.get((ax.size, r)) or _from_inputs(ax.size, known, lets) or printer(ax.size)
                            for r in range(ax.rank))
            shapes.append("lambda xs: (" + "".join(d + ", " for d in dims) + ")")
        boxes.append((name, shapes, step.kind in ("elementwise", "norm")))
    own = [a for a, _, _ in g.sizes]
    # sizes only the callables need (inside the diagram, on no input or output): any whole number does
    args = [a for a, _, d in g.sizes if d is None] + [f"{a}={d}" for a, _, d in g.sizes if d is not None]
    args += [f"{a}=3" for a in dict.fromkeys(printer.symbols.values()) if a not in own]
    lines = [g.source, "", "def _box(*shapes, same=False):",
             "    def f(*xs):",
             "        if same:",
             "            return xs[0] * 2",
             "        s = sum(x.sum() for x in xs)",
             "        outs = [s * torch.ones(shape(xs)) for shape in shapes]",
             "        return outs[0] if len(outs) == 1 else tuple(outs)",
             "    return f", "",
             f"class Checked({g.class_name}):",
             f"    def __init__(self{''.join(', ' + a for a in args)}):",
             f"        super().__init__({''.join(a + '=' + a + ', ' for a, _, _ in g.sizes)}functions={{"]
    for name, shapes, same in boxes:
        lines.append(f"            {name!r}: _box({', '.join(shapes)}, same={same}),")
    lines.append("        })")
    source = "\n".join(lines) + "\n"
    if "import torch\n" not in source:
        source = "import torch\n" + source
    return source


def test_every_figure_that_generates_is_covered():
    assert len(GENERATED) >= 39


def _spec_param(path):
    return pytest.param(path, id=path.name)


@pytest.mark.parametrize("spec", [_spec_param(p) for p in GENERATED])
def test_generated_module_is_proved_against_its_diagram(run_check, spec):
    diagram = parse_file(spec)
    report = run_check(diagram, with_callables(diagram), name=None)
    assert report.status in ("proved", "proved_if"), report.format()
    if report.status == "proved_if":  # only what the operations themselves need: an image at least
        # the kernel, a size that halves and doubles back whole
        assert all("≥" in a or "divisible" in a for a in report.assumptions), report.assumptions
