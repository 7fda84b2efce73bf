"""Check (stage: Diagram + PyTorch code -> ShapeReport): the public entry point.

:func:`check` turns the diagram into a plan, looks the verdict up in the
cache, otherwise asks the build's worker subprocess to run the code, and
builds a :class:`~sphinx_ncd.checking.report.ShapeReport` whose failures are
located in the diagram's source (the bound box's statement).  No torch here.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import threading

from .. import messages as msg
from ..errors import NCDError, Span
from ..model.types import Diagram
from .cache import VerdictCache, cache_key, code_fingerprint
from .codeload import looks_like_path, parse_spec
from .plan import CheckPlan, make_plan
from .report import BoxVerdict, ShapeReport
from .worker import Worker, WorkerDied, WorkerTimeout, default_worker

__all__ = ["check", "MODES"]

MODES = ("auto", "symbolic", "fake", "dynamic", "real")
_METHOD_TEXT = {"symbolic": "symbolic fake tensors", "fake": "fake tensors", "real": "real tensors",
                "dynamic": "fake tensors with data-dependent shapes"}

_CACHES: dict[tuple, VerdictCache] = {}
_CACHES_LOCK = threading.Lock()


def _cache_for(directory) -> VerdictCache:
    key = (os.getpid(), str(directory) if directory else None)
    with _CACHES_LOCK:
        if key not in _CACHES:
            _CACHES[key] = VerdictCache(directory)
        return _CACHES[key]


def check(diagram: Diagram, code: str, sizes: dict | None = None, *, mode: str = "auto", timeout: float = 30.0,
          namespace: dict | None = None, filename: str | None = None, name: str | None = None,
          path=(), cache_dir=None, use_cache: bool = True, worker: Worker | None = None) -> ShapeReport:
    """Run ``code`` on tensors shaped like ``diagram`` and say whether the shapes agree.

    ``code`` is an import spec (``"pkg.mod:Model(m=m, k=16)"``) or Python source
    defining the model (``name`` picks the object; default: the last
    ``nn.Module`` class, else the last function).  ``sizes`` adds to or
    overrides the spec's ``sizes``.  ``mode``: ``auto`` (symbolic, then
    fallbacks), ``symbolic``, ``fake``, ``dynamic`` or ``real``.  ``filename``
    names embedded code in tracebacks; ``path`` lists directories to import
    from; ``cache_dir`` keeps verdicts on disk.
    """
    if mode not in MODES:
        raise NCDError(msg.CHECK_BAD_MODE.format(mode=mode), None, kind="config",
                       hint=msg.CHECK_BAD_MODE_HINT.format(modes=", ".join(MODES)))
    plan = make_plan(diagram, sizes)
    if isinstance(code, str) and looks_like_path(code) and os.path.exists(code.strip()):
        code, filename = _read_code_file(code.strip()), filename or code.strip()
    desc = parse_spec(code, name)
    label = _code_label(code, desc, filename)
    search = [os.path.abspath(p) for p in path] + [os.getcwd()]
    given = {k: v for k, v in plan.hints if k in plan.given}

    if importlib.util.find_spec("torch") is None:
        return _build(diagram, plan, {"status": "not_checked", "reason": msg.CHECK_NO_TORCH}, code=label,
                      filename=filename, first=_first_line(desc))

    key = None
    cache = _cache_for(cache_dir)
    fingerprint = code_fingerprint(desc, search)
    if desc["kind"] == "import":
        desc = dict(desc, fingerprint=fingerprint)
    if use_cache:
        key = cache_key(source=diagram.source, desc=desc, fingerprint=fingerprint,
                        mode=mode, sizes=given, namespace=namespace, name=name)
        hit = cache.get(key)
        if hit is not None:
            return _build(diagram, plan, hit, cached=True, code=label, filename=filename, first=_first_line(desc))

    worker = worker or default_worker()
    request = {"op": "check", "plan": plan.as_json(), "code": desc, "mode": mode, "filename": filename,
               "namespace": namespace or {}, "path": search, "sys_path": [p for p in sys.path if p]}
    try:
        result = worker.request(request, timeout)
    except WorkerTimeout:
        result = {"status": "error", "error": {"message": msg.CHECK_TIMEOUT.format(seconds=timeout),
                                               "kind": "timeout", "about": "code"}, "transient": True}
    except WorkerDied as died:
        text = (msg.CHECK_MEMORY.format(limit=worker.memory_mb) if died.reason == "out of memory"
                else msg.CHECK_WORKER_DIED.format(reason=died.reason))
        result = {"status": "error", "error": {"message": text, "kind": "crash", "about": "code"},
                  "transient": True}
    if result.get("status") == "not_checked" and result.get("reason") == msg.CHECK_NO_TORCH:
        result["transient"] = True
    if use_cache and not result.get("transient") and not (result.get("error") or {}).get("restart"):
        cache.put(key, result)
    return _build(diagram, plan, result, code=label, filename=filename, first=_first_line(desc))


def _read_code_file(path: str) -> str:
    from ..safeio import read_text_file

    try:  # never waits on a FIFO; a directory or a huge file is a clear error
        return read_text_file(path, allow_stream=True)
    except NCDError as err:
        reason = err.message
        for prefix in (f"cannot read {path}: ", f"{path} "):
            reason = reason.removeprefix(prefix)
        raise NCDError(msg.CHECK_CANNOT_READ_FILE.format(path=path, reason=reason), None, kind="io") from None


def _code_label(code: str, desc: dict, filename: str | None) -> str:
    """How messages name the code: the import spec as written, or the embedded code's file."""
    if desc["kind"] == "import":
        return f"'{code.strip()}'"
    return f"'{filename}'" if filename else "embedded"


