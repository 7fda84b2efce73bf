"""LaTeX package installation commands: ``ncd latex path|install|copy|latexmkrc`` (real TeX where needed)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sphinx_ncd.cli.main import main as ncd_main

REPO = Path(__file__).resolve().parents[2]


def run_ncd(*args, env=None):
    return subprocess.run([sys.executable, "-m", "sphinx_ncd.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_path_prints_the_directory_holding_ncd_sty(capsys):
    assert ncd_main(["latex", "path"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert (path / "ncd.sty").is_file()
    assert (path / "ncd.sty").read_bytes() == (REPO / "latex" / "ncd.sty").read_bytes()


def test_latexmkrc_path(capsys):
    assert ncd_main(["latex", "latexmkrc"]) == 0
    rc = Path(capsys.readouterr().out.strip())
    assert "sub ncd_run" in rc.read_text()


def test_copy_next_to_a_paper_never_overwrites_a_different_file(tmp_path, capsys):
    assert ncd_main(["latex", "copy", str(tmp_path), "--latexmkrc"]) == 0
    sty = tmp_path / "ncd.sty"
    assert sty.read_bytes() == (REPO / "latex" / "ncd.sty").read_bytes()
    assert (tmp_path / "latexmkrc").is_file()
    assert ncd_main(["latex", "copy", str(tmp_path)]) == 0  # identical: nothing to do
    assert "already up to date" in capsys.readouterr().out
    sty.write_text("% my own edited copy\n")
    assert ncd_main(["latex", "copy", str(tmp_path)]) == 1
    assert "not overwriting" in capsys.readouterr().err
    assert sty.read_text() == "% my own edited copy\n"
    assert ncd_main(["latex", "copy", str(tmp_path), "--force"]) == 0
    assert sty.read_bytes() == (REPO / "latex" / "ncd.sty").read_bytes()


def test_copy_places_every_file_of_the_package_and_tex_finds_them(tmp_path, capsys):
    """Overleaf, arXiv: the copied files alone (no TEXINPUTS) load the package, labels=tex included."""
    from sphinx_ncd.latex.install import STY_FILES

    assert ncd_main(["latex", "copy", str(tmp_path)]) == 0
    for name in STY_FILES:
        assert (tmp_path / name).read_bytes() == (REPO / "latex" / name).read_bytes()
    (tmp_path / "ncd-labels.sty").write_text("% edited\n")
    assert ncd_main(["latex", "copy", str(tmp_path)]) == 1  # one differing part: nothing is replaced
    assert "ncd-labels.sty exists and differs" in capsys.readouterr().err
    assert ncd_main(["latex", "copy", str(tmp_path), "--force"]) == 0
    if shutil.which("pdflatex") is None:
        return
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\n\\usepackage[labels=tex]{ncd}\n"
                                        "\\begin{document}\nText.\n\\end{document}\n")
    env = {k: v for k, v in os.environ.items() if k != "TEXINPUTS"}
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "paper.tex"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    log = (tmp_path / "paper.log").read_text(errors="replace")
    for name in STY_FILES:
        assert f"./{name}" in log.replace("\n", "")


@pytest.mark.skipif(shutil.which("kpsewhich") is None, reason="TeX Live is not installed")
def test_install_into_texmfhome_is_found_by_kpsewhich(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home))
    env.pop("TEXMFHOME", None)
    proc = run_ncd("latex", "install", env=env)
    assert proc.returncode == 0, proc.stderr
    texmfhome = subprocess.run(["kpsewhich", "-var-value", "TEXMFHOME"], env=env, capture_output=True,
                               text=True).stdout.strip()
    dest = Path(texmfhome) / "tex" / "latex" / "ncd" / "ncd.sty"
    assert dest.is_file() and str(dest) in proc.stdout
    found = subprocess.run(["kpsewhich", "ncd.sty"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert Path(found.stdout.strip()) == dest


def test_install_to_an_explicit_texmfhome(tmp_path, capsys):
    from sphinx_ncd.latex.install import STY_FILES

    assert ncd_main(["latex", "install", "--texmfhome", str(tmp_path)]) == 0
    for name in STY_FILES:
        assert (tmp_path / "tex" / "latex" / "ncd" / name).is_file()


@pytest.mark.slow
def test_a_built_wheel_ships_ncd_sty(tmp_path):
    """`pip install .` (a wheel) has ncd.sty and the latexmk rule inside the package."""
    import zipfile

    src = tmp_path / "src"  # build from a copy: setuptools writes build/ and egg-info beside the sources
    shutil.copytree(REPO, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "_build", "build", "dist", "*.egg-info", "__pycache__", "tests", "benchmarks", ".ci"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(src)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("sphinx_ncd-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "sphinx_ncd/latex/ncd.sty" in names and "sphinx_ncd/latex/latexmkrc" in names
        for name in ("ncd.sty", "ncd-capture.sty", "ncd-manifest.sty", "ncd-labels.sty"):
            assert zf.read(f"sphinx_ncd/latex/{name}") == (REPO / "latex" / name).read_bytes()
        zf.extractall(tmp_path / "site")
    # the installed package finds its own copy (-S: no site-packages, so not this checkout)
    proc = subprocess.run([sys.executable, "-S", "-c", "from sphinx_ncd.latex.install import sty_path; "
                           "print(sty_path())"], env=dict(os.environ, PYTHONPATH=str(tmp_path / "site")),
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()) == tmp_path / "site" / "sphinx_ncd" / "latex" / "ncd.sty"
