"""LaTeX package: the ncd environment in beamer -- a frame without [fragile] says the fix."""
from __future__ import annotations

import shutil

import pytest


TALK = r"""\documentclass{beamer}
\usepackage{ncd}
\begin{document}
\begin{frame}[fragile]{Fragile}
\begin{ncd}
input X: m
Y = relu X
\end{ncd}
\end{frame}
\begin{frame}{Not fragile}
\begin{ncd}
input X: m
Y = relu X
\end{ncd}
After the diagram.
\end{frame}
\end{document}
"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) is not installed")
def test_frame_without_fragile_says_the_fix(tmp_path, tex):
    (tmp_path / "talk.tex").write_text(TALK)
    run = tex(tmp_path, "talk.tex")
    errors = [line for line in run.log.splitlines() if line.startswith("! ")]
    assert len(errors) == 1, errors  # only the frame without [fragile], and no runaway argument
    assert r"needs \begin{frame}[fragile]" in run.flat
    assert "Runaway argument" not in run.log and "File ended" not in run.log
    assert run.pdf.is_file()  # the talk is still typeset, the text after the diagram too
