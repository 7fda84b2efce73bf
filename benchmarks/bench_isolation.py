"""Benchmarks (checking): what isolating every check costs in the warm worker.

Each check runs in a child forked by the worker, which then kills whatever the
check left behind (``sphinx_ncd.checking.isolate``).  Figures, medians of a
few runs on a warm worker:

* ``status`` round trip -- a request the worker answers itself (pipes + JSON, no fork);
* an isolated check round trip -- the check in a child forked ahead of time, the
  private pipe, killing what it started -- with half a second between checks (as
  in a build, where parsing and rendering come between), and back to back;
* the same check run in this process (the anchor: the check's own work, no worker);
* a cached verdict (no worker at all).

The ratio isolated / in-process says what a check pays for its isolation.
"""
from __future__ import annotations

import os
import statistics
import time

CODE = "import torch\ndef f(x):\n    return torch.relu(x) * 2\n"
SPEC = "input X: a b\nY = relu X\noutput Y\n"


def _median(fn, runs: int = 7, gap: float = 0.0) -> float:
    times = []
    for _ in range(runs):
        time.sleep(gap)  # a build parses and renders between checks: the worker settles meanwhile
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(results: dict) -> None:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        print("torch is not installed: skipped")
        return
    import sphinx_ncd
    from sphinx_ncd.checking.api import check
    from sphinx_ncd.checking.plan import make_plan
    from sphinx_ncd.checking.runner import handle_check
    from sphinx_ncd.checking.worker import Worker

    diagram = sphinx_ncd.parse(SPEC)
    worker = Worker(memory_mb=3072)
    worker.start()
    try:
        report = check(diagram, CODE, worker=worker, use_cache=False)
        assert report.status == "proved", report.summary
        status_s = _median(lambda: worker.status())
        isolated_s = _median(lambda: check(diagram, CODE, worker=worker, use_cache=False), gap=0.5)
        back_to_back_s = _median(lambda: check(diagram, CODE, worker=worker, use_cache=False))
        request = {"plan": make_plan(diagram, None).as_json(),
                   "code": {"kind": "source", "text": CODE, "name": None}, "mode": "auto", "filename": None}
        handle_check(request)  # warm this process too
        inprocess_s = _median(lambda: handle_check(dict(request)))
        check(diagram, CODE, worker=worker)
        cached_s = _median(lambda: check(diagram, CODE, worker=worker))
    finally:
        worker.close()
    load = os.getloadavg()[0]
    print(f"status round trip (no fork):        {status_s * 1000:7.2f} ms")
    print(f"isolated check round trip:          {isolated_s * 1000:7.2f} ms")
    print(f"  back to back (no time to settle): {back_to_back_s * 1000:7.2f} ms")
    print(f"same check in this process:         {inprocess_s * 1000:7.2f} ms   (anchor)")
    print(f"ratio isolated / in-process:        {isolated_s / inprocess_s:7.2f}x")
    print(f"cached verdict:                     {cached_s * 1000:7.2f} ms")
    print(f"machine load average (1 min):       {load:7.2f}")
    results.update(status_ms=status_s * 1000, isolated_ms=isolated_s * 1000,
                   back_to_back_ms=back_to_back_s * 1000, inprocess_ms=inprocess_s * 1000,
                   ratio=isolated_s / inprocess_s, cached_ms=cached_s * 1000, load=load)
