"""Benchmark (check stage): the value check of every gallery figure whose boxes all have a known meaning.

For each figure: the value verdict and its largest difference against our own
correct gallery code (target: agree, <= 1e-10), the value check's time with the
worker warm (median of 3, no cache; target < 1 s each), and beside it the shape
check of the same figure and code in the same run (the anchor) with the ratio.

    python3 benchmarks/run.py values
"""
from __future__ import annotations

import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
CODE = ROOT / "demo_docs" / "code"

FIGURES = [  # (spec, the gallery's own correct code, sizes as the gallery page gives them)
    ("demo_docs/gallery/figures/fig08.ncd", "ncd_gallery.basics:Index(i=2)", {}),
    ("demo_docs/figures/fig15.ncd", "ncd_gallery.linalg:matmul_by_inner_broadcast", {}),
    ("demo_docs/gallery/figures/fig16.ncd", "ncd_gallery.attention:AttentionScores()", {}),
    ("demo_docs/figures/fig17.ncd", "ncd_gallery.attention:AttentionScores()", {}),
    ("demo_docs/figures/fig19.ncd", "ncd_gallery.mlp:BasicImageRecogniser()", {}),
    ("demo_docs/figures/fig20.ncd", "ncd_gallery.attention:ScaledDotProductAttention()", {}),
    ("demo_docs/figures/fig21.ncd", "ncd_gallery.attention:MultiHeadAttention(m=128, k=16, h=4)", {}),
    ("demo_docs/gallery/figures/fig24-conv.ncd", "ncd_gallery.convolution:LearnedConvolution(c=3, o=5, kernel=3)", {}),
    ("demo_docs/gallery/figures/fig24-maxpool.ncd", "ncd_gallery.convolution:MaxPool(kernel=2, stride=2)", {}),
    ("demo_docs/gallery/figures/fig24-avgpool.ncd", "ncd_gallery.convolution:AveragePool(kernel=3, stride=1)", {}),
    ("demo_docs/gallery/figures/fig25-stride-dilation.ncd",
     "ncd_gallery.convolution:LearnedConvolution(c=3, o=5, kernel=3, stride=2, dilation=2)", {}),
    ("demo_docs/gallery/figures/fig25-padding.ncd",
     "ncd_gallery.convolution:LearnedConvolution(c=3, o=5, kernel=3, padding=1)", {}),
    ("demo_docs/figures/fig28.ncd", "ncd_gallery.vision:VisualAttention(c=33, k=8)", {}),
    ("demo_docs/figures/fig27.ncd", "ncd_gallery.unet:UNet(c0=1, y=2, c1=4)",  # two repetitions, 27 boxes
     {"x_0": 16, "c_1": 4, "c_2": 8, "c_3": 16, "c_4": 32, "c_5": 64}),
    ("demo_docs/gallery/figures/fig22.ncd",  # two repeated blocks, norms bound per layer, a causal mask
     "ncd_gallery.transformer:Transformer(N=2, m=32, k=8, h=4, f=64, t=100)", {}),
    ("demo_docs/figures/fig26.ncd",  # repeat N-1 in a block, its units counted (\iter): 81 bound boxes
     "ncd_gallery.resnet:IdentityResNet(N=3, n=(16, 64, 128, 256), y=10)",
     {"n_0": 16, "n_1": 64, "n_2": 128, "n_3": 256}),
]


def _median(fn, n=3):
    times = []
    out = None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(results: dict) -> None:
    sys.path.insert(0, str(ROOT))
    import sphinx_ncd
    from sphinx_ncd.checking.api import check
    from sphinx_ncd.checking.values import check_values
    from sphinx_ncd.checking.worker import Worker

    worker = Worker()
    t0 = time.perf_counter()
    worker.start()
    print(f"worker start (import torch): {time.perf_counter() - t0:6.2f} s")
    opts = dict(worker=worker, use_cache=False, path=(str(CODE),))
    rows = []
    try:
        for spec, code, sizes in FIGURES:
            d = sphinx_ncd.parse((ROOT / spec).read_text(), filename=spec, search_path=(str(ROOT / "templates"),))
            check_values(d, code, sizes, **opts)  # first run: imports the gallery module
            v_s, report = _median(lambda: check_values(d, code, sizes, **opts))
            s_s, shape = _median(lambda: check(d, code, sizes, **opts))
            rows.append((pathlib.Path(spec).name, report.status, report.max_diff, v_s, s_s, shape.status))
    finally:
        worker.close()
    print(f"{'figure':28s} {'values':7s} {'largest diff':>12s} {'value check':>12s} {'shape check':>12s} ratio")
    for name, status, diff, v_s, s_s, shape in rows:
        print(f"{name:28s} {status:7s} {diff:12.1e} {v_s:10.3f} s {s_s:10.3f} s {v_s / s_s:5.2f}x  (shapes {shape})")
    slowest = max(r[3] for r in rows)
    agree = sum(1 for r in rows if r[1] == "agree" and r[2] <= 1e-10)
    print(f"{agree}/{len(rows)} figures agree to 1e-10; slowest value check {slowest:.3f} s (target < 1 s)")
    results.update({"figures": {r[0]: {"status": r[1], "max_diff": r[2], "value_s": r[3], "shape_s": r[4]}
                                for r in rows}, "agree": agree, "count": len(rows), "slowest_s": slowest})
