"""Benchmark (language stage): parse + shape inference of the paper's multi-head attention (Figure 21).

Target: <= 1 ms median, warm (size expressions are cached; whole parses never are).
Anchors measured in the same run: compiling the equivalent PyTorch module source with
``compile()``, and einops parsing the same einsum/rearrange patterns (einops caches its
own parses, so its cache is cleared each round for a fair comparison).
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIG21 = ROOT / "demo_docs" / "figures" / "fig21.ncd"

EQUIVALENT_PY = '''
import math
import torch.nn as nn
import einops

class MultiHeadAttention(nn.Module):
    def __init__(self, m, k, h):
        super().__init__()
        self.k, self.h = k, h
        self.Lq = nn.Linear(m, k * h, bias=False)
        self.Lk = nn.Linear(m, k * h, bias=False)
        self.Lv = nn.Linear(m, k * h, bias=False)
        self.Lo = nn.Linear(k * h, m, bias=False)

    def forward(self, E, X):
        q = einops.rearrange(self.Lq(E), "y (k h) -> y k h", h=self.h)
        k = einops.rearrange(self.Lk(X), "x (k h) -> x k h", h=self.h)
        v = einops.rearrange(self.Lv(X), "x (k h) -> x k h", h=self.h)
        s = einops.einsum(q, k, "y k h, x k h -> y x h") / math.sqrt(self.k)
        a = s.softmax(dim=1)
        o = einops.einsum(a, v, "y x h, x k h -> y k h")
        return self.Lo(einops.rearrange(o, "y k h -> y (k h)"))
'''
PATTERNS = ["y (k h)", "y k h", "x (k h)", "x k h", "y k h", "x k h", "y x h", "y x h", "x k h", "y k h",
            "y k h", "y (k h)"]


def _median(fn, rounds: int = 15, number: int = 200, clock=time.perf_counter) -> float:
    fn()
    fn()
    times = []
    for _ in range(rounds):
        t0 = clock()
        for _ in range(number):
            fn()
        times.append((clock() - t0) / number)
    return statistics.median(times)


def main(results: dict) -> None:
    import sphinx_ncd

    text = FIG21.read_text(encoding="utf-8")
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} cores (timings are inflated when it exceeds the cores)")
        results["load_average"] = load
    ours = _median(lambda: sphinx_ncd.parse(text, filename="fig21.ncd"))
    cpu = _median(lambda: sphinx_ncd.parse(text, filename="fig21.ncd"), clock=time.process_time)
    print(f"parse + infer, figure 21 (multi-head attention): {ours * 1e3:.3f} ms median wall, "
          f"{cpu * 1e3:.3f} ms CPU (target <= 1 ms)")
    results["fig21_parse_ms"] = ours * 1e3
    results["fig21_parse_cpu_ms"] = cpu * 1e3
    results["fig21_target_met"] = ours <= 1e-3

    anchor = _median(lambda: compile(EQUIVALENT_PY, "<mha>", "exec"))
    print(f"anchor: compile() of the equivalent PyTorch module source: {anchor * 1e3:.3f} ms "
          f"(ratio ours/anchor {ours / anchor:.2f})")
    results["anchor_compile_ms"] = anchor * 1e3
    results["ratio_vs_compile"] = ours / anchor

    try:
        from einops.parsing import ParsedExpression
    except ImportError:
        print("einops not installed: einops anchor skipped")
        return

    def einops_parse():
        for p in PATTERNS:
            ParsedExpression(p)

    anchor2 = _median(einops_parse)
    print(f"anchor: einops parsing of the {len(PATTERNS)} equivalent axis patterns: {anchor2 * 1e3:.3f} ms "
          f"(ratio ours/anchor {ours / anchor2:.2f})")
    results["anchor_einops_ms"] = anchor2 * 1e3
    results["ratio_vs_einops"] = ours / anchor2

    # scaling: a generated chain of element-wise and learned operations
    for n in (10, 100, 1000):
        lines = ["input X: b m"]
        for i in range(n):
            lines.append("X = relu X" if i % 2 else "X = L X : m -> m")
        chain = "\n".join(lines)
        t = _median(lambda: sphinx_ncd.parse(chain), rounds=5, number=max(1, 200 // n))
        c = _median(lambda: sphinx_ncd.parse(chain), rounds=5, number=max(1, 200 // n), clock=time.process_time)
        print(f"parse + infer, chain of {n} operations: {t * 1e3:.2f} ms wall, {c * 1e3:.2f} ms CPU")
        results[f"chain_{n}_ms"] = t * 1e3
        results[f"chain_{n}_cpu_ms"] = c * 1e3
    if results.get("chain_100_cpu_ms"):
        growth = results["chain_1000_cpu_ms"] / results["chain_100_cpu_ms"]
        print(f"growth 100 -> 1000 operations: {growth:.1f}x (linear is 10x)")
        results["chain_growth"] = growth


if __name__ == "__main__":
    import sys
    sys.path.insert(0, str(ROOT))
    main({})
