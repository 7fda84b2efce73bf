"""labels=tex end to end: the example papers (latex/example/labels) built with real TeX runs.

Each paper goes through LaTeX -> ncd-latex -> LaTeX; its diagrams' labels must then
be text in the paper's own fonts (read with pdffonts), found by pdftotext, and
typeset with a macro the paper defines.  The warm cache rebuilds the same pages
with no Python on PATH; a cache made with other label fonts is refused.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from sphinx_ncd.latex.manifest import read_manifest

from .conftest import LATEX_DIR

pytestmark = [pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) is not installed"),
              pytest.mark.slow]


def fonts(pdf) -> set[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()}


def pages(pdf, out_dir):
    out_dir.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out_dir / "p")], check=True)
    return [p.read_bytes() for p in sorted(out_dir.glob("p-*.png"))]


def build(tmp_path, job, tex, ncd_latex):
    work = tmp_path / job
    shutil.copytree(LATEX_DIR / "example" / "labels", work)
    first = tex(work, f"{job}.tex")
    assert first.returncode == 0, first.log[-3000:]
    manifest = read_manifest(work / f"{job}.ncd")
    assert manifest.entries and all(e.labels and e.engine == "pdftex" for e in manifest.entries)
    proc = ncd_latex(work, job)
    assert proc.returncode == 0, proc.stderr
    assert "failed" in proc.stdout and " 0 failed" in proc.stdout and "differs" not in proc.stderr
    final = tex(work, f"{job}.tex")
    assert final.returncode == 0 and final.warnings() == [], final.log[-3000:]
    for e in manifest.entries:
        assert (work / "ncd-cache" / f"{e.md5}.lbl").read_text().startswith("\\ncdlabels{")
    return work, final


# (job, fonts the labels must add beside the drawing, a font that must not be there)
PAPERS = [
    ("times", {"NimbusRomNo9L-ReguItal"}, "CMMI10"),     # mathptmx: italic m, k in Times
    ("cm", {"CMMI10"}, "NimbusRomNo9L-ReguItal"),         # Computer Modern math italic
    ("talk", {"CMSSI10"}, "CMMI10"),                     # beamer: sans-serif maths
]


@pytest.mark.parametrize("job, expected, foreign", PAPERS)
def test_labels_are_text_in_the_papers_fonts(tmp_path, job, expected, foreign, tex, ncd_latex, pdf_text):
    work, final = build(tmp_path, job, tex, ncd_latex)
    found = fonts(final.pdf)
    assert expected <= found and foreign not in found, found
    text = pdf_text(final.pdf)
    assert "Attn" in text.replace("Attn as a label", "")   # the paper's macro \attn, typeset in the diagram
    # the figure's labels are text: the axis names and the learned maps' labels
    figure = text.split("Attention", 1)[-1] if job == "talk" else text.split("the same", 1)[-1]
    lines = figure.splitlines()
    for sup in "QK":  # L^Q, L^K: the letter and its superscript, on one line or (raised above a LARGE L, set
        # by pdftotext on a line of its own) on the line just above the L
        assert "L" + sup in figure or any(sup in a.split() and "L" in b.split() for a, b in zip(lines, lines[1:]))
    assert "m" in figure
    # the drawings themselves carry no text: TeX typesets all of it
    for pdf in (work / "ncd-cache").glob("*.pdf"):
        assert fonts(pdf) == set()


def test_warm_cache_without_python_and_refused_for_other_fonts(tmp_path, tex, ncd_latex, no_python_path,
                                                               included_graphics):
    work, final = build(tmp_path, "times", tex, ncd_latex)
    times_fonts = {e.labels for e in read_manifest(work / "times.ncd").entries}
    before = pages(final.pdf, tmp_path / "before")
    again = tex(work, "times.tex", path=no_python_path)        # arXiv, Overleaf: the cache alone
    assert again.returncode == 0 and again.warnings() == []
    assert pages(again.pdf, tmp_path / "after") == before
    assert len(included_graphics(again.log)) == 2

    # the same paper in Computer Modern must not use the drawings laid out for Times labels
    src = work / "times.tex"
    src.write_text(src.read_text().replace("\\usepackage{mathptmx}\n", ""))
    other = tex(work, "times.tex", path=no_python_path)
    assert included_graphics(other.log) == []
    assert "2 diagram(s) not rendered: run `ncd-latex times'" in other.flat
    cm_fonts = {e.labels for e in read_manifest(work / "times.ncd").entries}
    assert len(cm_fonts) == 1 and cm_fonts != times_fonts


def test_outline_labels_stay_available(tmp_path, tex, ncd_latex, pdf_text):
    work = tmp_path / "outline"
    shutil.copytree(LATEX_DIR / "example" / "labels", work)
    src = work / "cm.tex"
    src.write_text(src.read_text().replace("[labels=tex]", "[labels=outline]"))
    assert tex(work, "cm.tex").returncode == 0
    assert all(not e.labels for e in read_manifest(work / "cm.ncd").entries)
    assert ncd_latex(work, "cm").returncode == 0
    final = tex(work, "cm.tex")
    assert final.returncode == 0
    assert not list((work / "ncd-cache").glob("*.lbl"))
    assert "LQ" not in pdf_text(final.pdf)  # the labels are outlines in the drawing, not text


def test_a_label_with_an_undefined_macro_is_reported(tmp_path, tex, ncd_latex):
    work = tmp_path / "bad"
    work.mkdir()
    (work / "paper.tex").write_text("\\documentclass{article}\n\\usepackage[labels=tex]{ncd}\n\\begin{document}\n"
                                    "\\ncd{input X: m; Y = \\nosuchmacro X : m -> k; output Y}\n\\end{document}\n")
    assert tex(work).returncode == 0
    proc = ncd_latex(work, "paper")
    assert proc.returncode == 0, proc.stderr
    assert "paper.tex: ncd: warning: a label did not typeset cleanly" in proc.stderr
    assert "Undefined control sequence" in proc.stderr
    final = tex(work)
    assert "Undefined control sequence" in final.log  # TeX itself stops at the diagram, as for any typo


def test_shellescape_renders_tex_labels_in_one_run(tmp_path, tex, pdf_text):
    import sys

    work = tmp_path / "shell"
    shutil.copytree(LATEX_DIR / "example" / "labels", work)
    command = f"{sys.executable} -m sphinx_ncd.latex"
    src = work / "times.tex"
    src.write_text(src.read_text().replace("[labels=tex]", f"[labels=tex, shellescape, command={{{command}}}]"))
    run = tex(work, "times.tex", extra_args=("-shell-escape",))
    assert run.returncode == 0 and run.warnings() == [], run.log[-3000:]
    assert "NimbusRomNo9L-ReguItal" in fonts(run.pdf) and "LQ" in pdf_text(run.pdf)
    assert len(list((work / "ncd-cache").glob("*.lbl"))) == 2


def test_a_corrupt_overlay_is_refused_and_made_again(tmp_path, tex, ncd_latex):
    work, _final = build(tmp_path, "cm", tex, ncd_latex)
    lbl = sorted((work / "ncd-cache").glob("*.lbl"))[0]
    good = lbl.read_bytes()
    lbl.write_bytes(good.replace(b"{000000}", b"{FF0000}", 1))  # still valid TeX: only the checksum can tell
    proc = ncd_latex(work, "cm")
    assert proc.returncode == 0, proc.stderr
    assert "cm.tex:" in proc.stderr and "is corrupt (checksum mismatch of the drawing, its .meta or its .lbl)" \
        in proc.stderr
    assert " 1 rendered" in proc.stdout and lbl.read_bytes() == good
