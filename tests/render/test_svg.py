"""SVG output: determinism, accessibility, themes, escaping, degenerate inputs, PDF and PNG."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import sphinx_ncd
from sphinx_ncd import NCDError
from sphinx_ncd.model.types import Diagram, Panel
from sphinx_ncd.rendering.api import render, svg_to

from render_helpers import FIGURES, ROOT, chain_spec, parallel_spec

SVG_NS = "{http://www.w3.org/2000/svg}"
FIG21 = ROOT / "demo_docs" / "figures" / "fig21.ncd"


def _parse(text, name="t.ncd"):
    return sphinx_ncd.parse(text, filename=name)


def _relabel(diagram: Diagram, text: str) -> Diagram:
    """The same diagram with its first operation's label replaced (labels the language would refuse)."""
    panel = diagram.main
    old = panel.operations[0]
    new = dataclasses.replace(old, label=text)
    swap = lambda ops: tuple(new if o is old else o for o in ops)
    sections = tuple(dataclasses.replace(s, ops=swap(s.ops)) for s in panel.sections)
    return dataclasses.replace(diagram, panels=(dataclasses.replace(panel, sections=sections,
                                                                    operations=swap(panel.operations)),)
                               + diagram.panels[1:])


def _well_formed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg"
    return root


def test_same_bytes_twice_in_one_process():
    d = _parse(FIG21.read_text())
    assert render(d) == render(_parse(FIG21.read_text()))


def test_same_bytes_across_processes():
    code = ("import sys, sphinx_ncd; from sphinx_ncd.rendering.api import render; "
            f"sys.stdout.write(render(sphinx_ncd.parse(open({str(FIG21)!r}).read(), filename='t.ncd')))")
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout for seed in ("1", "2")]
    assert outs[0] == outs[1] == render(_parse(FIG21.read_text(), "t.ncd"))


def test_accessible_and_themable():
    d = _parse(FIG21.read_text())
    svg = render(d)
    root = _well_formed(svg)
    assert root.get("role") == "img" and root.get("viewBox") and root.get("aria-label")
    assert "Multi-head attention" in root.find(SVG_NS + "title").text
    assert "var(--ncd-ink)" in svg and "prefers-color-scheme:dark" in svg and '[data-theme="dark"]' in svg
    assert "background" not in svg  # transparent
    texts = [t.text for t in root.iter(SVG_NS + "text")]
    assert "L^Q" in texts  # the label text stays searchable
    pid = root.get("id")
    assert pid.startswith("ncd-") and all(i.startswith(pid) for i in
                                          (e.get("id") for e in root.iter()) if i)
    assert "timestamp" not in svg.lower()
    light = render(d, theme="light")
    assert "prefers-color-scheme" not in light and "#111111" in light
    assert "#e4e4e4" in render(d, theme="dark")


def test_id_prefix_and_scale():
    d = _parse(chain_spec(3))
    root = _well_formed(render(d, id_prefix="fig-a", scale=2.0))
    assert root.get("id") == "fig-a"
    vb = [float(v) for v in root.get("viewBox").split()]
    assert float(root.get("width")) == pytest.approx(vb[2] * 2, abs=0.02)


@pytest.mark.parametrize("prefix", [r"fig\1", r"x\g0y", r"\n", "tail\\"])
def test_id_prefix_is_written_as_given(prefix):
    """The prefix is put in place of the placeholder literally: a backslash in it is no group reference."""
    svg = render(_parse(FIG21.read_text()), id_prefix=prefix)
    root = _well_formed(svg)
    assert root.get("id") == prefix and "\x00" not in svg
    uses = [u for u in root.iter(SVG_NS + "use")]
    assert uses and all(u.get("href").startswith(f"#{prefix}-") for u in uses)


@pytest.mark.parametrize("text", ['a<b', 'R&D', 'say "hi"', "</svg><script>alert(1)</script>"])
def test_labels_are_escaped(text):
    d = _relabel(_parse("input X: a\nY = G X : a -> a\noutput Y\n"), text)
    d = dataclasses.replace(d, title=text)
    svg = render(d)
    _well_formed(svg)
    assert "<script>" not in svg and "</svg><script>" not in svg[:-10]
    assert svg.count("</svg>") == 1


def test_highlights_and_badge():
    d = _parse(FIG21.read_text())
    op = d.operations[-1]
    svg = render(d, highlights=((op.id, "expected k h, got y x h"),), badge="mismatch")
    root = _well_formed(svg)
    texts = [t.text for t in root.iter(SVG_NS + "text")]
    assert "expected k h, got y x h" in texts and "mismatch" in texts
    assert "var(--ncd-alert)" in svg
    assert "var(--ncd-alert)" not in render(d)


