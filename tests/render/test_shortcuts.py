"""The layout's shortcuts draw what the long way draws.

Speed work left three shortcuts in the layout, each of which must give the same result as the plain
computation it replaces, to the bit:
* a panel's wires are boxed as they are drawn (:attr:`~sphinx_ncd.layout.wires.PanelOut.wire_box`) instead
  of walking every wire path afterwards;
* a path without arcs is boxed from its unmoved points, then moved (:func:`~sphinx_ncd.layout.scene.bbox_moved`);
* a panel likely to fold is measured before it is drawn (:data:`~sphinx_ncd.layout.assemble.MEASURE_FIRST`),
  and one that fits after all is drawn with the glyphs the measure built;
* a step's plan is kept per panel (:class:`~sphinx_ncd.layout.wires.PassCache`): a later pass (a fold's rows,
  a panel drawn after its measure) that meets the step with the same rows coming in replays it; the measure
  pass follows which wires are open, not where they run (:class:`~sphinx_ncd.layout.wires.MeasureRuns`);
* operations drawn alike share one glyph, copied with their own owners (:mod:`~sphinx_ncd.layout.glyph_memo`);
* glyphs are kept from one layout to the next by their content, and handed to an operation drawn alike in a later
  render (of the same figure or another) with its own owners (:func:`~sphinx_ncd.layout.glyph_memo.kept_glyph`);
* the SVG writer writes a group placed as before (the same primitives at the same offsets) as it wrote it then
  (:data:`~sphinx_ncd.rendering.svg._PLACED`).
"""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd.layout import assemble, columns, glyph_memo, panels, wires
from sphinx_ncd.layout.pieces import bbox_all
from sphinx_ncd.layout.scene import Group, Path, bbox_moved, box_moved_terms, box_terms
from sphinx_ncd.rendering import svg
from sphinx_ncd.rendering.api import render

from render_helpers import ROOT, chain_spec

SPECS = {
    "fig21": ROOT / "demo_docs" / "figures" / "fig21.ncd",
    "fig26": ROOT / "demo_docs" / "figures" / "fig26.ncd",
    "fig27": ROOT / "demo_docs" / "figures" / "fig27.ncd",
    "fig22": ROOT / "demo_docs" / "gallery" / "figures" / "fig22.ncd",
}
WIDTHS = (None, 613.0, 300.0)


def _diagrams():
    out = [(name, sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name))
           for name, path in SPECS.items()]
    out.append(("chain", sphinx_ncd.parse(chain_spec(23))))
    return out


def test_wire_box_is_the_box_of_the_wire_paths(monkeypatch):
    seen = []
    plain = panels._panel_bbox

    def check(po, back, front):
        for name, layer in po.items:
            if name == "wires":
                seen.append((bbox_all(layer), po.wire_box))
        return plain(po, back, front)

    monkeypatch.setattr(panels, "_panel_bbox", check)
    for _, d in _diagrams():
        for w in WIDTHS:
            render(d, max_width=w)
    assert len(seen) > 20
    assert all(a == b for a, b in seen), [p for p in seen if p[0] != p[1]][:3]


def _walk_box(item, dx, dy):
    """The long way: every coordinate moved first, then the least and greatest."""
    if isinstance(item, Group):
        boxes = [b for b in (_walk_box(i, dx, dy) for i in item.items) if b]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                max(b[3] for b in boxes)) if boxes else None
    xs = [c[k] + dx for c in item.d for k in range(1, len(c), 2) if c[0] in "MLC"]
    ys = [c[k] + dy for c in item.d for k in range(2, len(c), 2) if c[0] in "MLC"]
    h = item.width / 2 if item.stroke else 0
    return (min(xs) - h, min(ys) - h, max(xs) + h, max(ys) + h)


@pytest.mark.parametrize("dx, dy", [(0.1, 0.2), (1e-3, 7.7), (123.456789, -0.3), (1 / 3, 2 / 3)])
def test_moved_box_of_a_path_is_that_of_the_moved_points(dx, dy):
    g = Group((Path((("M", 0.1, 0.7), ("C", 0.35, 0.7, 0.35, 13.3, 0.6, 13.3), ("L", 9.9, 13.3)), stroke="ink",
                    width=1.3),
               Path((("M", 2 / 3, 1 / 7), ("L", 5 / 9, 3.3)), stroke=None, fill="ink")), role="op", owner="op:1")
    assert bbox_moved(g, dx, dy) == _walk_box(g, dx, dy)


