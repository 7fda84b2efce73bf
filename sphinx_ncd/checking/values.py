"""Check (stage: Diagram + PyTorch code -> ValueReport): the value check, seen from the build.

``check_values(diagram, code)`` generates the diagram's reference module
(:mod:`sphinx_ncd.codegen`), says which boxes it can give a meaning to (a
learned box needs a binding to match weights through, a generic box a binding
to take its function from), and asks the same worker as the shape check to run
both on seeded float64 inputs (``op: "values"``, answered by
:mod:`sphinx_ncd.checking.values_run`).  The verdict names the first bound box
whose values differ, the largest difference and the axis it lies on, or what
the code does instead (a softmax over another axis).  Verdicts are cached like
shape verdicts.  No torch here.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field

from .. import messages as msg
from ..codegen import generate
from ..codegen.adapter import read_panel
from ..errors import NCDError, Span
from ..model.types import Diagram, OpKind
from .cache import cache_key, code_fingerprint
from .codeload import looks_like_path, parse_spec
from .plan import make_plan
from .values_variants import box_name, variants
from .worker import Worker, WorkerDied, WorkerTimeout, default_worker

__all__ = ["check_values", "ValueReport", "ValueBox"]


@dataclass(frozen=True)
class ValueBox:
    """One bound box's value verdict."""

    op_id: int | None
    name: str
    status: str  # agree | input | output | not_called | count | shape | not_run
    max_diff: float | None = None
    detail: str = ""
    span: Span | None = None

    def line(self) -> str:
        diff = f" (largest difference {self.max_diff:.1e})" if self.max_diff is not None else ""
        text = f"{self.name}: {'values agree' if self.status == 'agree' else 'values differ'}{diff}"
        return text + (f"; {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class ValueReport:
    """What :func:`check_values` returns."""

    status: str  # agree | differ | not_checked | error
    summary: str
    boxes: tuple[ValueBox, ...] = ()
    blamed: int | None = None  # the operation the verdict points at
    error: NCDError | None = None  # located: where the values first differ, or why no verdict
    max_diff: float = 0.0
    sizes: tuple[tuple[str, int], ...] = ()
    cached: bool = False
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    note: str = ""  # a short line drawn beside the blamed box

    @property
    def ok(self) -> bool:
        return self.status == "agree"

    def badge(self) -> str:
        return {"agree": "values agree", "differ": "values differ", "not_checked": "values not checked",
                "error": "value check failed"}[self.status]

    def highlights(self) -> tuple[tuple[int, str], ...]:
        if self.status != "differ" or self.blamed is None:
            return ()
        return ((self.blamed, self.note or self.summary.split(": ", 1)[-1]),)

    def format(self) -> str:
        lines = [f"values: {self.summary}"] + ["  " + b.line() for b in self.boxes]
        lines.extend("  note: " + n for n in self.notes)
        if self.error is not None:
            lines.append(self.error.format())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary


def _not_checked(reason: str, span=None) -> ValueReport:
    summary = msg.VALUES_NOT_CHECKED.format(reason=reason)
    return ValueReport("not_checked", summary, error=NCDError(reason, span, kind="shape"))


def _meanings(diagram: Diagram, generated, hints: dict, extra: dict):
    """(functions as (name, binding), sizes for the constructor) or a not-checked report."""
    steps = {s.op_id: s for s in read_panel(diagram.main)}
    inner = [s for _, panel in diagram.blocks for s in read_panel(panel)]  # a box inside a block used as one
    functions = []
    for name in generated.functions:
        step = next((s for s in list(steps.values()) + inner if (s.kind in (OpKind.FUNCTION, OpKind.NORM, OpKind.ROTARY)
                                                    and name in (s.label, s.binding, "norm"))
                     or (s.kind == OpKind.ELEMENTWISE and s.function == name)), None)
        if step is None or not step.binding:
            return _not_checked(msg.VALUES_NO_MEANING.format(box=name), step.span if step else None)
        functions.append((name, step.binding))
    for op_id, box in generated.unbound:  # in a repetition, or in a block used without a binding
        step = steps[op_id]
        if step.kind == OpKind.BLOCK:
            return _not_checked(msg.VALUES_UNBOUND_BLOCK.format(box=box, where=step.block), step.span)
        return _not_checked(msg.VALUES_UNBOUND_WEIGHTS.format(box=box_name(step)), step.span)
    sizes = {}
    for arg, sym, default in generated.sizes:
        value = extra.get(sym, hints.get(sym, None if sym in generated.indexes + generated.factors else default))
        if value is None:
            return _not_checked(msg.VALUES_NO_VALUE.format(name=sym), diagram.main.span)
        sizes[arg] = int(value)
    return functions, sizes


def check_values(diagram: Diagram, code: str, sizes: dict | None = None, *, timeout: float = 30.0,
                 namespace: dict | None = None, filename: str | None = None, name: str | None = None,
                 path=(), cache_dir=None, use_cache: bool = True, worker: Worker | None = None,
                 seed: int = 0) -> ValueReport:
    """Run ``code`` and the diagram's generated reference on the same inputs and weights; compare."""
    plan = make_plan(diagram, sizes)
    hints = dict(plan.hints)
    try:
        generated = generate(diagram, sizes=sizes)
    except NCDError as err:
        return ValueReport("not_checked", msg.VALUES_NOT_CHECKED.format(reason=err.message), error=err)
    meaning = _meanings(diagram, generated, hints, dict(sizes or {}))
    if isinstance(meaning, ValueReport):
        return meaning
    functions, ref_sizes = meaning
    if isinstance(code, str) and looks_like_path(code) and os.path.exists(code.strip()):
        with open(code.strip(), encoding="utf-8") as f:
            code, filename = f.read(), filename or code.strip()
    desc = parse_spec(code, name)
    if importlib.util.find_spec("torch") is None:
        return ValueReport("not_checked", msg.VALUES_NOT_CHECKED.format(reason=msg.CHECK_NO_TORCH))
    search = [os.path.abspath(p) for p in path] + [os.getcwd()]
    fingerprint = code_fingerprint(desc, search)
    if desc["kind"] == "import":
        desc = dict(desc, fingerprint=fingerprint)
    others = variants(diagram)
    reference = {"source": generated.source, "class_name": generated.class_name, "sizes": ref_sizes,
                 "modules": [[p, o] for p, o, _ in generated.modules], "functions": functions}
    from .api import _cache_for

    cache = _cache_for(cache_dir)
    key = None
    if use_cache:
        blob = "\0".join([diagram.source, generated.source] + [v["source"] for v in others] + [str(seed)])
        key = cache_key(source=hashlib.sha256(blob.encode()).hexdigest(), desc=desc, fingerprint=fingerprint,
                        mode="values", sizes=hints, namespace=namespace, name=name)
        hit = cache.get(key)
        if hit is not None:
            return _report(diagram, plan, hit, seed, cached=True)
    request = {"op": "values", "plan": plan.as_json(), "code": desc, "reference": reference, "variants": others,
               "seed": seed, "filename": filename, "namespace": namespace or {}, "path": search,
               "sys_path": [p for p in sys.path if p]}
    worker = worker or default_worker()
    try:
        result = worker.request(request, timeout)
    except WorkerTimeout:
        result = {"status": "error", "transient": True,
                  "error": {"message": msg.CHECK_TIMEOUT.format(seconds=timeout)}}
    except WorkerDied as died:
        result = {"status": "error", "transient": True,
                  "error": {"message": msg.CHECK_WORKER_DIED.format(reason=died.reason)}}
    if use_cache and not result.get("transient") and result.get("status") in ("agree", "differ"):
        cache.put(key, result)
    return _report(diagram, plan, result, seed)


def _report(diagram, plan, r: dict, seed: int, cached: bool = False) -> ValueReport:
    from .values_report import build_report

    return build_report(diagram, plan, r, seed, cached)
