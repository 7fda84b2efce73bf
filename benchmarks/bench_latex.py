"""Benchmark (LaTeX integration): ncd-latex on 50 diagrams, and the cost of ncd.sty on a warm cache.

    python3 benchmarks/run.py latex

1. ``ncd-latex`` rendering a manifest of 50 distinct diagrams (written by a
   real pdflatex run), timed inside a fresh interpreter from just after its
   start to the end of ``main()`` (imports included).  Target: <= 1 s.  The
   whole process's wall time is printed beside it.
2. A warm-cache pdflatex run of the example paper (latex/example) against the
   same paper with each diagram replaced by a plain ``\\includegraphics`` of the
   same cached PDF, in the same run.  Target: <= 10% more.
3. Labels typeset by TeX (``\\usepackage[labels=tex]{ncd}``) on the example paper:
   the cold ``ncd-latex`` pass (layout, one TeX run measuring every label in the
   paper's preamble, drawing; a fresh interpreter, imports included) against the
   outlined-labels pass of the same paper in the same run (target: under 2 s), and
   the warm-cache pdflatex run against two anchors measured in the same run (target:
   <= 10% more): plain ``\\includegraphics`` of the same drawings (which typesets no
   labels at all, so its PDF embeds fewer fonts), and the same drawings with the same
   labels placed by hand in a ``picture`` over each (what the paper would cost with
   labels typeset by TeX without this package: the fair anchor for the overlay).

CPU times (user + system of pdflatex) are compared, since 8 engineers may share the
machine's cores; wall times and the load average are printed beside them.  With
``NCD_BENCH_CALLGRIND=1`` (and valgrind installed) part 3 also counts the instructions
of one warm run of each paper (valgrind's callgrind): the same count on any load.

The cold passes run with a bytecode cache (in a temporary directory, filled by one
untimed pass first), as an installed package has: with ``PYTHONDONTWRITEBYTECODE``
set, every pass would compile sphinx_ncd's modules again (~0.1 s CPU).
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STY_DIR = ROOT / "sphinx_ncd" / "latex"
RUNS = 5

SPECS = [
    "input X: {a} {b}\nX = view X : {a} {b} -> {ab}\nX = L+ X : {ab} -> {c}\nX = relu X\nX = L+ X : {c} -> 10\n"
    "X = softmax X over 10\noutput X",
    "width y x\ninput Q: y k{i}, K: x k{i}, V: x k{i}\nS = einsum Q K : y k{i}, x k{i} -> y x\n"
    "S = scale S by 1/sqrt(k{i})\nA = softmax S over x\nO = einsum A V : y x, x k{i} -> y k{i}\noutput O",
    "input X: c{i}\nfence \"Residual {i}\" {{\n  R = norm X over c{i}\n  R = L R : c{i} -> c{i}\n  R = relu R\n}}\n"
    "X = add X R\noutput X",
]


def _env(path: str | None = None) -> dict:
    env = dict(os.environ, TEXINPUTS=f"{STY_DIR}{os.pathsep}")
    if path:
        env["PATH"] = path
    return env


def _pdflatex(cwd: Path, name: str) -> float:
    return _pdflatex_times(cwd, name)[0]


def _pdflatex_times(cwd: Path, name: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one pdflatex run; CPU time is steadier on a shared machine."""
    t = time.perf_counter()
    proc = subprocess.Popen(["pdflatex", "-interaction=nonstopmode", name], cwd=cwd, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime


def _fifty(workdir: Path) -> None:
    bodies = []
    for i in range(50):
        tmpl = SPECS[i % len(SPECS)]
        a, b = 20 + i, 10 + i % 7
        spec = tmpl.format(i=i, a=a, b=b, ab=a * b, c=100 + i)
        bodies.append("\\begin{ncd}\n" + spec + "\n\\end{ncd}\n")
    (workdir / "fifty.tex").write_text("\\documentclass{article}\n\\usepackage{ncd}\n\\begin{document}\n"
                                       + "\n".join(bodies) + "\\end{document}\n")
    _pdflatex(workdir, "fifty.tex")


def bench_ncd_latex(results: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _fifty(work)
        code = ("import time, sys, resource\nt = time.perf_counter()\n"
                "def cpu():\n"
                "    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
                "    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime\n"
                "c = cpu()\nfrom sphinx_ncd.cli.latex_cmd import main\n"
                "rc = main(['-q', 'fifty'])\nprint('INPROC', time.perf_counter() - t, rc, cpu() - c)\n")
        inproc, wall, cpu = [], [], []
        for _ in range(RUNS):
            shutil.rmtree(work / "ncd-cache", ignore_errors=True)
            t = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True)
            wall.append(time.perf_counter() - t)
            m = re.search(r"INPROC ([\d.]+) (\d+) ([\d.]+)", out.stdout)
            if not m or m.group(2) != "0":
                raise SystemExit(f"ncd-latex failed:\n{out.stdout}\n{out.stderr}")
            inproc.append(float(m.group(1)))
            cpu.append(float(m.group(3)))
        n = len(list((work / "ncd-cache").glob("*.pdf")))
        med, wmed = statistics.median(inproc), statistics.median(wall)
        print(f"ncd-latex, {n} diagrams, cold cache: {med:.3f} s after interpreter start "
              f"({med / n * 1000:.1f} ms per diagram; whole process {wmed:.3f} s)  target <= 1 s: "
              f"{'OK' if med <= 1.0 else 'MISSED'}")
        print(f"  CPU time (all processes): {statistics.median(cpu):.3f} s; machine load "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time grows with the load)")
        results["ncd_latex_50_cpu_seconds"] = statistics.median(cpu)
        results["ncd_latex_50_seconds"] = med
        results["ncd_latex_50_process_seconds"] = wmed
        results["ncd_latex_per_diagram_ms"] = med / n * 1000


def _plain_version(tex: str, md5s: list[str]) -> str:
    """The paper with every \\ncd, ncd environment and \\ncdinput replaced by \\includegraphics."""
    pattern = re.compile(r"\\begin\{ncd\}(\[[^\]\n]*\])?.*?\\end\{ncd\}|\\ncdinput(\[[^\]]*\])?\{[^}]*\}"
                         r"|\\ncd(\[[^\]]*\])?\{[^{}]*\}", re.S)
    it = iter(md5s)

    def repl(m):
        opts = (m.group(1) or m.group(2) or m.group(3) or "[]")[1:-1]
        opts = ",".join(o for o in opts.split(",") if o.strip().split("=")[0].strip() in ("scale", "width", "height"))
        return f"\\includegraphics[{opts}]{{ncd-cache/{next(it)}.pdf}}"

    out = pattern.sub(repl, tex)
    return out.replace("\\usepackage{ncd}", "\\usepackage{graphicx}")


_LABEL = re.compile(r"\\ncdlabel\{([-\d.]+)\}\{([-\d.]+)\}\{(\w+)\}\{(\w+)\}\{(.*)\}%$")


def _hand_labelled_version(tex: str, md5s: list[str], cache: Path) -> str:
    """The paper with each diagram as its drawing plus its labels placed by hand with ``\\put`` (no ncd)."""
    plain = _plain_version(tex.replace("\\usepackage[labels=tex]{ncd}", "\\usepackage{ncd}"), md5s)
    it = iter(md5s)

    def repl(m):
        md5, opts = next(it), m.group(1)
        lines = (cache / f"{md5}.lbl").read_text(encoding="utf-8").splitlines()
        w, h = re.match(r"\\ncdlabels\{([\d.]+)\}\{([\d.]+)\}", lines[0]).groups()
        puts = []
        for line in lines[1:]:
            x, y, size, _rgb, code = _LABEL.match(line).groups()
            size = "" if size == "normalsize" else f"\\{size}"
            puts.append(f"\\put({x},{y}){{\\makebox(0,0)[bl]{{{size}{code}}}}}")
        pic = f"\\begin{{picture}}({w},{h}){''.join(puts)}\\end{{picture}}"
        keys = dict(o.split("=", 1) for o in opts.split(",") if "=" in o)
        if "width" in keys:
            pic = f"\\resizebox{{{keys['width']}}}{{!}}{{{pic}}}"
        elif "scale" in keys:
            pic = f"\\scalebox{{{keys['scale']}}}{{{pic}}}"
        return f"\\mbox{{{m.group(0)}\\llap{{{pic}}}}}"

    out = re.sub(r"\\includegraphics\[([^\]]*)\]\{ncd-cache/[0-9a-f]{32}\.pdf\}", repl, plain)
    return out.replace("\\usepackage{graphicx}", "\\usepackage{graphicx}\\setlength{\\unitlength}{1bp}"
                       "\\newcommand\\ncdword{\\mathrm}\\newcommand\\ncdbold{\\boldsymbol}")


def bench_warm_paper(results: dict) -> None:
    sys.path.insert(0, str(ROOT))
    from sphinx_ncd.latex.manifest import read_manifest

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "example"
        shutil.copytree(ROOT / "latex" / "example", work,
                        ignore=shutil.ignore_patterns("ncd-cache", "*.aux", "*.log", "*.pdf", "paper.ncd"))
        _pdflatex(work, "paper.tex")
        subprocess.run([sys.executable, "-m", "sphinx_ncd.latex", "-q", "paper"], cwd=work, check=True)
        _pdflatex(work, "paper.tex")
        md5s = [e.md5 for e in read_manifest(work / "paper.ncd").entries]
        (work / "plain.tex").write_text(_plain_version((work / "paper.tex").read_text(), md5s))
        _pdflatex(work, "plain.tex")
        log = (work / "plain.log").read_text(errors="replace")
        assert log.count("ncd-cache/") >= len(md5s), "plain version lost a diagram"
        ncd, plain = [], []
        for _ in range(RUNS * 2 + 1):  # interleaved, so drift affects both alike
            ncd.append(_pdflatex_times(work, "paper.tex"))
            plain.append(_pdflatex_times(work, "plain.tex"))
        aw, bw = statistics.median(w for w, _ in ncd), statistics.median(w for w, _ in plain)
        ac, bc = statistics.median(c for _, c in ncd), statistics.median(c for _, c in plain)
        ratio, wratio = ac / bc, aw / bw
        print(f"warm-cache pdflatex of the example ({len(md5s)} diagrams), CPU time: ncd.sty {ac * 1000:.0f} ms, "
              f"plain \\includegraphics {bc * 1000:.0f} ms, ratio {ratio:.3f} (+{(ratio - 1) * 100:.1f}%)  "
              f"target <= +10%: {'OK' if ratio <= 1.10 else 'MISSED'}")
        print(f"  wall time: {aw * 1000:.0f} ms vs {bw * 1000:.0f} ms, ratio {wratio:.3f}")
        results["warm_paper_ncd_cpu_seconds"] = ac
        results["warm_paper_plain_cpu_seconds"] = bc
        results["warm_paper_ratio"] = ratio
        results["warm_paper_wall_ratio"] = wratio


def _python_env(work: Path) -> dict:
    """The renderer's environment: bytecode cached (under ``work``), as an installed package has it."""
    env = _env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work.parent / "pycache")
    return env