@pytest.mark.parametrize("dx, dy", [(0.1, 0.2), (1e-3, 7.7), (123.456789, -0.3), (1 / 3, 2 / 3)])
def test_a_glyph_boxed_from_its_terms_is_boxed_as_moved(dx, dy):
    """A shared glyph is walked once (:func:`box_terms`) and boxed at each place from that, to the bit."""
    d = sphinx_ncd.parse(SPECS["fig21"].read_text(encoding="utf-8"), filename="fig21.ncd")
    from sphinx_ncd.layout.glyphs import build_glyph
    from sphinx_ncd.layout.rows import op_rows
    for op in d.operations:
        g = build_glyph(op_rows(op, f"op:{op.id}", False))
        group = Group(tuple(g.items), role="op", owner=f"op:{op.id}")
        assert box_moved_terms(box_terms(g.items), dx, dy) == bbox_moved(group, dx, dy)


@pytest.mark.parametrize("name", [*SPECS, "chain"])
def test_measuring_first_draws_the_same(name, monkeypatch):
    d = dict(_diagrams())[name]
    measured = [render(d, max_width=w) for w in WIDTHS[1:]]
    monkeypatch.setattr(assemble, "MEASURE_FIRST", float("inf"))  # never measure first: draw, then fold
    assert [render(d, max_width=w) for w in WIDTHS[1:]] == measured


def test_a_panel_measured_that_fits_is_drawn_with_the_measures_glyphs(monkeypatch):
    """With every panel measured first, fig 21 at a wide target fits: each panel is drawn whole, with the glyphs
    its measure built, and the drawing is the one drawn without measuring."""
    d = sphinx_ncd.parse(SPECS["fig21"].read_text(encoding="utf-8"), filename="fig21.ncd")
    calls = []
    plain = panels.panel_piece

    def spy(panel, hl, sections, silent, base, continued, cut=(frozenset(), frozenset()), glyphs=None, fold=None):
        calls.append((len(sections), glyphs is not None))
        return plain(panel, hl, sections, silent, base, continued, cut, glyphs, fold)

    monkeypatch.setattr(assemble, "panel_piece", spy)
    monkeypatch.setattr(assemble, "MEASURE_FIRST", 0.0)
    svg = render(d, max_width=2000)
    body = len(assemble.panel_sections(d.main))
    assert calls == [(3, True), (body, True)]  # the header, then the body, each whole with the measured glyphs
    monkeypatch.setattr(assemble, "MEASURE_FIRST", float("inf"))
    calls.clear()
    assert render(d, max_width=2000) == svg
    assert calls == [(3, False), (body, False)]


class _Forgetful(dict):
    """A plan cache that keeps nothing: every step is planned again (the long way)."""

    def __setitem__(self, key, value):
        pass


class _Counting(dict):
    hits = 0

    def get(self, key, default=None):
        found = dict.get(self, key, default)
        if found is not None:
            _Counting.hits += 1
        return found


def _with_plans(monkeypatch, kind):
    def init(self):
        dict.__init__(self)
        self.plans = kind()

    monkeypatch.setattr(wires.PassCache, "__init__", init)


@pytest.mark.parametrize("name", [*SPECS, "chain"])
def test_replayed_plans_draw_what_planning_again_draws(name, monkeypatch):
    d = dict(_diagrams())[name]
    replayed = [render(d, max_width=w) for w in WIDTHS] + [render(d, "pdf", max_width=300.0)]
    _with_plans(monkeypatch, _Forgetful)
    assert [render(d, max_width=w) for w in WIDTHS] + [render(d, "pdf", max_width=300.0)] == replayed


@pytest.mark.parametrize("name", ["fig21", "chain"])
def test_a_folds_rows_replay_the_measured_steps(name, monkeypatch):
    """The rows of a folded chain, and of fig 21's body, meet their steps as the measure of the strip did."""
    d = dict(_diagrams())[name]
    _with_plans(monkeypatch, _Counting)
    cuts = []
    choose = assemble.choose_cuts

    def counted(*args):
        found = choose(*args)
        cuts.extend(found)
        return found

    monkeypatch.setattr(assemble, "choose_cuts", counted)
    _Counting.hits = 0
    render(d, max_width=300.0)
    steps = sum(1 for p in d.panels for s in assemble.panel_sections(p) if s.kind == "step")
    assert cuts and _Counting.hits >= steps - len(cuts) - 1  # a row's first step may meet new rows; no other


