"""labels=tex without TeX: label sources to TeX code, the manifest's labels line, the overlay file."""
from __future__ import annotations

import pytest

from sphinx_ncd.latex.labels import Measured, Recorder, Request, request_for, to_tex
from sphinx_ncd.latex.manifest import parse_manifest, spec_md5
from sphinx_ncd.latex.measure import LabelTable, preamble_of
from sphinx_ncd.latex.overlay import overlay_labels, overlay_text
from sphinx_ncd.layout.mathtext import label, measured_by


@pytest.mark.parametrize("src, style, tex", [
    ("m", None, "$m$"),
    ("L^Q", None, "$L^Q$"),
    ("softmax", None, r"$\ncdword{softmax}$"),                  # a word is upright, as the outlines draw it
    (r"\vb{x}", None, r"$\vb {x}$"),                             # the paper's own macro, passed through
    (r"\text{max pool}", None, r"$\text{max pool}$"),             # a text argument is copied as written
    (r"C_\lambda", "bold", r"$\ncdbold{C_\lambda}$"),
    ("λ", None, r"$\lambda$"),                                    # Unicode Greek as its command
    ("50%", None, r"$50\%$"),                                     # no comment character reaches TeX
    ("Scaled Dot-Product Attention", "regular", r"\textnormal{Scaled Dot-Product Attention}"),
    ("a}b", None, r"\textnormal{a\}b}"),                          # unbalanced braces: literal text
    (r"x^{-1/2}", "regular", r"$\mathrm{x^{-1/2}}$"),
])
def test_label_sources_become_tex(src, style, tex):
    assert to_tex(src, style) == tex


def test_manifest_labels_line_is_read_and_hashed():
    data = (b"ncd-manifest 1\ncache=ncd-cache\n@ md5=" + b"0" * 32 + b" line=3 kind=inline status=missing from=3 "
            b"file=paper.tex\n>labels=" + b"a" * 32 + b" engine=xetex\n|input X: m\n.\n")
    (entry,) = parse_manifest(data).entries
    assert entry.labels == "a" * 32 and entry.engine == "xetex"
    assert entry.python_md5() == spec_md5(b"input X: m\nlabels=" + b"a" * 32)


def test_recorded_then_measured_labels_carry_tex_sizes_and_no_glyphs():
    from sphinx_ncd.model.build import parse
    from sphinx_ncd.rendering import api

    diagram = parse("input X: m\nY = L^Q X : m -> k\noutput Y\n")
    rec = Recorder()
    with measured_by(rec):
        api.scene(diagram)
    assert {request_for("m", 11.0, None), request_for("k", 11.0, None)} <= set(rec.requests)
    assert any(r"\mathbf{L}^Q" in r.tex for r in rec.requests)  # the bold letter, plain scripts
    dims = {r: (30.0, 7.5, 1.5) for r in rec.requests}  # bp
    measured = Measured(dims)
    with measured_by(measured):
        sc = api.scene(diagram)
    assert not measured.missing
    labels = overlay_labels(sc)
    assert {t for *_, t in labels} >= {"$m$", "$k$"}
    text = overlay_text(sc)
    assert text.startswith(r"\ncdlabels{") and text.count(r"\ncdlabel{") == len(labels)
    assert b"/Type /Font" not in api.scene_to(sc, "pdf")
    # the layout made room for TeX's 40-unit-wide labels, not the outlines' widths
    assert sc.viewbox[2] > api.scene(diagram).viewbox[2]
    # outside the measurer nothing changed
    assert label("m", 11.0).glyphs


