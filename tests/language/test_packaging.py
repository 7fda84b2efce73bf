"""Language tests: the block libraries ship inside a regular (non-editable) install."""
from __future__ import annotations

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
