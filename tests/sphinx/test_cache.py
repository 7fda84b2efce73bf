"""Sphinx extension: the content-hash cache, rebuilds that rewrite nothing, parallel builds."""
from __future__ import annotations

import re
import shutil

import pytest

import sphinx_ncd.model.build
import sphinx_ncd.rendering.api
import sphinx_ncd.rendering.interactive
from ncd_sphinx_helpers import warnings_of


def _snapshot(*dirs) -> dict[str, tuple[int, int]]:
    """path -> (mtime_ns, size) of every ncd file under ``dirs``."""
    out = {}
    for d in dirs:
        for path in sorted(d.rglob("ncd-*")):
            stat = path.stat()
            out[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return out


@pytest.fixture
def counting(monkeypatch):
    """Count calls into the pipeline (wrapping the real functions)."""
    calls = {"parse": 0, "render": 0}
    real_parse, real_render = sphinx_ncd.model.build.parse, sphinx_ncd.rendering.api.render

    def parse(*args, **kwargs):
        calls["parse"] += 1
        return real_parse(*args, **kwargs)

    def render(*args, **kwargs):
        calls["render"] += 1
        return real_render(*args, **kwargs)

    monkeypatch.setattr(sphinx_ncd.model.build, "parse", parse)
    monkeypatch.setattr(sphinx_ncd.rendering.api, "render", render)
    real_interactive = sphinx_ncd.rendering.interactive.render_interactive

    def render_interactive(*args, **kwargs):  # the SVG an HTML page inlines (ncd_interactive)
        calls["render"] += 1
        return real_interactive(*args, **kwargs)

    monkeypatch.setattr(sphinx_ncd.rendering.interactive, "render_interactive", render_interactive)
    return calls


def test_rebuild_hits_the_cache_and_rewrites_nothing(make_app, rootdir, tmp_path, counting):
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", srcdir)
    app = make_app("html", srcdir=srcdir)
    app.build()
    assert warnings_of(app) == []
    assert counting["render"] == 4 and counting["parse"] == 4
    cache = app.doctreedir / "ncd-cache"
    assert cache.is_dir() and not cache.is_relative_to(app.outdir)
    first = _snapshot(cache, app.outdir)
    page = (app.outdir / "index.html").read_text(encoding="utf-8")

    # a fresh environment (-E): every document is read again, every diagram comes from the cache
    counting.update(parse=0, render=0)
    app2 = make_app("html", srcdir=srcdir, freshenv=True)
    app2.build(force_all=True)
    assert warnings_of(app2) == []
    assert counting == {"parse": 0, "render": 0}
    assert _snapshot(cache, app.outdir) == first  # nothing in the cache or _images rewritten
    assert (app.outdir / "index.html").read_text(encoding="utf-8") == page

    # a no-change incremental build reads nothing and renders nothing
    app3 = make_app("html", srcdir=srcdir)
    app3.build()
    assert counting == {"parse": 0, "render": 0}
    assert _snapshot(cache, app.outdir) == first


def test_changed_spec_renders_only_that_diagram(make_app, rootdir, tmp_path, counting):
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", srcdir)
    make_app("html", srcdir=srcdir).build()
    ncd = srcdir / "diagrams" / "attention.ncd"
    ncd.write_text(ncd.read_text().replace("softmax S over x", "softmax S over x  # edited"))
    counting.update(parse=0, render=0)
    app = make_app("html", srcdir=srcdir)
    app.build()
    # the .ncd file is a dependency: its document is re-read; only the edited diagram renders
    assert counting["render"] == 1
    assert warnings_of(app) == []


def test_reordered_pages_keep_every_hit(make_app, rootdir, tmp_path, counting):
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", srcdir)
    make_app("html", srcdir=srcdir).build()
    index = srcdir / "index.rst"
    text = index.read_text()
    head, rest = text.split("A numbered figure", 1)
    first, second = rest.split("A figure read from a file", 1)
    index.write_text(head + "A figure read from a file" + second + "\n\nA numbered figure" + first)
    counting.update(parse=0, render=0)
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    assert counting["render"] == 0


def test_parallel_build_matches_serial(make_app, rootdir, tmp_path):
    serial_src, parallel_src = tmp_path / "serial", tmp_path / "parallel"
    shutil.copytree(rootdir / "test-ncd-parallel", serial_src)
    shutil.copytree(rootdir / "test-ncd-parallel", parallel_src)
    serial = make_app("html", srcdir=serial_src)
    serial.build()
    par = make_app("html", srcdir=parallel_src, parallel=2)
    assert par.parallel == 2
    par.build()
    assert warnings_of(par) == [] and warnings_of(serial) == []
    for i in range(1, 9):
        a = (serial.outdir / f"page{i}.html").read_text(encoding="utf-8")
        b = (parallel_src / "_build" / "html" / f"page{i}.html").read_text(encoding="utf-8")
        svgs_a = re.findall(r"<svg\b.*?</svg>", a, re.S)
        assert len(svgs_a) == 2
        assert svgs_a == re.findall(r"<svg\b.*?</svg>", b, re.S)
        assert f'<span class="caption-number">Fig. {i} </span>' in b
    # no temporary files left behind by the atomic writes
    assert not list((parallel_src / "_build").rglob("*.tmp"))


def test_parallel_workers_rendering_the_same_diagram(make_app, tmp_path):
    """Eight pages with the same diagram: -j 2 workers race on one cache file."""
    src = tmp_path / "same"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["sphinx_ncd"]\n')
    body = ".. ncd::\n\n   input X: c\n   Y = relu X\n   output Y\n"
    (src / "index.rst").write_text("Same\n====\n\n.. toctree::\n\n" +
                                   "".join(f"   p{i}\n" for i in range(8)))
    for i in range(8):
        (src / f"p{i}.rst").write_text(f"P{i}\n==\n\n{body}")
    app = make_app("html", srcdir=src, parallel=2)
    app.build()
    assert warnings_of(app) == []
    cache = app.doctreedir / "ncd-cache"
    assert len(list(cache.glob("ncd-*.svg"))) == 1
    assert not list(cache.glob("*.tmp"))


def test_configured_cache_dir(make_app, rootdir, tmp_path):
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", srcdir)
    app = make_app("html", srcdir=srcdir, confoverrides={"ncd_cache_dir": "_ncd_cache"})
    app.build()
    assert warnings_of(app) == []
    cached = sorted(p.suffix for p in (srcdir / "_ncd_cache").glob("ncd-*"))
    assert cached.count(".svg") == 4
    assert not (app.doctreedir / "ncd-cache").exists()
