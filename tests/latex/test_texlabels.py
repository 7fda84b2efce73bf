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
