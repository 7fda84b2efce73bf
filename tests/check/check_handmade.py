"""Hand-built diagrams for the checker's tests (independent of the spec parser).

``build(inputs, ops, outputs)`` makes a :class:`Diagram` the way shape inference
would: every value's axes are listed explicitly; each op says its kind, label,
binding, input and output value names and the core signature.
"""
from __future__ import annotations

import sympy

from sphinx_ncd.errors import Span
from sphinx_ncd.model.types import Axis, AxisKind, BlockHeader, Diagram, Operation, Panel, Section, Value


def axis(label: str, tandem: bool = False) -> Axis:
    size = sympy.Integer(int(label)) if label.isdigit() else sympy.sympify(label, locals={
        n: sympy.Symbol(n) for n in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    if tandem:
        return Axis(label, size, AxisKind.TANDEM, rank=2)
    return Axis(label, size)


def build(inputs: dict[str, str], ops: list[tuple], outputs: list[str], *, sizes=(), params=(),
          filename="test.ncd", tandem=()) -> Diagram:
    """``ops``: (name, kind, label, binding, [input names], out shape, core "a -> b")."""
    lines = []
    values: dict[str, Value] = {}
    next_id = [0]

    def value(name, shape, line):
        axes = tuple(axis(a, a in tandem) for a in shape.split())
        v = Value(next_id[0], name, axes, Span(filename, line, 1, len(lines[line - 1]), lines[line - 1]))
        next_id[0] += 1
        return v

    if params:
        lines.append(f"block Model({', '.join(params)})")
    lines.append("input " + ", ".join(f"{n}: {s}" for n, s in inputs.items()))
    for n, s in inputs.items():
        values[n] = value(n, s, len(lines))
    operations = []
    for i, (name, kind, label, binding, args, shape, core) in enumerate(ops):
        b = f"[{binding}]" if binding else ""
        lines.append(f"{name} = {label}{b} {' '.join(args)} : {core}")
        out = value(name, shape, len(lines))
        left, right = core.split("->")
        core_in = tuple(tuple(axis(a) for a in seg.split()) for seg in left.split(","))
        core_out = (tuple(axis(a) for a in right.split()),)
        line = lines[-1]
        col = line.index(label) + 1
        op = Operation(i, kind, label, tuple(values[a] for a in args), (out,), core_in, core_out,
                       tuple(() for _ in args), binding=binding,
                       span=Span(filename, len(lines), col, len(label) + len(b), line))
        operations.append(op)
        values[name] = out
    lines.append("output " + ", ".join(outputs))
    ins = tuple(values[n] for n in inputs)
    outs = tuple(values[n] for n in outputs)
    panel = Panel(ins, outs, (Section("state", ins), Section("state", outs)), tuple(operations),
                  header=BlockHeader("Model", tuple(params)) if params else None)
    return Diagram((panel,), "\n".join(lines) + "\n", filename, tuple(sizes))
