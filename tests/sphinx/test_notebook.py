"""Notebooks: a diagram displays itself as a MIME bundle (SVG, 2x PNG, PDF, text),
and a notebook converted to LaTeX contains the diagram as a graphic (nbconvert)."""
from __future__ import annotations

import base64
import io
import os
import sys
import re
from pathlib import Path

import pytest

import sphinx_ncd

ROOT = Path(__file__).resolve().parents[2]
MLP = "input X: 784\nH = L+[fc1] X : 784 -> 512\nY = relu H\nZ = L+[fc2] Y : 512 -> 10\noutput Z\n"


def test_mime_bundle_has_svg_png_at_2x_and_pdf():
    from PIL import Image

    diagram = sphinx_ncd.parse(MLP)
    data, metadata = diagram._repr_mimebundle_()
    assert set(data) == {"image/svg+xml", "image/png", "application/pdf", "text/plain"}
    assert data["image/svg+xml"].lstrip().startswith("<svg")
    # drawn light on an opaque card: readable where an <img> cannot see a dark page
    assert 'class="ncd-card"' in data["image/svg+xml"] and "prefers-color-scheme" not in data["image/svg+xml"]
    png = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    size = metadata["image/png"]
    assert png.size[0] == pytest.approx(2 * size["width"], abs=2)
    assert png.size[1] == pytest.approx(2 * size["height"], abs=2)
    assert png.convert("RGB").getpixel((0, 0)) == (255, 255, 255)  # the card, not transparency
    assert base64.b64decode(data["application/pdf"]).startswith(b"%PDF")
    assert data["text/plain"].startswith("<Diagram")


def test_mime_bundle_include_and_exclude():
    diagram = sphinx_ncd.parse(MLP)
    data, _ = diagram._repr_mimebundle_(include=["image/png"])
    assert set(data) == {"image/png", "text/plain"}
    data, _ = diagram._repr_mimebundle_(exclude=["application/pdf"])
    assert "application/pdf" not in data and "image/svg+xml" in data


def test_ipython_formats_every_type():
    formatters = pytest.importorskip("IPython.core.formatters")
    data, metadata = formatters.DisplayFormatter().format(sphinx_ncd.parse(MLP))
    assert {"image/svg+xml", "image/png", "application/pdf"} <= set(data)
    assert metadata["image/png"]["width"] > 100


@pytest.mark.slow
def test_notebook_to_latex_contains_the_diagram(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    pytest.importorskip("ipykernel")
    from nbclient import NotebookClient

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    # nbconvert's templates lie in <prefix>/share/jupyter of the Python it was installed into: in a virtual
    # environment made with --system-site-packages that can be the base Python's prefix
    shares = [os.path.join(prefix, "share", "jupyter") for prefix in dict.fromkeys((sys.prefix, sys.base_prefix))]
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join(filter(None, [*shares, os.environ.get("JUPYTER_PATH")])))
    nb = nbformat.v4.new_notebook()
    # (no Markdown cell: nbconvert converts Markdown to LaTeX with pandoc)
    nb.cells = [nbformat.v4.new_code_cell(f"import sphinx_ncd\nsphinx_ncd.parse({MLP!r})")]
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    output = nb.cells[0].outputs[0]
    assert {"image/svg+xml", "image/png", "application/pdf"} <= set(output["data"])

    body, resources = nbconvert.LatexExporter().from_notebook_node(nb)
    graphics = [line for line in body.splitlines() if re.search(r"\\(adjustimage|includegraphics)", line)]
    names = [m for line in graphics for m in re.findall(r"\{([^{}]+\.pdf)\}", line)]
    assert names, body[-3000:]
    pdfs = {name: blob for name, blob in resources["outputs"].items() if name.endswith(".pdf")}
    assert set(names) <= set(pdfs) and all(blob.startswith(b"%PDF") for blob in pdfs.values())
    # the text repr is not what the reader gets
    assert "&lt;Diagram" not in body and "<Diagram" not in body
