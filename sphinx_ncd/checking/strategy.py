"""Check (stage: Diagram + PyTorch code -> ShapeReport): which runs one check tries, in order.

Inside the worker's check child (:mod:`sphinx_ncd.checking.runner` forks it).
``mode="auto"`` tries symbolic fake tensors (learning sizes the code fixed,
rebuilding with plain ints when the constructor needs them); on failure,
concrete fake tensors at distinct sizes; then symbolic again with every free
size equal (which turns a shape error such as ``att.T @ v`` into the assumption
``y = x``); fake tensors allowing data-dependent shapes when the code reads
tensor values.  ``fake``, ``dynamic`` and ``real`` run that backend only.
Each run is :func:`sphinx_ncd.checking.engine.run_attempt`; its outcome becomes
the answer in :mod:`sphinx_ncd.checking.verdict`.
"""
from __future__ import annotations

import sys

from .verdict import code_error, is_data_dependent, ncd_error, short, verdict

__all__ = ["handle_check"]

_LEARN_ROUNDS = 6  # the code fixed sizes the diagram leaves free (nn.Conv2d(3, 16)): learn them, this often


def handle_check(req: dict) -> dict:
    """Check one diagram; an error torch raised inside a bound box becomes a mismatch at that box."""
    result = _handle_check(req)
    err = result.get("error") or {}
    if (result.get("status") == "error" and err.get("kind") == "exec" and err.get("op") is not None
            and not err.get("code_file")):
        from .engine import _sig
        from .. import messages as msg

        box = next((b for b in req["plan"]["boxes"] if b["op"] == err["op"]), None)
        if box is not None:
            text = err["message"].split(": ", 1)[-1]
            exc = err["message"].split("raised ", 1)[-1].split(":", 1)[0]
            found = {"op": box["op"], "status": "mismatch", "expected": _sig(box), "got": f"a {exc}",
                     "detail": msg.CHECK_USER_RAISED_IN_BOX.format(exc=exc, text=text)}
            result = {**result, "status": "mismatch", "boxes": [found], "mismatch": found, "error": None}
    return result


def _handle_check(req: dict) -> dict:
    check = _load(req)
    if isinstance(check, dict):  # the code could not be loaded
        return check
    mode = req.get("mode", "auto")
    if mode in ("fake", "dynamic", "real"):
        return _only(check, mode)
    return _auto(check, mode)


class _Check:
    """One check's context: the plan, the loaded code, the sample sizes and the notes gathered."""

    def __init__(self, plan: dict, obj, call, user_ns: dict, files):
        self.plan, self.obj, self.call, self.user_ns, self.files = plan, obj, call, user_ns, files
        self.hints = {k: int(v) for k, v in plan["hints"].items()}
        self.notes: list[str] = []
        self.adopted: dict[str, int] = {}  # free sizes a number in the call fixed (n_embd=35: d=35)

    def attempt(self, backend):
        from .engine import run_attempt

        return run_attempt(self.plan, self.obj, self.call, self.user_ns, backend)

    def symbolic(self, hints: dict):
        """One symbolic run at ``hints``: built with symbols, or with plain ints when the constructor
        needs them (``nn.LayerNorm(m)``, ``range(n)``).  Returns (attempt, backend)."""
        backend = _symbolic(hints, self.plan, adopted=self.adopted)
        att = self.attempt(backend)
        if att.construct_error is not None:
            backend = _symbolic(hints, self.plan, build=False, adopted=self.adopted)
            att = self.attempt(backend)
        return att, backend

    def failed(self, att, backend) -> dict | None:
        """The answer when the model could not be built or a binding names nothing; else None."""
        from .. import messages as msg

        if att.construct_error is not None:
            e = code_error(att.construct_error, self.files)
            e["message"] = msg.CHECK_CONSTRUCT_FAILED.format(obj=getattr(self.obj, "__name__", "the model"),
                                                             reason=e["message"])
            e["about"] = "code"  # building the model is about the code, not a place in the diagram
            return {"status": "error", "error": e, "notes": self.notes, "method": backend.method}
        if att.binding_error is not None:
            op, err = att.binding_error
            return {"status": "error", "method": backend.method, "notes": self.notes,
                    "error": {"message": err.message, "hint": err.hint, "code_location": "", "op": op,
                              "kind": "binding"}}
        return None

    def raised(self, method: str, exc, op=None, backend=None) -> dict:
        """The answer when the code raised ``exc`` (while box ``op`` ran)."""
        return {"status": "error", "method": method, "error": code_error(exc, self.files, op, backend),
                "notes": self.notes, "sizes": self.hints}


