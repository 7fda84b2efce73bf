"""Sphinx LaTeX builder: diagram labels typeset by the document's own TeX run (``ncd_latex_labels``).

The default ``"tex"`` writes each drawing without labels plus a ``.lbl`` overlay
that ``\\ncdlabelled`` (``ncd-labels.sty``, copied beside the ``.tex``) typesets:
the built PDF's labels are then text in the document's fonts, found by
``pdftotext``, and may use a macro the document's preamble defines.
"""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from ncd_sphinx_helpers import ncd_warnings, warnings_of

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) is not installed")

# a diagram whose label is a macro of the document's preamble (latex_elements["preamble"])
MACRO_DIAGRAM = """

.. ncd::

   input X: m
   Y = \\attn X : m -> k
   output Y
"""
MACRO_CONF = '\nlatex_elements["preamble"] = r"\\newcommand\\attn{\\mathrm{Attn}}"\n'


def _source(rootdir, tmp_path, *, macro=False, conf=""):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-basic", src)
    if macro:
        with open(src / "index.rst", "a", encoding="utf-8") as fh:
            fh.write(MACRO_DIAGRAM)
        conf += MACRO_CONF
    with open(src / "conf.py", "a", encoding="utf-8") as fh:
        fh.write(conf)
    return src


def _labelled(tex: str) -> list[tuple[str, str]]:
    return re.findall(r"\\ncdlabelled\{\\sphinxincludegraphics\[[^\]]*\]\{\{(ncd-[0-9a-f]+)\}\.pdf\}\}"
                      r"\{(ncd-[0-9a-f]+\.lbl)\}", tex)


def _fonts(pdf) -> set[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()}


@needs_tex
def test_latex_writes_unlabelled_drawings_and_overlays(make_app, rootdir, tmp_path):
    app = make_app("latex", srcdir=_source(rootdir, tmp_path))
    app.build()
    assert warnings_of(app) == []
    tex = (app.outdir / "ncdbasic.tex").read_text(encoding="utf-8")
    assert "\\usepackage{ncd-labels}" in tex
    assert (app.outdir / "ncd-labels.sty").is_file()
    pairs = _labelled(tex)
    assert len(pairs) == 4
    for stem, lbl in pairs:
        assert lbl == f"{stem}.lbl"
        assert (app.outdir / lbl).read_text(encoding="utf-8").startswith("\\ncdlabels{")
    mlp = next(lbl for _, lbl in pairs if "{$784$}" in (app.outdir / lbl).read_text(encoding="utf-8"))
    assert "{$R$}" in (app.outdir / mlp).read_text(encoding="utf-8")  # ReLU's mark: the paper's R
    if shutil.which("pdffonts"):
        for stem, _ in pairs:  # the drawings carry no text: TeX typesets all of it
            assert _fonts(app.outdir / f"{stem}.pdf") == set()
    # a table of the labels' sizes, made by one TeX run of the document's preamble, is cached
    assert len(list(app.env.ncd_context.cache.glob("labels-*.tsv"))) == 1


@needs_tex
def test_warm_build_measures_nothing_and_a_corrupt_overlay_is_refused(make_app, rootdir, tmp_path, monkeypatch):
    src = _source(rootdir, tmp_path)
    app = make_app("latex", srcdir=src)
    app.build()
    cache = app.env.ncd_context.cache
    overlays = sorted(cache.glob("ncd-*.lbl"))
    assert len(overlays) == 4
    import sphinx_ncd.latex.measure as measure

    def no_tex(*args, **kwargs):
        raise AssertionError("a warm build ran TeX")

    monkeypatch.setattr(measure.subprocess, "run", no_tex)
    app = make_app("latex", srcdir=src, freshenv=True)
    app.build()
    assert warnings_of(app) == []
    # a corrupt overlay in the cache is not used: a warning, and it is made again
    good = overlays[0].read_bytes()
    overlays[0].write_bytes(good.replace(b"\\ncdlabel{", b"\\ncdlabel{9", 1))
    app = make_app("latex", srcdir=src, freshenv=True)
    app.build()
    corrupt = [w for w in ncd_warnings(app) if "is corrupt (checksum mismatch)" in w]
    assert len(corrupt) == 1 and overlays[0].name[:-4] in corrupt[0], ncd_warnings(app)
    assert overlays[0].read_bytes() == good
    published = app.outdir / overlays[0].name
    assert published.read_bytes() == good


def test_outline_labels_and_a_bad_value(make_app, rootdir, tmp_path):
    app = make_app("latex", srcdir=_source(rootdir, tmp_path, conf='ncd_latex_labels = "outline"\n'))
    app.build()
    assert warnings_of(app) == []
    tex = (app.outdir / "ncdbasic.tex").read_text(encoding="utf-8")
    assert "ncdlabelled" not in tex and "ncd-labels" not in tex and not (app.outdir / "ncd-labels.sty").exists()
    assert not list(app.outdir.glob("*.lbl"))

    bad = make_app("html", srcdir=_source(rootdir, tmp_path / "bad", conf='ncd_latex_labels = "typeset"\n'))
    assert bad.config.ncd_latex_labels == "tex"
    warning = [w for w in ncd_warnings(bad) if "ncd_latex_labels" in w]
    assert len(warning) == 1 and "'tex', 'outline'" in warning[0] and "conf.py:" in warning[0]


