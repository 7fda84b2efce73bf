"""Check (stage: Diagram + PyTorch code -> ShapeReport): one run's outcome as the worker's answer.

Inside the worker's check child.  :func:`verdict` turns a completed run
(:class:`~sphinx_ncd.checking.engine.Attempt`) into the JSON answer the build
reads (status, assumptions, fixed sizes, per-box verdicts, notes);
:func:`code_error` and :func:`ncd_error` turn an exception into a located
problem; :func:`short` names an exception in one line for a note.
"""
from __future__ import annotations

import os

__all__ = ["verdict", "code_error", "ncd_error", "short", "is_data_dependent", "msg_unused", "unused_params"]

_DATA_DEPENDENT = ("DataDependentOutputException", "DynamicOutputShapeException",
                   "GuardOnDataDependentSymNode", "UnsupportedOperatorException")


def is_data_dependent(exc: BaseException) -> bool:
    names = {c.__name__ for c in type(exc).__mro__}
    return bool(names & set(_DATA_DEPENDENT)) or "data-dependent" in str(exc).lower()


def code_error(exc: BaseException, files, op=None, backend=None) -> dict:
    """An exception the user's code raised, at the user's own frame (``files``) when there is one."""
    from .codeload import user_frame
    from .. import messages as msg

    if isinstance(exc, MemoryError) or "can't allocate memory" in str(exc):
        limit = int(os.environ.get("NCD_CHECK_MEMORY_MB", "0"))
        return {"message": msg.CHECK_MEMORY.format(limit=limit), "hint": None, "code_location": "",
                "op": op, "kind": "memory", "restart": True, "about": "code" if op is None else None}
    frame = user_frame(exc, files)
    where = f"{frame[0]}:{frame[1]}" if frame else "?"
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if backend is not None and hasattr(backend, "rename"):
        first = backend.rename(first)
    text = (msg.CHECK_USER_RAISED.format(exc=type(exc).__name__, text=first, where=where) if frame
            else msg.CHECK_USER_RAISED_NOWHERE.format(exc=type(exc).__name__, text=first))
    return {"message": text,
            "hint": None, "code_location": where if frame else "",
            "code_file": frame[0] if frame else None, "code_line": frame[1] if frame else None,
            "code_text": frame[2] if frame else "", "op": op, "kind": "exec"}


def ncd_error(err) -> dict:
    """A located :class:`~sphinx_ncd.errors.NCDError` about the code (loading it, a binding)."""
    out = {"message": err.message, "hint": err.hint, "code_location": getattr(err, "code_location", ""),
           "op": None, "kind": err.kind}
    frame = getattr(err, "code_frame", None)
    if frame:
        # the hint quoted the user's line, which the span now shows; a hint of another kind stays
        out.update(code_file=frame[0], code_line=frame[1], code_text=frame[2], hint=None if frame[2] else err.hint)
    return out


def msg_unused(names) -> str:
    from .. import messages as msg

    return msg.CHECK_UNUSED_PARAMS.format(names=", ".join(names))


def unused_params(plan: dict) -> list[str]:
    """Block parameters neither drawn on a wire nor passed to the code: the check says nothing of them."""
    import re

    wires = set()
    for seg in plan["inputs"] + plan["outputs"] + [s for b in plan["boxes"] for s in b["inputs"] + b["outputs"]]:
        for d in seg["dims"]:
            wires.update(re.findall(r"[A-Za-z_]\w*", d))
    used = set(plan.get("used", ()))
    return [p for p in plan["params"] if p not in wires and p not in used]


def verdict(plan: dict, att, backend, method: str, notes: list) -> dict:
    """The answer for a run that completed (or stopped at a box that disagreed)."""
    extra = backend.finish() if att.exception is None else {}
    mismatch = None
    boxes = []
    for b in att.boxes:
        boxes.append(b)
        if b["status"] == "mismatch" and mismatch is None and not b.get("bias") and not b.get("setting"):
            mismatch = b
    if att.diagram is not None and att.diagram["status"] == "mismatch" and mismatch is None:
        mismatch = {**att.diagram, "op": None}
    if mismatch is None:  # shapes agree everywhere: a box whose bias disagrees is the mismatch
        mismatch = next((b for b in boxes if b["status"] == "mismatch"), None)
    assumptions = extra.get("assumptions", [])
    fixed = dict(extra.get("fixed", {}))
    for name, value in (plan.get("literals") or {}).items():  # a number in the call holds at that number only
        fixed.setdefault(name, value)
    if getattr(backend, "symbolic_build", True) is False:
        _built_with_ints(plan, backend, fixed, notes)
    config = extra.get("config", [])
    if mismatch is not None:
        status = "mismatch"
    elif method == "symbolic":
        status = "proved_if" if assumptions else "proved"
        given = set(plan["given"])
        if status == "proved" and all(n in fixed for n in backend.hints) and any(n not in given for n in fixed):
            status = "checked"  # the code read every size's value: only the samples were tried
            notes.append("the code fixed every size (it reads their values), so only the sample sizes were tried")
    else:
        status = "checked"
    for b in boxes:
        if b["status"] == "ok":
            b["status"] = status if status != "mismatch" else ("proved" if method == "symbolic" else "checked")
    diagram = att.diagram or {}
    unused = unused_params(plan)
    if unused and status in ("proved", "proved_if"):
        notes.append(msg_unused(unused))
    return {"status": status, "method": method, "assumptions": assumptions, "fixed": fixed, "config": config,
            "unused": unused,
            "bounds": extra.get("bounds", []),
            "sizes": backend.hints, "boxes": boxes, "mismatch": mismatch,
            "diagram": {k: diagram.get(k, "") for k in ("status", "expected", "got", "detail")},
            "notes": notes}


def _built_with_ints(plan: dict, backend, fixed: dict, notes: list) -> None:
    """Built with plain ints: every size the constructor was given (its parameters, the names its call
    passes) holds only at its sample, so it is fixed, never "for every"."""
    given = [p for p in list(plan["params"]) + [u for u in plan.get("used", ()) if u not in plan["params"]]
             if p in backend.hints]
    for p in given:
        fixed.setdefault(p, backend.hints[p])
    if given:
        shown = plan.get("display") or {}
        notes.append("built with concrete sizes (its constructor needs plain ints), so "
                     + ", ".join(shown.get(p, p) for p in given) + " are fixed")


def short(exc: BaseException, files=frozenset(), backend=None) -> str:
    """One line naming an exception, for a note (why a fallback ran), sizes in the diagram's names."""
    from .codeload import user_frame

    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if backend is not None and hasattr(backend, "rename"):
        first = backend.rename(first)
    frame = user_frame(exc, set(files))
    where = f" at {frame[0]}:{frame[1]}" if frame else ""
    if "_local_scalar_dense" in first or "data-dependent" in first.lower():
        return "a Python number taken from a tensor: .item(), int(), float(), bool() or .tolist()" + where
    if "nonzero" in first or "dynamic output shape" in first.lower():
        return "an operation whose output shape depends on values" + where
    return f"{type(exc).__name__}: {first[:120]}{where}"

