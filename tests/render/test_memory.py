"""Saves and loads drawn with the copy and the concatenation they belong to (``layout/glyph_memory.py``).

A copy of ``n`` wires into two stacks, one over the other, crosses each pair once: ``n (n - 1) / 2``; so does a
concatenation taking a loaded stack under (or over) the one coming in.  With the memory arrow between the top
wire and the others, only the others cross each other: ``(n - 1) (n - 2) / 2``, at the save and at the load.
The U-Net's ``b c x`` then crosses as the paper's ``x c`` does: once at the save and once at the load.
"""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd.layout import panels
from sphinx_ncd.layout.crossings import scene_stats, wire_polyline
from sphinx_ncd.layout.scene import Group, Path, Text
from sphinx_ncd.rendering.api import scene

from render_helpers import geometry_problems, ROOT


def _spec(n: int, over: str) -> str:
    axes = " ".join("abcd"[:n])
    return (f"input X: {axes}\nX = relu X\nsave X to C\nX = L[f] X : a -> a\nC = load C\n"
            f"X = concat X C over {over}\noutput X\n")


def _pairs(m: int) -> int:
    return m * (m - 1) // 2


CASES = [(n, over) for n in (1, 2, 3, 4) for over in "ab"[:n]]


@pytest.mark.parametrize("n,over", CASES, ids=[f"{n}-wires-over-{o}" for n, o in CASES])
def test_the_memory_arrow_stands_between_the_top_wire_and_the_others(n, over, monkeypatch):
    sc = scene(sphinx_ncd.parse(_spec(n, over)))
    stats = scene_stats(sc)
    assert stats.crossings == 2 * _pairs(n - 1), stats.as_dict()
    assert stats.near_dots == 0 and geometry_problems(sc) == []
    # drawn in columns of their own, the copies and the loaded stack cross every pair
    monkeypatch.setattr(panels, "fuse_memory", lambda panel, sections: sections)
    apart = scene_stats(scene(sphinx_ncd.parse(_spec(n, over))))
    assert apart.crossings == 2 * _pairs(n)


def _fig(name: str):
    path = ROOT / "demo_docs" / "figures" / f"{name}.ncd"
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)


def test_fig27_crosses_as_the_papers_drawing():
    """Once at the save (c's copy going on over x's saved one), once at the load (x's over c's loaded one): the
    paper's two, with the batch wire b drawn (it runs over both memory arrows)."""
    d = _fig("fig27")
    stats = scene_stats(scene(d))
    assert stats.crossings == 2 and stats.near_dots == 0


def test_the_save_and_the_load_keep_their_own_ink():
    """The arrow and the slot's name are the save's and the load's (a note, a hover title, a highlight find them
    by their ids), inside the copy's and the concatenation's glyphs."""
    d = _fig("fig27")
    ops = {op.kind: op for op in d.panels[0].operations}
    sc = scene(d)
    groups = {g.owner: g for g in _groups(sc.items)}
    for kind, slot in (("save", "C_λ"), ("load", "C_4-λ")):
        g = groups[f"op:{ops[kind].id}"]
        texts = [t for t in _walk(g) if isinstance(t, Text)]
        assert texts and texts[0].label.text.replace("{", "").replace("}", "") == slot and g.title.endswith(ops[kind].signature)
        assert sum(1 for p in _walk(g) if isinstance(p, Path) and p.role == "glyph") == 1  # the arrowhead


def test_the_loaded_wires_bend_once_into_the_concatenation():
    """The issue's "loaded wires jog down and up just before the concat bar": they leave the arrow's fan straight
    for their junction, in one bend, and the value coming in runs level up to the glyph."""
    d = _fig("fig27")
    ops = {op.kind: op for op in d.panels[0].operations}
    concat, load = ops["concat"], ops["load"]
    sc = scene(d)
    loaded = load.outputs[0].id
    wires = [p for p in sc.walk() if isinstance(p, Path) and p.role == "wire"]
    assert not [p for p in wires if p.owner.startswith(f"wire:{loaded}.")]  # no run of its own before the glyph
    for p in wires:
        if p.owner in (f"op:{concat.id}", f"op:{load.id}"):
            assert _bends(p) <= 1, p.d
        elif p.owner.startswith(tuple(f"wire:{v.id}." for v in concat.inputs)):
            assert _bends(p) == 0, p.d


def _bends(p: Path) -> int:
    """How many separate stretches of a path leave the level."""
    ys = [y for _, y in wire_polyline(p.d)]
    runs, inside = 0, False
    for a, b in zip(ys, ys[1:]):
        moving = abs(b - a) > 1e-6
        runs += moving and not inside
        inside = moving
    return runs


def _groups(items):
    for it in items:
        if isinstance(it, Group):
            yield it
            yield from _groups(it.items)


def _walk(g):
    for it in g.items:
        if isinstance(it, Group):
            yield from _walk(it)
        else:
            yield it


def test_a_highlighted_save_or_load_is_drawn_in_the_alert_colour_apart_from_its_host():
    """A check that fails at the save (or a highlight naming it) colours its arrow and name, not the copy
    drawn with it; and the other way round."""
    d = _fig("fig27")
    ops = {op.kind: op.id for op in d.panels[0].operations}

    def inks(sc, kind):
        return {getattr(p, "stroke", None) or getattr(p, "fill", None)
                for p in sc.walk() if p.owner == f"op:{ops[kind]}" and not isinstance(p, Text)}

    marked = scene(d, highlights=(ops["save"], ops["load"]))
    assert inks(marked, "save") == {"alert"} == inks(marked, "load") and inks(marked, "copy") == {"ink"}
    host = scene(d, highlights=(ops["copy"],))
    assert inks(host, "copy") == {"alert"} and inks(host, "save") == {"ink"}


@pytest.mark.parametrize("text,fused", [
    # a copy into three, a concatenation of three (its copy into two is drawn with the save), a save in a fence
    # its copy is not in: drawn as before
    ("input X: a b\nsave X to C\nY = L[f] X : b -> b\nZ = L[g] X : b -> b\noutput Y, Z\n", set()),
    ("input X: a b, Y: a b\nsave X to C\nX = L[f] X : b -> b\nC = load C\nZ = concat X C Y over b\noutput Z\n",
     {"SavedCopy"}),
    ('input X: a b\nfence "F" {\n  X = relu X\n  save X to C\n}\nX = L[f] X : b -> b\noutput X\n', set()),
])
def test_other_saves_and_loads_keep_their_own_columns(text, fused):
    d = sphinx_ncd.parse(text)
    kinds = {type(op).__name__ for sec in panels.panel_sections(d.panels[0]) if sec.kind == "step" for op in sec.ops}
    assert kinds & {"SavedCopy", "LoadedConcat"} == fused
    assert geometry_problems(scene(d)) == []