def test_without_the_engine_labels_are_outlines(make_app, rootdir, tmp_path, monkeypatch):
    import sphinx_ncd.sphinxext.latex_labels as latex_labels

    monkeypatch.setattr(latex_labels.shutil, "which", lambda name: None)
    app = make_app("latex", srcdir=_source(rootdir, tmp_path))
    app.build()
    assert warnings_of(app) == []
    assert "latex_engine 'pdflatex' is not installed here" in app.status.getvalue()
    tex = (app.outdir / "ncdbasic.tex").read_text(encoding="utf-8")
    assert "\\ncdlabelled" not in tex and tex.count("\\sphinxincludegraphics") == 4


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("latexmk") is None or shutil.which("pdftotext") is None,
                    reason="latexmk and poppler (TeX Live) are not installed")
def test_the_pdf_has_labels_in_the_documents_fonts_and_macros(make_app, rootdir, tmp_path):
    app = make_app("latex", srcdir=_source(rootdir, tmp_path, macro=True))
    app.build()
    assert warnings_of(app) == []
    proc = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "ncdbasic.tex"],
                          cwd=app.outdir, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    pdf = app.outdir / "ncdbasic.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    figure = text.split("directive body", 1)[1].split("Fig. 1", 1)[0]
    assert "784" in figure and "512" in figure and "10" in figure   # the labels are text
    assert "Attn" in text                                                # the preamble's macro, typeset
    # in the document's fonts (lmodern, conf.py's fontpkg): the learned maps' L, bold upright as the paper sets it
    assert any("\\mathbf{L}" in lbl.read_text(encoding="utf-8") for lbl in app.outdir.glob("*.lbl"))
    assert any(f.startswith("LMRoman") and f.endswith("-Bold") for f in _fonts(pdf))
    assert "LMMathItalic10-Regular" in _fonts(pdf)  # and the axis labels in its math italic


@needs_tex
def test_a_preamble_tex_cannot_load_gives_outlines_and_says_why(make_app, rootdir, tmp_path):
    """No warning: without a package, the PDF build stops anyway, and `-b latex -W` must not."""
    conf = 'latex_elements["preamble"] = r"\\usepackage{no-such-package-ncd}"\n'
    app = make_app("latex", srcdir=_source(rootdir, tmp_path, conf=conf))
    app.build()
    assert warnings_of(app) == []
    said = [line for line in app.status.getvalue().splitlines() if "diagram labels are drawn as outlines" in line]
    assert len(said) == 1 and "no-such-package-ncd" in said[0], said
    tex = (app.outdir / "ncdbasic.tex").read_text(encoding="utf-8")
    assert "\\ncdlabelled" not in tex and tex.count("\\sphinxincludegraphics") == 4


@needs_tex
def test_labels_the_first_layout_did_not_ask_for_are_measured_too(make_app, rootdir, tmp_path, monkeypatch):
    """A fold that TeX's sizes change can bring labels the recording layout never saw: measured afterwards."""
    from sphinx_ncd.latex.labels import Recorder

    monkeypatch.setattr(Recorder, "label", lambda self, src, size, style, outline: outline(src, size, style))
    app = make_app("latex", srcdir=_source(rootdir, tmp_path))
    app.build()
    assert warnings_of(app) == []
    tex = (app.outdir / "ncdbasic.tex").read_text(encoding="utf-8")
    overlays = [(app.outdir / lbl).read_text(encoding="utf-8") for _, lbl in _labelled(tex)]
    assert len(overlays) == 4 and all("\\ncdlabel{" in text for text in overlays)  # none left to outlines
    assert any("{$784$}" in text and "{$R$}" in text for text in overlays)


@needs_tex
@pytest.mark.parametrize("part", ["pdf", "sum"])
def test_a_corrupt_drawing_or_checksum_is_drawn_again(make_app, rootdir, tmp_path, part):
    src = _source(rootdir, tmp_path)
    app = make_app("latex", srcdir=src)
    app.build()
    cache = app.env.ncd_context.cache
    stem = sorted(cache.glob("ncd-*.lbl"))[0].stem
    pdf = cache / f"{stem}.pdf"
    good = pdf.read_bytes()
    target = cache / f"{stem}.{part}"
    target.write_bytes(target.read_bytes()[: len(target.read_bytes()) // 2])
    app = make_app("latex", srcdir=src, freshenv=True)
    app.build()
    corrupt = [w for w in ncd_warnings(app) if "is corrupt" in w]
    assert len(corrupt) == 1 and stem in corrupt[0], ncd_warnings(app)
    assert pdf.read_bytes() == good and (app.outdir / pdf.name).read_bytes() == good
