"""Benchmark (check stage): prove a GPT-2-small-sized model against its diagram, worker warm.

12 pre-norm transformer layers, d 768, 12 heads, feed-forward 3072, batch 8 × 1024
tokens, written here with einops.  The machine may be shared, so every timing is
given twice: wall time, and the CPU time of the process that did the work (the
check's own forked child, from its answer; a command's process tree, from
``RUSAGE_CHILDREN``), with the load average beside it.

* the first check of this model in a new worker, once the worker is warm (target 0.5 s): it has
  started and finished its warm-up (``checking/warmup.py``: generic models proved in its idle time,
  facts kept by an expression's form, ``checking/alike.py``), with no earlier check of any model.
  Anchors in the same run: the warm-up off (``NCD_CHECK_NO_WARMUP=1``), the warm-up and facts by form
  both off (the first check as it was), the time a worker needs to become warm, and a check that
  arrives while it warms up (against the anchor's first check at once);
* the symbolic proof, worker warm, after a check of it: the worker has checked this model
  once and had the time to derive again what that check's child learned about its
  size expressions (``checking/facts.py``; we wait for its status to say so), so
  the fresh child it forks inherits it.  Anchors in the same run: a worker with
  that replay off (``NCD_CHECK_NO_REPLAY=1``: every child derives everything
  anew; no warm-up, no facts by form), the same checks back to back (no pause: the replay runs beside them at
  the lowest priority), the replay's own CPU time in the worker, and the same
  proof in one process whose caches a previous check warmed (what the proof itself
  costs);
* 48 layers against 12 (target: at most 1.2×): a repeated block runs once, and
  its instances are built with shared fake tensors;
* ``ncd check --code`` from the command line (its one-shot worker does not warm up): cold (starts a worker) against the
  imports a check needs plus the proof, measured in the same run; repeated
  (replayed from its kept output) against ``python -c pass``;
* the same model run once on real CPU tensors (the anchor), and peak memory.

    python3 benchmarks/run.py check
    NCD_BENCH_QUICK=1 python3 benchmarks/run.py check     # skip the real-tensor anchor
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import textwrap
import time

MODEL = textwrap.dedent('''\
    import math

    import einops
    import torch
    from torch import nn


    class Attention(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.h = h
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)

        def forward(self, x):
            q, k, v = einops.rearrange(self.qkv(x), "b t (three h e) -> three b h t e", three=3, h=self.h)
            t = x.shape[1]
            scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
            causal = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
            scores = scores.masked_fill(~causal, float("-inf"))
            out = scores.softmax(dim=-1) @ v
            return self.proj(einops.rearrange(out, "b h t e -> b t (h e)"))


    class Layer(nn.Module):
        def __init__(self, d, h, f):
            super().__init__()
            self.ln1 = nn.LayerNorm(d)
            self.attn = Attention(d, h)
            self.ln2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(nn.Linear(d, f), nn.GELU(), nn.Linear(f, d))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))


    class GPT(nn.Module):
        def __init__(self, d, h, f, layers=12):
            super().__init__()
            self.blocks = nn.ModuleList(Layer(d, h, f) for _ in range(layers))
            self.ln_f = nn.LayerNorm(d)

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return self.ln_f(x)
''')

SPEC = "\n".join([
    'title "GPT-2 small: 12 pre-norm layers"',
    "block GPT(d, h, f)",
    "width t",
    "sizes b=8 t=1024 d=768 h=12 f=3072",
    "input X: b t d",
    *[f"X = Layer[blocks.{i}] X : t d -> t d" for i in range(12)],
    "X = norm[ln_f] X over d",
    "output X",
]) + "\n"

REAL = MODEL + textwrap.dedent('''
    import time
    torch.manual_seed(0)
    torch.set_num_threads(2)
    model = GPT(768, 12, 3072).eval()
    x = torch.randn(8, 1024, 768)
    t0 = time.perf_counter()
    with torch.no_grad():
        y = model(x)
    seconds = time.perf_counter() - t0
    assert tuple(y.shape) == (8, 1024, 768)
    hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(seconds, hwm)
''')


IMPORTS = ("import torch, torch._dynamo, torch._subclasses.fake_tensor, "
           "torch.fx.experimental.symbolic_shapes")  # what a symbolic check imports (fake dispatch loads dynamo)


def _module_dir():
    """The model as an importable module ``gpt`` in a temporary directory (the import-spec path)."""
    import pathlib
    import tempfile

    where = pathlib.Path(tempfile.mkdtemp(prefix="ncd-bench-"))
    (where / "gpt.py").write_text(MODEL)
    return where


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _settle(worker, timeout=120.0) -> dict:
    """The worker's status once its warm-up and its replay of what earlier checks learned are done
    (facts.Replay)."""
    deadline = time.monotonic() + timeout
    while True:
        status = worker.status()
        if not (status.get("pending") or status.get("warming")) or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def _timed_checks(diagram, code, worker, runs=3, pause=True, **options):
    """Median wall and median check-child CPU of ``runs`` checks (after one that warms the worker);
    with ``pause``, each waits until the worker has replayed what the checks before it learned."""
    from sphinx_ncd.checking.api import check

    options.setdefault("filename", "gpt.py")
    check(diagram, code, worker=worker, use_cache=False, timeout=300, **options)
    walls, cpus = [], []
    for _ in range(runs):
        if pause:
            _settle(worker)
        t0 = time.perf_counter()
        report = check(diagram, code, worker=worker, use_cache=False, timeout=300, **options)
        walls.append(time.perf_counter() - t0)
        cpus.append(report.cpu_seconds)
    return statistics.median(walls), statistics.median(cpus), report


def main(results: dict) -> None:
    import sphinx_ncd
    from sphinx_ncd.checking.api import check
    from sphinx_ncd.checking.worker import Worker

    diagram = sphinx_ncd.parse(SPEC, filename="gpt2-small.ncd")
    worker = Worker()
    try:
        t0 = time.perf_counter()
        worker.start()
        startup = time.perf_counter() - t0
        proof, proof_cpu, report = _timed_checks(diagram, MODEL, worker)
        replay_cpu = _settle(worker).get("replay_cpu_s", 0.0)
        b2b, b2b_cpu, _ = _timed_checks(diagram, MODEL, worker, pause=False)
        hwm_mb = worker.status()["vmhwm_kb"] / 1024
        fixed_s, fixed_cpu, fixed = _timed_checks(diagram, "gpt:GPT(d=768, h=12, f=3072)", worker,
                                                  path=(str(_module_dir()),), filename=None)
        hwm_mb = max(hwm_mb, worker.status()["vmhwm_kb"] / 1024)
        check(diagram, MODEL, worker=worker, filename="gpt.py")  # stores the verdict
        t0 = time.perf_counter()
        hit = check(diagram, MODEL, worker=worker, filename="gpt.py")
        cached = time.perf_counter() - t0
    finally:
        worker.close()
    plain = Worker(env={"NCD_CHECK_NO_REPLAY": "1", **_BEFORE})  # each child derives all anew, as it was
    try:
        plain.start()
        fresh, fresh_cpu, _ = _timed_checks(diagram, MODEL, plain)
    finally:
        plain.close()
    in_process = _in_process(diagram)
    _first(diagram, results)
    print(f"worker start (import torch):        {startup:7.2f} s wall")
    print(f"verdict: {report.summary}")
    print(f"symbolic proof, worker warm:        {proof:7.3f} s wall, {proof_cpu:6.3f} s CPU (median of 3; {_load()})"
          "   target 0.5 s")
    print(f"  anchor, replay off (each child derives all anew): {fresh:6.3f} s wall, {fresh_cpu:6.3f} s CPU"
          f"   ratio {proof_cpu / fresh_cpu:4.2f}x CPU")
    print(f"  back to back (replay beside them): {b2b:6.3f} s wall, {b2b_cpu:6.3f} s CPU")
    print(f"  the replay's own CPU in the worker (once per model): {replay_cpu:6.3f} s")
    print(f"  same proof, one process, caches warm:      {in_process:6.3f} s CPU (what the proof itself costs)")
    print(f"verdict with d, h, f built as ints: {fixed.summary}")
    print(f"  symbolic b, t only, worker warm:  {fixed_s:7.3f} s wall, {fixed_cpu:6.3f} s CPU")
    print(f"worker peak memory (VmHWM):         {hwm_mb:7.0f} MB             (target <= 500 MB)")
    print(f"cached verdict:                     {cached * 1000:7.2f} ms (hit: {hit.cached})")
    results.update(proof_replay_off_s=fresh, proof_replay_off_cpu_s=fresh_cpu, proof_back_to_back_s=b2b,
                   proof_back_to_back_cpu_s=b2b_cpu, replay_cpu_s=replay_cpu)
    results.update(proof_s=proof, proof_cpu_s=proof_cpu, proof_in_process_cpu_s=in_process,
                   proof_fixed_config_s=fixed_s, proof_fixed_config_cpu_s=fixed_cpu, worker_hwm_mb=hwm_mb,
                   startup_s=startup, status=report.status, summary=report.summary, cached_ms=cached * 1000,
                   load_average=os.getloadavg()[0])
    _depth(results)
    _cli(results)
    if os.environ.get("NCD_BENCH_QUICK"):
        print("real-tensor anchor skipped (NCD_BENCH_QUICK)")
        return
    out = subprocess.run([sys.executable, "-c", REAL], capture_output=True, text=True, check=True)
    real_s, real_kb = out.stdout.split()
    real_s, real_mb = float(real_s), int(real_kb) / 1024
    print(f"same model on real CPU tensors:     {real_s:7.2f} s, {real_mb:5.0f} MB peak")
    print(f"ratio real / proof:                 {real_s / proof:7.1f}x time, {real_mb / hwm_mb:4.1f}x memory")
    results.update(real_s=real_s, real_hwm_mb=real_mb, time_ratio=real_s / proof, memory_ratio=real_mb / hwm_mb)


_WARM = {}  # the worker as it starts: the warm-up proofs in its idle time (checking/warmup.py)
_NO_WARM_UP = {"NCD_CHECK_NO_WARMUP": "1"}  # no warm-up proofs; facts still looked up by form (checking/alike.py)
_BEFORE = {"NCD_CHECK_NO_WARMUP": "1", "NCD_CHECK_NO_ALIKE": "1"}  # neither: the first check before this work


def _warm_worker(env: dict, timeout: float = 300.0):
    """A started worker once its idle work is done and its spare carries it: (worker, seconds from its start
    to then, the warm-up's own CPU seconds)."""
    from sphinx_ncd.checking.worker import Worker

    worker = Worker(env=env)
    t0 = time.perf_counter()
    worker.start()
    deadline = time.monotonic() + timeout
    while True:
        status = worker.status()
        idle = not status.get("warming") and not status.get("pending")
        if (idle and status.get("spare_ready", True)) or time.monotonic() > deadline:
            return worker, time.perf_counter() - t0, status.get("warm_cpu_s", 0.0)
        time.sleep(0.05)


def _one_first_check(diagram, env: dict, during: bool = False) -> tuple:
    """(wall, CPU, verdict, seconds to become warm, warm-up CPU) of the first check of a new worker: once it
    is warm, or (``during``) as soon as it has started, while it warms up."""
    from sphinx_ncd.checking.api import check
    from sphinx_ncd.checking.worker import Worker

    if during:
        worker, warm_s, warm_cpu = Worker(env=env), 0.0, 0.0
        worker.start()
    else:
        worker, warm_s, warm_cpu = _warm_worker(env)
    try:
        t0 = time.perf_counter()
        report = check(diagram, MODEL, worker=worker, use_cache=False, timeout=300, filename="gpt.py")
        return time.perf_counter() - t0, report.cpu_seconds, report.summary, warm_s, warm_cpu
    finally:
        worker.close()


def _first(diagram, results: dict, runs: int = 3) -> None:
    """The first check of GPT-2 small in a new worker (no earlier check of any model): once the worker is
    warm (target 0.5 s), with the warm-up off, with neither the warm-up nor facts by form (the anchor: the
    first check before), and one that arrives while the worker warms up (no slower than the anchor).
    Interleaved, so that a change in the machine's load falls on each; medians of ``runs``."""
    kinds = {"warm": (_WARM, False), "no warm-up": (_NO_WARM_UP, False), "anchor": (_BEFORE, False),
             "during warm-up": (_WARM, True), "anchor, at once": (_BEFORE, True)}
    got = {kind: [] for kind in kinds}
    for _ in range(runs):
        for kind, (env, during) in kinds.items():
            got[kind].append(_one_first_check(diagram, env, during))
    med = {kind: [statistics.median(r[i] for r in rows) for i in (0, 1, 3, 4)] for kind, rows in got.items()}
    verdicts = {r[2] for rows in got.values() for r in rows}
    wall, cpu, warm_s, warm_cpu = med["warm"]
    print(f"first check in a warm worker:       {wall:7.3f} s wall, {cpu:6.3f} s CPU (median of {runs}; {_load()})"
          "   target 0.5 s")
    for kind in ("no warm-up", "anchor"):
        w, c = med[kind][:2]
        print(f"  {kind + ':':33s}{w:7.3f} s wall, {c:6.3f} s CPU   warm / this {cpu / c:4.2f}x CPU")
    print(f"  time to become warm:              {warm_s:7.2f} s wall from the worker's start "
          f"(its warm-up: {warm_cpu:5.2f} s CPU, nice 19)")
    (w, c), (aw, ac) = med["during warm-up"][:2], med["anchor, at once"][:2]
    print(f"  a check during the warm-up:       {w:7.3f} s wall, {c:6.3f} s CPU; the anchor at once "
          f"{aw:6.3f} s wall, {ac:6.3f} s CPU   ({w / aw:4.2f}x wall)")
    print(f"  verdicts: {' | '.join(sorted(verdicts))}")
    results.update(first_warm_s=wall, first_warm_cpu_s=cpu, first_no_warmup_s=med["no warm-up"][0],
                   first_no_warmup_cpu_s=med["no warm-up"][1], first_anchor_s=med["anchor"][0],
                   first_anchor_cpu_s=med["anchor"][1], become_warm_s=warm_s, warmup_cpu_s=warm_cpu,
                   first_during_warmup_s=w, first_during_warmup_cpu_s=c, first_anchor_at_once_s=aw,
                   first_anchor_at_once_cpu_s=ac, first_verdicts_identical=len(verdicts) == 1)


def _in_process(diagram) -> float:
    """The proof's CPU time in this process, once a first check warmed its caches (median of 3)."""
    from sphinx_ncd.checking.codeload import parse_spec
    from sphinx_ncd.checking.plan import make_plan
    from sphinx_ncd.checking.strategy import handle_check

    request = {"plan": make_plan(diagram, None).as_json(), "code": parse_spec(MODEL, None), "mode": "auto",
               "filename": "gpt.py"}
    handle_check(dict(request))
    cpus = []
    for _ in range(3):
        c0 = time.process_time()
        handle_check(dict(request))
        cpus.append(time.process_time() - c0)
    return statistics.median(cpus)


def _spec(layers: int) -> str:
    return SPEC.replace("12 pre-norm layers", f"{layers} pre-norm layers").replace(
        "\n".join(f"X = Layer[blocks.{i}] X : t d -> t d" for i in range(12)),
        "\n".join(f"X = Layer[blocks.{i}] X : t d -> t d" for i in range(layers)))


def _depth(results: dict) -> None:
    """A repeated block is proved once: 48 layers against 12 (target: at most 20% slower)."""
    import sphinx_ncd
    from sphinx_ncd.checking.worker import Worker

    worker = Worker()
    wall, cpu = {}, {}
    try:
        worker.start()
        for layers in (12, 48):
            diagram = sphinx_ncd.parse(_spec(layers), filename=f"gpt-{layers}.ncd")
            code = MODEL.replace("layers=12", f"layers={layers}")
            wall[layers], cpu[layers], report = _timed_checks(diagram, code, worker)
            print(f"{layers:2d} layers, worker warm:             {wall[layers]:7.3f} s wall, {cpu[layers]:6.3f} s CPU"
                  f"   ({report.status}; {_load()})")
    finally:
        worker.close()
    print(f"ratio 48 / 12 layers:               {wall[48] / wall[12]:7.2f}x wall, {cpu[48] / cpu[12]:5.2f}x CPU"
          "   (target <= 1.2x)")
    results.update(proof_12_layers_s=wall[12], proof_48_layers_s=wall[48], depth_ratio=wall[48] / wall[12],
                   proof_12_layers_cpu_s=cpu[12], proof_48_layers_cpu_s=cpu[48], depth_ratio_cpu=cpu[48] / cpu[12])


def _children_cpu() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(cmd, **options) -> tuple[float, float]:
    """Wall and CPU time (the whole process tree) of one command."""
    c0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, capture_output=True, timeout=600, **options)
    return time.perf_counter() - t0, _children_cpu() - c0