@pytest.mark.parametrize("name", [*SPECS, "chain"])
def test_shared_glyphs_draw_what_building_each_draws(name, monkeypatch):
    """A glyph copied from an operation drawn alike, with its owners changed, is the glyph built afresh."""
    d = dict(_diagrams())[name]
    shared = [render(d, max_width=w) for w in WIDTHS] + [render(d, "pdf", max_width=300.0)]
    monkeypatch.setattr(glyph_memo, "glyph_key", lambda g: None)  # every glyph built afresh
    monkeypatch.setattr(glyph_memo, "_content_key", lambda g, face: None)
    assert [render(d, max_width=w) for w in WIDTHS] + [render(d, "pdf", max_width=300.0)] == shared


def test_a_chain_shares_the_glyphs_of_its_repeated_operations(monkeypatch):
    built = []
    plain = glyph_memo.shared_glyph

    def counted(g, memo, build):
        return plain(g, memo, lambda rows: built.append(rows.op.id) or build(rows))

    monkeypatch.setattr("sphinx_ncd.layout.columns.shared_glyph", counted)
    render(sphinx_ncd.parse(chain_spec(40)))
    assert 0 < len(set(built)) <= 10  # five kinds, a few rows each: not forty


def _fresh(monkeypatch, draw):
    """What ``draw()`` gives with no glyph kept or shared: every glyph built afresh."""
    with monkeypatch.context() as m:
        m.setattr(glyph_memo, "_content_key", lambda g, face: None)
        m.setattr(glyph_memo, "glyph_key", lambda g: None)
        return draw()


_NOTES = {name: ROOT / "demo_docs" / "figures" / f"{name}.ncd" for name in ("fig21-notes", "fig27-notes")}


def _all_ways(d):
    """``d`` drawn in the ways a glyph's content can differ: widths, faces, a highlight, PDF."""
    first = d.operations[0].id
    return [render(d, max_width=w) for w in WIDTHS] + [render(d, label_face="sans"), render(d, "pdf"),
                                                       render(d, highlights=((first, "x"),), max_width=300.0)]


@pytest.mark.parametrize("name", [*SPECS, "chain", *_NOTES])
def test_kept_glyphs_draw_what_building_each_draws(name, monkeypatch):
    """A figure drawn with glyphs kept from earlier renders (its own, in another face, highlighted, and other
    figures') is the figure drawn with every glyph built afresh, to the bit."""
    if name in _NOTES:
        d = sphinx_ncd.parse(_NOTES[name].read_text(encoding="utf-8"), filename=_NOTES[name].name)
    else:
        d = dict(_diagrams())[name]
    fresh = _fresh(monkeypatch, lambda: _all_ways(d))
    glyph_memo.forget_glyphs()
    for _, other in _diagrams():  # other figures' glyphs kept first, under their own ids
        render(other)
    assert _all_ways(d) == fresh
    assert _all_ways(d) == fresh  # and again, now from its own


def test_a_kept_glyph_takes_the_owners_of_its_new_operation(monkeypatch):
    """The same operation under other ids (values declared before it) draws from the kept glyph with its own
    owners: the render is the one built afresh, and no primitive names the first figure's ids."""
    spec = "input X: b m\nX = L+ X : m -> m\nX = relu X\nY = softmax X over m\noutput Y\n"
    moved = "input A: b\nA = relu A\n" + spec.replace("output Y", "output Y, A")
    glyph_memo.forget_glyphs()
    render(sphinx_ncd.parse(spec))
    built = []
    plain = columns.build_glyph
    monkeypatch.setattr(columns, "build_glyph", lambda g: built.append(g.op.label or g.op.kind) or plain(g))
    d = sphinx_ncd.parse(moved)
    drawn = render(d)
    assert built == ["ReLU"]  # only ``A = relu A`` is new: L+, relu X and softmax come kept, under other ids
    assert drawn == _fresh(monkeypatch, lambda: render(d))


def test_a_kept_glyph_is_keyed_by_every_field_of_what_it_is_drawn_from():
    """The key of a kept glyph reads every field of the records a glyph is drawn from: a field added to one of them
    must be keyed too (or said to be never drawn), else a glyph drawn before it was set would be handed on."""
    from dataclasses import fields

    from sphinx_ncd.layout.glyph_parts import OpRows
    from sphinx_ncd.model.types import Axis, Operation, Value

    for cls in (Axis, Value, Operation, OpRows):
        assert tuple(f.name for f in fields(cls)) == glyph_memo.KEYED_FIELDS[cls.__name__]