def test_pdf_and_png_are_cropped_drawings():
    d = _parse(FIG21.read_text())
    pdf = render(d, "pdf")
    assert pdf.startswith(b"%PDF")
    png = render(d, "png", scale=2)
    assert png.startswith(b"\x89PNG")
    root = _well_formed(render(d))
    vb = [float(v) for v in root.get("viewBox").split()]
    import struct
    w, h = struct.unpack(">II", png[16:24])
    assert abs(w - vb[2] * 2) <= 2 and abs(h - vb[3] * 2) <= 2
    assert svg_to(render(d), "png", 2) == png  # the CSS-variable SVG converts to the same picture
    assert svg_to(render(d), "pdf").startswith(b"%PDF")


def test_png_has_ink():
    png = render(_parse(chain_spec(3)), "png")
    import zlib
    # decode the first IDAT roughly: a blank image compresses to almost nothing
    assert len(png) > 800 and zlib  # not a blank figure


def test_no_operations():
    d = _parse("input X: a b\noutput X\n")
    root = _well_formed(render(d))
    assert root.get("viewBox")


def test_empty_diagram_is_a_clear_error():
    d = _parse("input X: a\n")
    empty = dataclasses.replace(d, panels=(Panel(inputs=(), outputs=(), sections=(), operations=()),))
    with pytest.raises(NCDError) as info:
        render(empty)
    assert info.value.kind == "render" and "nothing to draw" in info.value.message


@pytest.mark.timeout(60)
def test_300_parallel_segments():
    svg = render(_parse(parallel_spec(300)))
    root = _well_formed(svg)
    assert float(root.get("viewBox").split()[3]) > 300 * 20


@pytest.mark.timeout(60)
def test_5000_character_label():
    d = _relabel(_parse("input X: a\nY = G X : a -> a\noutput Y\n"), "W" * 5000)
    root = _well_formed(render(d))
    assert float(root.get("viewBox").split()[2]) > 5000 * 5


@pytest.mark.timeout(120)
def test_2000_operations():
    svg = render(_parse(chain_spec(2000)))
    _well_formed(svg)


def test_bad_options_are_clear_errors():
    d = _parse(chain_spec(2))
    for kwargs in ({"format": "gif"}, {"theme": "neon"}, {"scale": 0}, {"scale": "big"}):
        with pytest.raises(NCDError) as info:
            render(d, **kwargs)
        assert info.value.kind == "render"
    with pytest.raises(NCDError):
        render("not a diagram")


def test_repr_svg_for_jupyter():
    d = _parse(chain_spec(2))
    if hasattr(d, "_repr_svg_"):
        assert d._repr_svg_() == render(d)
    else:
        pytest.skip("Diagram._repr_svg_ belongs to the model; not present")


def test_pdf_page_is_the_drawing():
    import re

    d = _parse((ROOT / "demo_docs" / "figures" / "fig19.ncd").read_text())
    vb = [float(v) for v in _well_formed(render(d)).get("viewBox").split()]
    box = re.search(rb"/MediaBox ?\[ ?0 0 ([\d.]+) ([\d.]+) ?\]", render(d, "pdf"))
    assert box, "no MediaBox"
    assert float(box.group(1)) == pytest.approx(vb[2] * 0.75, abs=0.5)  # 1 px = 0.75 pt
    assert float(box.group(2)) == pytest.approx(vb[3] * 0.75, abs=0.5)


@pytest.mark.parametrize("path", FIGURES, ids=[p.stem for p in FIGURES])
def test_render_writes_the_laid_out_parts_as_the_scene_would_be_written(path):
    """render() writes an SVG straight from the laid-out parts, moving each coordinate as it writes it; the bytes
    are those of the scene with every primitive moved (folded and not, highlighted, dark)."""
    from sphinx_ncd.rendering.api import scene, scene_to

    d = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)
    ops = [op.id for op in d.operations][:1]
    for kw in ({}, {"max_width": None}, {"max_width": 250.0}, {"highlights": [(o, "here") for o in ops]}):
        sc = scene(d, **kw)
        assert sc.parts == () and sc.items
        assert render(d, **kw) == scene_to(sc)
        assert render(d, theme="dark", scale=1.5, **kw) == scene_to(sc, theme="dark", scale=1.5)
