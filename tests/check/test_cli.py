"""``ncd check spec.ncd --code ... --sizes ...``: the report on stdout, the exit status by verdict."""
from __future__ import annotations

import pytest

from check_specs import MODELS, MLP, SDPA


@pytest.fixture
def ncd(worker, monkeypatch, tmp_path, capsys):
    """Run ``ncd check`` in-process with the session's worker; returns (status, stdout, stderr)."""
    import sphinx_ncd.checking.api as api
    from sphinx_ncd.cli.main import main

    monkeypatch.setattr(api, "default_worker", lambda: worker)

    def _ncd(spec: str, *args: str):
        path = tmp_path / "diagram.ncd"
        path.write_text(spec)
        status = main(["check", str(path), "--code-path", MODELS, *args])
        out, err = capsys.readouterr()
        return status, out, err

    return _ncd


def test_proved_exits_zero_and_prints_the_verdict(ncd):
    status, out, _ = ncd(SDPA, "--code", "ncd_check_models.attention:sdpa")
    assert status == 0
    assert "verdict: proved for every y, k, x" in out


def test_proved_if_exits_zero_and_names_the_assumption(ncd):
    status, out, _ = ncd(SDPA, "--code", "ncd_check_models.attention:sdpa_transposed")
    assert status == 0
    assert "verdict: proved if y = x" in out


def test_mismatch_exits_one_with_the_box_and_its_location(ncd):
    status, out, err = ncd(MLP, "--code", "ncd_check_models.mlp:WideFirst()")
    assert status == 1
    assert "L[layers.0]: mismatch: expected b 512, got b 500" in out
    assert "diagram.ncd:3:1: mismatch at L[layers.0]" in err


def test_sizes_are_passed_through(ncd):
    status, out, _ = ncd(SDPA, "--code", "ncd_check_models.attention:sdpa_transposed", "--sizes", "y=20", "x=22")
    assert status == 1
    assert "y=20" in out


def test_a_python_file_is_checked_as_embedded_code(ncd, tmp_path):
    code = tmp_path / "model.py"
    code.write_text("import torch\ndef attend(q, k, v):\n    return (q @ k.T).softmax(-1) @ v\n")
    status, out, _ = ncd(SDPA, "--code", str(code))
    assert status == 0, out
    assert "proved" in out


def test_bad_sizes_are_a_clear_error(ncd):
    status, _, err = ncd(SDPA, "--code", "ncd_check_models.attention:sdpa", "--sizes", "y:20")
    assert status == 1
    assert "--sizes expects NAME=INT, got 'y:20'" in err


def test_parse_sizes_accepts_spaces_and_commas():
    from sphinx_ncd.checking.cli import parse_sizes

    assert parse_sizes(["y=20", "x=22,m=8"]) == {"y": 20, "x": 22, "m": 8}
