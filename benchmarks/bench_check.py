"""Benchmark (check stage): prove a GPT-2-small-sized model against its diagram, worker warm.

12 pre-norm transformer layers, d 768, 12 heads, feed-forward 3072, batch 8 × 1024
tokens, written here with einops.  Figures: the symbolic check's time (target
≤ 1 s; with a repeated block proved once, 0.5 s) and the worker's peak memory
(VmHWM, target ≤ 500 MB), beside the same model run once on real CPU tensors in
the same run (the anchor), and the ratios.  Then the same model with 48 layers
against 12 (target: at most 1.2×), and a repeated ``ncd check --code`` from the
command line (replayed from its kept output) against ``python -c pass``.

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


def _module_dir():
    """The model as an importable module ``gpt`` in a temporary directory (the import-spec path)."""
    import pathlib
    import tempfile

    where = pathlib.Path(tempfile.mkdtemp(prefix="ncd-bench-"))
    (where / "gpt.py").write_text(MODEL)
    return where


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
        warm = check(diagram, MODEL, worker=worker, use_cache=False, filename="gpt.py", timeout=120)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            report = check(diagram, MODEL, worker=worker, use_cache=False, filename="gpt.py", timeout=120)
            times.append(time.perf_counter() - t0)
        hwm_mb = worker.status()["vmhwm_kb"] / 1024
        fixed_times = []
        for _ in range(3):  # the same model built with plain ints: only b and t stay symbolic
            t0 = time.perf_counter()
            fixed = check(diagram, "gpt:GPT(d=768, h=12, f=3072)", worker=worker, use_cache=False,
                          path=(str(_module_dir()),), timeout=120)
            fixed_times.append(time.perf_counter() - t0)
        hwm_mb = max(hwm_mb, worker.status()["vmhwm_kb"] / 1024)
        check(diagram, MODEL, worker=worker, filename="gpt.py")  # stores the verdict
        t0 = time.perf_counter()
        hit = check(diagram, MODEL, worker=worker, filename="gpt.py")
        cached = time.perf_counter() - t0
    finally:
        worker.close()
    proof = statistics.median(times)
    proof_fixed = statistics.median(fixed_times)
    load = os.getloadavg()[0]
    print(f"worker start (import torch):       {startup:7.2f} s")
    print(f"verdict: {report.summary}")
    print(f"  first check (cold caches):       {warm.seconds:7.3f} s in the worker")
    print(f"symbolic proof, worker warm:       {proof:7.3f} s median of 3   (target <= 1 s)")
    print(f"verdict with d, h, f built as ints: {fixed.summary}")
    print(f"  symbolic b, t only, worker warm:  {proof_fixed:7.3f} s median of 3")
    print(f"machine load average (1 min):      {load:7.2f} (2 cores; figures scale with it)")
    print(f"worker peak memory (VmHWM):        {hwm_mb:7.0f} MB             (target <= 500 MB)")
    print(f"cached verdict:                    {cached * 1000:7.2f} ms (hit: {hit.cached})")
    results.update(proof_s=proof, proof_fixed_config_s=proof_fixed, load_average=load, worker_hwm_mb=hwm_mb, startup_s=startup, status=report.status,
                   summary=report.summary, cached_ms=cached * 1000)
    _depth(results)
    _cli_replay(results)
    if os.environ.get("NCD_BENCH_QUICK"):
        print("real-tensor anchor skipped (NCD_BENCH_QUICK)")
        return
    out = subprocess.run([sys.executable, "-c", REAL], capture_output=True, text=True, check=True)
    real_s, real_kb = out.stdout.split()
    real_s, real_mb = float(real_s), int(real_kb) / 1024
    print(f"same model on real CPU tensors:    {real_s:7.2f} s, {real_mb:5.0f} MB peak")
    print(f"ratio real / proof:                {real_s / proof:7.1f}x time, {real_mb / hwm_mb:4.1f}x memory")
    results.update(real_s=real_s, real_hwm_mb=real_mb, time_ratio=real_s / proof, memory_ratio=real_mb / hwm_mb)


def _spec(layers: int) -> str:
    return SPEC.replace("12 pre-norm layers", f"{layers} pre-norm layers").replace(
        "\n".join(f"X = Layer[blocks.{i}] X : t d -> t d" for i in range(12)),
        "\n".join(f"X = Layer[blocks.{i}] X : t d -> t d" for i in range(layers)))


def _depth(results: dict) -> None:
    """A repeated block is proved once: 48 layers against 12 (target: at most 20% slower)."""
    import sphinx_ncd
    from sphinx_ncd.checking.api import check
    from sphinx_ncd.checking.worker import Worker

    worker = Worker()
    medians = {}
    try:
        worker.start()
        for layers in (12, 48):
            diagram = sphinx_ncd.parse(_spec(layers), filename=f"gpt-{layers}.ncd")
            code = MODEL.replace("layers=12", f"layers={layers}")
            check(diagram, code, worker=worker, use_cache=False, filename="gpt.py", timeout=300)
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                report = check(diagram, code, worker=worker, use_cache=False, filename="gpt.py", timeout=300)
                times.append(time.perf_counter() - t0)
            medians[layers] = statistics.median(times)
            print(f"{layers:2d} layers, worker warm:            {medians[layers]:7.3f} s median of 3   ({report.status})")
    finally:
        worker.close()
    ratio = medians[48] / medians[12]
    print(f"ratio 48 / 12 layers:              {ratio:7.2f}x              (target <= 1.2x)")
    results.update(proof_12_layers_s=medians[12], proof_48_layers_s=medians[48], depth_ratio=ratio)


def _cli_replay(results: dict) -> None:
    """A repeated ``ncd check --code`` from the command line, against starting Python itself (the anchor)."""
    import pathlib
    import tempfile

    where = pathlib.Path(tempfile.mkdtemp(prefix="ncd-bench-cli-"))
    (where / "gpt.py").write_text(MODEL)
    (where / "gpt.ncd").write_text(SPEC)
    env = dict(os.environ, XDG_CACHE_HOME=str(where / "cache"))
    command = [sys.executable, "-m", "sphinx_ncd.cli.main", "check", "gpt.ncd", "--code", "gpt:GPT(d=d, h=h, f=f)"]

    def timed(cmd) -> float:
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=where, env=env, capture_output=True, timeout=600)
        return time.perf_counter() - t0

    cold = timed(command)
    repeated = statistics.median(timed(command) for _ in range(3))
    anchor = statistics.median(timed([sys.executable, "-c", "pass"]) for _ in range(3))
    print(f"ncd check --code, first run:       {cold:7.2f} s (starts a worker: torch import + proof)")
    print(f"ncd check --code, repeated:        {repeated:7.3f} s median of 3   (target well under 1 s)")
    print(f"python -c pass (anchor):           {anchor:7.3f} s; repeated check / anchor {repeated / anchor:4.1f}x")
    results.update(cli_cold_s=cold, cli_repeated_s=repeated, cli_python_anchor_s=anchor)


if __name__ == "__main__":
    main({})
