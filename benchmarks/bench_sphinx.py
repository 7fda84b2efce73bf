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
build is a fresh ``sphinx-build`` process, median of ``NCD_BENCH_RUNS`` runs
(default 3).  Two clocks: wall time, and CPU time (user + system of the build
and its worker processes), which a shared, loaded machine disturbs far less;
overheads are given on both, ``-j 2`` (a wall-clock question) on wall time
with the load average printed beside it.  Size: ``NCD_BENCH_DIAGRAMS`` (default
1000), ``NCD_BENCH_PER_PAGE`` (default 10); e.g. ``NCD_BENCH_DIAGRAMS=100``
for a quick run.
"""
from __future__ import annotations

import os
import resource
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


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(src: Path, out: Path, builder: str = "html", jobs: int = 1) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``sphinx-build`` run."""
    cmd = [sys.executable, "-m", "sphinx", "-q", "-b", builder, "-d", str(out / "doctrees"),
           "-j", str(jobs), str(src), str(out / builder)]
    cpu = _child_cpu()
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    cpu = _child_cpu() - cpu
    if proc.returncode != 0 or "WARNING" in proc.stderr:
        raise RuntimeError(f"sphinx-build failed for {src.name}:\n{proc.stderr[-3000:]}")
    return elapsed, cpu


def _median2(pairs) -> tuple[float, float]:
    pairs = list(pairs)
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def cold(src: Path, work: Path, builder: str = "html", jobs: int = 1) -> tuple[tuple[float, float], Path]:
    """Median cold build (fresh output and doctree directories, so no cache at all)."""
    runs, out = [], work
    for run in range(RUNS):
        out = work / f"out-{src.name}-{builder}-j{jobs}-{run}"
        runs.append(build(src, out, builder, jobs))
    return _median2(runs), out


def nochange(src: Path, out: Path) -> tuple[float, float]:
    return _median2(build(src, out) for _ in range(max(RUNS, 3)))


def _per(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Overhead of ``a`` over ``b`` in ms per diagram, (wall, cpu)."""
    return (a[0] - b[0]) / N * 1000, (a[1] - b[1]) / N * 1000


def main(results: dict) -> None:
    have_dot = shutil.which("dot") is not None
    load = os.getloadavg()[0]
    print(f"{N} diagrams on {max(1, N // PER_PAGE)} pages, median of {RUNS} cold builds each "
          f"(load average {load:.1f} on {os.cpu_count()} cores)")
    results.update(diagrams=N, runs=RUNS, load_average=load)
    with tempfile.TemporaryDirectory(prefix="ncd-bench-sphinx-") as tmp:
        work = Path(tmp)
        kinds = ["code", "ncd"] + (["graphviz"] if have_dot else [])
        sites = {k: make_site(work, k) for k in kinds}
        build(sites["ncd"], work / "warmup")  # imports, font loading, page cache
        shutil.rmtree(work / "warmup")

        html, outs = {}, {}
        for k in kinds:
            html[k], outs[k] = cold(sites[k], work)
            print(f"  cold html  {k:9s} {html[k][0]:7.2f} s wall  {html[k][1]:7.2f} s cpu")
            results[f"html_{k}_wall_s"], results[f"html_{k}_cpu_s"] = html[k]
        over = _per(html["ncd"], html["code"])
        results.update(html_ncd_overhead_wall_ms=over[0], html_ncd_overhead_cpu_ms=over[1])
        print(f"  ncd over code blocks: {over[0]:+.2f} ms wall, {over[1]:+.2f} ms cpu per diagram "
              f"(target <= +1 ms)")
        if have_dot:
            gover = _per(html["graphviz"], html["code"])
            results.update(html_graphviz_overhead_wall_ms=gover[0], html_graphviz_overhead_cpu_ms=gover[1])
            ratio = [g / o if o > 0 else float("inf") for g, o in zip(gover, over)]
            results["graphviz_over_ncd_ratio_wall"], results["graphviz_over_ncd_ratio_cpu"] = ratio
            print(f"  graphviz over code blocks: {gover[0]:+.2f} ms wall, {gover[1]:+.2f} ms cpu per diagram "
                  f"({ratio[0]:.1f}x / {ratio[1]:.1f}x ncd's; target >= 10x)")

        base_nc, ncd_nc = nochange(sites["code"], outs["code"]), nochange(sites["ncd"], outs["ncd"])
        results.update(nochange_code_wall_s=base_nc[0], nochange_ncd_wall_s=ncd_nc[0],
                       nochange_ratio_wall=ncd_nc[0] / base_nc[0], nochange_ratio_cpu=ncd_nc[1] / base_nc[1])
        print(f"  no-change rebuild: ncd {ncd_nc[0]:.2f} s vs code {base_nc[0]:.2f} s wall "
              f"({ncd_nc[0] / base_nc[0]:.2f}x wall, {ncd_nc[1] / base_nc[1]:.2f}x cpu; target <= 1.10x)")

        j2, _ = cold(sites["ncd"], work, jobs=2)
        results.update(html_ncd_j2_wall_s=j2[0], j2_over_j1_wall=j2[0] / html["ncd"][0])
        print(f"  cold -j 2: {j2[0]:.2f} s vs -j 1 {html['ncd'][0]:.2f} s wall "
              f"({j2[0] / html['ncd'][0]:.2f}x; target <= 1.0x; load average now {os.getloadavg()[0]:.1f})")

        latex = {k: cold(sites[k], work, "latex")[0] for k in kinds}
        lover = _per(latex["ncd"], latex["code"])
        results.update(latex_ncd_overhead_wall_ms=lover[0], latex_ncd_overhead_cpu_ms=lover[1])
        print(f"  cold latex: ncd {latex['ncd'][0]:.2f} s, code {latex['code'][0]:.2f} s wall: "
              f"{lover[0]:+.2f} ms wall, {lover[1]:+.2f} ms cpu per diagram (target <= +5 ms)")
        if have_dot:
            glover = _per(latex["graphviz"], latex["code"])
            results.update(latex_graphviz_overhead_wall_ms=glover[0], latex_graphviz_overhead_cpu_ms=glover[1])
            print(f"  cold latex graphviz: {glover[0]:+.2f} ms wall, {glover[1]:+.2f} ms cpu per diagram "
                  f"({glover[0] / lover[0] if lover[0] > 0 else float('inf'):.1f}x ncd's wall; target >= 2x)")


if __name__ == "__main__":
    out: dict = {}
    main(out)
