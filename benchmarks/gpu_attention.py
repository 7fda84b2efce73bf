"""Benchmark (not a pipeline stage): naive attention against fused attention on a CUDA GPU.

    python3 benchmarks/gpu_attention.py [--machine h200] [--batch 2] [--heads 16] [--dim 64]

Times naive attention (materialised scores, a separate scale, softmax, matmul) against
``torch.nn.functional.scaled_dot_product_attention`` at sequence lengths 1k, 4k and 16k
in bf16 (warm-ups, CUDA events, the median of several runs), and prints the measured
time ratio beside the ratios the cost model predicts: memory traffic naive against
streamed, and roofline times on the chosen machine preset.  A size whose naive form
would not fit in free GPU memory is skipped.  Without a CUDA GPU it says so and exits 0.

Needs only torch (and this repository's dependency-free cost modules).
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from sphinx_ncd.cost.machines import MACHINES, get_machine  # noqa: E402
from sphinx_ncd.cost.streaming import naive_attention_ops, streamed_attention  # noqa: E402

LENGTHS = (1024, 4096, 16384)
WARMUP = 3
RUNS = 10


def predict(n, dim, pairs, machine, elem_bytes):
    """Predicted traffic (bytes) and roofline times (s) for naive and streamed attention."""
    ops = naive_attention_ops(n, n, dim)
    naive_bytes = sum(t for _, _, t in ops) * pairs * elem_bytes
    naive_time = sum(machine.roofline_time(f * pairs, t * pairs * elem_bytes) for _, f, t in ops)
    st = streamed_attention(n, n, dim, machine.fast_memory // elem_bytes)
    fused_bytes = st["traffic"] * pairs * elem_bytes
    fused_time = machine.roofline_time(st["flops"] * pairs, fused_bytes)
    return {"naive_bytes": naive_bytes, "fused_bytes": fused_bytes, "block": st["block"],
            "naive_time": naive_time, "fused_time": fused_time,
            "bound": machine.bound(st["flops"] * pairs, fused_bytes)}


def naive(q, k, v, scale):
    import torch

    s = torch.matmul(q, k.transpose(-2, -1))
    s = s * scale
    a = torch.softmax(s, dim=-1)
    return torch.matmul(a, v)


def time_ms(fn, torch):
    """Median of RUNS timings (ms) after WARMUP calls, with CUDA events."""
    for _ in range(WARMUP):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(RUNS):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def fused_call(torch):
    """SDPA restricted to the flash kernel where this torch allows it; (callable, backend)."""
    F = torch.nn.functional
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        def run(q, k, v):
            with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                return F.scaled_dot_product_attention(q, k, v)
        return run, "flash"
    except Exception:  # noqa: BLE001 - an older torch: let it choose
        return F.scaled_dot_product_attention, "default"


def measure(n, args, torch, fused):
    """(naive ms or None, fused ms, max abs difference or None) at sequence length n."""
    elem = 2
    shape = (args.batch, args.heads, n, args.dim)
    q, k, v = (torch.randn(shape, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    scale = args.dim ** -0.5
    fused_ms = time_ms(lambda: fused(q, k, v), torch)
    free, _ = torch.cuda.mem_get_info()
    need = 3 * args.batch * args.heads * n * n * elem + 2 * q.numel() * elem
    if need > 0.85 * free:
        print(f"  n={n}: naive form skipped: needs {need / 1e9:.1f} GB, {free / 1e9:.1f} GB free")
        return None, fused_ms, None
    naive_ms = time_ms(lambda: naive(q, k, v, scale), torch)
    diff = (naive(q, k, v, scale).float() - fused(q, k, v).float()).abs().max().item()
    torch.cuda.empty_cache()
    return naive_ms, fused_ms, diff


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--machine", default="h200", choices=sorted(MACHINES))
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--dim", type=int, default=64)
    args = p.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("no GPU comparison: torch is not installed")
        return 0
    if not torch.cuda.is_available():
        print("no CUDA GPU present: the naive-against-fused timing was not run "
              "(the predictions below are the cost model's alone)")
        torch = None
    machine = get_machine(args.machine)
    pairs = args.batch * args.heads
    print(f"attention, bf16, batch {args.batch}, heads {args.heads}, head dim {args.dim}; "
          f"prediction for {machine.name} ({machine.peak_flops / 1e12:.0f} TFLOP/s, "
          f"{machine.bandwidth / 1e12:.2f} TB/s, fast memory {machine.fast_memory // 1024} KB)")
    if torch is not None:
        fused, backend = fused_call(torch)
        print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, SDPA backend {backend}")
    head = (f"{'n':>6} {'naive GB':>9} {'fused GB':>9} {'traffic x':>9} {'pred naive ms':>13} "
            f"{'pred fused ms':>13} {'pred x':>7} {'naive ms':>9} {'fused ms':>9} {'measured x':>10}")
    print(head)
    for n in LENGTHS:
        pr = predict(n, args.dim, pairs, machine, 2)
        cells = (f"{n:>6} {pr['naive_bytes'] / 1e9:>9.3f} {pr['fused_bytes'] / 1e9:>9.3f} "
                 f"{pr['naive_bytes'] / pr['fused_bytes']:>9.1f} {pr['naive_time'] * 1e3:>13.3f} "
                 f"{pr['fused_time'] * 1e3:>13.3f} {pr['naive_time'] / pr['fused_time']:>7.1f}")
        if torch is None:
            print(cells)
            continue
        naive_ms, fused_ms, diff = measure(n, args, torch, fused)
        ratio = f"{naive_ms / fused_ms:>10.1f}" if naive_ms else f"{'-':>10}"
        nm = f"{naive_ms:>9.3f}" if naive_ms else f"{'skipped':>9}"
        print(f"{cells} {nm} {fused_ms:>9.3f} {ratio}" + (f"   max|diff| {diff:.3g}" if diff is not None else ""))
    print(f"streamed kernel: query block {pr['block']} rows beside {64}-row key tiles; "
          f"fused kernel {pr['bound']}-bound at n={LENGTHS[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
