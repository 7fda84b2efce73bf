"""Check (stage: Diagram + PyTorch code -> ShapeReport): one check cannot outlive or touch another.

Inside the worker (``runner``), which keeps torch warm, every check runs in a
**fresh forked child** (forked ahead of time, between checks: :class:`Isolator`): whatever the user's code patches (the runner, torch,
``sys.modules``), whatever threads it leaves spinning, dies with the child.
The child hands its verdict back on a **private pipe** created for that one
request (length-prefixed JSON), never on the worker's protocol channel, which
it closes along with the worker's stdin; the worker echoes the request's
**nonce** in its answer, and the child never sees it, so a line forged into the
protocol pipe cannot pass for a verdict.

The worker is a **child subreaper** (``prctl(PR_SET_CHILD_SUBREAPER)``): a process
the user's code starts -- a fork, ``Popen(start_new_session=True)``, a double
fork -- is re-parented to the worker, not to init, so after every check the
worker stops and kills **every descendant** (:func:`kill_descendants`).  On
SIGTERM (the build stopping it, e.g. after a timeout) it does the same before
exiting.
"""
from __future__ import annotations

import ctypes
import gc
import json
import os
import select
import signal
import struct

__all__ = ["become_subreaper", "Isolator", "kill_descendants", "install_sigterm", "mirror_death"]

