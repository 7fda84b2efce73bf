"""Names and notes in LaTeX: a paper whose ``ncd`` environment names values and carries a note, built with real
TeX runs (LaTeX -> ncd-latex -> LaTeX), with outlined labels and with labels typeset by TeX."""
from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) is not installed"),
              pytest.mark.slow]

PAPER = r"""\documentclass[10pt]{article}
\usepackage{amsmath}
\usepackage[labels=%s]{ncd}
\begin{document}
\begin{figure}[h]
\begin{ncd}
width y x
input Q: y k, K: x k, V: x k
name Q, K, V
S = einsum Q K : y k, x k -> y x
A = softmax S over x
O = einsum A V : y x, x k -> y k
note K, V "Keys and values come from the same injected data."
note op A "SoftMax over $x$ makes each row sum to one." highlight
output O
\end{ncd}
\caption{Attention, annotated.}
\end{figure}
\end{document}
"""


@pytest.mark.parametrize("labels", ["tex", "outline"])
def test_a_paper_draws_the_names_and_notes(tmp_path, labels, tex, ncd_latex, pdf_text):
    (tmp_path / "paper.tex").write_text(PAPER % labels, encoding="utf-8")
    first = tex(tmp_path, "paper.tex")
    assert first.returncode == 0, first.log[-3000:]
    proc = ncd_latex(tmp_path, "paper")
    assert proc.returncode == 0 and " 0 failed" in proc.stdout, proc.stdout + proc.stderr
    final = tex(tmp_path, "paper.tex")
    assert final.returncode == 0 and final.warnings() == [], final.log[-3000:]
    text = " ".join(pdf_text(final.pdf).split())
    if labels == "tex":  # typeset by TeX: the notes and names are text of the page (a note beside the drawing
        # shares its lines with the wire labels, so its words come in order, others between them)
        assert _in_order("Keys and values come from the same injected data.", text)
        assert _in_order("SoftMax over x makes each row sum to one.", text)
    else:  # drawn as outlines: only the caption is text, the drawing is in the cached PDF
        assert "Keys and values" not in text and "Attention, annotated." in text
        pdfs = list((tmp_path / "ncd-cache").glob("*.pdf"))
        assert pdfs and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)


def _in_order(sentence: str, text: str) -> bool:
    words = iter(text.split())
    return all(any(w == t for t in words) for w in sentence.split())
