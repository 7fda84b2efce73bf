"""Sphinx extension in users' projects: every builder, ids, PNG density, EPUB validity,
where the cache lives."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ncd_sphinx_helpers import warnings_of

EPUBCHECK_JAR = Path("/usr/share/java/epubcheck.jar")  # Debian's epubcheck package


def _epubcheck() -> list[str] | None:
    if EPUBCHECK_JAR.is_file() and shutil.which("java"):
        return ["java", "-jar", str(EPUBCHECK_JAR)]
    return None


@pytest.mark.sphinx("html", testroot="ncd-themes")
def test_same_diagram_twice_has_unique_ids(app):
    app.build()
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) == 3  # two copies of the MLP and the :height: one (the fourth is an <img>)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), {i for i in ids if ids.count(i) > 1}
    # every reference inside the second copy points at its own ids
    second = svgs[2]
    own = set(re.findall(r'\sid="([^"]+)"', second))
    refs = set(re.findall(r'href="#([^"]+)"', second)) | set(re.findall(r"#(ncd-[\w-]+)\s*[{,]", second))
    assert refs and refs <= own


@pytest.mark.sphinx("html", testroot="ncd-themes", confoverrides={"ncd_output_format": "png"})
def test_html_png_is_2x_with_srcset(app):
    from PIL import Image

    app.build()
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img class="ncd-png" src="([^"]+)"[^>]*srcset="([^"]+)"', page)
    assert len(images) == 3, page
    src, srcset = images[0]
    assert srcset == f"{src} 2x"
    import sphinx_ncd
    from sphinx_ncd.rendering.api import scene

    mlp = sphinx_ncd.parse("input X: 784\nH = L+[fc1] X : 784 -> 512\nY = relu H\nZ = L+[fc2] Y : 512 -> 10\n"
                           "output Z\n")
    svg_pixels = scene(mlp).viewbox[2] * app.config.ncd_scale  # the MLP's width at scale 1, times the scale
    assert Image.open(app.outdir / src).size[0] == pytest.approx(2 * svg_pixels, abs=4)


@pytest.mark.slow
@pytest.mark.skipif(_epubcheck() is None, reason="epubcheck is not installed")
def test_epub_passes_epubcheck_and_holds_no_cache(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(Path(__file__).resolve().parents[1] / "roots" / "test-ncd-themes", src)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                                     os.environ.get("PYTHONPATH")]))}
    # -b: the doctrees go inside the output directory (Sphinx's default); our cache must not
    build = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-E", "-b", "epub",
                            "-d", str(tmp_path / "doctrees"), str(src), str(out)],
                           capture_output=True, text=True, timeout=300, env=env)
    assert build.returncode == 0, build.stderr
    book = next(out.glob("*.epub"))
    names = zipfile.ZipFile(book).namelist()
    assert not [n for n in names if "ncd-cache" in n or n.endswith((".txt", ".pickle", ".doctree"))], names
    check = subprocess.run([*_epubcheck(), str(book)], capture_output=True, text=True, timeout=300)
    report = check.stdout + check.stderr
    assert check.returncode == 0 and "ERROR" not in report and "FATAL" not in report, report


def test_cache_beside_the_output_directory_in_b_mode(tmp_path):
    """``sphinx-build -b html src out`` keeps doctrees in ``out/.doctrees``: the cache goes beside ``out``."""
    src = tmp_path / "src"
    shutil.copytree(Path(__file__).resolve().parents[1] / "roots" / "test-ncd-themes", src)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                                     os.environ.get("PYTHONPATH")]))}
    build = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-E", "-b", "html", str(src), str(out)],
                           capture_output=True, text=True, timeout=300, env=env)
    assert build.returncode == 0, build.stderr
    assert not list(out.rglob("ncd-*.svg.txt")) and not (out / ".doctrees" / "ncd-cache").exists()
    assert list((tmp_path / ".ncd-cache").glob("ncd-*.svg"))


def test_cache_dir_rules(tmp_path):
    from types import SimpleNamespace

    from sphinx_ncd.sphinxext.cache import cache_dir

    config = SimpleNamespace(ncd_cache_dir=None)
    out = tmp_path / "_build" / "html"
    assert cache_dir(config, tmp_path, out / ".doctrees", out) == (tmp_path / "_build" / ".ncd-cache").resolve()
    assert cache_dir(config, tmp_path, tmp_path / "_build" / "doctrees", out) == \
        tmp_path / "_build" / "doctrees" / "ncd-cache"
    assert cache_dir(SimpleNamespace(ncd_cache_dir="c"), tmp_path, out / ".doctrees", out) == tmp_path / "c"


@pytest.mark.sphinx("latex", testroot="ncd-basic", srcdir="ncd-basic-latex-dark", confoverrides={"ncd_theme": "dark"})
def test_latex_dark_theme_is_visible_on_paper(app, tmp_path):
    """``:theme: dark`` in a PDF: the dark page is drawn under the light ink, so it shows on white paper."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler's pdftoppm is not installed")
    app.build()
    pdfs = sorted(app.outdir.glob("ncd-*.pdf"))  # named by hash: which is which is not known from the name
    dark = []
    for k, pdf in enumerate(pdfs):
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / f"page{k}")],
                       check=True, timeout=60)
        values = Image.open(tmp_path / f"page{k}.png").convert("L").tobytes()
        mean = sum(values) / len(values)
        light = sum(1 for v in values if v > 180)
        dark.append(mean < 110 and light > 50)  # a dark page under light ink
    # every diagram but the one written ``:theme: light`` shows light ink on its dark page
    assert len(pdfs) >= 2 and dark.count(False) == 1, f"dark pages under light ink: {dark}"
