"""Model stage: ``Y = expand Name(args) X``, a block's body drawn in place.

Where ``Y = Name(args) X`` is one box, ``expand`` evaluates the block's statements in the panel that uses
it, inside a fence titled with the use (``GatedMLP(d, f)``): the body's inputs are the values the use passes,
its parameters are the arguments (or the sizes inferred from the inputs), and its outputs are the values the
use assigns.  Every box of the body is then an operation of the panel -- drawn, checked (a binding inside
is prefixed with the use's own, ``[mlp]`` then ``[gate_proj]`` is ``mlp.gate_proj``), costed and generated
as if written there.  Errors inside the body are located in the block's definition.
"""
from __future__ import annotations

from .. import messages as msg
from ..errors import NCDError
from ..syntax import ast as A
from .types import Value

__all__ = ["inline_body"]

_SKIPPED = (A.Input, A.Output, A.Break)  # the use binds inputs and outputs; a fold cut belongs to a panel


def inline_body(b, info, op: A.Op, stmt, inputs, subst: dict, bound_axis: dict) -> list[Value]:
    """Evaluate ``info``'s body in the PanelBuilder ``b`` (see the module docstring); returns its outputs."""
    names_in = [name for s in info.statements if isinstance(s, A.Input) for name, _ in s.items]
    outputs = [s for s in info.statements if isinstance(s, A.Output)]
    if not outputs:
        raise NCDError(msg.EXPAND_NO_OUTPUT.format(block=info.name), info.span, kind="shape")
    saved = (b.env, b.axis_cache, b.decl, b.params)
    first_op = len(b.ops)
    b.env = {name.text: v for name, v in zip(names_in, inputs)}
    b.axis_cache = {str(p): ax for p, ax in bound_axis.items() if getattr(p, "is_Symbol", False)}
    b.decl, b.params = info.decl, dict(subst)
    b.open_group("fence", _title(info, op), None, None, None, None, stmt.span)
    try:
        b.run([s for s in info.statements if not isinstance(s, _SKIPPED)])
        produced = [b.value(name) for name in outputs[-1].names]
    finally:
        b.group_stack.pop()
        b.env, b.axis_cache, b.decl, b.params = saved
    for k, (target, v) in enumerate(zip(stmt.targets, produced)):  # the body's Y is the use's B
        if v.name != target.text and v not in inputs:
            produced[k] = _renamed(b, first_op, v, target.text)
    outer = getattr(op.binding, "text", op.binding)
    if outer:
        for rec in b.ops[first_op:]:
            if rec.binding:
                rec.binding = f"{outer}.{rec.binding}"
    return produced


def _renamed(b, first_op: int, v: Value, name: str) -> Value:
    """``v`` under the name the use assigns it, also as the output of the body's box that made it."""
    new = Value(v.id, name, v.axes, v.span)
    for rec in b.ops[first_op:]:
        rec.outputs = [new if out is v else out for out in rec.outputs]
    return new


def _title(info, op: A.Op) -> str:
    """``GatedMLP(d, f)``, ``Down(2, n1=64)``: the use as written (without its binding)."""
    args = [f"{n.text}={a.text}" if n is not None else a.text for n, a in op.block_args]
    return f"{info.name}({', '.join(args)})" if args else info.name
