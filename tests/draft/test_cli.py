"""``ncd draft`` on the command line: the spec to a file or standard output, then ``ncd render``
and ``ncd check --code`` on it as written; errors located, exit status 1."""
from __future__ import annotations

import pytest

from sphinx_ncd.cli.main import main

from .conftest import PATHS


def _paths():
    return [a for p in PATHS for a in ("-I", p)]


@pytest.mark.slow  # `ncd check` starts its own worker (a fresh torch import)
def test_draft_to_a_file_then_render_and_check(tmp_path, drafting, capsys, monkeypatch):
    out = tmp_path / "conv.ncd"
    code = "ncd_gallery.convolution:LearnedConvolution(c=5, o=7, kernel=3, stride=2, padding=1)"
    assert main(["draft", code, "--input", "X: b c H W", "-o", str(out), *_paths()]) == 0
    text = out.read_text()
    assert "C = conv+[C] X over H W : c -> o kernel 3 stride 2 padding 1" in text
    png = tmp_path / "conv.png"
    assert main(["render", str(out), "-o", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    monkeypatch.setenv("PYTHONPATH", ":".join(PATHS))
    check = "ncd_gallery.convolution:LearnedConvolution(c=c, o=o, kernel=3, stride=2, padding=1)"
    assert f'--code "{check}"' in text
    for p in PATHS:
        monkeypatch.syspath_prepend(p)
    capsys.readouterr()
    assert main(["check", str(out), "--code", check]) == 0
    assert "proved" in capsys.readouterr().out


def test_draft_to_stdout_lists_generic_boxes(drafting, capsys):
    assert main(["draft", "small_models:Gated(d=11)", "--input", "x: b d", *_paths()]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("# Drafted by `ncd draft` from small_models:Gated(d=11)")
    assert "ncd draft: generic boxes: cumsum" in captured.err


def test_draft_error_is_located(drafting, capsys):
    code = "ncd_gallery.attention:MultiHeadAttention(m=11, k=7, h=5)"
    assert main(["draft", code, "--input", "E: y m, X: x m", "--sizes", "x=5", *_paths()]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == ("<--input>:1:12: sizes collide: x and h are both 5, "
                                   "so the draft cannot tell them apart")
    assert err.splitlines()[2] == "               ^"