def _first_line(desc: dict) -> tuple[int, str]:
    """The first line of embedded code that says something: (line number, text)."""
    if desc["kind"] != "source":
        return 1, ""
    for i, line in enumerate(desc["text"].splitlines(), 1):
        if line.strip() and not line.strip().startswith("#"):
            return i, line
    return 1, ""


def _code_span(e: dict, filename: str | None, first: tuple[int, str] = (1, "")) -> Span | None:
    """Where a problem with the code itself is: the user's line, the module's file, the embedding file."""
    if e.get("code_file") and not str(e["code_file"]).startswith("<"):
        text = e.get("code_text") or ""
        column = len(text) - len(text.lstrip()) + 1
        return Span(e["code_file"], int(e.get("code_line") or 1), column, max(1, len(text.strip())), text)
    if filename and not filename.startswith("<"):
        line, text = first
        column = len(text) - len(text.lstrip()) + 1
        return Span(filename, line, column, max(1, len(text.strip())), text)
    return None


# --- turning the worker's answer into a located report -------------------------


def _diagram_span(diagram: Diagram, where: str = "inputs") -> Span | None:
    """Where a whole-diagram verdict points: its outputs (a mismatch) or its inputs (a failed run)."""
    panel = diagram.main
    for v in getattr(panel, where):
        if v.span is not None:
            return v.span
    if panel.span is not None:
        return panel.span
    lines = diagram.source.splitlines()
    for i, line in enumerate(lines):
        if line.strip() and not line.strip().startswith("#"):
            return Span(diagram.filename, i + 1, len(line) - len(line.lstrip()) + 1,
                        len(line.strip()), line)
    return Span(diagram.filename, 1, 1)


def _binding_span(span: Span, binding: str | None) -> Span:
    """Narrow a statement's span to its ``[binding]``, when the line shows it."""
    needle = f"[{binding}]"
    at = span.text.find(needle) if binding and span.text else -1
    if at < 0:
        return span
    return Span(span.file, span.line, at + 1, len(needle), span.text)


def _names(text: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z_]\w*", text)) - {"divisible", "by", "mod"}


