"""Check (stage: Diagram + PyTorch code -> ValueReport): variants of the reference that explain a difference.

A shape check cannot see an operation on the wrong axis of a square tensor or
heads split as ``(h k)`` where the diagram says ``(k h)``: the shapes are the
same.  Each variant here is the reference module generated with one such change
(a softmax over another axis; a learned box's output or input flattened in
another order, alone or at every box with the same group), with the sentence
that says so.  The worker runs them only when the values differ; the first that
matches the code everywhere names the mistake and its box.  No torch here.
"""
from __future__ import annotations

import itertools

from .. import messages as msg
from ..codegen import generate
from ..codegen.adapter import read_panel
from ..errors import NCDError
from ..model.types import OpKind

__all__ = ["variants", "box_name", "MAX_VARIANTS"]

MAX_VARIANTS = 24


def box_name(step_or_op) -> str:
    """How the verdict names a box: ``L^O[Lo]`` when bound, else the value it writes (``A``)."""
    label = step_or_op.label
    if step_or_op.kind == OpKind.CONV:
        label = "convT" if "^T" in label else "conv"
    elif step_or_op.kind == OpKind.POOL:
        label = "maxpool" if label == "Max" else "avgpool"
    elif step_or_op.kind in (OpKind.MASK, OpKind.ROTARY, OpKind.TOPK, OpKind.GATHER, OpKind.SCATTER):
        label = step_or_op.kind  # the word written (mask, rotary ...), not the label drawn (Causal, RoPE ...)
    if step_or_op.binding:
        return f"{label}[{step_or_op.binding}]"
    if step_or_op.outputs:
        return step_or_op.outputs[0].name
    return step_or_op.label or step_or_op.kind


def _softmax(step):
    over = step.core_in[0][0]
    for ax in step.inputs[0].axes:
        if ax.label != over.label:
            text = msg.VALUES_SOFTMAX.format(box=box_name(step), axis=over.label, other=ax.label)
            yield {step.op_id: {"over": ax}}, step.op_id, text


def _orders(axes):
    labels = [a.label for a in axes]
    for perm in itertools.permutations(range(len(axes))):
        if list(perm) != list(range(len(axes))):
            yield perm, " ".join(labels), " ".join(labels[i] for i in perm)


def _groups(steps):
    """Single-box group reorders, and the same reorder at every box with that group."""
    singles, joint = [], {}
    for step in steps:
        if step.kind != OpKind.LEARNED or len(step.inputs) != 1:
            continue
        for key, axes, template in (("out_order", step.core_out[0], msg.VALUES_GROUP_OUT),
                                    ("in_order", step.core_in[0], msg.VALUES_GROUP_IN)):
            if len(axes) < 2 or len(axes) > 3:
                continue
            for perm, order, other in _orders(axes):
                text = template.format(box=box_name(step), order=order, other=other)
                singles.append(({step.op_id: {key: perm}}, step.op_id, text))
                joint.setdefault((order, other), []).append((step, key, perm, text))
    out = list(singles)
    for members in joint.values():
        if len(members) < 2:
            continue
        mutation: dict = {}
        for step, key, perm, _ in members:
            mutation.setdefault(step.op_id, {})[key] = perm
        first = members[0]
        also = ", ".join(box_name(m[0]) for m in members[1:])
        out.append((mutation, first[0].op_id, first[3] + msg.VALUES_ALSO.format(boxes=also)))
    # joint reorders first: when the code is consistent, only they match it everywhere
    return [v for v in out if len(v[0]) > 1] + [v for v in out if len(v[0]) == 1]


def variants(diagram) -> list[dict]:
    """``[{"op", "text", "source"}]``: the reference with one change each, at most MAX_VARIANTS."""
    steps = read_panel(diagram.main)
    candidates = []
    for step in steps:
        if step.kind == OpKind.SOFTMAX:
            candidates.extend(_softmax(step))
    candidates.extend(_groups(steps))
    out = []
    for mutation, op_id, text in candidates[:MAX_VARIANTS]:
        try:
            source = generate(diagram, mutations=mutation).source
        except NCDError:
            continue
        out.append({"op": op_id, "text": text, "source": source})
    return out
