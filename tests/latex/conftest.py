"""Fixtures for the LaTeX package tests: real TeX Live runs in temporary directories.

``tex`` runs an engine on a document with ``ncd.sty`` on ``TEXINPUTS``;
``no_python_path`` is a PATH holding only the TeX binaries (no python3, no
ncd-latex), as on arXiv or Overleaf.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LATEX_DIR = REPO / "latex"
STY_DIR = REPO / "sphinx_ncd" / "latex"

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) is not installed")


@dataclass
class TexRun:
    returncode: int
    log: str
    stdout: str
    pdf: Path

    @property
    def flat(self) -> str:
        """The log with LaTeX's message continuation lines joined and spaces collapsed."""
        import re

        return " ".join(re.sub(r"\n\(ncd\)\s+", " ", self.log).split())

    def warnings(self) -> list[str]:
        return [line for line in self.log.splitlines() if "Package ncd Warning" in line]


def run_tex(workdir: Path, name: str = "paper.tex", *, engine: str = "pdflatex", path: str | None = None,
            extra_args: tuple[str, ...] = (), timeout: float = 120) -> TexRun:
    env = dict(os.environ)
    env["TEXINPUTS"] = f"{STY_DIR}{os.pathsep}"
    if path is not None:
        env["PATH"] = path
    exe = shutil.which(engine, path=path) if path is not None else engine
    proc = subprocess.run([exe or engine, "-interaction=nonstopmode", *extra_args, name], cwd=workdir, env=env,
                          capture_output=True, text=True, errors="replace", timeout=timeout)
    stem = Path(name).stem
    log = (workdir / f"{stem}.log").read_text(errors="replace") if (workdir / f"{stem}.log").exists() else ""
    return TexRun(proc.returncode, log, proc.stdout, workdir / f"{stem}.pdf")


def run_ncd_latex(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """The real command, as a user runs it (a fresh interpreter)."""
    return subprocess.run([sys.executable, "-m", "sphinx_ncd.latex", *args], cwd=workdir,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def tex():
    return run_tex


@pytest.fixture
def ncd_latex():
    return run_ncd_latex


@pytest.fixture
def no_python_path(tmp_path_factory) -> str:
    """A PATH with only pdflatex and kpsewhich: no python3, no ncd-latex."""
    bindir = tmp_path_factory.mktemp("texbin")
    for tool in ("pdflatex", "kpsewhich"):
        real = shutil.which(tool)
        if real:
            (bindir / tool).symlink_to(os.path.realpath(real) if tool != "pdflatex" else real)
    return str(bindir)


@pytest.fixture
def example(tmp_path) -> Path:
    """A temporary copy of latex/example (the paper and its .ncd files)."""
    dest = tmp_path / "example"
    shutil.copytree(LATEX_DIR / "example", dest,
                    ignore=shutil.ignore_patterns("ncd-cache", "*.aux", "*.log", "*.pdf", "paper.ncd", "*.fls",
                                                  "*.fdb_latexmk"))
    return dest


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout


def _included_graphics(log: str) -> list[str]:
    """Files pdfTeX reports having included (``<ncd-cache/<md5>.pdf>`` in the log)."""
    import re

    flat = log.replace("\n", "")
    return re.findall(r"<(ncd-cache/[0-9a-f]{32}\.pdf)", flat)


@pytest.fixture
def pdf_text():
    return _pdf_text


@pytest.fixture
def included_graphics():
    return _included_graphics
