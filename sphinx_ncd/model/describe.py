"""Model stage: a short plain-text description of a diagram (alt text).

``describe(diagram)`` gives e.g. "Neural circuit diagram: y m, x m -> y m;
learned L^Q (m -> k h), learned L^K (m -> k h), einsum (y k h, x k h -> y x h),
softmax over x, ...".  It never repeats the raw spec.
"""
from __future__ import annotations

from .types import Diagram, Operation, OpKind, Panel

__all__ = ["describe"]

_MAX_OPS = 12


def _op(op: Operation) -> str:
    k = op.kind
    if k in (OpKind.LEARNED, OpKind.FUNCTION):
        kind = "learned " if k == OpKind.LEARNED else ""
        bias = " with bias" if op.param("bias") else ""
        return f"{kind}{op.label}{bias} ({op.signature})"
    if k in (OpKind.SOFTMAX, OpKind.NORM, OpKind.CONCAT):
        name = {"softmax": "softmax", "norm": "normalisation", "concat": "concatenation"}[k]
        over = op.param("over")
        return f"{name} over {over.label}" if over is not None else name
    if k == OpKind.ELEMENTWISE:
        return f"element-wise {op.param('function') or op.label}"
    if k == OpKind.SCALE:
        return f"scale by {op.param('factor')}"
    if k == OpKind.EINSUM:
        return f"einsum ({op.param('equation')})"
    if k == OpKind.VIEW:
        return f"view ({op.param('pattern')})"
    if k == OpKind.INDEX:
        return f"index {op.param('index')} on {op.param('axis').label}"
    if k in (OpKind.CONV, OpKind.POOL):
        over = " ".join(a.label for a in op.param("over", ()))
        name = {"conv": "transposed convolution" if op.param("transposed") else "convolution",
                "pool": f"{op.param('reduce')} pooling"}[k]
        return f"{name} over {over} (kernel {op.param('kernel')}, stride {op.param('stride')})"
    if k == OpKind.BLOCK:
        args = ", ".join(f"{n}={v}" for n, v in op.param("args", ()))
        return f"block {op.param('name')}({args})"
    if k == OpKind.SAVE:
        return f"save to {op.param('slot')}"
    if k == OpKind.LOAD:
        return f"load from {op.param('slot')}"
    if k == OpKind.ADD:
        return "addition"
    if k == OpKind.UNIT:
        return f"unit on {op.param('axis').label}"
    return k


def _panel(panel: Panel) -> str:
    ops = [o for o in panel.operations if o.kind not in (OpKind.COPY, OpKind.DELETE)]
    parts = [_op(o) for o in ops[:_MAX_OPS]]
    if len(ops) > _MAX_OPS:
        parts.append(f"and {len(ops) - _MAX_OPS} more operations")
    text = panel.signature
    if parts:
        text += "; " + ", ".join(parts)
    return text


def describe(diagram: Diagram) -> str:
    """A one-paragraph description for screen readers and text builders."""
    head = "Neural circuit diagram"
    if diagram.title:
        head += f" '{diagram.title}'"
    body = " = ".join(_panel(p) for p in diagram.panels)
    if diagram.main.header is not None:
        h = diagram.main.header
        head += f" of block {h.name}({', '.join(h.params)})"
    return f"{head}: {body}."
