"""Check (stage: Diagram + PyTorch code -> ShapeReport): the report, from the worker's typed answer.

:func:`assemble` turns an :class:`~sphinx_ncd.checking.answer.Answer` into a
:class:`~sphinx_ncd.checking.report.ShapeReport` whose every problem is located:
a mismatch at the box's statement, a failure in user code at the user's line, a
problem with the code itself at the code.  Boxes are named as the user wrote
them (``L+[fc1]``, ``conv+[c1]``, ``MLP(m, 2m)[mlp]``), never by their TeX label.
No torch here.
"""
from __future__ import annotations

import dataclasses
import re

from .. import messages as msg
from ..errors import NCDError, Span
from ..model.types import Diagram, OpKind, Operation
from .answer import Answer, BoxAnswer, Problem
from .plan import CheckPlan
from .report import STATUSES, BoxVerdict, ShapeReport
from .wording import in_user_names, passed_by_name

__all__ = ["assemble", "written_name"]

_METHOD_TEXT = {"symbolic": "symbolic fake tensors", "fake": "fake tensors", "real": "real tensors",
                "dynamic": "fake tensors with data-dependent shapes"}


def written_name(op: Operation, path: str | None) -> str:
    """The box as the user wrote it: ``L+[fc1]`` (``L+[fc1] in mlp`` inside a block bound to ``mlp``)."""
    binding = op.binding or ""
    text = op.span.text if op.span is not None and op.span.text else ""
    at = text.find(f"[{binding}]") if binding else -1
    if at >= 0:
        lhs = re.match(r"\s*[A-Za-z_][\w,\s']*=(?!=)", text)  # "Y = ", "P, Q = "
        head = text[lhs.end() if lhs and lhs.end() <= at else 0:at].strip()
        head = head[len("expand "):] if head.startswith("expand ") else head
        name = f"{head}[{binding}]"
    else:
        word = {OpKind.CONV: "conv", OpKind.NORM: "norm", OpKind.MASK: "mask", OpKind.ROTARY: "rotary",
                OpKind.CHUNK: "chunk", OpKind.TOPK: "topk", OpKind.GATHER: "gather",
                OpKind.SCATTER: "scatter"}.get(op.kind) or re.sub(r"\\[A-Za-z]+|[{}]", "", op.label)
        name = f"{word}[{binding}]" if binding else word or f"op {op.id}"
    if path and binding and path != binding and path.endswith("." + binding):
        name += f" in {path[: -len(binding) - 1]}"
    return name


def user_text(text: str, tandem) -> str:
    """Messages in the names the user wrote: a tandem axis's dimensions ``Y_1 Y_2`` (and ``Y_1, Y_2``) are
    ``Y``; one of them alone is ``Y[1]``."""
    for base, rank in tandem:
        for sep in (" ", ", "):
            text = re.sub(r"(?<![\w.])" + re.escape(sep.join(f"{base}_{i}" for i in range(1, rank + 1))) + r"(?![\w])",
                          base, text)
        text = re.sub(rf"(?<![\w.]){re.escape(base)}_(\d+)(?![\w])", rf"{base}[\1]", text)
    return text


class _Index:
    """The plan's boxes by key: the operation, the drawn operation holding it, its binding and name."""

    def __init__(self, plan: CheckPlan):
        self.op = dict(zip(plan.keys, plan.ops))
        self.drawn = dict(zip(plan.keys, plan.drawn))
        self.binding = {b["op"]: b["binding"] for b in plan.boxes}
        self.tandem = plan.tandem

    def verdict(self, key, status, expected="", got="", detail="") -> BoxVerdict:
        op = self.op.get(key)
        shown = lambda text: user_text(text, self.tandem)  # noqa: E731
        return BoxVerdict(self.drawn.get(key, key), self.binding.get(key), op.label if op else "", status,
                          shown(expected), shown(got), shown(detail), op.span if op else None,
                          written=written_name(op, self.binding.get(key)) if op else "")


