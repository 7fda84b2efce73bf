"""Check (stage: Diagram + PyTorch code -> ShapeReport): the worker process's main loop.

Started by :mod:`sphinx_ncd.checking.worker` as ``python -m sphinx_ncd.checking.runner``
with limits already in its environment.  It sets its own memory limit, keeps
the protocol on a private copy of stdout (user code that prints goes to
stderr), imports torch once, announces itself, then answers one JSON line per
request::

    -> {"op": "check", "plan": {...}, "code": {...}, "mode": "auto", ...}
    <- {"status": "proved", "method": "symbolic", "boxes": [...], ...}

A check tries, in order (``mode="auto"``): symbolic fake tensors; concrete fake
tensors at distinct sizes; symbolic again with every free size equal (which
turns a shape error such as ``att.T @ v`` into the assumption ``y = x``); fake
tensors allowing data-dependent shapes when the code reads tensor values.
Real tensors run only for ``mode="real"``.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from . import isolate

__all__ = ["main", "handle_check"]

_DATA_DEPENDENT = ("DataDependentOutputException", "DynamicOutputShapeException",
                   "GuardOnDataDependentSymNode", "UnsupportedOperatorException")


def _is_data_dependent(exc: BaseException) -> bool:
    names = {c.__name__ for c in type(exc).__mro__}
    return bool(names & set(_DATA_DEPENDENT)) or "data-dependent" in str(exc).lower()


def _set_cpu_budget(seconds: float) -> None:
    """RLIMIT_CPU for this check: the CPU time used so far plus ``seconds``."""
    try:
        used = resource.getrusage(resource.RUSAGE_SELF)
        now = int(used.ru_utime + used.ru_stime) + 1
        soft = now + max(1, int(seconds))
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard != resource.RLIM_INFINITY and soft > hard:
            soft = hard
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


def _error(exc: BaseException, files, op=None, backend=None) -> dict:
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


def _ncd_error(err) -> dict:
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


def _unused_params(plan: dict) -> list[str]:
    """Block parameters neither drawn on a wire nor passed to the code: the check says nothing of them."""
    import re

    wires = set()
    for seg in plan["inputs"] + plan["outputs"] + [s for b in plan["boxes"] for s in b["inputs"] + b["outputs"]]:
        for d in seg["dims"]:
            wires.update(re.findall(r"[A-Za-z_]\w*", d))
    used = set(plan.get("used", ()))
    return [p for p in plan["params"] if p not in wires and p not in used]


def _verdict(plan: dict, att, backend, method: str, notes: list) -> dict:
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
    if getattr(backend, "symbolic_build", True) is False:  # built with plain ints: its parameters are fixed
        for p in plan["params"]:
            if p in backend.hints and p not in fixed:
                fixed[p] = backend.hints[p]
        if plan["params"]:
            notes.append("built with concrete sizes (its constructor needs plain ints), so "
                         + ", ".join(plan["params"]) + " are fixed")
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
    unused = _unused_params(plan)
    if unused and status in ("proved", "proved_if"):
        notes.append(msg_unused(unused))
    return {"status": status, "method": method, "assumptions": assumptions, "fixed": fixed, "config": config,
            "unused": unused,
            "bounds": extra.get("bounds", []),
            "sizes": backend.hints, "boxes": boxes, "mismatch": mismatch,
            "diagram": {k: diagram.get(k, "") for k in ("status", "expected", "got", "detail")},
            "notes": notes}


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
            verdict = {"op": box["op"], "status": "mismatch", "expected": _sig(box), "got": f"a {exc}",
                       "detail": msg.CHECK_USER_RAISED_IN_BOX.format(exc=exc, text=text)}
            result = {**result, "status": "mismatch", "boxes": [verdict], "mismatch": verdict, "error": None}
    return result


def _handle_check(req: dict) -> dict:
    from . import engine, symbolic
    from .codeload import load
    from .fallbacks import DynamicBackend, FakeBackend, RealBackend
    from ..errors import NCDError
    from .. import messages as msg

    plan, desc, mode = req["plan"], req["code"], req.get("mode", "auto")
    for p in reversed(req.get("path", [])):  # the caller's own directories first
        if p not in sys.path:
            sys.path.insert(0, p)
    for p in req.get("sys_path", []):  # then whatever the build process could import
        if p not in sys.path:
            sys.path.append(p)
    hints = {k: int(v) for k, v in plan["hints"].items()}
    notes: list[str] = []
    try:
        obj, user_ns, files = load(desc, req.get("filename"), req.get("namespace"))
    except NCDError as err:  # a problem with the code itself, not with a place in the diagram
        return {"status": "error", "error": {**_ncd_error(err), "about": "code"}, "notes": notes}
    call = desc.get("call")
    from .codeload import used_names

    display = plan.get("display") or {}
    back = {display.get(n, n): n for n in plan["symbols"]}
    plan = dict(plan, used=sorted(back[n] for n in used_names(obj, call, list(back))), forward=desc.get("forward"))

    def attempt(backend):
        return engine.run_attempt(plan, obj, call, user_ns, backend)

    def failed(att, backend):
        if att.construct_error is not None:
            e = _error(att.construct_error, files)
            e["message"] = msg.CHECK_CONSTRUCT_FAILED.format(obj=getattr(obj, "__name__", "the model"),
                                                             reason=e["message"])
            e["about"] = "code"  # building the model is about the code, not a place in the diagram
            return {"status": "error", "error": e, "notes": notes, "method": backend.method}
        if att.binding_error is not None:
            op, err = att.binding_error
            return {"status": "error", "method": backend.method, "notes": notes,
                    "error": {"message": err.message, "hint": err.hint, "code_location": "", "op": op,
                              "kind": "binding"}}
        return None

    def box_mismatch(att):  # a box whose shapes disagreed explains an exception; a bias never does
        return any(b["status"] == "mismatch" and not b.get("bias") and not b.get("setting") for b in att.boxes)

    if mode in ("fake", "dynamic", "real"):
        backend = {"fake": FakeBackend, "dynamic": DynamicBackend, "real": RealBackend}[mode](
            hints, plan.get("display"))
        att = attempt(backend)
        bad = failed(att, backend)
        if bad:
            return bad
        if att.exception is not None and not box_mismatch(att):
            return {"status": "error", "method": mode, "error": _error(att.exception, files, att.current_op),
                    "notes": notes, "sizes": hints}
        return _verdict(plan, att, backend, mode, notes)

    # auto / symbolic
    first_exc, first_backend = None, None
    if symbolic.available():
        backend = _symbolic(hints, plan)
        att = attempt(backend)
        if att.construct_error is not None:  # the constructor needs plain ints (nn.LayerNorm(m), range(n))
            backend = _symbolic(hints, plan, build=False)
            att = attempt(backend)
        bad = failed(att, backend)
        if bad:
            return bad
        for _ in range(6):  # the code fixed sizes the diagram leaves free (nn.Conv2d(3, 16)): learn them
            learned = _learned(att, plan, hints)
            if not learned:
                break
            hints = {**hints, **learned}
            backend = _symbolic(hints, plan)
            att = attempt(backend)
            if att.construct_error is not None:
                backend = _symbolic(hints, plan, build=False)
                att = attempt(backend)
            bad = failed(att, backend)
            if bad:
                return bad
        if att.exception is None or box_mismatch(att):
            result = _verdict(plan, att, backend, "symbolic", notes)
            if result.get("bounds"):
                _drop_branches(result, plan, hints, attempt)
            return result
        first_exc, first_op, first_backend = att.exception, att.current_op, backend
        if mode == "symbolic":
            return {"status": "error", "method": "symbolic", "error": _error(first_exc, files, first_op, backend),
                    "notes": notes, "sizes": hints}
    elif mode == "symbolic":
        return {"status": "not_checked", "reason": "this torch has no symbolic shapes", "notes": notes}
    else:
        notes.append("symbolic shapes are unavailable in this torch; used concrete fake tensors")

    if first_exc is not None and _is_data_dependent(first_exc):
        return _dynamic(plan, hints, attempt, failed, files, notes, first_exc)

    backend = FakeBackend(hints, plan.get("display"))
    att = attempt(backend)
    bad = failed(att, backend)
    if bad:
        return bad
    if att.exception is None:
        if first_exc is not None:
            notes.append(msg.CHECK_FALLBACK.format(reason=_short(first_exc, files), method="concrete fake tensors"))
        return _verdict(plan, att, backend, "fake", notes)
    if _is_data_dependent(att.exception):
        return _dynamic(plan, hints, attempt, failed, files, notes, att.exception)
    fake_exc, fake_op = att.exception, att.current_op

    # sizes made equal: a shape error that only equal sizes avoid (att.T @ v) becomes an assumption
    if symbolic.available():
        result = _unified(plan, hints, attempt, failed, notes)
        if result is not None:
            return result
    if first_exc is not None:
        return {"status": "error", "method": "symbolic", "notes": notes, "sizes": hints,
                "error": _error(first_exc, files, first_op, first_backend)}
    return {"status": "error", "method": "fake", "error": _error(fake_exc, files, fake_op), "notes": notes,
            "sizes": hints}


def _drop_branches(result: dict, plan: dict, hints: dict, attempt) -> None:
    """A bound such as ``b < 16`` may only pick a kernel inside torch: run once past it; if the
    shapes still hold, it is not an assumption of the code."""
    divided = plan.get("multiples", {})
    for name, value, text in result.pop("bounds", [])[:3]:
        if name not in hints or text not in result["assumptions"]:
            continue
        if name in divided and not (str(divided[name]).isdigit() and value % int(divided[name]) == 0):
            continue  # a size the diagram divides (e/2, rotary) is tried past the bound if it stays a multiple
        att = attempt(_symbolic({**hints, name: value}, plan))
        if att.construct_error is not None:
            att = attempt(_symbolic({**hints, name: value}, plan, build=False))
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
    for b in att.boxes:
        if b["status"] == "mismatch":
            for name, value in (b.get("learn") or {}).items():
                if name in hints and name not in given and hints[name] != value and name not in out:
                    out[name] = value
    if att.diagram and att.diagram.get("status") == "mismatch":
        for name, value in (att.diagram.get("learn") or {}).items():
            if name in hints and name not in given and hints[name] != value and name not in out:
                out[name] = value
    return out


def _symbolic(hints, plan, build: bool = True):
    from . import symbolic

    backend = symbolic.SymbolicBackend(hints, symbolic_build=build, multiples=plan.get("multiples"),
                                       display=plan.get("display"))
    backend.config_names = set(plan["given"]) & set(plan["params"])
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


def _unified(plan, hints, attempt, failed, notes):
    """Run again with every free size equal (then also the given ones that are not parameters)."""
    from .plan import sample_primes

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
        backend = _symbolic(same, plan)
        att = attempt(backend)
        if att.construct_error is not None:
            backend = _symbolic(same, plan, build=False)
            att = attempt(backend)
        if failed(att, backend) is not None or att.exception is not None:
            continue
        result = _verdict(plan, att, backend, "symbolic", notes)
        if result["status"] != "proved_if":
            continue
        result["sizes"] = hints
        shown = plan.get("display") or {}
        touched = [s for s in loose if s in group
                   and any(_mentions(a, shown.get(s, s)) for a in result["assumptions"])]
        if group is free or not touched:
            return result
        sizes = ", ".join(f"{shown.get(s, s)}={hints[s]}" for s in touched)
        need = "; ".join(result["assumptions"])
        result["status"] = "mismatch"
        result["mismatch"] = {"op": None, "status": "mismatch", "expected": f"sizes {sizes}",
                              "got": f"code that needs {need}",
                              "detail": f"the code holds only if {need}, but the sizes give {sizes}"}
        return result
    return None


def _mentions(text: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None


def _dynamic(plan, hints, attempt, failed, files, notes, cause):
    from .fallbacks import DynamicBackend
    from .. import messages as msg

    what = _short(cause, files)
    backend = DynamicBackend(hints, plan.get("display"))
    att = attempt(backend)
    bad = failed(att, backend)
    if bad:
        return bad
    if att.exception is None or any(b["status"] == "mismatch" for b in att.boxes):
        notes.append(msg.CHECK_DATA_DEPENDENT.format(what=what))
        return _verdict(plan, att, backend, "dynamic", notes)
    if _is_data_dependent(att.exception):
        return {"status": "not_checked", "method": "dynamic", "notes": notes, "sizes": hints,
                "reason": msg.CHECK_DATA_DEPENDENT.format(what=_short(att.exception, files))
                + "; check it on real tensors (mode 'real')"}
    return {"status": "error", "method": "dynamic", "error": _error(att.exception, files, att.current_op),
            "notes": notes, "sizes": hints}


def _short(exc: BaseException, files=frozenset()) -> str:
    from .codeload import user_frame

    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    frame = user_frame(exc, set(files))
    where = f" at {frame[0]}:{frame[1]}" if frame else ""
    if "_local_scalar_dense" in first or "data-dependent" in first.lower():
        return "a Python number taken from a tensor: .item(), int(), float(), bool() or .tolist()" + where
    if "nonzero" in first or "dynamic output shape" in first.lower():
        return "an operation whose output shape depends on values" + where
    return f"{type(exc).__name__}: {first[:120]}{where}"


def _answer(req: dict) -> dict:
    """One check (shapes, or values), in the forked child (:func:`isolate.run_forked`)."""
    _set_cpu_budget(float(req.get("cpu_seconds", 60)))
    try:
        if req.get("op") == "values":  # the value check (its own module), as isolated as a shape check
            from .values_run import handle_values

            return handle_values(req)
        return handle_check(req)
    except MemoryError as exc:
        return {"status": "error", "error": _error(exc, set())}
    except Exception as exc:  # a bug of ours: report it rather than die
        return {"status": "error", "error": {
            "message": f"internal error in the checker: {type(exc).__name__}: {exc}",
            "hint": traceback.format_exc(limit=-3), "code_location": "", "op": None,
            "kind": "exec"}}


def main() -> int:
    isolate.become_subreaper()
    isolate.install_sigterm()
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever the user's code prints goes to stderr, never into the protocol
    sys.stdout = sys.stderr
    limit = int(os.environ.get("NCD_CHECK_MEMORY_MB", "0"))
    if limit > 0:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit * 2**20, limit * 2**20))
        except (ValueError, OSError):
            pass
    hello = {"ready": True, "pid": os.getpid()}
    try:
        import logging

        import torch

        logging.getLogger("torch").setLevel(logging.CRITICAL)
        torch.set_num_threads(1)
        hello["torch"] = torch.__version__
        try:
            import einops

            hello["einops"] = einops.__version__
        except ImportError:
            hello["einops"] = None
        _warm_up()
    except ImportError as exc:
        hello["torch"] = None
        hello["reason"] = str(exc)
    isolator = isolate.Isolator(_answer, close_fds=(proto.fileno(),))
    proto.write(json.dumps(hello) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError:
            continue
        if not isinstance(req, dict):
            continue
        nonce = req.pop("nonce", None)  # never seen by the check's child
        t0 = time.perf_counter()
        if req.get("op") in ("check", "values"):
            if hello["torch"] is None:
                from .. import messages as msg

                reply = {"status": "not_checked", "reason": msg.CHECK_NO_TORCH}
            else:  # a fresh child per check: nothing it does outlives it (isolate)
                reply, status = isolator.run(req)
                if reply is None:  # it died: end as it did (no interpreter shutdown to wait on)
                    isolate.kill_descendants()
                    sys.stderr.flush()
                    os._exit(isolate.mirror_death(status))
        elif req.get("op") == "status":
            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the checks' own children
            reply = {"vmhwm_kb": max(_status_kb("VmHWM"), children), "vmrss_kb": _status_kb("VmRSS")}
        else:
            reply = {"status": "error", "error": {"message": f"unknown request {req.get('op')!r}"}}
        reply["id"] = req.get("id")
        reply["nonce"] = nonce
        reply["seconds"] = time.perf_counter() - t0
        proto.write(json.dumps(reply, default=str) + "\n")
        if req.get("op") == "check" and hello["torch"] is not None:
            isolator.settle()  # after answering: reap what the check left, fork the next child
        if reply.get("error", {}) and reply["error"].get("restart"):
            isolate.kill_descendants()  # after running out of memory, start clean
            proto.flush()
            os._exit(3)
    return 0


_WARM_CODE = """
import torch
class Warm(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        self.lin = torch.nn.Linear(a, 2 * a)
    def forward(self, x):
        y = self.lin(x).reshape(x.shape[0], 2, -1)
        return (y @ y.transpose(-1, -2)).softmax(-1)
"""


def _warm_up() -> None:
    """One tiny check, so the first real one does not pay for imports and first-call caches."""
    plan = {"symbols": ["b", "a"], "hints": {"b": 5, "a": 7}, "given": [], "params": ["a"], "multiples": {},
            "inputs": [{"name": "X", "dims": ["b", "a"], "labels": ["b", "a"]}],
            "outputs": [{"name": "Y", "dims": ["b", "2", "2"], "labels": ["b", "2", "2"]}],
            "boxes": [{"op": 0, "binding": "lin", "label": "L", "kind": "learned",
                       "inputs": [{"name": "X", "dims": ["b", "a"], "labels": ["b", "a"]}],
                       "outputs": [{"name": "Z", "dims": ["b", "2*a"], "labels": ["b", "2*a"]}]}]}
    try:
        handle_check({"plan": plan, "code": {"kind": "source", "text": _WARM_CODE, "name": None},
                      "mode": "auto", "filename": "<warm-up>"})
        import sympy

        sympy.lambdify([sympy.Symbol("a")], sympy.floor(sympy.Symbol("a") / 2) < 3, modules="math")(4)
    except Exception:  # warming is an optimisation only
        pass


def _status_kb(field: str) -> int:
    try:
        with open(f"/proc/{os.getpid()}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