def _box_mismatch(att) -> bool:
    """A box whose shapes disagreed explains an exception; a bias or a setting never does."""
    return any(b["status"] == "mismatch" and not b.get("bias") and not b.get("setting") for b in att.boxes)


def _load(req: dict):
    """The code loaded and the plan completed with the sizes its construction uses: a :class:`_Check`,
    or the error answer when the code itself cannot be loaded."""
    from .codeload import literal_sizes, load, used_names
    from ..errors import NCDError

    for p in reversed(req.get("path", [])):  # the caller's own directories first
        if p not in sys.path:
            sys.path.insert(0, p)
    for p in req.get("sys_path", []):  # then whatever the build process could import
        if p not in sys.path:
            sys.path.append(p)
    plan, desc = req["plan"], req["code"]
    try:
        obj, user_ns, files = load(desc, req.get("filename"), req.get("namespace"))
    except NCDError as err:  # a problem with the code itself, not with a place in the diagram
        return {"status": "error", "error": {**ncd_error(err), "about": "code"}, "notes": []}
    call = desc.get("call")
    display = plan.get("display") or {}
    back = {display.get(n, n): n for n in plan["symbols"]}
    numbers = literal_sizes(desc)
    literals = {back[k]: v for k, v in numbers.items() if k in back}  # MLP(d=512): d is fixed
    numbers = [(k, v) for k, v in numbers.items() if k not in back]  # n_embd=35: no size of that name
    used = {back[n] for n in used_names(obj, call, list(back))} | set(literals)
    plan = dict(plan, used=sorted(used), literals=literals, numbers=numbers, forward=desc.get("forward"))
    return _Check(plan, obj, call, user_ns, files)


def _only(check: _Check, mode: str) -> dict:
    """One run with the backend ``mode`` names (fake, dynamic or real tensors)."""
    from .fallbacks import DynamicBackend, FakeBackend, RealBackend

    backend = {"fake": FakeBackend, "dynamic": DynamicBackend, "real": RealBackend}[mode](
        check.hints, check.plan.get("display"))
    att = check.attempt(backend)
    bad = check.failed(att, backend)
    if bad:
        return bad
    if att.exception is not None and not _box_mismatch(att):
        return check.raised(mode, att.exception, att.current_op)
    return verdict(check.plan, att, backend, mode, check.notes)


def _auto(check: _Check, mode: str) -> dict:
    """``auto`` and ``symbolic``: symbolic first; for ``auto``, the fallbacks after it."""
    from . import symbolic

    first = None  # the symbolic run's failure: (exception, box, backend)
    if symbolic.available():
        result, first = _symbolic_first(check)
        if result is not None:
            return result
        if mode == "symbolic":
            return check.raised("symbolic", *first)
    elif mode == "symbolic":
        return {"status": "not_checked", "reason": "this torch has no symbolic shapes", "notes": check.notes}
    else:
        check.notes.append("symbolic shapes are unavailable in this torch; used concrete fake tensors")
    if first is not None and is_data_dependent(first[0]):
        return _dynamic(check, first[0])
    return _fallbacks(check, first)


def _symbolic_first(check: _Check):
    """The symbolic run, learning the sizes the code fixed.  Returns (answer or None, failure or None)."""
    att, backend = check.symbolic(check.hints)
    bad = check.failed(att, backend)
    if bad:
        return bad, None
    for _ in range(_LEARN_ROUNDS):
        learned = _learned(att, check.plan, check.hints)
        if not learned:
            break
        check.hints = {**check.hints, **learned}
        att, backend = check.symbolic(check.hints)
        bad = check.failed(att, backend)
        if bad:
            return bad, None
    if att.exception is not None and not _box_mismatch(att):
        att, backend = _adopt_numbers(check, att) or (att, backend)
    if att.exception is None or _box_mismatch(att):
        result = verdict(check.plan, att, backend, "symbolic", check.notes)
        if result.get("bounds"):
            _drop_branches(result, check)
        return result, None
    return None, (att.exception, att.current_op, backend)


