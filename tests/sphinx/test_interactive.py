"""Sphinx extension and renderer: interactive HTML diagrams without a browser.

Hooks (``data-w``, ``data-op``) and the metadata JSON in the SVG a page inlines,
none of it in a standalone SVG; sizes from ``:sizes:``; the squeezed script and
styles (under 5,000 bytes, still valid JavaScript); the size budget of fig 21;
``ncd_interactive = False``; where a click on a box goes.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

import pytest

import sphinx_ncd
from sphinx_ncd.rendering.interactive import metadata, render_interactive
from sphinx_ncd.sphinxext.interactive import page_assets, squeeze

from ncd_sphinx_helpers import warnings_of

REPO = Path(__file__).resolve().parents[2]
SPEC = """width y x
input Q: y k, K: x k, V: x k
S = einsum Q K : y k, x k -> y x
A = softmax S over x
O = L[proj] S : x -> k
output O
"""


def _meta(svg: str) -> dict:
    return json.loads(unescape(re.search(r'<metadata class="ncd-meta">(.*?)</metadata>', svg).group(1)))


def test_standalone_svg_has_no_hooks():
    svg = sphinx_ncd.render(sphinx_ncd.parse(SPEC))
    assert "data-w" not in svg and "data-op" not in svg and "<metadata" not in svg


def test_every_hook_has_metadata_and_every_wire_a_hook():
    diagram = sphinx_ncd.parse(SPEC)
    svg = render_interactive(diagram, sizes=(("y", 20), ("x", 22)))
    meta = _meta(svg)
    hooks = set(re.findall(r'data-w="([^"]+)"', svg))
    assert hooks and hooks <= set(meta["w"])
    ops = set(re.findall(r'data-op="([^"]+)"', svg))
    assert ops == set(meta["o"]) and {str(op.id) for op in diagram.operations} == ops
    # every wire hook is on a drawn wire (a path), not only on a label
    on_paths = set(re.findall(r'<path [^>]*data-w="([^"]+)"', svg))
    assert on_paths == hooks
    axes = {a[0]: a for a in meta["a"]}
    assert axes["y"] == ["y", "y", "20"] and axes["x"] == ["x", "x", "22"] and axes["k"] == ["k", "k", ""]
    names = {meta["w"][h][1] for h in hooks}
    assert {"Q", "K", "S", "A", "O"} <= names
    assert ["L : x -> k", "proj"] in [o[:2] for o in meta["o"].values()]


def test_metadata_notes_a_mismatch_on_its_box():
    diagram = sphinx_ncd.parse(SPEC)
    meta = metadata(diagram, highlights=((1, "expected x, got y"),), verdict="mismatch")
    assert meta["o"]["1"][2] == "expected x, got y" and meta["o"]["0"][2] == "mismatch"


def test_fig21_grows_at_most_15_percent():
    path = REPO / "demo_docs" / "figures" / "fig21.ncd"
    diagram = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)
    plain = len(sphinx_ncd.render(diagram).encode())
    rich = len(render_interactive(diagram, max_width=613.0).encode())
    assert rich <= 1.15 * plain, (plain, rich)


def test_script_and_styles_fit_in_5000_bytes():
    assets = page_assets()
    assert sum(len(t.encode()) for t in assets.values()) <= 5000
    assert "/*" not in assets["ncd-interactive.css"] and "\n  " not in assets["ncd-interactive.js"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_squeezed_script_is_valid_javascript(tmp_path):
    script = tmp_path / "s.js"
    script.write_text(page_assets()["ncd-interactive.js"])
    run = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_squeeze_keeps_strings_and_unary_plus():
    out = squeeze('var a = " = x ; y " + +b; // gone\n/* gone */ f( a , b );\n', css=False)
    assert out == 'var a=" = x ; y " + +b;f(a,b);\n'
    assert squeeze('if (a) { f(";}"); g(); }\n', css=False) == 'if(a){f(";}");g()}\n'
    assert squeeze("a :not(b) { c: d; e: f; }\n", css=True) == "a :not(b){c:d;e:f}\n"
    assert squeeze("x = a + b * 2 + -1 + +c;\n", css=False) == "x=a+b*2 + -1 + +c;\n"


def _site(make_app, rootdir, tmp_path, **conf):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-ncd-interactive", src)
    app = make_app("html", srcdir=src, confoverrides=conf)
    app.build()
    assert [w for w in warnings_of(app) if "ncd" in w] == []
    return app, (app.outdir / "index.html").read_text(encoding="utf-8")


def test_page_links_script_hooks_and_targets(make_app, rootdir, tmp_path):
    app, page = _site(make_app, rootdir, tmp_path, html_theme="alabaster")
    assert re.search(r'<script defer="defer" src="_static/ncd-interactive\.js', page)
    assert "_static/ncd-interactive.css" in page
    assert (app.outdir / "_static" / "ncd-interactive.js").read_text() == page_assets()["ncd-interactive.js"]
    assert 'data-ncd-href="code.html#Attention" data-ncd-where="toy.Attention"' in page
    assert 'data-ncd-href="_sources/index.rst.txt" data-ncd-where="index.rst, line 19"' in page
    assert page.count('<metadata class="ncd-meta">') == 2 and "data-w=" in page


def test_interactive_off_is_the_static_svg(make_app, rootdir, tmp_path):
    app, page = _site(make_app, rootdir, tmp_path, html_theme="alabaster", ncd_interactive=False)
    assert "ncd-interactive.js" not in page and "ncd-interactive.css" not in page and "data-w=" not in page and "<metadata" not in page
    assert "data-ncd-href" not in page and not (app.outdir / "_static" / "ncd-interactive.js").exists()


def test_boxes_open_viewcode_page_without_linkcode(make_app, rootdir, tmp_path):
    app, page = _site(make_app, rootdir, tmp_path, html_theme="alabaster",
                      extensions=["sphinx_ncd", "sphinx.ext.autodoc", "sphinx.ext.viewcode"])
    assert 'data-ncd-href="_modules/toy.html#Attention" data-ncd-where="toy.Attention"' in page
    assert 'id="Attention"' in (app.outdir / "_modules" / "toy.html").read_text(encoding="utf-8")


def test_metadata_notes_are_each_box_own():
    diagram = sphinx_ncd.parse(SPEC)
    notes = ((1, "shape check: proved (y x -> y x)"), (2, "shape check: proved (x -> k)"), (2, "cost: 1 kFLOP"))
    meta = metadata(diagram, highlights=((1, "expected x, got y"),), notes=notes)
    assert meta["o"]["0"][2] == "" and meta["o"]["1"][2] == "shape check: proved (y x -> y x)"
    assert meta["o"]["2"][2] == "shape check: proved (x -> k)\ncost: 1 kFLOP"
    wide = metadata(diagram, verdict="shape check of the diagram: not checked", notes=((2, "cost: 1 kFLOP"),))
    assert wide["o"]["0"][2] == "shape check of the diagram: not checked"
    assert wide["o"]["2"][2] == "shape check of the diagram: not checked\ncost: 1 kFLOP"


def test_broadcast_wires_over_a_box_have_hooks():
    """``O = L[proj] S : x -> k``: the y wire crosses the box; hovering it names axis y, value S."""
    diagram = sphinx_ncd.parse(SPEC)
    svg = render_interactive(diagram)
    meta = _meta(svg)
    proj = next(o.id for o in diagram.operations if o.binding == "proj")
    root = ElementTree.fromstring(svg)
    box = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-op") == str(proj))
    over = [p.get("data-w") for p in box.iter("{http://www.w3.org/2000/svg}path") if p.get("data-w")]
    assert [(meta["a"][meta["w"][h][0]][0], meta["w"][h][1]) for h in over] == [("y", "S")]


BOUND = """\
.. code-block:: python

   import torch
   from torch import nn

   class MLP(nn.Module):
       def __init__(self):
           super().__init__()
           self.fc1, self.fc2 = nn.Linear(16, 8), nn.Linear(8, 4, bias=False)

       def forward(self, x):
           return self.fc2(torch.relu(self.fc1(x)))

