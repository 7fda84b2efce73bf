"""Check (stage: Diagram + PyTorch code -> ValueReport): the worker's answer as a located report.

The worker speaks in operation ids and bindings; here they become the
diagram's box names and source spans: the verdict points at the box the
explanation names (``A = softmax S over x``), else at the first bound box whose
values differ, else at the diagram's outputs.  No torch here.
"""
from __future__ import annotations

from .. import messages as msg
from ..errors import NCDError, Span
from .values_variants import box_name

__all__ = ["build_report"]


def _ops(diagram):
    return {op.id: op for op in diagram.main.operations}


def _detail(first: dict) -> str:
    status, diff = first.get("status"), first.get("max_diff")
    if status == "not_called":
        return msg.VALUES_NOT_CALLED.format(binding=first.get("binding"))
    if status == "shape":
        return msg.VALUES_SHAPE
    if status == "count":
        return msg.VALUES_COUNT
    if first.get("op") is None:
        text = msg.VALUES_DIAGRAM_DIFFERS.format(diff=diff or 0.0)
    elif status == "input":
        text = msg.VALUES_INPUT_DIFFERS.format(diff=diff or 0.0, value=first.get("value", "")).replace("  ", " ")
    else:
        text = msg.VALUES_OUTPUT_DIFFERS.format(diff=diff or 0.0)
    if first.get("axis"):
        text += msg.VALUES_ONLY_WHERE.format(where=first["axis"])
    return text


def _span_of(diagram, op_id, inner=None):
    """The box's span: a drawn box, or one inside a block (``inner``: the plan's box key -> operation)."""
    op = _ops(diagram).get(op_id) or (inner or {}).get(op_id)
    if op is not None and op.span is not None:
        return op.span
    for v in diagram.main.outputs:
        if v.span is not None:
            return v.span
    return diagram.main.span


def _error(diagram, e: dict, inner=None) -> NCDError:
    span = None
    if e.get("code_file") and not str(e["code_file"]).startswith("<"):
        text = e.get("code_text") or ""
        span = Span(e["code_file"], int(e.get("code_line") or 1), len(text) - len(text.lstrip()) + 1,
                    max(1, len(text.strip())), text)
    elif e.get("op") is not None:
        span = _span_of(diagram, e["op"], inner)
    return NCDError(e.get("message", "value check failed"), span, kind="exec", hint=e.get("hint"))


def build_report(diagram, plan, r: dict, seed: int, cached: bool = False):
    from .values import ValueBox, ValueReport

    ops = _ops(diagram)
    inner = {k: op for k, op in zip(plan.keys, plan.ops) if k not in ops}  # boxes inside blocks
    sizes = tuple((k, int(v)) for k, v in (r.get("sizes") or {}).items())
    seconds = float(r.get("seconds", 0.0) or 0.0)
    status = r.get("status", "error")
    if status == "error":
        e = r.get("error") or {}
        err = _error(diagram, e, inner)
        return ValueReport("error", msg.VALUES_ERROR.format(reason=err.message), error=err, sizes=sizes,
                           cached=cached, seconds=seconds, blamed=dict(zip(plan.keys, plan.drawn)).get(e.get("op"),
                                                                                                e.get("op")))
    boxes = []
    for b in r.get("boxes", ()):
        op = ops.get(b["op"])
        detail = "" if b["status"] in ("agree", "not_run") else _detail(b)
        boxes.append(ValueBox(b["op"], box_name(op) if op else str(b.get("binding")), b["status"],
                              b.get("max_diff"), detail, op.span if op else None))
    largest = float(r.get("max_diff") or 0.0)
    shown = " ".join(f"{k}={v}" for k, v in sizes)
    if status == "agree":
        summary = msg.VALUES_AGREE.format(diff=largest, sizes=shown or "none", seed=seed)
        return ValueReport("agree", summary, tuple(boxes), max_diff=largest, sizes=sizes, cached=cached,
                           seconds=seconds)
    first = r.get("first") or {}
    notes = []
    first_name = box_name(ops[first["op"]]) if first.get("op") in ops else first.get("binding") or "output"
    first_text = _detail(first)
    shared = r.get("shared") or []
    explained = r.get("explained")
    if shared:
        a, b = shared[0]
        blamed = next((op.id for op in diagram.main.operations if op.binding in (a, b)),
                      next((box["op"] for box in plan.boxes if box["binding"] == b), first.get("op")))
        summary = msg.VALUES_DIFFER.format(box=box_name(ops[blamed]) if blamed in ops else b,
                                           detail=msg.VALUES_SHARED.format(a=a, b=b))
        notes.append(msg.VALUES_FIRST_DIFFERENCE.format(box=first_name, detail=first_text))
    elif explained:
        blamed = explained["op"]
        summary = "values differ: " + explained["text"]
        notes.append(msg.VALUES_FIRST_DIFFERENCE.format(box=first_name, detail=first_text))
    else:
        blamed = first.get("op")
        summary = msg.VALUES_DIFFER.format(box=first_name, detail=first_text)
    err = NCDError(summary, _span_of(diagram, blamed, inner), kind="shape")
    blamed = dict(zip(plan.keys, plan.drawn)).get(blamed, blamed)  # a box inside a block: the block's drawn box
    return ValueReport("differ", summary, tuple(boxes), blamed=blamed, error=err, max_diff=largest,
                       sizes=sizes, cached=cached, seconds=seconds, notes=tuple(notes),
                       note=_short(first, shared, explained))


def _short(first: dict, shared, explained) -> str:
    """The line drawn beside the blamed box: what the code does, or where its values part."""
    if shared:
        return msg.VALUES_NOTE_SHARED.format(a=shared[0][0], b=shared[0][1])
    if explained:
        return explained["text"].split("; ", 1)[-1]
    text = msg.VALUES_NOTE_DIFFER.format(diff=first.get("max_diff") or 0.0)
    if first.get("axis"):
        text += msg.VALUES_ONLY_WHERE.format(where=first["axis"])
    return text