def _fallbacks(check: _Check, first) -> dict:
    """After the symbolic run failed (or cannot run): concrete fake tensors, then equal sizes."""
    from . import symbolic
    from .fallbacks import FakeBackend
    from .. import messages as msg

    backend = FakeBackend(check.hints, check.plan.get("display"))
    att = check.attempt(backend)
    bad = check.failed(att, backend)
    if bad:
        return bad
    if att.exception is None:
        if first is not None:
            check.notes.append(msg.CHECK_FALLBACK.format(reason=short(first[0], check.files, first[2]),
                                                         method="concrete fake tensors"))
        return verdict(check.plan, att, backend, "fake", check.notes)
    if is_data_dependent(att.exception):
        return _dynamic(check, att.exception)
    # sizes made equal: a shape error that only equal sizes avoid (att.T @ v) becomes an assumption
    if symbolic.available():
        result = _unified(check)
        if result is not None:
            return result
    if first is not None:
        return check.raised("symbolic", *first)
    return check.raised("fake", att.exception, att.current_op)


def _drop_branches(result: dict, check: _Check) -> None:
    """A bound such as ``b < 16`` may only pick a kernel inside torch: run once past it; if the
    shapes still hold, it is not an assumption of the code."""
    plan, hints = check.plan, check.hints
    divided = plan.get("multiples", {})
    for name, value, text in result.pop("bounds", [])[:3]:
        if name not in hints or text not in result["assumptions"]:
            continue
        if name in divided and not (str(divided[name]).isdigit() and value % int(divided[name]) == 0):
            continue  # a size the diagram divides (e/2, rotary) is tried past the bound if it stays a multiple
        att, _ = check.symbolic({**hints, name: value})
        if (att.exception is None and att.construct_error is None and att.binding_error is None
                and not any(b["status"] == "mismatch" for b in att.boxes)
                and (att.diagram or {}).get("status") != "mismatch"):
            result["assumptions"].remove(text)
            result["notes"].append(f"'{text}' only selects an implementation inside torch ({name}={value} works too)")
    if result["status"] == "proved_if" and not result["assumptions"]:
        result["status"] = "proved"
        for b in result["boxes"]:
            if b["status"] == "proved_if":
                b["status"] = "proved"


def _learned(att, plan, hints) -> dict:
    """From the mismatches of a run: free sizes the code fixed at other values than the samples."""
    given = set(plan["given"])
    out = {}
    found = [b for b in att.boxes if b["status"] == "mismatch"]
    if att.diagram and att.diagram.get("status") == "mismatch":
        found.append(att.diagram)
    for b in found:
        for name, value in (b.get("learn") or {}).items():
            if name in hints and name not in given and hints[name] != value and name not in out:
                out[name] = value
    return out


def _adopt_numbers(check: _Check, att):
    """The code raised and its call passes numbers no size of the diagram is named for (GPT-2's
    ``n_embd=35``): try each as a free size's sample, the sizes of the box that raised first.  The first
    run that then agrees everywhere is kept, else the first that ran through (its mismatch is at a box,
    not a crash); the note says which size the code fixed.  Returns (attempt, backend) or None."""
    from .engine import to_dim

    plan, tries, ran = check.plan, 0, None
    divided = plan.get("multiples") or {}
    free = [s for s in check.hints if s not in set(plan["given"]) and s not in (plan.get("literals") or {})]
    box = next((b for b in plan["boxes"] if b["op"] == att.current_op), None)
    near = {d for seg in (box or {}).get("inputs", []) for d in seg["dims"]}
    free.sort(key=lambda s: s not in near)
    for keyword, value in plan.get("numbers") or []:
        for name in free:
            if value < 2 or value == check.hints[name] or tries >= 8:
                continue
            if name in divided and value % to_dim(divided[name], lambda n: check.hints[n]):
                continue  # d/h in the diagram: d=35 only with an h that divides it
            tries += 1
            hints, check.adopted = {**check.hints, name: value}, {name: value}
            found, backend = check.symbolic(hints)
            check.adopted = {}
            if found.construct_error is not None or found.binding_error is not None or found.exception is not None:
                continue
            if (not any(b["status"] == "mismatch" for b in found.boxes)
                    and (found.diagram or {}).get("status") != "mismatch"):
                return _adopted(check, (keyword, value, name, hints), (found, backend))
            ran = ran or ((keyword, value, name, hints), (found, backend))
    return _adopted(check, *ran) if ran else None


def _adopted(check: _Check, number: tuple, run: tuple):
    """Keep a run at a number the call fixed: its sizes, and the note saying so."""
    from .. import messages as msg

    keyword, value, name, hints = number
    check.hints, check.adopted = hints, {name: value}
    shown = (check.plan.get("display") or {}).get(name, name)
    check.notes.append(msg.CHECK_NUMBER_ADOPTED.format(keyword=keyword, value=value, name=shown))
    return run


