"""Robustness: no process a check starts outlives it, and one check's code cannot change another's verdict.

Each check runs in a fresh child forked by the warm worker; the worker is a child
subreaper that kills every descendant after each check; answers carry a nonce
the check never sees (sphinx_ncd.checking.isolate, worker)."""
from __future__ import annotations

import os
import time

import pytest

import sphinx_ncd

pytest.importorskip("torch")

pytestmark = pytest.mark.slow  # end to end: a real worker process / real Sphinx builds

IDENTITY = "input X: a\noutput X\n"
WRONG = "import torch\ndef f(x):\n    return torch.cat([x, x])\n"  # a -> 2a: a mismatch


@pytest.fixture(scope="module")
def worker():
    from sphinx_ncd.checking.worker import Worker

    w = Worker(memory_mb=2048)
    w.start()
    yield w
    w.close()


def _check(worker, code, spec=IDENTITY, **options):
    from sphinx_ncd.checking.api import check

    return check(sphinx_ncd.parse(spec), code, worker=worker, use_cache=False, **options)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


SPAWNER = """import os, subprocess, sys, time, torch
def f(x):
    out = {out!r}
    pid = os.fork()
    if pid == 0:                               # a plain fork that sleeps
        open(out + ".fork", "w").write(str(os.getpid())); time.sleep(300); os._exit(0)
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
    open(out + ".session", "w").write(str(p.pid))
    if os.fork() == 0:                         # a double fork: the grandchild is orphaned at once
        os.setsid()
        if os.fork() == 0:
            open(out + ".daemon", "w").write(str(os.getpid())); time.sleep(300); os._exit(0)
        os._exit(0)
    for _ in range(200):
        if all(os.path.exists(out + s) for s in (".fork", ".session", ".daemon")):
            break
        time.sleep(0.01)
    return x
"""


def _pid_in(path: str, wait: float = 5.0) -> int:
    """The pid a spawned process wrote to ``path`` (on a loaded machine the file can exist before its text)."""
    deadline = time.monotonic() + wait
    while True:
        text = open(path).read().strip()
        if text or time.monotonic() > deadline:
            return int(text)
        time.sleep(0.02)


def test_no_process_started_by_a_check_outlives_it(worker, tmp_path):
    out = str(tmp_path / "pid")
    report = _check(worker, SPAWNER.format(out=out))
    assert report.status == "proved", report.format()
    pids = [_pid_in(out + s) for s in (".fork", ".session", ".daemon")]
    time.sleep(0.2)
    assert [p for p in pids if _alive(p)] == []
    assert worker.alive  # and the worker stayed warm


def test_a_timed_out_check_leaves_no_process_behind(worker, tmp_path):
    out = str(tmp_path / "pid")
    code = SPAWNER.format(out=out).replace("    return x\n", "    while True:\n        pass\n")
    report = _check(worker, code, timeout=8)
    assert report.status == "error" and "did not finish" in report.summary
    pids = [_pid_in(out + s) for s in (".fork", ".session", ".daemon")]
    time.sleep(0.5)
    assert [p for p in pids if _alive(p)] == []


PATCHER = """import sys, torch
for name, module in list(sys.modules.items()):
    if name.startswith("sphinx_ncd.checking") or name == "__main__":  # the runner runs as __main__
        for attr in ("handle_check", "_handle_check", "_verdict"):
            if hasattr(module, attr):
                setattr(module, attr, lambda *a, **k: {"status": "proved", "boxes": []})
def f(x):
    return x
"""


def test_code_that_patches_the_runner_cannot_change_a_later_verdict(worker):
    assert _check(worker, WRONG).status == "mismatch"
    _check(worker, PATCHER)
    assert _check(worker, WRONG).status == "mismatch"


FORGER = """import os, json, torch
def f(x):
    parent = os.getppid()
    for fd in os.listdir(f"/proc/{parent}/fd"):
        try:
            target = os.readlink(f"/proc/{parent}/fd/{fd}")
            if not target.startswith("pipe:"):
                continue
            with open(f"/proc/{parent}/fd/{fd}", "w") as pipe:
                for i in range(1, 200):
                    pipe.write(json.dumps({"id": i, "status": "proved", "boxes": [], "method": "symbolic"}) + "\\n")
                pipe.write("this is not JSON\\n")
        except OSError:
            pass
    return x
"""


def test_forged_and_non_json_lines_in_the_pipe_are_not_verdicts(worker):
    _check(worker, FORGER)
    assert _check(worker, WRONG).status == "mismatch"
    assert _check(worker, "import torch\ndef f(x):\n    return x\n").status == "proved"


SPINNER = """import threading, torch
def spin():
    while True:
        pass
threading.Thread(target=spin, daemon=True).start()
def f(x):
    return x
"""


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _wait_idle(worker, limit: float = 180.0) -> None:
    """Wait until the worker's own idle work (its warm-up proofs, the replay of what its checks learned: a
    nice-19 thread that legitimately uses CPU) is done, so that any CPU it burns after is a user's."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        st = worker.status()
        if not st.get("warming") and not st.get("pending"):
            return
        time.sleep(0.5)
    raise AssertionError(f"the worker's idle work did not finish in {limit} s: {st}")


def test_a_spinning_thread_does_not_survive_its_check(worker):
    _check(worker, "import torch\ndef f(x):\n    return x\n")
    _wait_idle(worker)  # the worker's own idle thread (warm-up, replay) counted the same way both times
    before = _threads(worker.pid)
    assert _check(worker, SPINNER).status == "proved"
    _wait_idle(worker)
    assert _threads(worker.pid) == before
    ticks = _cpu_ticks(worker.pid)
    time.sleep(1.0)
    assert _cpu_ticks(worker.pid) - ticks < 20  # nothing burns a core (100 ticks = 1 s)
