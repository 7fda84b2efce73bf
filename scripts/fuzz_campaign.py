#!/usr/bin/env python3
"""Robustness campaign (tooling, all stages): many grammar-aware mutants through parse, SVG and PDF.

    python3 scripts/fuzz_campaign.py --inputs 1000000 --seed 1 --out fuzz-out

Inputs come from ``tests/robustness/specgen.py`` (mutants of the shipped specs,
grammar-built specs, deep nesting, self-using blocks), reproducible from
``--seed`` and their index.  Each runs in a worker process under a memory limit
(``--memory-mb``, RLIMIT_AS) and a per-input time limit (``--time-limit``, an
CPU-time interval timer); a worker that dies is replaced and its input counted.  Counted:

* ``escapes``  -- any exception other than NCDError (the input is saved);
* ``slow``     -- inputs over ``--slow`` CPU seconds (1 s) on two runs in a row (saved; the
  second run tells a slow input from a moment when the machine was busy);
* ``killed``   -- inputs over the time limit or that ended the worker (saved).

Progress is printed every ``--every`` inputs, a summary at the end; the exit status
is 1 when anything was found.  Run it niced: it keeps one core busy per ``--jobs``.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "robustness")]


class _TimeLimit(BaseException):
    pass


def _alarm(signum, frame):
    raise _TimeLimit()


def run_one(text: str, time_limit: float) -> tuple[str, float, str]:
    """(status, CPU seconds, detail): status is ok, ncd, escape or timeout.

    Times are CPU time of the worker (``ITIMER_PROF`` for the limit): on a shared,
    busy machine the wall clock measures the neighbours, not the input.
    """
    from sphinx_ncd.errors import NCDError
    from sphinx_ncd.model.build import parse
    from sphinx_ncd.rendering.api import render

    start = time.process_time()
    signal.setitimer(signal.ITIMER_PROF, time_limit)
    try:
        diagram = parse(text, filename="<fuzz>")
        svg = render(diagram, format="svg")
        pdf = render(diagram, format="pdf")
        if not svg.rstrip().endswith("</svg>") or not bytes(pdf).startswith(b"%PDF-"):
            return "escape", time.process_time() - start, "malformed output"
        status, detail = "ok", ""
    except NCDError as err:
        status, detail = "ncd", ""
        if err.span is None and err.kind == "syntax":
            status, detail = "escape", "NCDError without a location: " + err.message
    except _TimeLimit:
        status, detail = "timeout", ""
    except BaseException as exc:  # noqa: BLE001 - this is what the campaign counts
        status, detail = "escape", f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    return status, time.process_time() - start, detail


def worker(conn, seed: int, memory_mb: int, time_limit: float) -> None:
    """Run the inputs the parent sends (indices) and answer one result each."""
    import specgen

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(5)
    limit = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGPROF, _alarm)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    run_one("input X: x\nY = relu X\noutput Y\n", 60.0)  # imports and fonts, outside the timings
    conn.send("ready")
    while True:
        index = conn.recv()
        if index is None:
            return
        text = specgen.any_spec(random.Random(seed * 1_000_003 + index))
        conn.send((index, *run_one(text, time_limit)))


class Pool:
    """One worker process, restarted when it dies (memory, a crash) or overruns."""

    def __init__(self, args):
        self.args = args
        self.proc = None
        self.conn = None

    def start(self):
        parent, child = mp.Pipe()
        self.proc = mp.Process(target=worker, args=(child, self.args.seed, self.args.memory_mb,
                                                    self.args.time_limit), daemon=True)
        self.proc.start()
        self.conn = parent
        if not parent.poll(120) or parent.recv() != "ready":
            raise SystemExit("fuzz worker failed to start")

    def run(self, index: int):
        if self.proc is None or not self.proc.is_alive():
            self.start()
        self.conn.send(index)
        if self.conn.poll(10 * self.args.time_limit + 60):  # wall clock: the machine may be busy
            try:
                return self.conn.recv()
            except EOFError:
                pass
        self.proc.kill()
        self.proc.join()
        self.proc = None
        return index, "killed", self.args.time_limit, "worker died or hung"


def save(out: Path, kind: str, index: int, seed: int, detail: str, seconds: float) -> None:
    import specgen

    out.mkdir(parents=True, exist_ok=True)
    text = specgen.any_spec(random.Random(seed * 1_000_003 + index))
    (out / f"{kind}-{index}.ncd").write_text(text, encoding="utf-8", errors="backslashreplace")
    with open(out / "found.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"kind": kind, "index": index, "seconds": round(seconds, 3),
                             "detail": detail}, ensure_ascii=True) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=1_000_000)
    ap.add_argument("--start", type=int, default=0, help="first input index (to resume)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per input before it is stopped")
    ap.add_argument("--slow", type=float, default=1.0, help="report inputs slower than this")
    ap.add_argument("--memory-mb", type=int, default=2048)
    ap.add_argument("--every", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=Path("fuzz-out"))
    args = ap.parse_args(argv)
    counts = {"ok": 0, "ncd": 0, "escape": 0, "timeout": 0, "killed": 0, "slow": 0}
    pool = Pool(args)
    began = time.time()
    signal.signal(signal.SIGTERM, _stop)
    try:
        done, worst = _loop(args, pool, counts, began)
    except KeyboardInterrupt:  # SIGTERM or ^C: the figures so far are still the result
        done, worst = _progress["done"], _progress["worst"]
    summary = dict(inputs=done, seconds=round(time.time() - began, 1), slowest=round(worst, 3), **counts)
    print("summary " + json.dumps(summary), flush=True)
    found = counts["escape"] + counts["timeout"] + counts["killed"] + counts["slow"]
    return 1 if found else 0


_progress = {"done": 0, "worst": 0.0}


def _stop(signum, frame):
    raise KeyboardInterrupt


def _loop(args, pool, counts, began):
    done, worst = 0, 0.0
    for index in range(args.start, args.start + args.inputs):
        _, status, seconds, detail = pool.run(index)
        if status in ("ok", "ncd") and seconds > args.slow:  # a busy shared machine, or the input?
            seconds = min(seconds, pool.run(index)[2])
        counts[status] += 1
        worst = max(worst, seconds)
        if status in ("escape", "timeout", "killed"):
            save(args.out, status, index, args.seed, detail, seconds)
            print(f"[{index}] {status}: {detail} ({seconds:.2f} s)", flush=True)
        elif seconds > args.slow:
            counts["slow"] += 1
            save(args.out, "slow", index, args.seed, detail, seconds)
            print(f"[{index}] slow: {seconds:.2f} s", flush=True)
        done += 1
        if done % args.every == 0:
            rate = done / (time.time() - began)
            print(f"{done} inputs ({rate:.0f}/s) {json.dumps(counts)} slowest {worst:.2f} s", flush=True)
        _progress.update(done=done, worst=worst)
    return done, worst


if __name__ == "__main__":
    sys.exit(main())