def test_a_kept_glyphs_key_is_the_same_whether_its_values_were_met_before(monkeypatch):
    """A value's axes are keyed once per layout (the next operation reading it meets them again): each
    operation's key is the one worked out with nothing met before, and differs where an axis does."""
    caught = []
    plain = glyph_memo._content_key
    monkeypatch.setattr(glyph_memo, "_content_key", lambda g, face: caught.append((g, face, plain(g, face)))
                        or caught[-1][2])
    glyph_memo.forget_glyphs()
    for _, d in _diagrams():
        render(d)
        render(d)
    assert len([k for *_, k in caught if k is not None]) > 20
    for g, face, key in caught:
        glyph_memo._SEEN_AXES.clear()
        assert plain(g, face) == key
    keyed = {}
    for g, face, key in caught:
        if key is not None:
            keyed.setdefault(key, set()).add(tuple((v.name, tuple(map(repr, v.axes))) for v in g.op.inputs))
    assert all(len(ins) == 1 for ins in keyed.values())  # one key: inputs of the same names and axes


def test_kept_glyphs_are_keyed_by_what_they_draw(monkeypatch):
    """Operations that differ in anything drawn (a label, an axis name, a highlight, the face) get glyphs of
    their own; nothing is kept while labels are measured by another measurer; the store is bounded."""
    built = []
    plain = columns.build_glyph
    monkeypatch.setattr(columns, "build_glyph", lambda g: built.append(g.op.label) or plain(g))
    glyph_memo.forget_glyphs()
    base = "input X: b m\nX = L+ X : m -> m\noutput X\n"
    for spec in (base, base.replace("L+", "G"), base.replace("m", "k"), base, base.replace("m", "k")):
        render(sphinx_ncd.parse(spec))
    assert built == ["L", "G", "L"]  # the same operation again builds nothing
    d = sphinx_ncd.parse(base)
    render(d, highlights=((d.operations[0].id, "x"),))
    render(d, label_face="sans")
    render(d, label_face="sans")
    render(d)
    assert built == ["L", "G", "L", "L", "L"]
    from sphinx_ncd.layout.mathtext import measured_by

    class Measurer:
        def label(self, src, size, style, outline):
            return outline(src, size * 1.5, style)

    with measured_by(Measurer()):
        wide = [render(sphinx_ncd.parse(base)) for _ in range(2)]
    assert built == ["L", "G", "L", "L", "L", "L", "L"] and wide[0] != render(sphinx_ncd.parse(base))
    monkeypatch.setattr(glyph_memo, "_KEPT_MAX", 3)
    render(sphinx_ncd.parse(chain_spec(12)))
    assert len(glyph_memo._KEPT) <= 3


@pytest.mark.parametrize("name", [*SPECS, "chain", *_NOTES])
def test_placed_groups_written_again_are_what_writing_them_gives(name, monkeypatch):
    """Groups the SVG writer met before (remembered the first time, kept the second, written from what it kept
    after) give the bytes writing each afresh gives: the same markup, glyph definitions in the same order, the
    same colours in the style sheet and the same invisible text, in every theme."""
    if name in _NOTES:
        d = sphinx_ncd.parse(_NOTES[name].read_text(encoding="utf-8"), filename=_NOTES[name].name)
    else:
        d = dict(_diagrams())[name]

    def ways():
        return [render(d, max_width=w) for w in WIDTHS] + [render(d, theme=t) for t in ("dark", "light")] + \
            [render(d, label_face="sans"), render(d, highlights=((d.operations[0].id, "x"),))]

    with monkeypatch.context() as m:
        m.setattr(svg._Writer, "group", svg._Writer._group)
        fresh = ways()
    svg._PLACED.clear()
    for _ in range(3):
        assert ways() == fresh
    if name not in _NOTES:  # (a figure with notes is placed before it is written: nothing to keep)
        assert any(v is not svg._SEEN for kept in svg._PLACED.values() for v in kept.values())


def test_a_placed_group_is_written_again_only_as_it_was_placed():
    """Another figure whose glyphs come from the same kept glyphs at other offsets, or a writer of another kind,
    writes its own groups."""
    spec = "input X: b m\nX = L+ X : m -> m\nX = relu X\noutput X\n"
    wider = spec.replace("input X: b m", "input X: b m\nX = G X : m -> m")
    svg._PLACED.clear()
    first = [render(sphinx_ncd.parse(spec)) for _ in range(3)]
    other = render(sphinx_ncd.parse(wider))
    assert first[0] == first[2] and other != first[0]
    assert other == render(sphinx_ncd.parse(wider)) == render(sphinx_ncd.parse(wider))