def _ncd_latex_seconds(work: Path, job: str) -> tuple[float, float]:
    """(wall, CPU) seconds of a fresh ``ncd-latex`` process on a cold cache (imports and TeX runs included)."""
    import resource

    shutil.rmtree(work / "ncd-cache", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sphinx_ncd.latex", "-q", job], cwd=work, check=True,
                   env=_python_env(work))
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def bench_tex_labels(results: dict) -> None:
    sys.path.insert(0, str(ROOT))
    from sphinx_ncd.latex.manifest import read_manifest

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "example"
        shutil.copytree(ROOT / "latex" / "example", work,
                        ignore=shutil.ignore_patterns("ncd-cache", "*.aux", "*.log", "*.pdf", "paper.ncd", "labels"))
        tex = (work / "paper.tex").read_text()
        (work / "outline.tex").write_text(tex)
        (work / "tex.tex").write_text(tex.replace("\\usepackage{ncd}", "\\usepackage[labels=tex]{ncd}"))
        _pdflatex(work, "outline.tex")
        _pdflatex(work, "tex.tex")
        cold_tex, cold_outline = [], []
        _ncd_latex_seconds(work, "tex")  # fills the bytecode cache
        for _ in range(RUNS):
            cold_outline.append(_ncd_latex_seconds(work, "outline"))
            cold_tex.append(_ncd_latex_seconds(work, "tex"))
        a, b = statistics.median(w for w, _ in cold_tex), statistics.median(w for w, _ in cold_outline)
        ac, bc = statistics.median(c for _, c in cold_tex), statistics.median(c for _, c in cold_outline)
        print(f"labels=tex, cold ncd-latex pass of the example paper: {a:.3f} s wall, {ac:.3f} s CPU (outlined "
              f"labels {b:.3f} s wall, {bc:.3f} s CPU; CPU ratio {ac / bc:.2f})  target < 2 s: "
              f"{'OK' if a < 2.0 else 'MISSED'}; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        _ncd_latex_seconds(work, "tex")
        _pdflatex(work, "tex.tex")
        md5s = [e.md5 for e in read_manifest(work / "tex.ncd").entries]
        (work / "plain.tex").write_text(_plain_version(tex, md5s))
        (work / "hand.tex").write_text(_hand_labelled_version(tex, md5s, work / "ncd-cache"))
        for job in ("plain", "hand"):
            _pdflatex(work, f"{job}.tex")
            log = (work / f"{job}.log").read_text(errors="replace")
            assert log.count("ncd-cache/") >= len(md5s) and "\n! " not in log, f"{job} version broken"
        runs: dict = {"tex": [], "plain": [], "hand": []}
        for _ in range(RUNS * 2 + 1):  # interleaved, so drift affects all alike
            for job, times in runs.items():
                times.append(_pdflatex_times(work, f"{job}.tex"))
        cpu = {job: statistics.median(c for _, c in times) for job, times in runs.items()}
        wall = {job: statistics.median(w for w, _ in times) for job, times in runs.items()}
        for anchor, what in (("plain", "plain \\includegraphics (no labels typeset)"),
                             ("hand", "\\includegraphics + the same labels put by hand in a picture")):
            ratio = cpu["tex"] / cpu[anchor]
            print(f"labels=tex, warm-cache pdflatex of the example, CPU time: {cpu['tex'] * 1000:.0f} ms, {what} "
                  f"{cpu[anchor] * 1000:.0f} ms, ratio {ratio:.3f} (+{(ratio - 1) * 100:.1f}%)  target <= +10%: "
                  f"{'OK' if ratio <= 1.10 else 'MISSED'}")
        print(f"  wall time: {wall['tex'] * 1000:.0f} ms, plain {wall['plain'] * 1000:.0f} ms, by hand "
              f"{wall['hand'] * 1000:.0f} ms; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        if os.environ.get("NCD_BENCH_CALLGRIND") and shutil.which("valgrind"):
            _instructions(work, results)
        results["tex_labels_cold_seconds"] = a
        results["tex_labels_cold_outline_seconds"] = b
        results["tex_labels_cold_cpu_seconds"] = ac
        results["tex_labels_cold_outline_cpu_seconds"] = bc
        results["tex_labels_warm_ratio"] = cpu["tex"] / cpu["plain"]
        results["tex_labels_warm_ratio_hand"] = cpu["tex"] / cpu["hand"]


def _instructions(work: Path, results: dict) -> None:
    """Instructions of one warm pdflatex run of each paper (callgrind): a ratio no load changes."""
    counts = {}
    for job in ("tex", "plain", "hand"):
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "pdflatex",
                              "-interaction=nonstopmode", f"{job}.tex"], cwd=work, env=_env(),
                             capture_output=True, text=True)
        m = re.search(r"Collected : (\d+)", out.stderr)
        if not m:
            print("  callgrind gave no count: instruction ratios skipped")
            return
        counts[job] = int(m.group(1))
    for anchor in ("plain", "hand"):
        ratio = counts["tex"] / counts[anchor]
        print(f"labels=tex, warm-cache pdflatex, instructions: {counts['tex'] / 1e6:.0f}M, {anchor} "
              f"{counts[anchor] / 1e6:.0f}M, ratio {ratio:.3f} (+{(ratio - 1) * 100:.1f}%)")
        results[f"tex_labels_warm_instructions_ratio_{anchor}"] = ratio


def main(results: dict) -> None:
    if shutil.which("pdflatex") is None:
        print("pdflatex is not installed: LaTeX benchmarks skipped")
        results["skipped"] = "pdflatex not installed"
        return
    only = os.environ.get("NCD_BENCH_LATEX")  # e.g. "warm,tex": a part of this benchmark
    parts = {"fifty": bench_ncd_latex, "warm": bench_warm_paper, "tex": bench_tex_labels}
    for name, part in parts.items():
        if not only or name in only.split(","):
            part(results)


if __name__ == "__main__":
    out: dict = {}
    main(out)