def test_the_learned_maps_large_bold_l_is_set_large_in_tex_too():
    """The learned map's bold L is drawn at 1.9 times the labels' size: TeX sets it ``LARGE`` (it was ``large``,
    an L barely bigger than the wire labels next to it); the labels keep their sizes, and the other large
    letters take LaTeX's nearest steps."""
    from sphinx_ncd.latex.labels import size_command
    from sphinx_ncd.layout.geometry import FONT
    from sphinx_ncd.layout.glyph_boxes import LEARNED_SIZE
    from sphinx_ncd.model.build import parse
    from sphinx_ncd.rendering import api

    rec = Recorder()
    with measured_by(rec):
        api.scene(parse("input X: m\nY = L^Q X : m -> k\nZ = L+ Y : k -> m\noutput Z\n"))
    sizes = {r.tex: r.size for r in rec.requests}
    assert next(size for tex, size in sizes.items() if r"\mathbf{L}^Q" in tex) == "LARGE"
    assert sizes["$m$"] == sizes["$k$"] == "normalsize"
    assert size_command(LEARNED_SIZE) == "LARGE"
    assert [size_command(FONT * r) for r in (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.8, 2.1, 2.5)] == [
        "footnotesize", "small", "normalsize", "large", "large", "Large", "LARGE", "huge", "Huge"]


def test_the_recording_layout_reads_no_font():
    """Only the list of labels matters there: sizes are estimates, no outline is made."""
    rec = Recorder()
    with measured_by(rec):
        lab = label("softmax", 11.0)
    assert not lab.glyphs and lab.width > 0 and lab.source == "softmax"
    assert list(rec.requests) == [request_for("softmax", 11.0, None)]


def test_a_label_the_table_lacks_is_drawn_as_outlines():
    measured = Measured({})
    with measured_by(measured):
        lab = label("m", 11.0)
    assert lab.glyphs and request_for("m", 11.0, None) in measured.missing


def test_preamble_and_table(tmp_path):
    tex = tmp_path / "paper.tex"
    tex.write_text("\\documentclass{article}\n% \\begin{document} in a comment\n\\usepackage{ncd}\n"
                   "\\begin{document}\nhello\n\\end{document}\n")
    assert preamble_of(tex).endswith(b"\\usepackage{ncd}\n")
    table = LabelTable(tmp_path, preamble_of(tex), "pdftex")
    table.dims[Request("$m$", "normalsize")] = (7.19, 4.33, 0.11)
    table.save()
    again = LabelTable(tmp_path, preamble_of(tex), "pdftex")
    assert again.dims == {Request("$m$", "normalsize"): (7.19, 4.33, 0.11)}
    assert LabelTable(tmp_path, preamble_of(tex) + b"\\usepackage{mathptmx}\n", "pdftex").dims == {}


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\nstartxref\n0\n%%EOF\n"


@pytest.mark.parametrize("damage", ["edited", "truncated", "deleted"])
def test_a_corrupt_or_missing_overlay_fails_the_checksum_and_is_swept(tmp_path, damage):
    """The .lbl is covered by the diagram's .sum: never typeset when it is not the one ncd-latex wrote."""
    from sphinx_ncd.latex.cache import Cache

    cache = Cache(tmp_path / "ncd-cache")
    md5 = "0123456789abcdef0123456789abcdef"
    overlay = b"\\ncdlabels{10.000}{5.000}%\n\\ncdlabel{1.000}{2.000}{normalsize}{000000}{$m$}%\n"
    cache.store(md5, PDF, 0.5, overlay)
    assert cache.pdf_problem(md5) is None
    lbl = cache.path(md5, "lbl")
    if damage == "deleted":
        lbl.unlink()
    else:
        lbl.write_bytes(overlay.replace(b"$m$", b"$k$") if damage == "edited" else overlay[:20])
    problem = cache.pdf_problem(md5)
    assert "checksum mismatch" in problem and ".lbl" in problem
    assert cache.sweep() == [(md5, problem)]
    assert not any(cache.path(md5, ext).exists() for ext in ("pdf", "meta", "sum", "lbl"))


def test_outlined_diagrams_keep_their_checksum_without_an_overlay(tmp_path):
    from sphinx_ncd.integrity import digest
    from sphinx_ncd.latex.cache import Cache

    cache = Cache(tmp_path)
    md5 = "f" * 32
    cache.store(md5, PDF, None)
    assert not cache.path(md5, "lbl").exists() and cache.pdf_problem(md5) is None
    assert cache.path(md5, "sum").read_text().strip() == digest(PDF, b"")  # as before overlays existed