_PR_SET_CHILD_SUBREAPER = 36
_HEADER = struct.Struct("!Q")


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (every thread's list), from /proc."""
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
        except (OSError, ValueError):
            continue
    return out


def _tree(root: int) -> list[int]:
    seen: list[int] = []
    todo = _children(root)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.append(pid)
            todo.extend(_children(pid))
    return seen


def kill_descendants(rounds: int = 20) -> int:
    """Stop, then kill, every descendant of this process and reap them; returns how many were killed.

    Stopping first freezes a fork bomb so its members cannot outrun the kills;
    descendants orphaned on the way are re-parented to us (the subreaper) and
    found on the next round.
    """
    me = os.getpid()
    killed = 0
    for _ in range(rounds):
        tree = _tree(me)
        if not tree:
            break
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in tree:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
        killed += len(tree)
        _reap(tree)
    _reap(())
    return killed


def _reap(pids) -> None:
    """Wait for ``pids`` (those that are our children), then reap any other dead child."""
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:  # not our child (a grandchild): its parent or we reap it later
            pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def install_sigterm() -> None:
    """On SIGTERM: kill every descendant, then exit (the build stops us after a timeout)."""
    def stop(signum, frame):
        kill_descendants()
        os._exit(143)

    signal.signal(signal.SIGTERM, stop)


class Isolator:
    """Runs each request in a fresh child of this (warm, clean) process.

    The child for the next request is forked ahead of time, right after the
    previous one is cleaned up, so a request does not wait for a fork of a
    process that holds torch (the costly part: copying its page tables).  A
    spare is a copy of the worker as it is between checks -- nothing of any
    check is in it -- and waits on its own request pipe.
    """

    def __init__(self, fn, close_fds=(), background=None):
        self.fn = fn
        self.close_fds = tuple(close_fds)
        # the worker's idle work (facts.Replay): stopped around each fork (a fork copies only the calling
        # thread), and a spare forked before it had made progress is forked again when a request comes
        self.background = background
        self.spare_version = None
        self.spare: tuple[int, int, int] | None = None  # (pid, request write end, reply read end)

    def _fork(self) -> tuple[int, int, int]:
        # the warm heap goes to the collector's permanent generation: a child's collections
        # then never walk (and copy-on-write) the hundreds of megabytes torch holds
        if self.background is not None:
            self.background.stop()
            self.spare_version = self.background.version()
        gc.freeze()
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(req_w)
            _child(self.fn, req_r, rep_r, rep_w, self.close_fds)
        os.close(req_r)
        os.close(rep_w)
        if self.background is not None:
            self.background.start()
        return pid, req_w, rep_r

    def _stale(self) -> bool:
        """The spare misses what the worker's idle work has added since it was forked."""
        return self.background is not None and self.background.version() != self.spare_version

    def _discard_spare(self) -> None:
        pid, req_w, rep_r = self.spare
        self.spare = None
        for fd in (req_w, rep_r):
            os.close(fd)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

    def run(self, req: dict) -> tuple[dict | None, int]:
        """``fn(req)`` in a fresh child: ``(reply, 0)``, or ``(None, wait status)`` when it died first.

        On return the child and everything it started have been sent SIGKILL;
        :meth:`settle` (after the answer is sent) reaps them and forks the next spare.
        """
        if self.spare is not None and self._stale() and not self.background.warming():
            self._discard_spare()  # (during the warm-up, a spare forked before it: as fast as without one)
        pid, req_w, rep_r = self.spare or self._fork()
        self.spare = None
        try:
            _send(req_w, json.dumps(req).encode("utf-8"))
        except OSError:
            pass  # it died already: _receive says how
        finally:
            os.close(req_w)
        try:
            data, status = _receive(rep_r, pid)
        finally:
            os.close(rep_r)
        _signal_tree(os.getpid(), (signal.SIGSTOP, signal.SIGKILL))  # nothing of this check runs on
        if status is None and data is None:
            _, status = os.waitpid(pid, 0)  # how it died; an answered child is reaped in settle()
        try:
            reply = json.loads(data) if data is not None else None
        except (ValueError, RecursionError):  # a reply nested past the parser is no answer
            reply = None
        return (reply, 0) if isinstance(reply, dict) else (None, status or 0)

    def settle(self) -> None:
        """Reap every descendant, then fork the spare for the next request."""
        kill_descendants()
        self.spare = self._fork()

    def ready(self) -> bool:
        """A spare waits that carries all the idle work done so far."""
        return self.spare is not None and not self._stale()

    def refresh(self) -> None:
        """While no request waits: once the idle work is all done, a spare forked before its end is forked
        again, so that the next request finds it all (the warm-up, the replay) without waiting for a fork."""
        if self.spare is not None and self._stale() and self.background.idle():
            self._discard_spare()
            self.spare = self._fork()


def _signal_tree(root: int, signals) -> list[int]:
    tree = _tree(root)
    for sig in signals:
        for pid in tree:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
    return tree


def _send(fd: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_message(fd: int) -> bytes | None:
    buf = b""
    while True:
        message = _complete(buf)
        if message is not None:
            return message
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        buf += chunk


def _child(fn, req_r, rep_r, rep_w, close_fds) -> None:
    code = 0
    try:
        os.close(rep_r)
        for fd in close_fds:  # the protocol channel is the worker's alone
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        data = _read_message(req_r)
        os.close(req_r)
        if data is None:  # the worker went away before asking anything
            os._exit(0)
        _send(rep_w, json.dumps(fn(json.loads(data)), default=str).encode("utf-8"))
    except SystemExit as exc:  # the user's sys.exit(n): the worker reports it as it always did
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - nothing may escape a forked child
        code = 70
    finally:
        os._exit(code)


def _receive(fd: int, pid: int) -> tuple[bytes | None, int | None]:
    """(the child's message or None, its wait status when it was reaped here or None)."""
    buf = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:  # dead: a grandchild may still hold the pipe open, so no EOF will come
                return _complete(buf + _available(fd)), status
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return _complete(buf), None
        buf += chunk
        message = _complete(buf)
        if message is not None:
            return message, None


def _complete(buf: bytes) -> bytes | None:
    if len(buf) < _HEADER.size:
        return None
    length = _HEADER.unpack(buf[:_HEADER.size])[0]
    end = _HEADER.size + length
    return buf[_HEADER.size:end] if len(buf) >= end else None


def _available(fd: int) -> bytes:
    os.set_blocking(fd, False)
    out = b""
    try:
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return out
            out += chunk
    except BlockingIOError:
        return out


def mirror_death(status: int) -> int:
    """End this worker the way its check child ended (the build reports and restarts it as before):
    returns the exit code to exit with, or kills this process with the child's signal."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70
