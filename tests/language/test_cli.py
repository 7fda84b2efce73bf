"""Language tests: the ``ncd check`` verb."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sphinx_ncd.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_check_prints_states_and_signature(capsys):
    assert main(["check", str(ROOT / "demo_docs" / "figures" / "fig21.ncd")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Multi-head attention"
    assert out[1] == "block MultiHeadAttention(m, k, h)"
    assert out[2] == "  state 0: E: y m, X: x m"
    assert out[3] == "    step: X, X = copy X : x m -> x m, x m"
    assert out[5].startswith("    step: Q = learned L^Q[Lq] E : m -> k h; K = ")  # readable, not repr
    assert "  state 7: Y: y m" in out
    assert out[-1] == "signature: y m, x m -> y m"


def test_check_quiet(capsys):
    assert main(["check", "-q", str(ROOT / "demo_docs" / "figures" / "fig19.ncd")]) == 0
    assert capsys.readouterr().out == "x y -> k\n"


def test_check_reports_located_error(tmp_path, capsys):
    spec = tmp_path / "bad.ncd"
    spec.write_text("input S: y x h\nA = softmax S over z\n")
    assert main(["check", str(spec)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"{spec}:2:20: softmax over 'z': no axis 'z' in 'y x h'",
        "    A = softmax S over z",
        "                       ^",
        "expected one of: y, x, h"]


def test_check_missing_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.ncd")]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == f"no such file: {tmp_path / 'nope.ncd'}"
    assert "Traceback" not in captured.err


def test_check_directory_is_a_clear_error(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"{tmp_path} is a directory, not a regular file")


def test_check_uses_the_spec_directory_for_libraries(tmp_path, capsys):
    (tmp_path / "mine.ncd").write_text("block Twice(a) {\n  input X: a\n  Y = F X : a -> 2a\n  output Y\n}\n")
    spec = tmp_path / "main.ncd"
    spec.write_text("use mine\ninput X: b 3\nY = Twice X\n")
    assert main(["check", "-q", str(spec)]) == 0
    assert capsys.readouterr().out == "b 3 -> b 6\n"


def test_check_equation_panels(tmp_path, capsys):
    spec = tmp_path / "eq.ncd"
    spec.write_text("input X: a\nY = F X : a -> b\n=\ninput X: a\nY = G X : a -> b\n")
    assert main(["check", str(spec)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "=" in out and out.count("signature: a -> b") == 2


def test_ncd_entry_point_stdin():
    proc = subprocess.run([sys.executable, "-m", "sphinx_ncd.cli.main", "check", "-"], input="input X: a\nY = relu Z\n",
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith("<stdin>:2:10: no value named 'Z' here")
    assert "Traceback" not in proc.stderr


def test_check_a_library_prints_every_block(capsys):
    assert main(["check", str(ROOT / "templates" / "attention.ncd")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [l for l in out if l.startswith(("block", "signature"))] == [
        "block ScaledDotProductAttention()", "signature: y k, x k, x k -> y k",
        "block MultiHeadAttention(m, k, h)", "signature: y m, x m -> y m"]


def test_check_prints_the_blocks_a_spec_defines(capsys):
    assert main(["check", str(ROOT / "demo_docs" / "figures" / "fig26.ncd")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "signature: b 3 Y -> b y" in out
    assert "block Block(s, N, n0, n1)" in out and out[-1] == "signature: b n0 Y -> b n1 Y/s"


def test_check_into_a_closed_pipe_is_quiet():
    proc = subprocess.run(f"{sys.executable} -m sphinx_ncd.cli.main check {ROOT / 'demo_docs/figures/fig27.ncd'} | head -1",
                          shell=True, capture_output=True, text=True, timeout=60)
    assert proc.stdout == "U-Net\n" and "Traceback" not in proc.stderr
