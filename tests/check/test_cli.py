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
        try:
            status = main(["check", str(path), "--code-path", MODELS, *args])
        except SystemExit as stop:  # a usage error: argparse exits
            status = stop.code
        out, err = capsys.readouterr()
        return status, out, err

    return _ncd


def test_proved_exits_zero_and_prints_the_verdict(ncd):
    status, out, _ = ncd(SDPA, "--code", "ncd_check_models.attention:sdpa")
    assert status == 0
    assert "verdict: proved for every y, k, x" in out


def test_proved_if_equating_two_axes_is_a_finding_with_exit_status_one(ncd):
    status, out, _ = ncd(SDPA, "--code", "ncd_check_models.attention:sdpa_transposed")
    assert status == 1
    assert "verdict: proved if y = x" in out
    assert "finding: the code holds only when y = x, two independent axes of the diagram" in out


def test_mismatch_exits_one_with_the_box_and_its_location(ncd):
    status, out, err = ncd(MLP, "--code", "ncd_check_models.mlp:WideFirst()")
    assert status == 1
    assert "L+[layers.0]: mismatch: expected b 512, got b 500" in out
    assert "diagram.ncd:3:1: mismatch at L+[layers.0]" in err


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


@pytest.mark.parametrize("item", ["y:20", "b=abc", "y=0", "y=-3", "x=2.5"])
def test_bad_sizes_are_a_usage_error_naming_the_item(ncd, item):
    status, out, err = ncd(SDPA, "--code", "ncd_check_models.attention:sdpa", "--sizes", "x=4", item)
    assert status == 2
    assert f"argument --sizes: expected NAME=INT with a whole number of at least 1, got '{item}'" in err
    assert "verdict" not in out  # nothing was checked


def test_bad_sizes_are_refused_even_without_code(ncd):
    status, _, err = ncd(SDPA, "--sizes", "b=abc")
    assert status == 2
    assert "got 'b=abc'" in err


def test_a_missing_module_is_not_located_in_the_spec_and_says_how_to_fix_it(ncd):
    status, out, err = ncd(MLP, "--code", "nosuchmod:X()")
    assert status == 1
    assert "verdict: check failed: cannot import 'nosuchmod'" in out
    assert err.startswith("cannot import 'nosuchmod': No module named 'nosuchmod' (code 'nosuchmod:X()')")
    assert "diagram.ncd" not in err and "^" not in err  # no caret under an unrelated spec line
    assert "add its directory with --code-path DIR (or ncd_check_path in conf.py)" in err


def test_a_missing_object_is_located_at_its_module_with_a_did_you_mean(ncd):
    status, _, err = ncd(MLP, "--code", "ncd_check_models.mlp:Clasifier()")
    assert status == 1
    head = err.splitlines()[0]
    assert head.startswith(MODELS) and "ncd_check_models/mlp.py:1:1: 'ncd_check_models.mlp' has no attribute" in head
    assert "diagram.ncd" not in err and "^" not in err
    assert "did you mean 'Classifier'?" in err


def test_a_missing_file_is_no_such_file(ncd, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for value in ("nothere.py", "sub/nothere"):
        status, out, err = ncd(MLP, "--code", value)
        assert status == 1
        assert err.startswith(f"no such file: {value}"), err
        assert "NameError" not in err + out


def test_a_python_file_with_a_path_is_read_by_the_api(run, parse, tmp_path):
    code = tmp_path / "model.py"
    code.write_text("import torch\ndef attend(q, k, v):\n    return (q @ k.T).softmax(-1) @ v\n")
    report = run(parse(SDPA), str(code))
    assert report.status == "proved", report.format()


def test_parse_sizes_accepts_spaces_and_commas():
    from sphinx_ncd.checking.cli import parse_sizes

    assert parse_sizes(["y=20", "x=22,m=8"]) == {"y": 20, "x": 22, "m": 8}


def test_a_repeated_check_replays_its_output_without_parsing_or_a_worker(ncd, monkeypatch, tmp_path):
    import sphinx_ncd.checking.api as api
    import sphinx_ncd.model.build as build

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = ncd(SDPA, "--code", "ncd_check_models.attention:sdpa_transposed")
    assert first[0] == 1 and "verdict: proved if y = x" in first[1]

    def refuse(*_a, **_k):
        raise AssertionError("a replayed check must not parse the spec nor start a worker")

    monkeypatch.setattr(api, "default_worker", refuse)
    monkeypatch.setattr(build, "parse", refuse)
    assert ncd(SDPA, "--code", "ncd_check_models.attention:sdpa_transposed") == first
    # another option, another check; --no-cache always runs
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(api, "default_worker", refuse)
    # the CLI turns the refusal into one line (never a traceback): it reached the worker
    status, out, err = ncd(SDPA, "--code", "ncd_check_models.attention:sdpa_transposed", "--no-cache")
    assert status != 0 and "a replayed check must not" in out + err
