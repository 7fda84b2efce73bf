"""Benchmark (draft stage): ``ncd draft`` on the gallery's models and on Hugging Face's GPT-2 block.

For each model: the median time of one whole draft (export, naming, translation, writing, the
parse that validates it) after a warm-up, beside the median of ``torch.export`` alone on the same
module and inputs in the same run (the anchor); the ratio is what drafting adds to exporting.
Target: every draft under 2 s.  Also the time the checker takes to prove the draft (warm worker).

    python3 benchmarks/run.py draft
"""
from __future__ import annotations

import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PATHS = (str(ROOT / "demo_docs" / "code"), str(ROOT / "tests" / "draft" / "models"))
MODELS = {
    "mlp": ("ncd_gallery.mlp:BasicImageRecogniser()", "x: b 28 28"),
    "sdpa": ("ncd_gallery.attention:ScaledDotProductAttention()", "Q: y k, K: x k, V: x k"),
    "attention": ("ncd_gallery.attention:MultiHeadAttention(m=11, k=7, h=5)", "E: y m, X: x m"),
    "transformer": ("ncd_gallery.transformer:EncoderLayer(m=11, k=7, h=5, f=13)", "X: b t m"),
    "resnet": ("ncd_gallery.resnet:Block(s=2, N=2, n0=5, n1=28)", "X: b n0 H W"),
    "unet": ("ncd_gallery.unet:UNet(c0=3, y=7, c1=5, depth=2)", "X: b c0 4*H 4*W"),
    "vision": ("ncd_gallery.vision:VisualAttention(c=11, k=7)", "E: b c H W, X: b c P Q"),
    "convolution": ("ncd_gallery.convolution:LearnedConvolution(c=5, o=7, kernel=3, stride=2, padding=1)",
                    "X: b c H W"),
    "gpt2-block": ("hf_blocks:gpt2_block(d=35, h=5)", "x: b t d"),
}
REPEAT = 3


def _median(fn) -> float:
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(results: dict) -> None:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        print("torch is not installed: skipped")
        return
    import torch

    import sphinx_ncd
    from sphinx_ncd.checking.worker import Worker
    from sphinx_ncd.draft.inputs import parse_inputs
    from sphinx_ncd.draft.trace import load_model, trace

    sys.path[:0] = [p for p in PATHS if p not in sys.path]
    sphinx_ncd.draft(*MODELS["sdpa"], path=PATHS)  # warm-up: the first export imports most of torch
    worker = Worker(memory_mb=2048)
    worker.start()
    try:
        print(f"{'model':<12} {'draft s':>8} {'export s':>9} {'ratio':>6} {'check s':>8}  verdict")
        for name, (code, inputs) in MODELS.items():
            if name == "gpt2-block" and importlib.util.find_spec("transformers") is None:
                continue
            result = sphinx_ncd.draft(code, inputs, path=PATHS)
            drafting = _median(lambda: sphinx_ncd.draft(code, inputs, path=PATHS))
            described = parse_inputs(inputs)
            traced = trace(load_model(code, PATHS), described, {})
            shapes = [tuple(t.shape) for t in traced.program.example_inputs[0]]
            exporting = _median(lambda: torch.export.export(
                traced.model, tuple(torch.randn(*s) for s in shapes), strict=False))
            diagram = sphinx_ncd.parse(result.text)
            t = time.perf_counter()
            report = sphinx_ncd.check(diagram, result.check_code, worker=worker, use_cache=False, path=PATHS)
            checking = time.perf_counter() - t
            ratio = drafting / exporting
            print(f"{name:<12} {drafting:8.3f} {exporting:9.3f} {ratio:6.2f} {checking:8.2f}  {report.status}",
                  flush=True)
            results[name] = {"draft_s": drafting, "export_s": exporting, "ratio": ratio, "check_s": checking,
                             "status": report.status, "under_2s": drafting < 2.0}
    finally:
        worker.close()