def assemble(diagram: Diagram, plan: CheckPlan, answer: Answer, *, cached: bool = False, code: str = "embedded",
             filename: str | None = None, first: tuple[int, str] = (1, "")) -> ShapeReport:
    index = _Index(plan)
    answer = in_user_names(answer, diagram, plan)  # got shapes and assumptions as the user writes sizes
    boxes, keys = _boxes(answer, index)
    mismatch = _mismatch(answer.mismatch, boxes, keys, diagram)
    if mismatch is not None and mismatch.op_id is None:
        mismatch = dataclasses.replace(mismatch, **{k: user_text(getattr(mismatch, k), plan.tandem)
                                                    for k in ("expected", "got", "detail")})
    notes = list(answer.notes)
    if len(diagram.panels) > 1:
        notes.append(msg.CHECK_FIRST_PANEL.format(n=len(diagram.panels)))
    status = answer.status if answer.status in STATUSES else "error"
    error, location, code_location = None, None, ""
    if status == "mismatch" and mismatch is not None:
        summary = msg.CHECK_MISMATCH.format(box=mismatch.name, expected=mismatch.expected, got=mismatch.got)
        error = NCDError(summary, mismatch.span, kind="shape", hint=mismatch.detail or None)
    elif status == "proved":
        summary = _proved(plan, answer, passed_by_name(code, plan.given))
    elif status == "proved_if":
        summary = msg.CHECK_PROVED_IF.format(assumptions="; ".join(answer.assumptions))
        if answer.fixed:
            notes.append(msg.CHECK_SPECIALIZED.format(fixed=", ".join(f"{k}={v}" for k, v in answer.fixed.items())))
    elif status == "checked":
        sizes = " ".join(f"{k}={v}" for k, v in _ordered(plan, answer.sizes)) or "(no sizes)"
        summary = msg.CHECK_CHECKED.format(sizes=sizes, method=_METHOD_TEXT.get(answer.method, answer.method))
    elif status == "not_checked":
        summary = msg.CHECK_NOT_CHECKED.format(reason=answer.reason)
    else:
        status = "error"
        problem = answer.problem or Problem("unknown")
        summary = msg.CHECK_ERROR.format(reason=problem.message)
        code_location = problem.code_location
        error, location = _failure(problem, index, diagram, code, filename, first)
        if problem.kind == "binding" and problem.key in keys:
            i = keys.index(problem.key)
            boxes[i] = index.verdict(problem.key, "error", boxes[i].expected, "", problem.message)
    summary = user_text(summary, plan.tandem)
    return ShapeReport(
        status=status, summary=summary, assumptions=tuple(user_text(a, plan.tandem) for a in answer.assumptions), sizes=_ordered(plan, answer.sizes),
        boxes=tuple(boxes), mismatch=mismatch if status == "mismatch" else None, error=error,
        method=answer.method, code_location=code_location,
        location=location if error is not None and error.span is not location else None,
        cached=cached, seconds=answer.seconds, notes=tuple(notes),
        producer=_producer(diagram) if mismatch is not None and mismatch.op_id is None else None,
        findings=_findings(answer.assumptions, plan) if status == "proved_if" else (),
        cpu_seconds=0.0 if cached else answer.cpu_seconds)


def _boxes(answer: Answer, index: _Index) -> tuple[list[BoxVerdict], list]:
    """One verdict per bound box, in the worker's order, then the boxes the run never reached."""
    boxes, keys = [], []
    for b in answer.boxes:
        keys.append(b.key)
        boxes.append(index.verdict(b.key, b.status, b.expected, b.got, b.detail))
    for key, op in index.op.items():
        if key not in keys:
            keys.append(key)
            boxes.append(index.verdict(key, "not_checked", expected=op.signature))
    return boxes, keys


def _mismatch(m: BoxAnswer | None, boxes, keys, diagram: Diagram) -> BoxVerdict | None:
    if m is None:
        return None
    if m.key is None:
        return BoxVerdict(None, None, "diagram", "mismatch", m.expected, m.got, m.detail,
                          _diagram_span(diagram, "outputs"))  # the caller shows it in the user's names
    return next((b for b, k in zip(boxes, keys) if k == m.key), None)


def _ordered(plan: CheckPlan, sizes: dict) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(sizes.items(), key=lambda kv: plan.symbols.index(kv[0]) if kv[0] in plan.symbols else 0))


def _names(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_]\w*", text)) - {"divisible", "by", "mod"}