def _cli(results: dict) -> None:
    """``ncd check --code`` from the command line, cold and repeated, against the imports and Python itself."""
    import pathlib
    import tempfile

    where = pathlib.Path(tempfile.mkdtemp(prefix="ncd-bench-cli-"))
    (where / "gpt.py").write_text(MODEL)
    (where / "gpt.ncd").write_text(SPEC)
    env = dict(os.environ, XDG_CACHE_HOME=str(where / "cache"))
    command = [sys.executable, "-m", "sphinx_ncd.cli.main", "check", "gpt.ncd", "--code", "gpt:GPT(d=d, h=h, f=f)"]
    colds, imports, torches = [], [], []
    for attempt in range(3):  # interleaved, so that a change in the machine's load falls on both
        env = dict(os.environ, XDG_CACHE_HOME=str(where / f"cache-{attempt}"))  # nothing kept: a first run
        colds.append(_run(command, cwd=where, env=env))
        imports.append(_run([sys.executable, "-c", IMPORTS]))
        torches.append(_run([sys.executable, "-c", "import torch"]))
    cold_wall, cold_cpu = (statistics.median(r[i] for r in colds) for i in (0, 1))
    imports_wall, imports_cpu = (statistics.median(r[i] for r in imports) for i in (0, 1))
    torch_wall, torch_cpu = (statistics.median(r[i] for r in torches) for i in (0, 1))
    repeated = [_run(command, cwd=where, env=env) for _ in range(3)]
    rep_wall, rep_cpu = (statistics.median(r[i] for r in repeated) for i in (0, 1))
    python = [_run([sys.executable, "-c", "pass"]) for _ in range(3)]
    py_wall, py_cpu = (statistics.median(r[i] for r in python) for i in (0, 1))
    # a first run's worker has learned nothing yet: its proof is the replay-off anchor's (a fresh child)
    budget = imports_cpu + results["proof_replay_off_cpu_s"]
    budget_wall = imports_wall + results["proof_replay_off_s"]
    print(f"python -c 'import torch':           {torch_wall:7.2f} s wall, {torch_cpu:6.2f} s CPU (median of 3)")
    print(f"  with what a check imports:        {imports_wall:7.2f} s wall, {imports_cpu:6.2f} s CPU (dynamo, fake tensors)")
    print(f"ncd check --code, first run:        {cold_wall:7.2f} s wall, {cold_cpu:6.2f} s CPU (median of 3; {_load()})")
    print(f"  against imports + a fresh child's proof: {cold_wall / budget_wall:5.2f}x wall, {cold_cpu / budget:5.2f}x CPU"
          "   (target <= 1x; the CPU counts the command's own parse, which overlaps the worker's imports)")
    print(f"ncd check --code, repeated:         {rep_wall:7.3f} s wall, {rep_cpu:6.3f} s CPU (median of 3; target well under 1 s)")
    print(f"python -c pass (anchor):            {py_wall:7.3f} s wall, {py_cpu:6.3f} s CPU; repeated check / anchor "
          f"{rep_wall / py_wall:4.1f}x wall")
    results.update(cli_cold_s=cold_wall, cli_cold_cpu_s=cold_cpu, cli_repeated_s=rep_wall, cli_repeated_cpu_s=rep_cpu,
                   torch_import_s=torch_wall, torch_import_cpu_s=torch_cpu, check_imports_cpu_s=imports_cpu,
                   cli_cold_over_imports_and_proof=cold_cpu / budget,
                   cli_cold_over_imports_and_proof_wall=cold_wall / budget_wall, cli_python_anchor_s=py_wall)


if __name__ == "__main__":
    main({})
