"""LaTeX package, TeX side: verbatim capture, TeX's MD5, the manifest, the cache and placeholders.

Real pdflatex runs on small documents.  The cache is filled by hand here (a
PDF drawn with cairosvg), so these tests do not depend on the renderer; the
end-to-end tests with ncd-latex are in test_paper.py.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import textwrap

import pytest

from sphinx_ncd.latex.manifest import read_manifest

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) is not installed")

PREAMBLE = "\\documentclass{article}\n\\usepackage{ncd}\n\\begin{document}\n"

#: the default fold width, an article's \linewidth (345pt = 343.71bp), in drawing units (0.75bp)
LINEWIDTH_UNITS = "458.3"


def write_doc(tmp_path, body, name="paper.tex", preamble=PREAMBLE):
    (tmp_path / name).write_text(preamble + textwrap.dedent(body).lstrip("\n") + "\\end{document}\n")


def fake_pdf(path, width=120, height=40):
    import cairosvg

    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
           f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" fill="none" stroke="black"/>'
           f'<line x1="0" y1="{height * 0.75}" x2="{width}" y2="{height * 0.75}" stroke="black"/></svg>')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cairosvg.svg2pdf(bytestring=svg.encode()))


def test_specs_are_captured_verbatim_with_their_lines(tmp_path, tex):
    write_doc(tmp_path, r"""
        Inline \ncd{input X: m  # 50% of #1 _x^2 ~ \alpha {b}} and
        \begin{ncd}[scale=0.5]
        title "100% {\bf #2} a_b^c ~ \\ }{"   # TeX specials
          indented line   
        \end{ncd} after.
        \ncd|two
          lines|
        \ncdinput{spec.ncd}
        """)
    (tmp_path / "spec.ncd").write_text("input X: m\nY = relu X   # % ~\n")
    run = tex(tmp_path)
    assert run.returncode == 0, run.log[-3000:]
    m = read_manifest(tmp_path / "paper.ncd")
    lines = [(e.kind, e.file, e.line, e.lines) for e in m.entries]
    assert lines == [
        ("inline", "paper.tex", 4, (b"input X: m  # 50% of #1 _x^2 ~ \\alpha {b}",)),
        # TeX drops trailing spaces of every line it reads; nothing else changes
        ("env", "paper.tex", 6, (b'title "100% {\\bf #2} a_b^c ~ \\\\ }{"   # TeX specials', b"  indented line")),
        ("inline", "paper.tex", 9, (b"two", b"  lines")),
        ("input", "spec.ncd", 1, (b"input X: m", b"Y = relu X   # % ~")),
    ]
    for e in m.entries:  # TeX's MD5 is Python's MD5 of the same bytes (and of the fold width, \linewidth)
        assert e.fold == LINEWIDTH_UNITS
        assert e.md5 == hashlib.md5(b"\n".join(e.lines) + b"\nmaxwidth=" + e.fold.encode()).hexdigest()
    assert m.entries[3].from_line == 11
    assert [e.options for e in m.entries] == ["", "scale=0.5", "", ""]


def test_inline_forms_options_delimiters_and_spaces(tmp_path, tex):
    """\ncd takes [options] and a spec in braces or between two copies of any character (a TeX
    special too), with spaces before either; inside another command's argument TeX has read the spec
    already, so it warns that line ends and repeated spaces are lost (and still lists the diagram)."""
    write_doc(tmp_path, r"""
        A \ncd[scale=0.5] {input X: m  # {a} $x$
           Y = relu X} B \ncd $two % lines
          x$ C \ncd [align=top]|three|.
        \newsavebox\probe
        \sbox\probe{\ncd{input X: m   Y}}
        """)
    run = tex(tmp_path)
    assert run.returncode == 0, run.log[-3000:]
    m = read_manifest(tmp_path / "paper.ncd")
    assert [(e.line, e.options, e.lines) for e in m.entries] == [
        (4, "scale=0.5", (b"input X: m  # {a} $x$", b"   Y = relu X")),
        (5, "", (b"two % lines", b"  x")),
        (6, "align=top", (b"three",)),
        (8, "", (b"input X: m Y",)),
    ]
    assert run.flat.count("was read inside another command's argument") == 1
    assert r"\ncd at paper.tex:8 was read inside" in run.flat


def test_package_and_diagram_options_are_read_and_bad_ones_reported(tmp_path, tex):
    """Options are parsed by ncd.sty itself: spaces around keys and values and one pair of braces
    around a value go, an unknown key or a value outside a key's choices is a located error that
    names it, and the options of the package do not leak to packages loaded after it."""
    preamble = ("\\documentclass{article}\n\\usepackage[ labels = outline, cache={my-cache}, bogus=1]{ncd}\n"
                "\\ncdset{align = top, raise=1pt, scale={0.5}, colour=red}\n\\begin{document}\n")
    write_doc(tmp_path, r"""
        \ncd[align=middle, width = 2cm]{input X: m}
        \begin{ncd}[align={top}, scale={[2]}]
        input Y: n
        \end{ncd}
        \ExplSyntaxOn
        \typeout{CACHE[\g__ncd_cache_tl]~ RAISE[\dim_use:N \l__ncd_raise_dim]~ SCALE[\l__ncd_scale_tl]}
        \ExplSyntaxOff
        \makeatletter\typeout{CURROPTIONS[\@curroptions]}\makeatother
        """, preamble=preamble)
    run = tex(tmp_path)
    assert "CACHE[my-cache] RAISE[1.0pt] SCALE[0.5]" in run.flat
    assert "CURROPTIONS[]" in run.flat
    errors = [line for line in run.log.splitlines() if line.startswith("! Package ncd Error")]
    assert errors == ["! Package ncd Error: Unknown ncd package option `bogus' (ignored)",
                      "! Package ncd Error: Unknown ncd diagram option `colour' (ignored)",
                      "! Package ncd Error: The ncd option `align' cannot be `middle' (ignored)"]
    # a closing bracket inside braces does not end the options
    assert [e.options for e in read_manifest(tmp_path / "paper.ncd").entries] == [
        "align=middle, width = 2cm", "align={top}, scale={[2]}"]


@pytest.mark.parametrize("engine", ["pdflatex", "lualatex"])
def test_utf8_spec_hashes_like_python(tmp_path, tex, engine):
    """pdfTeX hashes the UTF-8 bytes; under LuaTeX the package hashes the same bytes in Lua."""
    if shutil.which(engine) is None:
        pytest.skip(f"{engine} is not installed")
    write_doc(tmp_path, "\\begin{ncd}\ntitle \"Aufmerksamkeit: λ → ∞\"\n\\end{ncd}\n")
    assert tex(tmp_path, engine=engine).returncode == 0
    (e,) = read_manifest(tmp_path / "paper.ncd").entries
    assert e.text() == 'title "Aufmerksamkeit: λ → ∞"'
    assert e.md5 == hashlib.md5(e.text().encode("utf-8") + b"\nmaxwidth=" + LINEWIDTH_UNITS.encode()).hexdigest()


def test_missing_diagrams_give_placeholders_a_warning_and_a_pdf(tmp_path, tex, no_python_path, pdf_text):
    write_doc(tmp_path, "\\ncd{input X: m}\n\\begin{ncd}\ninput Y: n\n\\end{ncd}\n")
    run = tex(tmp_path, path=no_python_path)
    assert run.returncode == 0
    assert run.pdf.exists()
    warnings = run.flat
    assert "Diagram at paper.tex:4 is not rendered yet: run `ncd-latex paper'" in warnings
    assert "2 diagram(s) not rendered: run `ncd-latex paper', then LaTeX again" in warnings
    assert pdf_text(run.pdf).count("diagram not rendered") == 2
    assert [e.status for e in read_manifest(tmp_path / "paper.ncd").entries] == ["missing", "missing"]


def test_cached_pdf_is_included_and_reordering_keeps_hits(tmp_path, tex, pdf_text, included_graphics):
    specs = ["input X: m\nY = relu X", "input A: a b\nB = softmax A over b", "input Q: q"]
    envs = ["\\begin{ncd}\n" + s + "\n\\end{ncd}\n" for s in specs]
    write_doc(tmp_path, "".join(envs))
    assert tex(tmp_path).returncode == 0
    for e in read_manifest(tmp_path / "paper.ncd").entries:
        fake_pdf(tmp_path / "ncd-cache" / f"{e.md5}.pdf")
    run = tex(tmp_path)
    assert len(set(included_graphics(run.log))) == 3
    assert "not rendered" not in pdf_text(run.pdf)
    # move the figures around and add text between them: every one still hits the cache
    write_doc(tmp_path, "Intro.\n\n" + envs[2] + "\nMiddle.\n" + envs[0] + envs[1])
    run = tex(tmp_path)
    assert run.warnings() == []
    assert len(set(included_graphics(run.log))) == 3
    assert {e.status for e in read_manifest(tmp_path / "paper.ncd").entries} == {"cached"}


def test_stored_error_becomes_a_package_error(tmp_path, tex):
    write_doc(tmp_path, "\\begin{ncd}\ninput X: m\nY = frobnicate X\n\\end{ncd}\n")
    tex(tmp_path)
    (e,) = read_manifest(tmp_path / "paper.ncd").entries
    (tmp_path / "ncd-cache").mkdir()
    (tmp_path / "ncd-cache" / f"{e.md5}.err").write_text(
        "paper.tex:6: ncd: unknown function 'frobnicate'\n    Y = frobnicate X\n        ^\n")
    run = tex(tmp_path)
    assert run.returncode != 0
    assert "! Package ncd Error: paper.tex:6: ncd: unknown function 'frobnicate'" in run.log
    assert "    Y = frobnicate X" in run.log  # the help text carries the quoted line
    assert run.pdf.exists()  # nonstopmode still produces a PDF, with an error frame


def test_an_existing_user_file_named_like_the_manifest_is_not_overwritten(tmp_path, tex):
    user = "input X: m\nY = relu X\n"
    (tmp_path / "paper.ncd").write_text(user)
    write_doc(tmp_path, "\\ncd{input X: m}\n")
    run = tex(tmp_path)
    assert "Refusing to overwrite paper.ncd: it is not an ncd manifest" in run.flat
    assert (tmp_path / "paper.ncd").read_text() == user


def test_alignment_on_the_wire_uses_the_meta_file(tmp_path, tex):
    """align=wire puts the wire (75% down the fake drawing) on the math axis."""
    body = "\\newsavebox\\probe\n" + "\n".join(
        f"\\sbox\\probe{{\\ncd[align={a}]{{input X: m}}}}\\typeout{{{a}: \\the\\ht\\probe, \\the\\dp\\probe}}"
        for a in ("wire", "center", "bottom", "top"))
    write_doc(tmp_path, body + "\n")
    tex(tmp_path)
    (e,) = read_manifest(tmp_path / "paper.ncd").entries[:1]
    fake_pdf(tmp_path / "ncd-cache" / f"{e.md5}.pdf", width=120, height=40)
    (tmp_path / "ncd-cache" / f"{e.md5}.meta").write_text("wire=0.25\n")
    run = tex(tmp_path)
    dims = {a: tuple(float(x) for x in re.findall(r"([\d.]+)pt", rest))
            for a, rest in re.findall(r"^(wire|center|bottom|top): (.*)$", run.log, re.M)}
    h = 30.0  # 40 px = 30 bp; pdfTeX reports in pt
    axis = 2.5  # cmr10's math axis, in pt
    total = dims["bottom"][0]
    assert abs(total - h * 72.27 / 72) < 0.05 and dims["bottom"][1] == 0
    # the wire (a quarter of the height from the bottom) sits on the axis
    assert abs(dims["wire"][1] - (total * 0.25 - axis)) < 0.02
    assert abs(dims["center"][1] - (total * 0.5 - axis)) < 0.02


def test_text_after_end_ncd_is_read_normally(tmp_path, tex, pdf_text):
    """`\\end{ncd} = \\begin{ncd}` on one line, as in an equation between two diagrams."""
    write_doc(tmp_path, r"""
        \[
        \begin{ncd}
        input X: m
          \end{ncd} = \begin{ncd}[scale=2]
        input Y: n
        output Y \end{ncd} \text{ (the end)}
        \]
        """.replace("\\text", "\\mbox"))
    run = tex(tmp_path)
    assert run.returncode == 0, run.log[-2000:]
    m = read_manifest(tmp_path / "paper.ncd")
    assert [(e.line, e.lines, e.options) for e in m.entries] == [
        (6, (b"input X: m",), ""),
        (8, (b"input Y: n", b"output Y "), "scale=2"),
    ]
    assert "(the end)" in pdf_text(run.pdf)


def test_crlf_and_lf_sources_share_their_cache_keys(tmp_path, tex):
    """A paper checked out with Windows line ends finds the same cache files."""
    keys = []
    for eol in ("\n", "\r\n"):
        d = tmp_path / ("crlf" if eol == "\r\n" else "lf")
        d.mkdir()
        body = PREAMBLE + "\\begin{ncd}\ninput X: m\nY = relu X\n\\end{ncd}\n\\ncd{input A: a\nB = relu A}\n\\end{document}\n"
        (d / "paper.tex").write_bytes(body.replace("\n", eol).encode())
        assert tex(d).returncode == 0
        keys.append([e.md5 for e in read_manifest(d / "paper.ncd").entries])
    assert keys[0] == keys[1]
    assert keys[0][0] == hashlib.md5(b"input X: m\nY = relu X\nmaxwidth=" + LINEWIDTH_UNITS.encode()).hexdigest()
