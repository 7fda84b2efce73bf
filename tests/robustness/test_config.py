"""Robustness: every ncd_* configuration mistake is a located warning and a safe value, never a crash;
an ncd_check that is not a valid value means "do not run code"."""
from __future__ import annotations

import shutil

import pytest

from ncd_sphinx_helpers import warnings_of

BAD = {  # name -> (bad value as written in conf.py, the value the build then uses)
    "ncd_scale": ("'2'", 1.2),  # the default reading scale
    "ncd_template_path": ("None", []),
    "ncd_check_path": ("1", []),
    "ncd_cache_dir": ("1", None),
    "ncd_check_timeout": ("None", 30.0),
    "ncd_theme": ("['dark']", "auto"),
    "ncd_output_format": ("'gif'", "inline"),
    "ncd_caption_verdict": ("'yes'", True),
    "ncd_check_mode": ("3", "auto"),
}
NUMBERS = [("float('nan')", "float('inf')"), ("1e12", "0"), ("-1", "True"), ("[1]", "'2'")]


def _site(rootdir, tmp_path, lines):
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", srcdir)
    with open(srcdir / "conf.py", "a", encoding="utf-8") as fh:
        fh.write("\n" + "\n".join(lines) + "\n")
    return srcdir


def _conf_line(srcdir, name) -> int:
    lines = (srcdir / "conf.py").read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.startswith(name + " ="))


def test_every_wrong_typed_value_is_a_located_warning_and_a_safe_default(make_app, rootdir, tmp_path):
    srcdir = _site(rootdir, tmp_path, [f"{name} = {value}" for name, (value, _) in BAD.items()])
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    ours = [w for w in warnings_of(app) if "[ncd.config]" in w]
    for name, (_, used) in BAD.items():
        entry = next((w for w in ours if f"ncd: {name} = " in w), None)
        assert entry is not None, name
        assert entry.startswith(f"{srcdir / 'conf.py'}:{_conf_line(srcdir, name)}:"), entry
        assert getattr(app.config, name) == used
    assert (app.outdir / "index.html").read_text(encoding="utf-8").count("<svg") >= 3


@pytest.mark.parametrize("scale,timeout", NUMBERS)
def test_numbers_out_of_range_fall_back(make_app, rootdir, tmp_path, scale, timeout):
    srcdir = _site(rootdir, tmp_path, [f"ncd_scale = {scale}", f"ncd_check_timeout = {timeout}"])
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    ours = [w for w in warnings_of(app) if "[ncd.config]" in w]
    assert len(ours) == 2 and app.config.ncd_scale == 1.2 and app.config.ncd_check_timeout == 30.0
    assert "internal error" not in app.warning.getvalue()


def test_a_cache_dir_that_is_a_file_falls_back(make_app, rootdir, tmp_path):
    srcdir = _site(rootdir, tmp_path, ["ncd_cache_dir = 'afile'"])
    (srcdir / "afile").write_text("not a directory")
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    assert any("ncd_cache_dir" in w and "existing file" in w for w in warnings_of(app))
    assert (app.doctreedir / "ncd-cache").is_dir()
    assert (srcdir / "afile").read_text() == "not a directory"


CHECKED_PAGE = """Page
====

.. ncd::
   :code: marker:Model()

   input X: 4
   Y = relu X
   output Y
"""
MARKER = """from pathlib import Path
Path(__file__).with_name("RAN").write_text("user code ran")
import torch
class Model(torch.nn.Module):
    def forward(self, x):
        return torch.relu(x)
"""


@pytest.mark.parametrize("value", ["False", "0", "'no'", "'Off'"])
def test_an_invalid_ncd_check_runs_no_code(make_app, tmp_path, value):
    srcdir = tmp_path / "src"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text(f'extensions = ["sphinx_ncd"]\nncd_check_path = ["."]\nncd_check = {value}\n')
    (srcdir / "index.rst").write_text(CHECKED_PAGE)
    (srcdir / "marker.py").write_text(MARKER)
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    assert app.config.ncd_check == "off"
    assert any("ncd_check" in w and "using 'off'" in w for w in warnings_of(app))
    assert not (srcdir / "RAN").exists()


def test_a_valid_ncd_check_still_runs_code(make_app, tmp_path):
    pytest.importorskip("torch")
    srcdir = tmp_path / "src"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text('extensions = ["sphinx_ncd"]\nncd_check_path = ["."]\nncd_check = "auto"\n')
    (srcdir / "index.rst").write_text(CHECKED_PAGE)
    (srcdir / "marker.py").write_text(MARKER)
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    assert (srcdir / "RAN").exists()


def test_a_nan_or_infinite_scale_option_is_refused():
    from sphinx_ncd.sphinxext.options import scale

    for text in ("nan", "inf", "-inf", "1e400", "0", "-1"):
        with pytest.raises(ValueError):
            scale(text)
    assert scale("150%") == 1.5
