"""Sphinx extension: the generated LaTeX compiles with a real ``latexmk -pdf``."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from ncd_sphinx_helpers import warnings_of

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("latexmk") is None, reason="latexmk (TeX Live) is not installed")]


def test_latexmk_builds_the_pdf(make_app, rootdir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", src)
    app = make_app("latex", srcdir=src)
    app.build()
    assert warnings_of(app) == []
    proc = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "ncdbasic.tex"],
                          cwd=app.outdir, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    pdf = app.outdir / "ncdbasic.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    log = (app.outdir / "ncdbasic.log").read_text(encoding="latin-1")
    # every diagram was included (pdflatex logs each graphic it reads)
    assert log.count("ncd-") >= 4
    assert "undefined references" not in log
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "Fig. 1" in text or "Figure 1" in text
        assert "two-layer perceptron" in text
