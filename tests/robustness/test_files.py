"""Robustness: hostile files as a file argument or ``:code:`` -- a FIFO, a directory, an oversized
or non-UTF-8 file, a path outside the source directory -- are clear errors, never a hang or a crash."""
from __future__ import annotations

import os

import pytest

from ncd_sphinx_helpers import warnings_of
from sphinx_ncd.errors import NCDError
from sphinx_ncd.safeio import MAX_FILE_BYTES, read_text_file

pytestmark = pytest.mark.timeout(120)  # a hang is the bug being tested: fail, do not wait forever

SPEC = "input X: 4\nY = relu X\noutput Y\n"


def _hostile(folder):
    """name -> what it is; every one a file argument that must be refused."""
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "pipe.ncd")
    (folder / "dir.ncd").mkdir()
    with open(folder / "huge.ncd", "wb") as fh:  # sparse: no disk, no memory, but over the limit
        fh.truncate(MAX_FILE_BYTES + 1)
    (folder / "latin1.ncd").write_bytes(b"input X: 4\n# caf\xe9\nY = relu X\noutput Y\n")
    return {"pipe.ncd": "FIFO", "dir.ncd": "a directory", "huge.ncd": "too large", "latin1.ncd": "not valid UTF-8"}


def test_read_text_file_refuses_each_kind(tmp_path):
    for name, words in _hostile(tmp_path).items():
        with pytest.raises(NCDError, match=words) as info:
            read_text_file(tmp_path / name, shown=name)
        assert info.value.kind == "io"
    with pytest.raises(NCDError) as info:
        read_text_file(tmp_path / "latin1.ncd", shown="latin1.ncd")
    assert (info.value.span.line, info.value.span.column) == (2, 6)


def _site(tmp_path, body: str):
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "conf.py").write_text('extensions = ["sphinx_ncd"]\nncd_check_path = ["."]\n')
    (src / "index.rst").write_text("Page\n====\n\n" + body)
    return src


def test_hostile_file_arguments_are_warnings_and_the_build_finishes(make_app, tmp_path):
    hostile = _hostile(tmp_path / "src" / "figs")
    body = "".join(f".. ncd:: figs/{name}\n\n" for name in hostile) + ".. ncd::\n\n" + "".join(
        "   " + line + "\n" for line in SPEC.splitlines())
    src = _site(tmp_path, body)
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    warnings = warnings_of(app)
    for name, words in hostile.items():
        assert any(name in w and words in w for w in warnings), (name, warnings)
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 1  # the good diagram is still drawn


CODE_DIAGRAM = """.. ncd::
   :code: {code}

   input X: 4
   Y = relu X
   output Y

"""


def test_hostile_code_files_are_refused_and_never_run(make_app, tmp_path):
    outside = tmp_path / "secret.py"
    outside.write_text("open(__file__ + '.RAN', 'w').write('ran')\nsecret = 1\n")
    hostile = _hostile(tmp_path / "src" / "code")
    for name in list(hostile):
        os.rename(tmp_path / "src" / "code" / name, tmp_path / "src" / "code" / name.replace(".ncd", ".py"))
    codes = [f"code/{n.replace('.ncd', '.py')}" for n in hostile] + [str(outside), "../secret.py"]
    src = _site(tmp_path, "".join(CODE_DIAGRAM.format(code=c) for c in codes))
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    text = "\n".join(warnings_of(app))
    for name, words in hostile.items():
        assert name.replace(".ncd", ".py") in text and words in text, (name, text)
    assert text.count("outside the source directory") == 1  # ../secret.py
    # an absolute path is taken from the source directory, as for a file argument: not found there
    assert f"{outside}" in text and "No such file" in text
    assert "secret = 1" not in text and not (tmp_path / "secret.py.RAN").exists()


def test_a_relative_code_file_is_relative_to_the_document(make_app, tmp_path):
    pytest.importorskip("torch")
    src = _site(tmp_path, ".. toctree::\n\n   sub/page\n")
    (src / "sub").mkdir()
    (src / "sub" / "page.rst").write_text("Sub\n===\n\n" + CODE_DIAGRAM.format(code="model.py"))
    (src / "sub" / "model.py").write_text(
        "import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return torch.relu(x)\n")
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    assert not [w for w in warnings_of(app) if "model.py" in w], warnings_of(app)
    page = (app.outdir / "sub" / "page.html").read_text(encoding="utf-8")
    assert "proved" in page


def test_cli_refuses_a_directory_and_an_oversized_file(tmp_path, capsys):
    from sphinx_ncd.cli.main import main

    _hostile(tmp_path)
    for name, words in (("dir.ncd", "a directory"), ("huge.ncd", "too large")):
        for verb in (["check"], ["render", "-o", str(tmp_path / "out.svg")]):
            assert main([*verb[:1], str(tmp_path / name), *verb[1:]]) == 1
            err = capsys.readouterr().err
            assert words in err and "Traceback" not in err
