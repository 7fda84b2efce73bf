"""LaTeX package end to end: real pdflatex runs with ncd-latex rendering the diagrams.

The example paper (latex/example) goes through pdflatex -> ncd-latex ->
pdflatex; then, with only the cache and no Python on PATH (as on arXiv or
Overleaf), pdflatex alone rebuilds the same pages.  Errors are located at the
spec line inside the .tex file; the shellescape option and the latexmk rule
run the whole loop.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap

import pytest

from sphinx_ncd.latex.manifest import read_manifest

pytestmark = [pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) is not installed"),
              pytest.mark.slow]  # each test runs TeX and a fresh Python: end to end

PREAMBLE = "\\documentclass{article}\n\\usepackage{ncd}\n\\begin{document}\n"


def write_doc(tmp_path, body, preamble=PREAMBLE):
    (tmp_path / "paper.tex").write_text(preamble + textwrap.dedent(body).lstrip("\n") + "\\end{document}\n")


def pages(pdf, out_dir):
    """The PDF's pages as PNG bytes (what a reader sees), via pdftoppm."""
    out_dir.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out_dir / "p")], check=True)
    return [p.read_bytes() for p in sorted(out_dir.glob("p-*.png"))]


@pytest.mark.slow
def test_example_paper_builds_and_rebuilds_without_python(example, tex, ncd_latex, no_python_path, pdf_text,
                                                         included_graphics, tmp_path):
    first = tex(example)
    assert first.returncode == 0, first.log[-3000:]
    manifest = read_manifest(example / "paper.ncd")
    hashes = {e.md5 for e in manifest.entries}
    assert len(manifest.entries) == 6 and len(hashes) == 6
    assert {e.status for e in manifest.entries} == {"missing"}
    assert "6 diagram(s) not rendered: run `ncd-latex paper'" in first.flat

    proc = ncd_latex(example, "paper")
    assert proc.returncode == 0, proc.stderr
    assert "6 rendered, 0 already cached, 0 failed" in proc.stdout
    for h in hashes:
        assert (example / "ncd-cache" / f"{h}.pdf").read_bytes().startswith(b"%PDF")
        assert (example / "ncd-cache" / f"{h}.meta").read_text().startswith("wire=")

    tex(example)
    final = tex(example)  # a second run settles \ref
    assert final.returncode == 0
    assert final.warnings() == [] and "undefined" not in final.flat
    assert set(included_graphics(final.log)) == {f"ncd-cache/{h}.pdf" for h in hashes}
    text = pdf_text(final.pdf)
    assert "not rendered" not in text and "run: ncd-latex" not in text
    assert "Figure 1 shows the multi-layer perceptron" in " ".join(text.split())
    want = pages(final.pdf, tmp_path / "with-python")
    assert len(want) >= 1

    # a clean rebuild from the frozen cache, no Python anywhere on PATH
    for ext in ("aux", "log", "pdf", "ncd"):
        (example / f"paper.{ext}").unlink()
    assert shutil.which("python3", path=no_python_path) is None
    tex(example, path=no_python_path)
    again = tex(example, path=no_python_path)
    assert again.returncode == 0 and again.warnings() == []
    assert pages(again.pdf, tmp_path / "without-python") == want
    # running ncd-latex again renders nothing: every diagram is a cache hit
    proc = ncd_latex(example, "paper")
    assert "0 rendered, 6 already cached, 0 failed" in proc.stdout


def test_prune_removes_only_unused_cache_files(tmp_path, tex, ncd_latex):
    write_doc(tmp_path, "\\ncd{input X: m}\n")
    tex(tmp_path)
    assert ncd_latex(tmp_path, "paper").returncode == 0
    (used,) = read_manifest(tmp_path / "paper.ncd").entries
    cache = tmp_path / "ncd-cache"
    stale = cache / ("0" * 32 + ".pdf")
    from sphinx_ncd.latex.cache import Cache

    Cache(cache).store("0" * 32, (cache / f"{used.md5}.pdf").read_bytes(), None)  # a whole, unused entry
    (cache / ("0" * 32 + ".err")).write_text("old error")
    mine = cache / "notes.txt"  # not a cache file name: never touched
    mine.write_text("keep me")
    proc = ncd_latex(tmp_path, "paper", "--prune")
    assert "removed 3 unused cache file(s)" in proc.stdout  # .pdf, .sum, .err
    assert not stale.exists() and mine.read_text() == "keep me"
    assert (cache / f"{used.md5}.pdf").exists() and (cache / f"{used.md5}.meta").exists()


def test_malformed_spec_reports_the_tex_line(tmp_path, tex, ncd_latex):
    write_doc(tmp_path, r"""
        Some text.

        \begin{ncd}
        input X: m
        Y = relu X
        Z = softmax Y over q
        output Z
        \end{ncd}
        and inline \ncd{input A: a
                      B = frobnicate A} too.
        """)
    (tmp_path / "bad.ncd").write_text("# a spec file\ninput X: m\nY = softmax X over z\n")
    (tmp_path / "paper.tex").write_text((tmp_path / "paper.tex").read_text().replace(
        "\\end{document}", "\\ncdinput{bad.ncd}\n\\end{document}"))
    tex(tmp_path)
    proc = ncd_latex(tmp_path, "paper")
    assert proc.returncode == 1
    heads = [line for line in proc.stderr.splitlines() if ": ncd: " in line]
    assert heads[0].startswith("paper.tex:9: ncd: ")  # \begin{ncd} on line 6, third spec line
    assert "'q'" in heads[0]
    assert heads[1].startswith("paper.tex:13: ncd: ")  # second line of the inline spec
    assert "frobnicate" in heads[1]
    assert heads[2].startswith("bad.ncd:3: ncd: ")
    assert "    Z = softmax Y over q" in proc.stderr  # the spec line, quoted, with a caret under it
    # the next LaTeX run raises the same located messages as package errors
    run = tex(tmp_path)
    assert run.returncode != 0
    errors = [line for line in run.log.splitlines() if line.startswith("! Package ncd Error:")]
    assert errors[0] == "! Package ncd Error: " + heads[0][: len(errors[0]) - len("! Package ncd Error: ")]
    assert run.flat.count("! Package ncd Error: paper.tex:9: ncd:") == 1
    assert "! Package ncd Error: paper.tex:13: ncd:" in run.flat
    assert "! Package ncd Error: bad.ncd:3: ncd:" in run.flat
    assert run.pdf.exists()


