"""Check (stage: Diagram + PyTorch code -> ShapeReport): the worker subprocess, seen from the build.

One long-lived ``python -m sphinx_ncd.checking.runner`` per build process, started
lazily on the first check and reused: torch is imported once, in the worker,
never in the build.  Requests and answers are JSON lines over pipes.

Isolation (it protects the build, not the machine): each check runs in a fresh
child forked by the worker, which reaps and kills whatever the check started
(:mod:`.isolate`); every answer echoes a per-request nonce the check never sees, and
a line that is not a JSON answer is skipped; a per-check timeout after
which the worker is killed (with all its descendants) and restarted on the next check; ``RLIMIT_AS`` and a
per-check ``RLIMIT_CPU`` set by the worker itself; ``CUDA_VISIBLE_DEVICES=""``;
a temporary working directory removed when the worker stops.
"""
from __future__ import annotations

import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

__all__ = ["Worker", "WorkerTimeout", "WorkerDied", "default_worker"]

DEFAULT_MEMORY_MB = 3072  # address space; fake-mode GPT-2 small needs about 1 GB


class WorkerTimeout(Exception):
    pass


class WorkerDied(Exception):
    def __init__(self, reason: str, returncode: int | None):
        super().__init__(reason)
        self.reason = reason
        self.returncode = returncode


