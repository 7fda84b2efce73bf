"""Benchmark (cost stage): ``ncd cost`` on a 100-operation diagram.

Target: ``ncd cost`` on a 120-box transformer stack at concrete sizes under 100 ms,
median.  Printed: the cost stage alone (analysis and its text table), the anchor
measured in the same run -- parsing the same spec, the model stage every command
runs first -- and the whole command in-process (parse, analyse, print).  On a loaded
machine the parse dominates the whole command; the ratio cost/parse does not depend
on the load.
"""
from __future__ import annotations

import io
import statistics
import time
from contextlib import redirect_stdout

LAYERS = 8           # 13 boxes a layer
SIZES = {"t": 2048, "u": 2048, "m": 1024, "k": 64, "h": 16, "f": 4096}
TARGET_S = 0.100


def stack_spec(layers: int = LAYERS) -> str:
    """A pre-norm transformer decoder stack attending to a context ``C``, ``layers`` deep."""
    lines = ['title "Transformer stack"', "width t u", "input X: t m, C: u m"]
    for i in range(layers):
        lines += [
            "N = norm X over m",
            f"Q = L^Q_{i} N : m -> k h", f"K = L^K_{i} C : m -> k h", f"V = L^V_{i} C : m -> k h",
            f'fence "Attention {i}" {{',
            "  S = einsum Q K : t k h, u k h -> t u h",
            "  S = scale S by 1/sqrt(k)",
            "  A = softmax S over u",
            "  O = einsum A V : t u h, u k h -> t k h",
            "}",
            f"P = L^O_{i} O : k h -> m", "X = add X P",
            "N = norm X over m", f"H = L^A_{i} N : m -> f", "H = relu H", f"F = L^B_{i} H : f -> m",
            "X = add X F",
        ]
    return "\n".join(lines + ["output X"]) + "\n"


def _median(fn, rounds: int = 11) -> float:
    fn()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(results: dict) -> None:
    import sphinx_ncd
    from sphinx_ncd.cli.main import main as ncd_main
    from sphinx_ncd.cost.table import as_text

    text = stack_spec()
    diagram = sphinx_ncd.parse(text, filename="stack.ncd")
    boxes = sum(1 for op in diagram.operations if op.kind != "copy")
    parse_s = _median(lambda: sphinx_ncd.parse(text, filename="stack.ncd"))
    cost_s = _median(lambda: as_text(sphinx_ncd.cost(diagram, sizes=SIZES)))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "stack.ncd"
        spec.write_text(text, encoding="utf-8")
        argv = ["cost", str(spec), "--sizes"] + [f"{k}={v}" for k, v in SIZES.items()]

        def command():
            with redirect_stdout(io.StringIO()):
                ncd_main(argv)
        command_s = _median(command)
    print(f"{boxes} boxes: cost stage {cost_s * 1e3:.1f} ms, parse (anchor) {parse_s * 1e3:.1f} ms, "
          f"whole `ncd cost` {command_s * 1e3:.1f} ms (target < {TARGET_S * 1e3:.0f} ms: "
          f"{'met' if command_s < TARGET_S else 'NOT met'}); cost/parse {cost_s / parse_s:.2f}x")
    results.update({"boxes": boxes, "cost_ms": cost_s * 1e3, "parse_ms": parse_s * 1e3,
                    "command_ms": command_s * 1e3, "cost_over_parse": cost_s / parse_s,
                    "target_ms": TARGET_S * 1e3, "met_cost_stage": cost_s < TARGET_S,
                    "met_whole_command": command_s < TARGET_S})
