"""The sizes line against the divisions a drawing states (model/stated.py).

A chunk into equal parts, a convolution's groups, a let quotient, a view's sizes and a rotary embedding's
even feature axis are symbolic in the model; numbers on the ``sizes`` line that break one of them are a
located error in ``parse`` and ``ncd render``, a warning (figure kept) in Sphinx, an error in ncd-latex.
"""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

import sphinx_ncd
from sphinx_ncd import NCDError

BAD = {
    "chunk": ("sizes d=5\ninput P: t d\nA, B = chunk P over d\noutput A, B\n", 3, "d",
              "chunk: axis 'd' does not split into 2 equal parts with d=5: d/2 is 5/2"),
    "groups": ("sizes c=4\ninput X: c x\nY = conv X over x : c -> c kernel 3 groups 3\noutput Y\n", 3, "3",
               "groups 3 does not divide the in channels: c / 3 is 4/3 with c=4"),
    "let": ("sizes d=5 h=2\nlet e = d/h\ninput X: t d\nY = view X : d -> h e\noutput Y\n", 2, "d/h",
            "let e = d/h is 5/2 with d=5, h=2: not a whole number"),
    "gqa": ("sizes h=8 g=3 r=2\nlet h = g*r\ninput Q: t h e\nQ = view Q : h -> g r\noutput Q\n", 2, "h",
            "let h = g*r is 6 with g=3, r=2, but the sizes line makes h 8"),
    "view": ("sizes d=10 h=4\ninput X: t d\nY = view X : d -> h d/h\noutput Y\n", 3, "d -> h d/h",
             "view: 'd/h' is 5/2 with d=10, h=4: not a whole number"),
    "rotary": ("sizes e=5\ninput Q: t e, K: t e\nQ, K = rotary Q K over t e\noutput Q, K\n", 3, "t e",
               "rotary over 'e': the feature axis must have an even size"),
}

GOOD = [
    "sizes d=6\ninput P: t d\nA, B = chunk P over d\noutput A, B\n",
    "sizes c=6\ninput X: c x\nY = conv X over x : c -> c kernel 3 groups 3\noutput Y\n",
    "sizes d=6 h=2\nlet e = d/h\ninput X: t d\nY = view X : d -> h e\noutput Y\n",
    "sizes h=6 g=3 r=2\nlet h = g*r\ninput Q: t h e\nQ = view Q : h -> g r\noutput Q\n",
    "sizes g=3\nlet h = g*r\ninput Q: t h e\nQ = view Q : h -> g r\noutput Q\n",  # r free: nothing to check
    "sizes e=6\ninput Q: t e, K: t e\nQ, K = rotary Q K over t e\noutput Q, K\n",
    "sizes t=7\ninput P: t d\nA, B = chunk P over d\noutput A, B\n",  # d not given
    "input P: t d\nA, B = chunk P over d\noutput A, B\n",  # no sizes line at all
]


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_division_the_sizes_line_breaks_is_a_located_error(name):
    spec, line, word, message = BAD[name]
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="spec.ncd")
    err = info.value
    assert err.kind == "shape" and message in err.message, err.format()
    assert err.span.file == "spec.ncd" and err.span.line == line, err.format()
    text = spec.split("\n")[line - 1]
    assert err.span.text == text
    assert text[err.span.column - 1:].startswith(word), err.format()  # the caret at the size or operation
    assert "the 'sizes' line (line 1)" in err.hint
    shown = err.format()
    assert shown.startswith(f"spec.ncd:{line}:{err.span.column}: ") and "^" in shown


@pytest.mark.parametrize("spec", GOOD)
def test_divisions_that_come_out_whole_are_quiet(spec):
    diagram = sphinx_ncd.parse(spec)
    assert diagram.problems == ()


def test_not_strict_keeps_the_diagram_and_every_problem():
    from sphinx_ncd.model.build import parse

    spec = ("sizes d=5 c=4\nlet e = d/2\ninput P: t d, X: c x\nA, B = chunk P over d\n"
            "Y = conv X over x : c -> c kernel 3 groups 3\noutput A, B, Y\n")
    diagram = parse(spec, filename="spec.ncd", strict=False)
    assert [e.span.line for e in diagram.problems] == [2, 4, 5, 5]  # the let, the chunk, groups in and out
    assert len(diagram.operations) >= 2
    with pytest.raises(NCDError) as info:
        parse(spec, filename="spec.ncd")
    assert info.value.span.line == 2  # strict: the first, in line order


def test_ncd_render_refuses_and_writes_nothing(tmp_path):
    spec = tmp_path / "bad.ncd"
    spec.write_text(BAD["chunk"][0])
    out = tmp_path / "bad.svg"
    run = subprocess.run([sys.executable, "-m", "sphinx_ncd.cli.main", "render", str(spec), "-o", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and not out.exists()
    assert "bad.ncd:3:21: chunk: axis 'd' does not split into 2 equal parts with d=5" in run.stderr
    assert "A, B = chunk P over d" in run.stderr and "^" in run.stderr
    assert "Traceback" not in run.stderr


def test_ncd_latex_reports_it_at_the_line_in_the_tex_file(tmp_path):
    from sphinx_ncd.latex.build import build_manifest
    from sphinx_ncd.latex.manifest import parse_manifest, spec_md5

    data = BAD["groups"][0].encode()
    rows = [b"ncd-manifest 1", b"cache=ncd-cache",
            f"@ md5={spec_md5(data)} line=20 kind=env status=missing from=20 file=paper.tex".encode()]
    rows += [b"|" + row for row in data.split(b"\n")] + [b"."]
    manifest = b"\n".join(rows) + b"\n"
    (tmp_path / "paper.ncd").write_bytes(manifest)
    err = io.StringIO()
    result = build_manifest(parse_manifest(manifest, tmp_path / "paper.ncd"), stream=err)
    assert not result.rendered and len(result.failed) == 1
    first = result.failed[0][1].splitlines()[0]
    assert first.startswith("paper.tex:22: ncd: groups 3 does not divide the in channels"), first


def test_sphinx_warns_at_the_document_line_and_keeps_the_figure(tmp_path):
    """Also on a rebuild whose figure comes from the cache (a -W build must not pass the second time)."""
    import shutil
    from pathlib import Path

    from sphinx.testing.util import SphinxTestApp

    src = tmp_path / "src"
    shutil.copytree(Path(__file__).resolve().parent.parent / "roots" / "test-ncd-stated-sizes", src)
    syspath = sys.path.copy()
    try:
        for fresh in (False, True):
            warnings = io.StringIO()
            app = SphinxTestApp("html", srcdir=src, freshenv=fresh, status=io.StringIO(), warning=warnings)
            try:
                app.build(force_all=fresh)
            finally:
                app.cleanup()
            found = [w for w in warnings.getvalue().splitlines() if "WARNING" in w]
            assert len(found) == 1, warnings.getvalue()
            assert f"{src / 'index.rst'}:10: WARNING: ncd: chunk: axis 'd' does not split" in found[0]
            assert "[ncd.shape]" in warnings.getvalue()
            page = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
            assert page.count("<svg") == 2 and "ncd-error" not in page  # both figures drawn, no error box
    finally:
        sys.path[:] = syspath
