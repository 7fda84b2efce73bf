"""LaTeX package: ``maxwidth=`` folds a diagram into rows, and is part of its cache key."""
from __future__ import annotations

import re
import shutil
import textwrap

import pytest

from sphinx_ncd.latex.manifest import parse_manifest, read_manifest

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) is not installed")

CHAIN = "\n".join(["input X: a b"] + [f"X = {'relu' if k % 2 else 'L'} X" + ("" if k % 2 else " : b -> b")
                                       for k in range(16)] + ["output X"])


def _page_width_bp(pdf) -> float:
    box = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", pdf.read_bytes())
    return float(box.group(3)) - float(box.group(1))


def test_maxwidth_folds_and_keys_the_cache(tmp_path, tex, ncd_latex):
    body = (f"\\begin{{ncd}}\n{CHAIN}\n\\end{{ncd}}\n\n"
            f"\\begin{{ncd}}[maxwidth=200bp]\n{CHAIN}\n\\end{{ncd}}\n")
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\n\\usepackage{ncd}\n\\begin{document}\n"
                                        + body + "\\end{document}\n")
    assert tex(tmp_path).returncode == 0
    wide, narrow = read_manifest(tmp_path / "paper.ncd").entries
    # by default a diagram folds to the column: an article's \linewidth, 345pt = 343.71bp
    assert wide.lines == narrow.lines and wide.fold == "458.3" and narrow.fold == "266.7"  # 200bp / 0.75
    assert wide.md5 != narrow.md5  # the same spec folded differently is another drawing
    assert wide.python_md5() == wide.md5 and narrow.python_md5() == narrow.md5
    proc = ncd_latex(tmp_path, "paper")
    assert proc.returncode == 0, proc.stderr
    assert "mismatch" not in proc.stdout + proc.stderr
    w_wide = _page_width_bp(tmp_path / "ncd-cache" / f"{wide.md5}.pdf")
    w_narrow = _page_width_bp(tmp_path / "ncd-cache" / f"{narrow.md5}.pdf")
    assert w_narrow <= 200.5 < w_wide <= 343.71 + 0.5  # the default fits the column
    assert tex(tmp_path).returncode == 0


def test_the_default_fold_width_is_the_column_it_is_set_in(tmp_path, tex):
    """``\\linewidth`` is read where the diagram is set: a minipage folds narrower; ``maxwidth=`` with no value is
    the renderer's own default (no fold line: the key of a diagram written before the default changed)."""
    body = (f"\\begin{{minipage}}{{150pt}}\\begin{{ncd}}\n{CHAIN}\n\\end{{ncd}}\\end{{minipage}}\n\n"
            f"\\begin{{ncd}}[maxwidth=]\n{CHAIN}\n\\end{{ncd}}\n")
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\n\\usepackage{ncd}\n\\begin{document}\n"
                                        + body + "\\end{document}\n")
    assert tex(tmp_path).returncode == 0
    boxed, plain = read_manifest(tmp_path / "paper.ncd").entries
    assert boxed.fold == "199.3"  # 150pt = 149.44bp, / 0.75
    assert plain.fold == "" and plain.max_width is None and plain.python_md5() == plain.md5


def test_a_manifest_line_for_the_fold_width():
    data = textwrap.dedent("""\
        ncd-manifest 1
        @ md5=0123456789abcdef0123456789abcdef line=3 kind=env status=missing from=3 file=paper.tex
        >maxwidth=400
        !maxwidth=300pt
        |input X: a
        .
        """).encode()
    (e,) = parse_manifest(data).entries
    assert e.fold == "400" and e.max_width == 400.0 and e.options == "maxwidth=300pt"
    assert e.python_md5() != parse_manifest(data.replace(b">maxwidth=400\n", b"")).entries[0].python_md5()
