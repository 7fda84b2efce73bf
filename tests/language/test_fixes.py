"""Language tests: errors that know the fix say it; ``ncd --version``; ``ncd check``
prints operations as a reader writes them; README examples work in bash."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sphinx_ncd
from sphinx_ncd import NCDError
from sphinx_ncd.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("line, fix", [
    ("Y = relu(X)", "relu X"),
    ("Y = tanh(X)", "tanh X"),
    ("Y = X + R", "add X R"),
    ("Y = layernorm X over m", "norm X over m"),
    ("Y = softmax X over -1", "softmax X over d"),
])
def test_errors_that_know_the_fix_say_it(line, fix):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(f"input X: b m, R: b m\n{line}\noutput Y\n", filename="f.ncd")
    err = info.value
    assert err.span is not None and err.span.line == 2
    assert fix in (err.hint or ""), err.format()


def test_the_suggested_fixes_parse():
    for line in ("Y = relu X", "Y = add X R", "Y = norm X over m", "Y = softmax X over m"):
        sphinx_ncd.parse(f"input X: b m, R: b m\n{line}\noutput Y\n")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"ncd (sphinx_ncd) {sphinx_ncd.__version__}"


def test_check_prints_operations_readably(tmp_path, capsys):
    spec = tmp_path / "att.ncd"
    spec.write_text("width y x\ninput Q: y k, K: x k\nS = einsum Q K : y k, x k -> y x\noutput S\n")
    assert main(["check", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "    step: S = einsum Q K : y k, x k -> y x" in out.splitlines()
    assert "<" not in out


def test_code_file_colon_name_says_the_options(tmp_path, capsys):
    pytest.importorskip("sphinx_ncd.checking.cli")
    spec = tmp_path / "m.ncd"
    spec.write_text("input X: 4\nY = L+[fc] X : 4 -> 3\noutput Y\n")
    assert main(["check", str(spec), "--code", "buggy.py:MLP"]) == 1
    err = capsys.readouterr().err
    assert "--code buggy.py --name MLP" in err


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_readme_shell_examples_parse_in_bash():
    """Every line of the README's bash blocks is valid bash (unquoted parentheses are not)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    assert blocks
    for block in blocks:
        for line in block.splitlines():
            if not line.strip():
                continue
            check = subprocess.run(["bash", "-n", "-c", line], capture_output=True, text=True, timeout=30)
            assert check.returncode == 0, f"{line!r}: {check.stderr}"


def test_render_png_is_2x_by_default(tmp_path):
    from PIL import Image

    spec = tmp_path / "mlp.ncd"
    spec.write_text("input X: 784\nH = L+[fc1] X : 784 -> 512\nY = relu H\noutput Y\n")
    assert main(["render", str(spec), "-o", str(tmp_path / "a.png")]) == 0
    assert main(["render", str(spec), "-o", str(tmp_path / "b.png"), "--scale", "1"]) == 0
    assert main(["render", str(spec), "-o", str(tmp_path / "c.svg")]) == 0
    width_2x = Image.open(tmp_path / "a.png").size[0]
    width_1x = Image.open(tmp_path / "b.png").size[0]
    svg_width = float(re.search(r'<svg\b[^>]*\swidth="([\d.]+)"', (tmp_path / "c.svg").read_text()).group(1))
    assert width_1x == pytest.approx(svg_width, abs=2) and width_2x == pytest.approx(2 * svg_width, abs=2)
