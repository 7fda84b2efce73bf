"""The cost table in LaTeX: labels and sizes with Greek letters and maths symbols compile under pdfLaTeX."""
import shutil
import subprocess

import pytest

from sphinx_ncd.cost.table import _tex


def test_greek_and_symbols_become_tex_commands():
    assert _tex("η") == r"\ensuremath{\eta}"
    assert _tex("x·y ⌊a/2⌋ 50% a_b") == r"x\ensuremath{\cdot}y \ensuremath{\lfloor}a/2\ensuremath{\rfloor} 50\% a\_b"
    assert all(ord(ch) < 128 for ch in _tex("λ η Δ √ ★ ′ × ≤ ≥ − ℒ ⊗"))
    assert _tex("Dℒ") == r"D\ensuremath{\mathcal{L}}"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_a_table_row_with_a_unit_compiles(tmp_path):
    row = " & ".join(_tex(c) for c in ("1", "η", "⌊x/2⌋·k", "Dℒ ⊗")) + r" \\"
    (tmp_path / "t.tex").write_text("\\documentclass{article}\\usepackage[utf8]{inputenc}\\begin{document}"
                                    "\\begin{tabular}{llll}" + row + "\\end{tabular}\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
