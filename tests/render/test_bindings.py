"""A size bound to a number (``let x = 28``) is written on its wire where it first shows, ``x̄ = 28``, as the
paper labels fig 19's inputs; a ``let`` defined by other sizes stays in the legend (:mod:`sphinx_ncd.layout.
bindings`)."""
from __future__ import annotations

import pytest
from render_helpers import ROOT, geometry_problems

import sphinx_ncd
from sphinx_ncd.layout.scene import Text
from sphinx_ncd.rendering.api import scene

FIG19 = ROOT / "demo_docs" / "figures" / "fig19.ncd"


def _labels(sc):
    return [(t.owner, t.label.text) for t in sc.walk() if isinstance(t, Text) and t.owner.startswith("wire:")]


def _legend(sc):
    return [t.label.text for t in sc.walk() if isinstance(t, Text) and t.owner == "legend"]


@pytest.mark.parametrize("width", [None, 250])
def test_fig19_writes_its_sizes_on_the_wires_as_the_paper_does(width):
    """The paper's x̄ = 28, ȳ = 28 at the inputs and k = 10 where the classes first show; each once, the later
    wires keep the name (k), no legend; folded or not."""
    d = sphinx_ncd.parse(FIG19.read_text(encoding="utf-8"), filename=FIG19.name)
    sc = scene(d, max_width=width)
    texts = [t for _, t in _labels(sc)]
    image = d.main.inputs[0].id
    assert (f"wire:{image}.0", "x̅ = 28") in _labels(sc) and (f"wire:{image}.1", "y̅ = 28") in _labels(sc)
    assert [t for t in texts if "=" in t] == ["x̅ = 28", "y̅ = 28", "k = 10"]
    assert texts[-1] == "k" and "28^2" in texts
    assert _legend(sc) == []
    assert geometry_problems(sc) == []


def test_a_derived_size_and_an_unused_binding_stay_in_the_legend():
    spec = ("let n = 8\nlet m = n/2\nlet q = 3\ninput X: n\nY = L X : n -> m\noutput Y\n")
    sc = scene(sphinx_ncd.parse(spec), max_width=None)
    assert ("wire:0.0", "n = 8") in _labels(sc)
    assert [t for _, t in _labels(sc)].count("n = 8") == 1
    assert _legend(sc) == ["m = n/2", "q = 3"]  # m is n/2, not a number; no wire is q


def test_a_binding_is_written_where_its_axis_is_new_not_where_it_passes():
    """k first shows as the output of L: its binding is written there (not on the input wire n beside it, nor
    again after the map that keeps it)."""
    spec = "let k = 10\ninput X: n\nY = L X : n -> k\nZ = relu Y\nW = L' Z : k -> n\noutput W\n"
    sc = scene(sphinx_ncd.parse(spec), max_width=None)
    labels = _labels(sc)
    assert [t for _, t in labels].count("k = 10") == 1
    d = sphinx_ncd.parse(spec)
    made = next(op for op in d.main.operations if op.kind == "learned").outputs[0].id
    assert (f"wire:{made}.0", "k = 10") in labels