def _proved(plan: CheckPlan, answer: Answer, passed: set = frozenset()) -> str:
    """"proved for every b, t, d" with the sizes the proof holds at, when some were fixed.  A size the user
    gave that the call passes by name (``Attn(n_embd=d)`` with d=35) is the model's configuration: shown at
    its value, never as free (a wire's size given only for display stays free: the proof covers it)."""
    if not plan.symbols:
        return msg.CHECK_PROVED_STATIC
    fixed = answer.fixed
    config = [c for c in answer.config if not _names(c) <= set(fixed)]  # k·h = 64 says nothing once k, h are fixed
    tied = {n for c in config for n in _names(c)} | set(answer.unused)
    free = [s for s in plan.symbols if s not in fixed and s not in tied and s not in passed]
    passed = {k: v for k, v in plan.hints if k in passed and k not in fixed and k not in tied}
    at_given = ", ".join([f"{k}={v}" for k, v in {**fixed, **passed}.items() if k in plan.given] + config)
    at_sample = ", ".join(f"{k}={v}" for k, v in fixed.items() if k not in plan.given)
    if not free:
        every = ", ".join(f"{k}={v}" for k, v in plan.hints if k not in tied)
        return msg.CHECK_PROVED_ALL_FIXED.format(fixed=", ".join(x for x in (every, ", ".join(config)) if x))
    summary = msg.CHECK_PROVED.format(free=", ".join(free))
    extra = [f"with {at_given}"] if at_given else []
    if at_sample:
        extra.append(msg.CHECK_SAMPLE_ONLY.format(fixed=at_sample))
    return summary + (" (" + "; ".join(extra) + ")" if extra else "")


def _findings(assumptions, plan: CheckPlan) -> tuple[str, ...]:
    """Assumptions that equate two independent axes of the diagram (``t = v``): a transpose bug, not a proof."""
    symbols = set(plan.symbols)
    out = []
    for a in assumptions:
        sides = [s.strip() for s in a.split(" = ")]
        if len(sides) == 2 and all(s.isidentifier() and s in symbols for s in sides) and sides[0] != sides[1]:
            out.append(msg.CHECK_FINDING_EQUAL_AXES.format(a=sides[0], b=sides[1]))
    return tuple(out)


def _failure(e: Problem, index: _Index, diagram: Diagram, code: str, filename, first):
    """The located error of a failed check, and the diagram's statement being checked (or None)."""
    op = index.op.get(e.key) if e.key is not None else None
    message = e.message
    if e.about_code and op is None:  # about the code itself (no such module, a timeout): never a diagram line
        span = _code_span(e, filename, first)
        if span is None or not span.text:
            message = msg.CHECK_ABOUT_CODE.format(message=message, code=code)
        return NCDError(message, span, kind="exec", hint=e.hint), None
    span = op.span if op is not None and op.span is not None else _diagram_span(diagram)
    location = span
    if e.code_file:  # an exception in the user's code: point at their line
        column = len(e.code_text) - len(e.code_text.lstrip()) + 1
        if span is not None:
            message += " " + msg.CHECK_WHILE.format(where=f"{span.file}:{span.line}")
        span = Span(e.code_file, e.code_line, column, max(1, len(e.code_text.strip())), e.code_text)
    elif e.kind == "binding" and op is not None and span is not None:
        span = _binding_span(span, op.binding)
    return NCDError(message, span, kind="exec", hint=e.hint), location


def _code_span(e: Problem, filename: str | None, first: tuple[int, str]) -> Span | None:
    """Where a problem with the code itself is: the user's line, the module's file, the embedding file."""
    if e.code_file and not str(e.code_file).startswith("<"):
        column = len(e.code_text) - len(e.code_text.lstrip()) + 1
        return Span(e.code_file, e.code_line, column, max(1, len(e.code_text.strip())), e.code_text)
    if filename and not filename.startswith("<"):
        line, text = first
        column = len(text) - len(text.lstrip()) + 1
        return Span(filename, line, column, max(1, len(text.strip())), text)
    return None


def _diagram_span(diagram: Diagram, where: str = "inputs") -> Span | None:
    """Where a whole-diagram verdict points: its outputs (a mismatch) or its inputs (a failed run)."""
    panel = diagram.main
    for v in getattr(panel, where):
        if v.span is not None:
            return v.span
    if panel.span is not None:
        return panel.span
    for i, line in enumerate(diagram.source.splitlines()):
        if line.strip() and not line.strip().startswith("#"):
            return Span(diagram.filename, i + 1, len(line) - len(line.lstrip()) + 1, len(line.strip()), line)
    return Span(diagram.filename, 1, 1)


def _binding_span(span: Span, binding: str | None) -> Span:
    """Narrow a statement's span to its ``[binding]``, when the line shows it."""
    needle = f"[{binding}]"
    at = span.text.find(needle) if binding and span.text else -1
    if at < 0:
        return span
    return Span(span.file, span.line, at + 1, len(needle), span.text)


def _producer(diagram: Diagram) -> int | None:
    """The operation that writes the diagram's first output (highlighted on a whole-diagram mismatch)."""
    panel = diagram.main
    if not panel.outputs:
        return None
    target = panel.outputs[0].id
    for op in reversed(panel.operations):
        if any(v.id == target for v in op.outputs):
            return op.id
    return None