def _build(diagram: Diagram, plan: CheckPlan, r: dict, cached: bool = False, code: str = "embedded",
           filename: str | None = None, first: tuple[int, str] = (1, "")) -> ShapeReport:
    back = plan.original  # the worker knows sizes by identifiers; the report uses the diagram's names
    r = dict(r)
    for key in ("sizes", "fixed"):
        if isinstance(r.get(key), dict):
            r[key] = {back(k): v for k, v in r[key].items()}
    r["unused"] = [back(n) for n in r.get("unused", ())]
    ops = {op.id: op for op in plan.ops}
    bindings = {b["op"]: b["binding"] for b in plan.boxes}
    status = r.get("status", "error")
    sizes = tuple(sorted((r.get("sizes") or {}).items(), key=lambda kv: plan.symbols.index(kv[0])
                         if kv[0] in plan.symbols else 0))
    boxes = []
    seen = set()
    for b in r.get("boxes", []):
        op = ops.get(b["op"])
        seen.add(b["op"])
        boxes.append(BoxVerdict(
            op_id=b["op"], binding=bindings.get(b["op"]), label=op.label if op else "", status=b["status"],
            expected=b.get("expected", ""), got=b.get("got", ""), detail=b.get("detail", ""),
            span=op.span if op else None))
    for op in plan.ops:  # boxes the run never reached
        if op.id not in seen:
            boxes.append(BoxVerdict(op.id, bindings.get(op.id), op.label, "not_checked", span=op.span,
                                    expected=op.signature))
    mismatch = None
    m = r.get("mismatch")
    if m:
        if m.get("op") is None:
            mismatch = BoxVerdict(None, None, "diagram", "mismatch", m.get("expected", ""), m.get("got", ""),
                                  m.get("detail", ""), _diagram_span(diagram, "outputs"))
        else:
            mismatch = next((b for b in boxes if b.op_id == m["op"]), None)
    assumptions = tuple(r.get("assumptions", ()))
    fixed = r.get("fixed", {}) or {}
    notes = list(r.get("notes", ()))
    if len(diagram.panels) > 1:
        notes.append(msg.CHECK_FIRST_PANEL.format(n=len(diagram.panels)))
    error = None
    location = None
    code_location = ""
    if status == "mismatch" and mismatch is not None:
        summary = msg.CHECK_MISMATCH.format(box=mismatch.name, expected=mismatch.expected, got=mismatch.got)
        error = NCDError(summary, mismatch.span, kind="shape", hint=mismatch.detail or None)
    elif status == "proved" and not plan.symbols:
        summary = msg.CHECK_PROVED_STATIC
    elif status == "proved":
        config = list(r.get("config", ()))
        tied = {n for c in config for n in _names(c)} | set(r.get("unused", ()))
        free = [s for s in plan.symbols if s not in fixed and s not in tied]
        at_given = ", ".join([f"{k}={v}" for k, v in fixed.items() if k in plan.given] + config)
        at_sample = ", ".join(f"{k}={v}" for k, v in fixed.items() if k not in plan.given)
        if not free:
            every = ", ".join(f"{k}={v}" for k, v in plan.hints if k not in tied)
            summary = msg.CHECK_PROVED_ALL_FIXED.format(fixed=", ".join(x for x in (every, ", ".join(config)) if x))
        else:
            summary = msg.CHECK_PROVED.format(free=", ".join(free))
            extra = [f"with {at_given}"] if at_given else []
            if at_sample:
                extra.append(msg.CHECK_SAMPLE_ONLY.format(fixed=at_sample))
            if extra:
                summary += " (" + "; ".join(extra) + ")"
    elif status == "proved_if":
        summary = msg.CHECK_PROVED_IF.format(assumptions="; ".join(assumptions))
        if fixed:
            notes.append(msg.CHECK_SPECIALIZED.format(fixed=", ".join(f"{k}={v}" for k, v in fixed.items())))
    elif status == "checked":
        summary = msg.CHECK_CHECKED.format(sizes=" ".join(f"{k}={v}" for k, v in sizes) or "(no sizes)",
                                           method=_METHOD_TEXT.get(r.get("method"), r.get("method", "")))
    elif status == "not_checked":
        summary = msg.CHECK_NOT_CHECKED.format(reason=r.get("reason", "unknown"))
    else:
        status = "error"
        e = r.get("error") or {}
        summary = msg.CHECK_ERROR.format(reason=e.get("message", "unknown"))
        code_location = e.get("code_location", "") or ""
        op = ops.get(e.get("op")) if e.get("op") is not None else None
        message = e.get("message", "check failed")
        if e.get("about") == "code" and op is None:
            # about the code itself (no such module or object, a timeout): never a line of the diagram
            span = _code_span(e, filename, first)
            location = None
            if span is None or not span.text:
                message = msg.CHECK_ABOUT_CODE.format(message=message, code=code)
            error = NCDError(message, span, kind="exec", hint=e.get("hint"))
        else:
            span = op.span if op is not None and op.span is not None else _diagram_span(diagram)
            location = span
        if error is not None:
            pass
        elif e.get("code_file"):  # an exception in the user's code: point at their line
            text = e.get("code_text") or ""
            column = len(text) - len(text.lstrip()) + 1
            if span is not None:
                message += " " + msg.CHECK_WHILE.format(where=f"{span.file}:{span.line}")
            span = Span(e["code_file"], int(e["code_line"]), column, max(1, len(text.strip())), text)
        if error is not None:
            pass
        elif e.get("kind") == "binding" and op is not None and span is not None:
            span = _binding_span(span, op.binding)
        if error is None:
            error = NCDError(message, span, kind="exec", hint=e.get("hint"))
        if e.get("kind") == "binding" and op is not None:
            for i, bx in enumerate(boxes):
                if bx.op_id == op.id:
                    boxes[i] = BoxVerdict(bx.op_id, bx.binding, bx.label, "error", bx.expected, "",
                                          e.get("message", ""), bx.span)
    if fixed and status == "proved" and not any("fixes" in n for n in notes):
        pass  # already in the summary
    return ShapeReport(
        status=status, summary=summary, assumptions=assumptions, sizes=sizes, boxes=tuple(boxes),
        mismatch=mismatch if status == "mismatch" else None, error=error, method=r.get("method", "") or "",
        code_location=code_location, location=location if error is not None and error.span is not location else None,
        cached=cached, seconds=float(r.get("seconds", 0.0) or 0.0),
        notes=tuple(notes), producer=_producer(diagram) if mismatch is not None and mismatch.op_id is None else None,
    )


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
