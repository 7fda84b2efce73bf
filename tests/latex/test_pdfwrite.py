"""ncd-latex's direct Scene -> PDF writer draws what the renderer's own PDF (cairosvg) draws.

Both PDFs of each paper figure and example spec are rasterised with pdftoppm
and compared pixel by pixel: same page size, and nearly every pixel equal.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sphinx_ncd.latex.pdfwrite import Unsupported, _arc, scene_to_pdf
from sphinx_ncd.model.build import parse
from sphinx_ncd.render.api import render, scene

REPO = Path(__file__).resolve().parents[2]
SPECS = sorted((REPO / "demo_docs" / "figures").glob("*.ncd")) + sorted((REPO / "latex" / "example").rglob("*.ncd"))


def _example_envs() -> list[str]:
    tex = (REPO / "latex" / "example" / "paper.tex").read_text()
    return [m.group(1) for m in re.finditer(r"\\begin\{ncd\}[^\n]*\n(.*?)\n\s*\\end\{ncd\}", tex, re.S)]


CASES = [(p.name, p.read_text()) for p in SPECS] + [(f"paper.tex#{i}", s) for i, s in enumerate(_example_envs())]


def _raster(pdf: bytes, tmp: Path, name: str):
    from PIL import Image

    (tmp / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "96", "-singlefile", str(tmp / f"{name}.pdf"), str(tmp / name)],
                   check=True)
    return Image.open(tmp / f"{name}.png").convert("L")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")
@pytest.mark.parametrize("name,spec", CASES, ids=[c[0] for c in CASES])
def test_direct_pdf_matches_the_renderer(name, spec, tmp_path):
    from PIL import ImageChops

    diagram = parse(spec, filename=name, search_path=(REPO / "templates", REPO / "demo_docs" / "figures"))
    ours = scene_to_pdf(scene(diagram))
    assert ours.startswith(b"%PDF-1.4") and ours.rstrip().endswith(b"%%EOF")
    assert scene_to_pdf(scene(diagram)) == ours  # deterministic bytes
    a = _raster(ours, tmp_path, "ours")
    b = _raster(render(diagram, format="pdf"), tmp_path, "cairo")
    assert a.size == b.size
    hist = ImageChops.difference(a, b).histogram()
    total = sum(hist)
    assert sum(hist[96:]) / total < 0.003, "more than 0.3% of the pixels differ clearly"
    assert sum(i * c for i, c in enumerate(hist)) / total < 1.5  # mean grey-level difference


def test_arcs_are_semicircles_on_the_sweep_side():
    # from (0,0) to (2,0), radius 1: a half circle through (1, 1) or (1, -1), one side per sweep flag
    for sweep in (0, 1):
        ops = _arc(0, 0, 1, sweep, 2, 0)
        assert len(ops) == 2
        mid = [float(v) for v in ops[0].split()[4:6]]
        assert abs(mid[0] - 1) < 1e-6 and abs(abs(mid[1]) - 1) < 1e-6
        ends = [float(v) for v in ops[-1].split()[4:6]]
        assert ends == [2.0, 0.0]
    assert _arc(0, 0, 1, 1, 2, 0)[0].split()[5] != _arc(0, 0, 1, 0, 2, 0)[0].split()[5]


def test_unknown_scene_items_are_refused_so_the_renderer_draws_them():
    from sphinx_ncd.layout.scene import Scene

    with pytest.raises(Unsupported):
        scene_to_pdf(Scene(items=(object(),), viewbox=(0, 0, 10, 10)))
    with pytest.raises(Unsupported):
        scene_to_pdf(Scene(items=(), viewbox=(0, 0, 0, 10)))
