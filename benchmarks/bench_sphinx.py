"""Benchmark (not a pipeline stage): the Sphinx extension on a large site.

N diagrams (default 1,000) on N/10 pages, each with a caption, a name and a
``:numref:`` to it, built three ways in the same run:

* ``ncd``: ``.. ncd::`` directives;
* ``code``: the same pages with ``.. code-block::`` listings (captioned, named,
  referenced): the baseline every figure is compared with;
* ``graphviz``: ``sphinx.ext.graphviz`` with an equivalent graph per diagram
  (one node per operation), when Graphviz's ``dot`` is installed.

Figures: cold HTML build time and the per-diagram overhead over the baseline
(and its ratio to graphviz's); a no-change rebuild against the baseline's;
cold ``-j 2`` against ``-j 1``; the cold LaTeX builder per diagram.  Each
build is a fresh ``sphinx-build`` process (wall time, median of
``NCD_BENCH_RUNS`` runs, default 3).  Size: ``NCD_BENCH_DIAGRAMS`` (default
1000), ``NCD_BENCH_PER_PAGE`` (default 10); e.g. ``NCD_BENCH_DIAGRAMS=100``
for a quick run.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = int(os.environ.get("NCD_BENCH_DIAGRAMS", "1000"))
PER_PAGE = int(os.environ.get("NCD_BENCH_PER_PAGE", "10"))
RUNS = int(os.environ.get("NCD_BENCH_RUNS", "3"))

SPEC = """input X: {a}
H = L+[fc1] X : {a} -> {b}
Y = relu H
Z = L+[fc2] Y : {b} -> {c}
output Z"""

DOT = """digraph d{i} {{
   rankdir=LR; node [shape=box];
   X [label="X: {a}"]; L1 [label="L+ {a}->{b}"]; R [label="ReLU"];
   L2 [label="L+ {b}->{c}"]; Z [label="Z: {c}"];
   X -> L1 -> R -> L2 -> Z;
}}"""


def _sizes(i: int) -> dict:
    # every diagram distinct, so nothing is served twice from a cache
    return {"a": 100 + i, "b": 200 + i % 97, "c": 2 + i % 13, "i": i}


def _block(kind: str, i: int) -> str:
    s = _sizes(i)
    if kind == "ncd":
        head = f".. ncd::\n   :caption: Diagram {i}\n   :name: d{i}\n\n"
        body = SPEC.format(**s)
    elif kind == "code":
        head = f".. code-block:: text\n   :caption: Diagram {i}\n   :name: d{i}\n\n"
        body = SPEC.format(**s)
    else:
        head = f".. graphviz::\n   :caption: Diagram {i}\n   :name: d{i}\n\n"
        body = DOT.format(**s)
    return head + "\n".join("   " + line for line in body.splitlines()) + "\n"


def make_site(root: Path, kind: str) -> Path:
    src = root / f"src-{kind}"
    src.mkdir(parents=True)
    ext = {"ncd": '["sphinx_ncd"]', "code": "[]", "graphviz": '["sphinx.ext.graphviz"]'}[kind]
    (src / "conf.py").write_text(
        f"extensions = {ext}\nproject = 'bench'\nnumfig = True\nhtml_theme = 'alabaster'\n"
        "graphviz_output_format = 'svg'\n"
        "latex_elements = {'fontpkg': r'\\usepackage{lmodern}'}\n")
    pages = max(1, N // PER_PAGE)
    (src / "index.rst").write_text("Bench\n=====\n\n.. toctree::\n\n" +
                                   "".join(f"   p{p}\n" for p in range(pages)))
    i = 0
    for p in range(pages):
        parts = [f"Page {p}\n{'=' * (5 + len(str(p)))}\n"]
        for _ in range(PER_PAGE if p < pages - 1 else N - i):
            parts.append(_block(kind, i))
            parts.append(f"See :numref:`d{i}`.\n")
            i += 1
        (src / f"p{p}.rst").write_text("\n".join(parts))
    return src


def build(src: Path, out: Path, builder: str = "html", jobs: int = 1) -> float:
    cmd = [sys.executable, "-m", "sphinx", "-q", "-b", builder, "-d", str(out / "doctrees"),
           "-j", str(jobs), str(src), str(out / builder)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0 or "WARNING" in proc.stderr:
        raise RuntimeError(f"sphinx-build failed for {src.name}:\n{proc.stderr[-3000:]}")
    return elapsed


def cold(src: Path, work: Path, builder: str = "html", jobs: int = 1) -> tuple[float, Path]:
    """Median cold build (fresh output and doctree directories, so no cache at all)."""
    times, out = [], work
    for run in range(RUNS):
        out = work / f"out-{src.name}-{builder}-j{jobs}-{run}"
        times.append(build(src, out, builder, jobs))
    return statistics.median(times), out


def nochange(src: Path, out: Path) -> float:
    return statistics.median(build(src, out) for _ in range(max(RUNS, 3)))


def main(results: dict) -> None:
    have_dot = shutil.which("dot") is not None
    print(f"{N} diagrams on {max(1, N // PER_PAGE)} pages, median of {RUNS} cold builds each")
    with tempfile.TemporaryDirectory(prefix="ncd-bench-sphinx-") as tmp:
        work = Path(tmp)
        kinds = ["code", "ncd"] + (["graphviz"] if have_dot else [])
        sites = {k: make_site(work, k) for k in kinds}
        build(sites["ncd"], work / "warmup")  # imports, font loading, page cache
        shutil.rmtree(work / "warmup")

        html = {}
        outs = {}
        for k in kinds:
            html[k], outs[k] = cold(sites[k], work)
            print(f"  cold html  {k:9s} {html[k]:7.2f} s")
        over = (html["ncd"] - html["code"]) / N * 1000
        results.update(diagrams=N, html_code_s=html["code"], html_ncd_s=html["ncd"], html_ncd_overhead_ms=over)
        print(f"  ncd overhead over code blocks: {over:+.2f} ms per diagram (target <= +1 ms)")
        if have_dot:
            gover = (html["graphviz"] - html["code"]) / N * 1000
            results.update(html_graphviz_s=html["graphviz"], html_graphviz_overhead_ms=gover)
            ratio = gover / over if over > 0 else float("inf")
            results["graphviz_over_ncd_overhead_ratio"] = ratio
            print(f"  graphviz overhead:            {gover:+.2f} ms per diagram "
                  f"({ratio:.1f}x ncd's; target >= 10x)")

        base_nc, ncd_nc = nochange(sites["code"], outs["code"]), nochange(sites["ncd"], outs["ncd"])
        results.update(nochange_code_s=base_nc, nochange_ncd_s=ncd_nc, nochange_ratio=ncd_nc / base_nc)
        print(f"  no-change rebuild: ncd {ncd_nc:.2f} s vs code {base_nc:.2f} s "
              f"({ncd_nc / base_nc:.2f}x; target <= 1.10x)")

        j2, _ = cold(sites["ncd"], work, jobs=2)
        results.update(html_ncd_j2_s=j2, j2_over_j1=j2 / html["ncd"])
        print(f"  cold -j 2: {j2:.2f} s vs -j 1 {html['ncd']:.2f} s ({j2 / html['ncd']:.2f}x; target <= 1.0x)")

        latex = {k: cold(sites[k], work, "latex")[0] for k in kinds}
        lover = (latex["ncd"] - latex["code"]) / N * 1000
        results.update(latex_code_s=latex["code"], latex_ncd_s=latex["ncd"], latex_ncd_overhead_ms=lover)
        print(f"  cold latex: ncd {latex['ncd']:.2f} s, code {latex['code']:.2f} s: "
              f"{lover:+.2f} ms per diagram (target <= +5 ms)")
        if have_dot:
            glover = (latex["graphviz"] - latex["code"]) / N * 1000
            results.update(latex_graphviz_s=latex["graphviz"], latex_graphviz_overhead_ms=glover)
            print(f"  cold latex graphviz: {latex['graphviz']:.2f} s: {glover:+.2f} ms per diagram "
                  f"({glover / lover if lover > 0 else float('inf'):.1f}x ncd's; target >= 2x)")


if __name__ == "__main__":
    out: dict = {}
    main(out)
