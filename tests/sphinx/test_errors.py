"""Sphinx extension: every failure is a warning at the offending spec line, with an error box."""
from __future__ import annotations

import pytest

from ncd_sphinx_helpers import ncd_warnings, source_line, warnings_of


def _by_location(app) -> dict[str, str]:
    out = {}
    for entry in ncd_warnings(app):
        head = entry.split(": WARNING", 1)[0]
        rel = head.replace(str(app.srcdir) + "/", "")
        out.setdefault(rel, entry)
    return out


@pytest.mark.sphinx("html", testroot="ncd-errors")
def test_errors_are_located_at_spec_lines(app):
    app.build()
    found = _by_location(app)
    assert set(found) == {
        "index.rst:14",  # syntax error on spec line 3 of the directive at line 10
        "index.rst:23",  # shape error on spec line 2 of the directive at line 20
        "diagrams/broken.ncd:4",  # a file argument: the line in the .ncd file
        "index.rst:35",  # a missing file: the directive
        "index.rst:40",  # a path outside the source directory: the directive
        "index.rst:45",  # both a file and a body
        "index.rst:52",  # neither
        "index.rst:69",  # :name: without :caption:, and a :numref: to it
    }, warnings_of(app)
    assert source_line(app.srcdir, "index.rst", 14).strip() == "Y = = H"
    assert source_line(app.srcdir, "index.rst", 23).strip() == "Y = softmax X over z"
    assert source_line(app.srcdir, "diagrams/broken.ncd", 4) == "Y = = H"

    assert found["index.rst:14"].rstrip().endswith("[ncd.syntax]")
    assert "Y = = H" in found["index.rst:14"] and "^" in found["index.rst:14"]
    assert found["index.rst:23"].rstrip().endswith("[ncd.shape]")
    assert "'z'" in found["index.rst:23"]
    assert found["diagrams/broken.ncd:4"].rstrip().endswith("[ncd.syntax]")
    assert "missing.ncd" in found["index.rst:35"] and "[ncd.io]" in found["index.rst:35"]
    assert "outside the source directory" in found["index.rst:40"]
    assert "[ncd.io]" in found["index.rst:40"]
    assert "both a file argument" in found["index.rst:45"]
    assert "neither a file argument nor a body" in found["index.rst:52"]
    assert "fig-nameless" in found["index.rst:69"] and "add a :caption:" in found["index.rst:69"]
    # an unknown option is reported by docutils at the directive
    others = [w for w in warnings_of(app) if "[ncd." not in w]
    assert any(w.startswith(str(app.srcdir / "index.rst") + ":61: ERROR") and "colour" in w
               for w in others), others

    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    # six failures, six visible error boxes, each naming its location; the
    # directive with both a file and a body still draws the file
    assert page.count('class="ncd-error admonition error"') == 6
    for where in ("index.rst:14", "index.rst:23", "diagrams/broken.ncd:4", "index.rst:35",
                  "index.rst:40", "index.rst:52"):
        assert f"Diagram error ({where})" in page
    assert page.count("<svg") == 2


@pytest.mark.sphinx("html", testroot="ncd-errors", confoverrides={"suppress_warnings": ["ncd"]})
def test_suppress_warnings(app):
    app.build()
    assert ncd_warnings(app) == []


@pytest.mark.sphinx("html", testroot="ncd-errors",
                    confoverrides={"suppress_warnings": ["ncd.syntax", "ncd.io", "ncd.config"]})
def test_suppress_one_subtype(app):
    app.build()
    kinds = {w.rstrip().rsplit("[", 1)[-1] for w in ncd_warnings(app)}
    assert kinds == {"ncd.shape]"}


def test_warnings_fail_a_W_build(rootdir, tmp_path):
    import shutil
    import subprocess
    import sys

    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-errors", src)
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                           str(src), str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "index.rst:14: WARNING" in proc.stderr


@pytest.mark.sphinx("html", testroot="ncd-basic", confoverrides={"ncd_check": "sometimes"})
def test_bad_config_value_is_a_config_warning(app):
    assert app.config.ncd_check == "off"  # an unclear value never runs code
    assert any("ncd_check" in w and "[ncd.config]" in w for w in warnings_of(app))
