"""Language tests: packaging -- the wheel holds everything (block libraries, fonts, LaTeX files), building writes nothing into the source tree, the extras are honest."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_templates_are_found_in_a_source_checkout():
    from sphinx_ncd.model.blocks import template_dirs
    assert any((d / "attention.ncd").is_file() for d in template_dirs())


@pytest.mark.slow
def test_wheel_contains_the_templates(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(tmp_path)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("sphinx_ncd-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in sorted((ROOT / "templates").glob("*.ncd")):
        assert f"sphinx_ncd/templates/{template.name}" in names
    # and the installed layout is what template_dirs() looks for
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import sphinx_ncd; "
            "d = sphinx_ncd.parse('use attention\\nwidth y\\ninput E: y m\\nY = MultiHeadAttention(m, k, h) E E'); "
            "print(sphinx_ncd.__file__); print(d.signature)")
    out = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith(str(target)) and lines[1] == "y m -> y m"


def _tracked_copy(dest: Path) -> Path:
    """The checkout's tracked files (as a fresh clone has them) copied to ``dest``."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True,
                           timeout=60).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(source.read_bytes())
    return dest


@pytest.mark.slow
def test_wheel_holds_everything_and_building_writes_nothing_into_the_source(tmp_path):
    """Every module, font, stylesheet, LaTeX file and block library ships; the build
    leaves the source tree exactly as it was (no build/, no *.egg-info)."""
    import shutil

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    source = _tracked_copy(tmp_path / "src")
    before = sorted(p.relative_to(source).as_posix() for p in source.rglob("*"))
    out = tmp_path / "dist"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(out)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    after = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if "__pycache__" not in p.parts)
    assert after == [p for p in before if "__pycache__" not in p], set(after) ^ set(before)
    wheel = zipfile.ZipFile(next(out.glob("sphinx_ncd-*.whl")))
    names = set(wheel.namelist())
    package = source / "sphinx_ncd"
    wanted = {p.relative_to(source).as_posix() for p in package.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert wanted <= names, sorted(wanted - names)
    for needed in ("sphinx_ncd/latex/ncd.sty", "sphinx_ncd/latex/latexmkrc", "sphinx_ncd/sphinxext/static/ncd.css",
                   "sphinx_ncd/templates/attention.ncd", "sphinx_ncd/latex/ncd-labels.sty"):
        assert needed in names
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert 'Requires-Dist: sphinx>=7.2.6; extra == "sphinx"' in metadata
    assert re.search(r'Requires-Dist: torch(<3,>=2\.1|>=2\.1,<3); extra == "check"', metadata), metadata
    assert "torch==" not in metadata  # the exact pin lives in the project's install script only