class Worker:
    """A restartable check worker.  Thread-safe: one request at a time."""

    def __init__(self, *, memory_mb: int = DEFAULT_MEMORY_MB, env: dict | None = None,
                 python: str | None = None, startup_timeout: float = 120.0):
        self.memory_mb = memory_mb
        self.extra_env = dict(env or {})
        self.python = python or sys.executable
        self.startup_timeout = startup_timeout
        self.owner_pid = os.getpid()
        self.hello: dict = {}
        self.starts = 0  # how many processes this worker has started (restarts show here)
        self._proc: subprocess.Popen | None = None
        self._dir: str | None = None
        self._buf = b""
        self._lock = threading.Lock()
        self._next_id = 0
        self._log = None
        self._greeted = False  # the running process's hello line was read
        self.warm_up = True  # prove generic models while idle (checking/warmup.py); off for a one-shot check

    # --- lifecycle ---------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> dict:
        """Start the process (if not running) and wait for its hello line."""
        if not self.alive:
            self.launch()
        elif self._greeted:
            return self.hello
        try:
            self.hello = self._read(self.startup_timeout)
        except (WorkerTimeout, WorkerDied):
            self.kill()
            raise
        self._greeted = True
        return self.hello

    def launch(self) -> None:
        """Start the process and return at once: it imports torch while the caller goes on (``ncd check``
        parses the spec meanwhile); :meth:`start` or the first request reads its hello line."""
        if self.alive:
            return
        self._cleanup()
        self._dir = tempfile.mkdtemp(prefix="ncd-check-")
        env = dict(os.environ)
        env.update({
            "CUDA_VISIBLE_DEVICES": "",
            "NCD_CHECK_MEMORY_MB": str(self.memory_mb),
            "PYTHONUNBUFFERED": "1",
            "OMP_NUM_THREADS": "1",
        })
        # the worker must import this very sphinx_ncd, wherever the build found it
        pkg_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join([pkg_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        if not self.warm_up:
            env["NCD_CHECK_NO_WARMUP"] = "1"
        env.update(self.extra_env)
        if "PYTHONPATH" in self.extra_env:
            env["PYTHONPATH"] = os.pathsep.join([self.extra_env["PYTHONPATH"], pkg_root])
        self._log = tempfile.TemporaryFile(prefix="ncd-check-log-")
        self._proc = subprocess.Popen(
            [self.python, "-m", "sphinx_ncd.checking.runner"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            cwd=self._dir, env=env, start_new_session=True,
        )
        self._buf = b""
        self.starts += 1
        self.hello, self._greeted = {}, False

    def kill(self) -> None:
        """Stop the worker and everything it started.

        SIGTERM first: the worker (a child subreaper) kills every descendant, even
        those in sessions of their own, then exits.  Then SIGKILL to its process
        group -- also when the worker itself is already dead, as its children may not be.
        """
        proc = self._proc
        if proc is not None:
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(2)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the worker's own session: it and its children
            except (ProcessLookupError, PermissionError):
                if proc.poll() is None:
                    proc.kill()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self._cleanup()

    def close(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.close()
                proc.wait(1)
            except Exception:
                pass
        self.kill()

    def _cleanup(self) -> None:
        if self._proc is not None:
            for stream in (self._proc.stdin, self._proc.stdout):
                try:
                    stream.close()
                except Exception:
                    pass
        self._proc = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def stderr_tail(self, limit: int = 2000) -> str:
        if self._log is None:
            return ""
        try:
            self._log.seek(0, os.SEEK_END)
            size = self._log.tell()
            self._log.seek(max(0, size - limit))
            return self._log.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    # --- requests ----------------------------------------------------------

    def request(self, payload: dict, timeout: float) -> dict:
        """Send one request and wait for its answer; kill the worker on timeout or death."""
        with self._lock:
            if self.owner_pid != os.getpid():  # forked: the pipes belong to the parent
                self._proc, self._dir, self._log = None, None, None
                self.owner_pid = os.getpid()
            start_budget = 0.0
            if not self.alive or not self._greeted:
                t0 = time.perf_counter()
                self.start()
                start_budget = time.perf_counter() - t0
            self._next_id += 1
            # the answer must echo a nonce no check's code ever sees: a forged line cannot pass
            payload = dict(payload, id=self._next_id, nonce=secrets.token_hex(16))
            payload.setdefault("cpu_seconds", max(1.0, timeout) + 5)
            try:
                self._proc.stdin.write((json.dumps(payload) + "\n").encode())
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError):
                died = self._died()
                raise died from None
            del start_budget
            try:
                deadline = time.monotonic() + timeout
                while True:
                    reply = self._read(max(0.0, deadline - time.monotonic()))
                    if reply.get("id") == payload["id"] and reply.get("nonce") == payload["nonce"]:
                        break
            except WorkerTimeout:
                self.kill()
                raise
            if (reply.get("error") or {}).get("restart") or not self.alive:
                self.kill()  # it ran out of memory: start clean next time
            return reply

    def _died(self) -> WorkerDied:
        proc = self._proc
        code = proc.wait(5) if proc is not None else None
        reason = _describe_exit(code)
        tail = self.stderr_tail(300)
        if "MemoryError" in tail or "can't allocate" in tail:
            reason = "out of memory"
        self._cleanup()
        return WorkerDied(reason, code)

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        out = self._proc.stdout
        fd = out.fileno()
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        try:
            while b"\n" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WorkerTimeout()
                if not sel.select(left):
                    continue
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise self._died()
                self._buf += chunk
        finally:
            sel.close()
        line, _, self._buf = self._buf.partition(b"\n")
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError):  # not ours (a stray write into the pipe): not an answer, not a traceback
            return {}
        return reply if isinstance(reply, dict) else {}

    def status(self, timeout: float = 10.0) -> dict:
        """Memory figures of the running worker (``vmhwm_kb``, ``vmrss_kb``)."""
        return self.request({"op": "status"}, timeout)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return {"SIGXCPU": "CPU time limit", "SIGKILL": "killed", "SIGSEGV": "crashed"}.get(name, name)
    return f"exit status {code}"


_DEFAULT: dict[int, Worker] = {}
_DEFAULT_LOCK = threading.Lock()


def default_worker() -> Worker:
    """The build process's worker (one per process id, so a forked build gets its own).

    Its address-space limit is ``NCD_CHECK_MEMORY_MB`` (default 3072) megabytes.
    """
    pid = os.getpid()
    with _DEFAULT_LOCK:
        w = _DEFAULT.get(pid)
        if w is None:
            try:
                memory = int(os.environ.get("NCD_CHECK_MEMORY_MB", DEFAULT_MEMORY_MB))
            except ValueError:
                memory = DEFAULT_MEMORY_MB
            w = _DEFAULT[pid] = Worker(memory_mb=memory)
            import atexit

            atexit.register(w.close)
        return w
