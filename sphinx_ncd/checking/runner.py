"""Check (stage: Diagram + PyTorch code -> ShapeReport): the worker process's main loop.

Started by :mod:`sphinx_ncd.checking.worker` as ``python -m sphinx_ncd.checking.runner``
with limits already in its environment.  It sets its own memory limit, keeps
the protocol on a private copy of stdout (user code that prints goes to
stderr), imports torch once, announces itself, then answers one JSON line per
request::

    -> {"op": "check", "plan": {...}, "code": {...}, "mode": "auto", ...}
    <- {"status": "proved", "method": "symbolic", "boxes": [...], ...}

Each check runs in a fresh child forked from this warm process
(:mod:`sphinx_ncd.checking.isolate`); which runs it tries, in order, is
:mod:`sphinx_ncd.checking.strategy`.  What a child had to derive about its size
expressions comes back with its answer (never sent on) and is derived again
here, in a low-priority thread, so the children forked later inherit it
(:mod:`sphinx_ncd.checking.facts`; ``NCD_CHECK_NO_REPLAY=1`` turns that off, for
the benchmark's anchor).  Before any of that, the same thread proves a few generic
models (:mod:`sphinx_ncd.checking.warmup`), and sympy's facts are looked up by an
expression's form (:mod:`sphinx_ncd.checking.alike`), so that a first check finds
done what it has in common with them; a spare forked at the start answers a
check that comes during the warm-up.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback

from . import alike, facts, isolate, warmup
from .strategy import handle_check
from .verdict import code_error

__all__ = ["main", "handle_check"]


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


def _answer(req: dict) -> dict:
    """One check (shapes, or values), in the forked child (:func:`isolate.run_forked`)."""
    _set_cpu_budget(float(req.get("cpu_seconds", 60)))
    start = time.process_time()
    try:
        if req.get("op") == "values":  # the value check (its own module), as isolated as a shape check
            from .values_run import handle_values

            return handle_values(req)
        facts.record()
        reply = handle_check(req)
        reply["cpu_s"] = time.process_time() - start  # this check's own CPU time (the machine may be busy)
        reply["learned"] = facts.learned()  # for the worker to replay (facts), never sent on
        return reply
    except MemoryError as exc:
        return {"status": "error", "error": code_error(exc, set())}
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
    hello = _imports()
    replay = None
    if hello["torch"] is not None:
        alike.install()  # facts looked up by form (before facts.install: its recording stays outermost)
        if facts.install():
            replay = facts.Replay(steps=warmup.steps(handle_check))
    isolator = isolate.Isolator(_answer, close_fds=(proto.fileno(),), background=replay)
    if replay is not None:
        isolator.settle()  # a spare forked before the warm-up answers a request that comes during it
    proto.write(json.dumps(hello) + "\n")
    for line in _lines(isolator.refresh):
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
            reply = {"vmhwm_kb": max(_status_kb("VmHWM"), children), "vmrss_kb": _status_kb("VmRSS"),
                     **(replay.status() if replay is not None else {}), **alike.stats(),
                     "spare_ready": isolator.ready()}
        else:
            reply = {"status": "error", "error": {"message": f"unknown request {req.get('op')!r}"}}
        learned = reply.pop("learned", None) if isinstance(reply, dict) else None
        reply["id"] = req.get("id")
        reply["nonce"] = nonce
        reply["seconds"] = time.perf_counter() - t0
        proto.write(json.dumps(reply, default=str) + "\n")
        if req.get("op") == "check" and hello["torch"] is not None:
            if replay is not None and not os.environ.get("NCD_CHECK_NO_REPLAY"):
                replay.add(learned)  # derived here while the next check is awaited or runs (facts)
            isolator.settle()  # after answering: reap what the check left, fork the next child
        if reply.get("error", {}) and reply["error"].get("restart"):
            isolate.kill_descendants()  # after running out of memory, start clean
            proto.flush()
            os._exit(3)
    _exit_now()


def _imports() -> dict:
    """Import torch (and einops), warm their first calls up: the hello line saying what was found."""
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
    return hello


def _lines(idle, wait: float = 0.25):
    """Request lines from stdin; ``idle()`` before waiting for one, and every ``wait`` seconds while none comes."""
    import select

    fd, buf = sys.stdin.fileno(), b""
    while True:
        while b"\n" not in buf:
            idle()
            if not select.select([fd], [], [], wait)[0]:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                if buf:
                    yield buf.decode("utf-8", "replace")
                return
            buf += chunk
        line, _, buf = buf.partition(b"\n")
        yield line.decode("utf-8", "replace")


def _exit_now() -> None:
    """The build closed our stdin: stop at once (tearing down an interpreter that holds torch takes the
    better part of a second, which a one-shot ``ncd check`` would wait for); the spare and anything else
    we started go first."""
    isolate.kill_descendants()
    sys.stderr.flush()
    os._exit(0)


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
