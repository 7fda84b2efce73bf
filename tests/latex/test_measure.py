"""labels=tex: the measuring TeX run started before the labels are known (measure.start).

On a cold label table ncd-latex starts TeX on the paper's preamble first and sends the labels
on its standard input once the layout has asked for them; the sizes must be those of the run
made afterwards, a run nobody needs must not be left waiting, and a broken preamble must be
reported as before.
"""
from __future__ import annotations

import shutil

import pytest

from sphinx_ncd.errors import NCDError
from sphinx_ncd.latex.labels import Request
from sphinx_ncd.latex.measure import LabelTable, measure, start

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) is not installed")

PAPER = ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage[labels=tex]{ncd}\n"
         "\\newcommand\\vb[1]{\\mathbf{#1}}\n\\begin{document}\nx\n\\end{document}\n")
REQUESTS = [Request("$m$", "normalsize"), Request(r"$\vb{x}$", "large"), Request(r"$\ncdword{ReLU}$", "small"),
            Request(r"\textnormal{50\% wider}", "footnotesize")]


def _paper(tmp_path, text=PAPER):
    tex = tmp_path / "paper.tex"
    tex.write_text(text)
    return tex


def test_a_run_started_early_measures_what_a_later_run_measures(tmp_path):
    tex = _paper(tmp_path)
    pending = start(tex=tex, root=tmp_path, cache_dir=tmp_path / "early")
    assert pending is not None
    early = measure(REQUESTS, tex=tex, root=tmp_path, cache_dir=tmp_path / "early", pending=pending)
    late = measure(REQUESTS, tex=tex, root=tmp_path, cache_dir=tmp_path / "late")
    assert early == late and set(early) == set(REQUESTS)
    assert all(w > 0 and h > 0 for w, h, _ in early.values())
    assert early[REQUESTS[2]][0] > 2 * early[REQUESTS[0]][0]  # a word, wider than one letter
    # the table now exists: no run is started for it
    assert LabelTable(tmp_path / "early", tex.read_bytes().split(b"\\begin{document}")[0], "pdftex").path.is_file()
    assert start(tex=tex, root=tmp_path, cache_dir=tmp_path / "early") is None


def test_a_run_nobody_needs_is_stopped(tmp_path):
    tex = _paper(tmp_path)
    measure(REQUESTS[:1], tex=tex, root=tmp_path, cache_dir=tmp_path / "a")
    pending = start(tex=tex, root=tmp_path, cache_dir=tmp_path / "b")
    assert pending is not None
    # every label is in another table: measure() needs no run and stops this one
    (tmp_path / "b").mkdir()
    shutil.copy(next((tmp_path / "a").glob("labels-*.tsv")), tmp_path / "b")
    assert measure(REQUESTS[:1], tex=tex, root=tmp_path, cache_dir=tmp_path / "b", pending=pending)
    assert pending._proc.poll() is not None
    pending.cancel()  # again: nothing left to do


def test_a_broken_preamble_is_reported_through_the_early_run(tmp_path):
    tex = _paper(tmp_path, PAPER.replace("\\begin{document}", "\\usepackage{no-such-package-ncd}\n\\begin{document}"))
    pending = start(tex=tex, root=tmp_path, cache_dir=tmp_path)
    with pytest.raises(NCDError, match=r"paper\.tex: labels=tex: measuring .* File `no-such-package-ncd\.sty' not found"):
        measure(REQUESTS, tex=tex, root=tmp_path, cache_dir=tmp_path, pending=pending)
    assert pending._proc.poll() is not None