def test_errors_in_an_input_chapter_name_its_path(tmp_path, tex, ncd_latex):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "intro.tex").write_text("Text.\n\\begin{ncd}\ninput X: m\nY = softmax X over q\n\\end{ncd}\n")
    write_doc(tmp_path, "\\input{chapters/intro}\n")
    tex(tmp_path)
    proc = ncd_latex(tmp_path, "paper")
    assert proc.returncode == 1
    assert proc.stderr.startswith("chapters/intro.tex:4: ncd: ")


def test_spec_full_of_tex_special_characters_renders(tmp_path, tex, ncd_latex, included_graphics):
    spec = textwrap.dedent(r"""
        # 100% of #1: _ ^ ~ \ { } & $ survive
        input X: c
        fence "50% {wider} #1 ~ N_\lambda & $x$" {
          R = L^{(\lambda)}_{1} X : c -> c
          R = relu R
        }
        X = add X R
        output X
        """).strip("\n")
    write_doc(tmp_path, "\\begin{ncd}\n" + spec + "\n\\end{ncd}\n")
    tex(tmp_path)
    (entry,) = read_manifest(tmp_path / "paper.ncd").entries
    assert entry.text() == spec
    proc = ncd_latex(tmp_path, "paper")
    assert proc.returncode == 0, proc.stderr
    run = tex(tmp_path)
    assert run.returncode == 0 and run.warnings() == []
    assert included_graphics(run.log) == [f"ncd-cache/{entry.md5}.pdf"]


def test_shellescape_option_renders_in_one_run(tmp_path, tex, pdf_text, included_graphics):
    command = f"{sys.executable} -m sphinx_ncd.latex"
    preamble = PREAMBLE.replace("\\usepackage{ncd}", f"\\usepackage[shellescape, command={{{command}}}]{{ncd}}")
    write_doc(tmp_path, "\\ncd{input X: m\nY = relu X}\n\n\\begin{ncd}\ninput A: a\nB = nope A\n\\end{ncd}\n",
              preamble=preamble)
    run = tex(tmp_path, extra_args=("-shell-escape",))
    assert len(included_graphics(run.log)) == 1  # the good diagram, rendered during this very run
    assert "! Package ncd Error: paper.tex:9: ncd:" in run.flat  # the bad one, located, same run
    assert not (tmp_path / "paper.ncd-one").exists()
    # without -shell-escape the option falls back to the manifest, with one warning
    (tmp_path / "ncd-cache").rename(tmp_path / "old-cache")
    run = tex(tmp_path)
    assert "needs unrestricted shell escape" in run.flat
    assert pdf_text(run.pdf).count("not rendered") == 2


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("latexmk") is None, reason="latexmk is not installed")
def test_latexmk_rule_runs_the_whole_loop(example, pdf_text, included_graphics, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "ncd-latex"  # the console script, pointing at this interpreter
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m sphinx_ncd.latex \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
               TEXINPUTS=f"{os.path.join(repo, 'latex')}{os.pathsep}")
    rc = os.path.join(repo, "latex", "latexmkrc")
    proc = subprocess.run(["latexmk", "-r", rc, "-pdf", "-interaction=nonstopmode", "paper.tex"], cwd=example,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = (example / "paper.log").read_text(errors="replace")
    assert "Package ncd Warning" not in log
    assert len(set(included_graphics(log))) == 6
    assert "not rendered" not in pdf_text(example / "paper.pdf")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("latexmk") is None, reason="latexmk is not installed")
def test_latexmk_heals_corrupt_cached_pdfs(example, pdf_text, included_graphics, tmp_path):
    """Every cached PDF corrupt: LaTeX fails on the first, the rule runs ncd-latex, which removes them all."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "ncd-latex"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m sphinx_ncd.latex \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
               TEXINPUTS=f"{os.path.join(repo, 'latex')}{os.pathsep}")
    command = ["latexmk", "-r", os.path.join(repo, "latex", "latexmkrc"), "-pdf", "-interaction=nonstopmode",
               "paper.tex"]
    first = subprocess.run(command, cwd=example, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stdout[-3000:]
    pdfs = sorted((example / "ncd-cache").glob("*.pdf"))
    assert len(pdfs) == 6
    for index, pdf in enumerate(pdfs):
        data = pdf.read_bytes()
        pdf.write_bytes([b"\0" * len(data), data[: len(data) // 2], os.urandom(len(data))][index % 3])
    again = subprocess.run(command, cwd=example, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert (again.stdout + again.stderr).count("is corrupt") == 6
    log = (example / "paper.log").read_text(errors="replace")
    assert len(set(included_graphics(log))) == 6
    assert "not rendered" not in pdf_text(example / "paper.pdf")
