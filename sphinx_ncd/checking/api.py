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
from ..errors import NCDError
from ..model.types import Diagram
from .cache import VerdictCache, cache_key, code_fingerprint
from .codeload import literal_sizes, looks_like_path, parse_spec
from .plan import CheckPlan, make_plan
from .answer import Answer
from .assemble import assemble
from .report import MODES, ShapeReport
from .worker import Worker, WorkerDied, WorkerTimeout, default_worker

__all__ = ["check", "MODES"]


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
    literals = literal_sizes(desc)
    adopted = {k: v for k, v in literals.items() if k in plan.symbols and k not in plan.given}
    if adopted:  # MLP(d=512): the call fixes the diagram's d; prove at that size, and say so
        plan = make_plan(diagram, {**(sizes or {}), **adopted})
    label = _code_label(code, desc, filename)
    search = [os.path.abspath(p) for p in path] + [os.getcwd()]
    given = {k: v for k, v in plan.hints if k in plan.given}

    if importlib.util.find_spec("torch") is None:
        return _report(diagram, plan, {"status": "not_checked", "reason": msg.CHECK_NO_TORCH}, code=label,
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
            hit = _explain_literals(hit, literals, adopted)
            return _report(diagram, plan, hit, cached=True, code=label, filename=filename, first=_first_line(desc))

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
    result = _explain_literals(result, literals, adopted)
    return _report(diagram, plan, result, code=label, filename=filename, first=_first_line(desc))


def _explain_literals(result: dict, literals: dict, adopted: dict) -> dict:
    """Say which sizes the call's numbers fixed; when the code failed with numbers the diagram leaves free,
    say how to pass them (not a fault of the code)."""
    result = dict(result)
    if adopted:
        fixed = ", ".join(f"{k}={v}" for k, v in adopted.items())
        result["notes"] = list(result.get("notes", ())) + [msg.CHECK_LITERAL_ADOPTED.format(sizes=fixed)]
    rest = {k: v for k, v in literals.items() if k not in adopted}
    if rest and result.get("status") == "error" and (result.get("error") or {}).get("kind") == "exec":
        err = dict(result["error"])
        name = next(iter(rest))
        err["hint"] = msg.CHECK_LITERAL_SIZES_HINT.format(
            sizes=", ".join(f"{k}={v}" for k, v in rest.items()),
            given=" ".join(f"AXIS={v}" for v in rest.values()), example=f"{name}=AXIS")
        result["error"] = err
    return result


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


def _report(diagram: Diagram, plan: CheckPlan, raw: dict, **where) -> ShapeReport:
    return assemble(diagram, plan, Answer.read(raw, plan.original), **where)