def _symbolic(hints, plan, build: bool = True, adopted: dict | None = None):
    from . import symbolic

    backend = symbolic.SymbolicBackend(hints, symbolic_build=build, multiples=plan.get("multiples"),
                                       display=plan.get("display"))
    backend.config_names = set(plan["given"]) & set(plan["params"])
    # the sizes the user gave, at their values (a run that moved one, as _unified does, settles nothing by
    # it), and those a number in the call fixed
    backend.given = {n: int(v) for n, v in hints.items()
                     if n in set(plan["given"]) and int(v) == int(plan["hints"].get(n, -1))}
    backend.given.update({n: v for n, v in (adopted or {}).items() if hints.get(n) == v})
    backend.domain = _domain(plan)
    return backend


def _domain(plan) -> list:
    """The diagram's sizes that are expressions (``floor((p - 5)/2) + 1``): a wire is never empty."""
    from .engine import _parse

    out, seen = [], set()
    for seg in plan["inputs"] + plan["outputs"] + [s for b in plan["boxes"] for s in b["inputs"] + b["outputs"]]:
        for d in seg["dims"]:
            if d not in seen and not d.isidentifier() and not d.isdigit():
                seen.add(d)
                try:
                    out.append(_parse(d))
                except Exception:  # noqa: BLE001 - an expression we cannot read only limits the filter
                    pass
    return out


def _unified(check: _Check):
    """Run again with every free size equal (then also the given ones that are not parameters)."""
    from .plan import sample_primes

    plan, hints = check.plan, check.hints
    given = [s for s in hints if s in set(plan["given"])]
    divided = set(plan.get("multiples", {}))  # their samples must stay multiples
    free = [s for s in hints if s not in set(given) and s not in divided]
    loose = [s for s in given if s not in set(plan["params"]) and s not in divided]
    avoid = set(hints.values()) | {int(d) for seg in plan["inputs"] + plan["outputs"] for d in seg["dims"]
                                   if d.isdigit()}
    common = next(sample_primes(avoid))
    for group in (free, free + loose):
        if len(group) < 2 or (group is not free and not loose):
            continue
        same = {k: (common if k in group else v) for k, v in hints.items()}
        att, backend = check.symbolic(same)
        if check.failed(att, backend) is not None or att.exception is not None:
            continue
        result = verdict(plan, att, backend, "symbolic", check.notes)
        if result["status"] != "proved_if":
            continue
        result["sizes"] = hints
        return _unified_answer(result, plan, hints, loose, group, group is free)
    return None


def _unified_answer(result: dict, plan: dict, hints: dict, loose: list, group: list, only_free: bool) -> dict:
    """Equal free sizes: a conditional proof.  Equal given sizes the diagram sets apart: a mismatch."""
    shown = plan.get("display") or {}
    touched = [s for s in loose if s in group
               and any(_mentions(a, shown.get(s, s)) for a in result["assumptions"])]
    if only_free or not touched:
        return result
    sizes = ", ".join(f"{shown.get(s, s)}={hints[s]}" for s in touched)
    need = "; ".join(result["assumptions"])
    result["status"] = "mismatch"
    result["mismatch"] = {"op": None, "status": "mismatch", "expected": f"sizes {sizes}",
                          "got": f"code that needs {need}",
                          "detail": f"the code holds only if {need}, but the sizes give {sizes}"}
    return result


def _mentions(text: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None


def _dynamic(check: _Check, cause) -> dict:
    """Fake tensors that allow shapes computed from values (``nonzero``, ``.item()``)."""
    from .fallbacks import DynamicBackend
    from .. import messages as msg

    what = short(cause, check.files)
    backend = DynamicBackend(check.hints, check.plan.get("display"))
    att = check.attempt(backend)
    bad = check.failed(att, backend)
    if bad:
        return bad
    if att.exception is None or any(b["status"] == "mismatch" for b in att.boxes):
        check.notes.append(msg.CHECK_DATA_DEPENDENT.format(what=what))
        return verdict(check.plan, att, backend, "dynamic", check.notes)
    if is_data_dependent(att.exception):
        return {"status": "not_checked", "method": "dynamic", "notes": check.notes, "sizes": check.hints,
                "reason": msg.CHECK_DATA_DEPENDENT.format(what=short(att.exception, check.files))
                + "; check it on real tensors (mode 'real')"}
    return check.raised("dynamic", att.exception, att.current_op)
