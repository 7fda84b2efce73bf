"""Robustness: a corrupt cache entry is rendered again with a warning, and the build succeeds.

Each way a cache went bad in the break-it campaign: random bytes, bad UTF-8 in
the description, a truncated file, a zeroed file, a corrupt PDF for LaTeX.
"""
from __future__ import annotations

import os
import shutil

import pytest

from ncd_sphinx_helpers import warnings_of
from sphinx_ncd.integrity import format_problem
from sphinx_ncd.sphinxext.outputs import entry_problem

pytestmark = pytest.mark.slow  # end to end: a real worker process / real Sphinx builds


def _corrupt(path, how: str) -> None:
    data = path.read_bytes()
    if how == "random":
        path.write_bytes(os.urandom(len(data)))
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "zeroed":
        path.write_bytes(b"\0" * len(data))
    elif how == "bad-utf8":  # the description (first line of an SVG, or a sidecar) is not UTF-8
        head, _, rest = data.partition(b"\n")
        path.write_bytes(head[:30] + b"\xff\xfe\xc3(" + head[30:] + b"\n" + rest)
    elif how == "empty":
        path.write_bytes(b"")
    else:
        raise AssertionError(how)


def _build(make_app, srcdir, builder, **conf):
    app = make_app(builder, srcdir=srcdir, freshenv=True, confoverrides=conf)
    app.build(force_all=True)
    return app


SVG_WAYS = ["random", "truncated", "zeroed", "bad-utf8"]
PDF_WAYS = [("random", "pdf"), ("truncated", "pdf"), ("zeroed", "pdf"), ("bad-utf8", "pdf.txt"),
            ("empty", "pdf.txt")]


def test_corrupt_svg_cache_heals_in_html(make_app, rootdir, tmp_path):
    """Each cached SVG corrupt in its own way (random bytes, truncated, zeroed, bad UTF-8)."""
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", srcdir)
    app = _build(make_app, srcdir, "html")
    assert warnings_of(app) == []
    before = (app.outdir / "index.html").read_text(encoding="utf-8")
    cache = app.doctreedir / "ncd-cache"
    files = sorted(cache.glob("ncd-*.svg"))
    assert len(files) >= len(SVG_WAYS)
    for index, path in enumerate(files):
        _corrupt(path, SVG_WAYS[index % len(SVG_WAYS)])
    app2 = _build(make_app, srcdir, "html")  # -E: still broken before this fix
    warnings = warnings_of(app2)
    assert len(warnings) == len(files) and all("is corrupt" in w and "rendering it again" in w for w in warnings)
    assert all(entry_problem(path, "svg") is None for path in files)
    page = (app2.outdir / "index.html").read_text(encoding="utf-8")
    assert page == before and "<svg" in page and "ncd-error" not in page
    app3 = _build(make_app, srcdir, "html")
    assert warnings_of(app3) == []  # healed for good


def test_corrupt_pdf_cache_heals_in_latex(make_app, rootdir, tmp_path):
    """Cached PDFs random, truncated, zeroed; sidecars with bad UTF-8 or empty.

    (Outlined labels: the drawings with TeX-typeset labels keep a .lbl and a .sum instead
    of the sidecar, see tests/sphinx/test_latex_labels.py.)
    """
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", srcdir)
    with open(srcdir / "conf.py", "a", encoding="utf-8") as fh:
        fh.write('ncd_latex_labels = "outline"\n')
    app = _build(make_app, srcdir, "latex")
    assert warnings_of(app) == []
    cache = app.doctreedir / "ncd-cache"
    files = sorted(cache.glob("ncd-*.pdf"))
    assert files
    for index, (how, target) in enumerate(PDF_WAYS):
        path = files[index % len(files)]
        _corrupt(path if target == "pdf" else path.with_suffix(".pdf.txt"), how)
    app2 = _build(make_app, srcdir, "latex")
    warnings = warnings_of(app2)
    assert len(warnings) == min(len(files), len(PDF_WAYS)) and all("is corrupt" in w for w in warnings)
    published = sorted(app2.outdir.glob("ncd-*.pdf"))
    assert published
    for pdf in published:
        assert format_problem(pdf.read_bytes(), "pdf") is None
        assert pdf.read_bytes() == (cache / pdf.name).read_bytes()
    assert warnings_of(_build(make_app, srcdir, "latex")) == []


def test_corrupt_png_cache_heals(make_app, rootdir, tmp_path):
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", srcdir)
    app = _build(make_app, srcdir, "html", ncd_output_format="png")
    cache = app.doctreedir / "ncd-cache"
    files = sorted(cache.glob("ncd-*.png"))
    assert files
    for path in files:
        _corrupt(path, "truncated")
    app2 = _build(make_app, srcdir, "html", ncd_output_format="png")
    assert warnings_of(app2) and all("is corrupt" in w for w in warnings_of(app2))
    for png in sorted((app2.outdir / "_images").glob("ncd-*.png")):
        assert format_problem(png.read_bytes(), "png") is None