.. ncd::
   :code: embedded:MLP
   :check: values
   :cost: machine=h100

   input X: 16
   H = L+[fc1] X : 16 -> 8
   Y = relu H
   O = L[fc2] Y : 8 -> 4
   output O
"""


@pytest.mark.slow
def test_a_box_shows_its_own_shape_value_and_cost(make_app, tmp_path):
    pytest.importorskip("torch")
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["sphinx_ncd"]\n')
    (src / "index.rst").write_text("Bound\n=====\n\n" + BOUND)
    app = make_app("html", srcdir=src)
    app.build()
    assert [w for w in warnings_of(app) if "ncd" in w] == []
    meta = _meta((app.outdir / "index.html").read_text(encoding="utf-8"))
    notes = {o[1]: o[2] for o in meta["o"].values()}
    assert set(notes) == {"fc1", "fc2", ""}
    fc1, fc2 = notes["fc1"].split("\n"), notes["fc2"].split("\n")
    assert fc1[0] == "shape check: proved (16 -> 8)" and fc2[0] == "shape check: proved (8 -> 4)", notes
    assert fc1[1].startswith("values agree") and fc2[1].startswith("values agree"), notes
    assert fc1[2] == "cost: 264 FLOP, 136 params, traffic 320 B" and fc2[2].startswith("cost: 64 FLOP"), notes
    assert "cost: " in notes[""] and "shape check" not in notes[""]  # relu: not bound, no check of its own
