"""Codegen (stage: Diagram -> Python source): the one place that reads the model's operations.

:func:`read_panel` turns a panel's :class:`~sphinx_ncd.model.types.Operation` records into
:class:`Step` records holding plain fields (kind, values, core axes, the kind's settings),
so the emitters never call ``op.param`` themselves.  When the model gives each kind typed
parameters, only this module changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model.types import Axis, Operation, OpKind, Panel, Value

__all__ = ["Step", "read_panel", "read_op", "GENERIC_KINDS"]

GENERIC_KINDS = (OpKind.FUNCTION, OpKind.NORM, OpKind.BLOCK)  # boxes with no meaning the code knows


@dataclass(frozen=True)
class Step:
    """One operation, as the code generator needs it."""

    op_id: int
    kind: str
    label: str
    binding: str | None
    inputs: tuple[Value, ...]
    outputs: tuple[Value, ...]
    core_in: tuple[tuple[Axis, ...], ...]
    core_out: tuple[tuple[Axis, ...], ...]
    broadcast: tuple[tuple[Axis, ...], ...]
    span: Any = None
    groups: tuple[int, ...] = ()
    # kind-specific settings, read once here
    bias: bool = False
    function: str = ""  # elementwise: relu, gelu ... (or a user function name for ``map f``)
    factor: Any = None  # scale: the sympy value
    factor_text: str = ""
    over: tuple[Axis, ...] = ()  # softmax / norm / concat: one axis; conv / pool: the spatial axes
    index: str = ""  # index: the label of the position taken
    axis: Axis | None = None  # index: the axis indexed; unit: the axis
    names_in: tuple[tuple[str, ...], ...] = ()  # einsum: the pattern's names per input
    names_out: tuple[str, ...] = ()
    kernel: Any = None
    stride: Any = 1
    dilation: Any = 1
    padding: Any = 0
    transposed: bool = False
    reduce: str = ""  # pool: "max" | "mean"
    slot: str = ""  # save / load
    block: str = ""  # block: its name
    conv_groups: Any = 1  # conv: channel groups
    causal: bool = False  # mask: causal (no mask value given)
    parts: int = 0  # chunk: how many equal parts
    extra: dict = field(default_factory=dict)  # anything else, for messages
    core_in_pos: tuple = ()  # per input: positions of its core axes (the model's wiring)
    core_out_pos: tuple = ()  # per output: positions of the axes it produces
    broadcast_pairs: tuple = ()  # ((input, position), (output, position)) per wire passing over the box
    definition: Any = None  # block: the block's own panel (its body drawn expanded, or its definition)
    args: tuple = ()  # block: the arguments given, ((name, text), ...)


def read_op(op: Operation) -> Step:
    p = op.param
    common = dict(op_id=op.id, kind=op.kind, label=op.label, binding=op.binding, inputs=op.inputs,
                  outputs=op.outputs, core_in=op.core_in, core_out=op.core_out, broadcast=op.broadcast,
                  span=op.span, groups=op.groups, core_in_pos=op.core_in_pos or (),
                  core_out_pos=op.core_out_pos or (), broadcast_pairs=op.broadcast_pairs or ())
    kind = op.kind
    if kind == OpKind.LEARNED:
        return Step(**common, bias=bool(p("bias", False)))
    if kind == OpKind.ELEMENTWISE:
        return Step(**common, function=str(p("function", op.label)))
    if kind == OpKind.SCALE:
        return Step(**common, factor=p("value"), factor_text=str(p("factor", op.label)))
    if kind in (OpKind.SOFTMAX, OpKind.NORM, OpKind.CONCAT):
        over = p("over")
        return Step(**common, over=(over,) if over is not None else ())
    if kind == OpKind.INDEX:
        return Step(**common, axis=p("axis"), index=str(p("index", op.label)))
    if kind == OpKind.EINSUM:
        return Step(**common, names_in=tuple(tuple(n) for n in p("names_in", ())),
                    names_out=tuple(p("names_out", ())))
    if kind in (OpKind.CONV, OpKind.POOL):
        return Step(**common, over=tuple(p("over", ())), kernel=p("kernel"), stride=p("stride", 1),
                    dilation=p("dilation", 1), padding=p("padding", 0), transposed=bool(p("transposed", False)),
                    reduce=str(p("reduce", "")), bias=bool(p("bias", False)), conv_groups=p("groups", 1))
    if kind in (OpKind.MASK, OpKind.ROTARY):
        return Step(**common, over=tuple(p("over", ())), causal=bool(p("causal", False)))
    if kind in (OpKind.TOPK, OpKind.GATHER, OpKind.SCATTER):
        return Step(**common, over=(p("over"),), parts=2 if p("indices", False) else 1)
    if kind == OpKind.CHUNK:
        return Step(**common, over=(p("over"),), parts=int(p("parts", 2)))
    if kind == OpKind.UNIT:
        return Step(**common, axis=p("axis"))
    if kind in (OpKind.SAVE, OpKind.LOAD):
        return Step(**common, slot=str(p("slot", op.label)))
    if kind == OpKind.BLOCK:
        return Step(**common, block=str(p("name", op.label)), extra={"expanded": op.body is not None},
                    definition=op.body if op.body is not None else p("definition"), args=tuple(p("args", ()) or ()))
    return Step(**common)


def read_panel(panel: Panel) -> list[Step]:
    """Every operation of the panel in data-flow order (the diagram's order)."""
    return [read_op(op) for op in panel.operations]
