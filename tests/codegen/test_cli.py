"""``ncd code`` and ``ncd check --values`` as a user runs them."""
from __future__ import annotations

import os
import subprocess
import sys

from .conftest import CODE, ROOT


def _ncd(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(CODE)]))
    return subprocess.run([sys.executable, "-m", "sphinx_ncd.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=300)


def test_code_writes_a_module(tmp_path):
    out = tmp_path / "attention.py"
    r = _ncd("code", "demo_docs/figures/fig21.ncd", "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "class MultiHeadAttention(nn.Module):" in text
    compile(text, str(out), "exec")
    r = _ncd("code", "demo_docs/figures/fig21.ncd", "--name", "MHA")
    assert r.returncode == 0 and "class MHA(nn.Module):" in r.stdout


def test_code_refuses_with_a_location(tmp_path):
    spec = tmp_path / "r.ncd"
    spec.write_text("input X: a\nrepeat N {\n  repeat M {\n    X = relu X\n  }\n}\noutput X\n")
    r = _ncd("code", str(spec))
    assert r.returncode == 1
    assert f"{spec}:3:3:" in r.stderr and "^" in r.stderr and "Traceback" not in r.stderr


def test_check_values_catches_the_wrong_axis():
    r = _ncd("check", "demo_docs/figures/fig20.ncd", "-q", "--code",
             "ncd_gallery.mistakes_values:WrongAxisAttention()", "--sizes", "y=6", "x=6", "--values")
    assert r.returncode == 1
    assert "values: values differ: A: softmax over x in the diagram; the code's values match a softmax over y" \
        in r.stdout
    assert "fig20.ncd:9:3:" in r.stderr


def test_check_values_agrees_on_correct_code():
    r = _ncd("check", "demo_docs/figures/fig21.ncd", "-q", "--code",
             "ncd_gallery.attention:MultiHeadAttention(m=m, k=k, h=h)", "--sizes", "m=8", "k=2", "h=4", "--values")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "values: values agree to 1e-10" in r.stdout


def test_values_without_code_is_a_clear_error():
    r = _ncd("check", "demo_docs/figures/fig20.ncd", "-q", "--values")
    assert r.returncode == 1 and "--values compares the diagram with code" in r.stderr
    assert "Traceback" not in r.stderr
