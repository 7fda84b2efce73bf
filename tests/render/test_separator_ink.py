"""The ink a separator's loose end may meet is read lazily (:mod:`sphinx_ncd.layout.separator_ink`): only near the
end, a line's polyline a command at a time.  What it answers must be what reading all of the panel's ink, every
line's whole polyline, answers: checked here against that plain reading, on the panels of real figures at many
points, and on random paths.
"""
from __future__ import annotations

import dataclasses
import math
import random

import pytest
from render_helpers import ROOT

import sphinx_ncd
from sphinx_ncd.layout import panels
from sphinx_ncd.layout.crossings import wire_polyline
from sphinx_ncd.layout.scene import Circle, Group, Path, Text, bbox_of
from sphinx_ncd.layout.separator_ends import (
    _as_lines,
    _chains,
    _drawn,
    _glyph_box,
    _loose_ends,
    _outer_ends,
    _ports_beside,
    _walk,
    phase_glyph_separators,
    reach_ends,
    separators_reach,
)
from sphinx_ncd.layout.separator_ink import Ink, Line, reach, touches, wires_go_on
from sphinx_ncd.rendering.api import scene

FIGS = ["fig21.ncd", "fig22.ncd", "fig26.ncd", "fig28.ncd", "unet.ncd", "fig18-outer.ncd"]


def _plain_ink(wires, groups, labels):
    """Every ink item of the panel, each line with its whole polyline: the plain reading."""
    out = []
    for w in wires:
        b = bbox_of(w)
        if b:
            out.append((b, _Whole(wire_polyline(w.d))))
    stack = list(groups)
    while stack:
        dx, dy, g = stack.pop()
        for item in g.items:
            if isinstance(item, Group):
                stack.append((dx, dy, item))
            elif isinstance(item, Path) and item.role == "separator":
                continue
            elif isinstance(item, (Path, Circle, Text)):
                b = bbox_of(item)
                if b:
                    box = (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy)
                    line = isinstance(item, Path) and item.role == "wire"
                    out.append((box, _Whole([(x + dx, y + dy) for x, y in wire_polyline(item.d)]) if line else None))
    out += [(t.bbox, None) for t in labels if isinstance(t, Text) and t.bbox]
    return out


class _Whole:
    """A whole polyline, answering as :class:`Line` does: every segment, wherever asked."""

    arc = True  # (no box of its may leave it out)

    def __init__(self, pts):
        self.pts = pts

    def segments(self, *_box):
        return list(zip(self.pts, self.pts[1:]))


def _pass_calls(name):
    """The arguments (lists copied) of every call of the separator-ends pass while drawing the figure ``name``."""
    path = next(ROOT.rglob(name))
    calls = []
    real = panels.separators_reach

    def spy(*args):
        calls.append(tuple(list(a) if isinstance(a, list) else a for a in args))
        return real(*args)

    panels.separators_reach = spy
    try:
        scene(sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                               search_path=(str(path.parent), str(ROOT / "templates"))))
    finally:
        panels.separators_reach = real
    return calls


def _panels(name):
    """Per call of the separator-ends pass drawing ``name``: all it reads but the separators themselves."""
    return [(wires, groups, labels, anchors, x_from, x_to, dict(boxes or {}), list(wire_boxes))
            for _seps, wires, groups, labels, anchors, x_from, x_to, boxes, wire_boxes in _pass_calls(name)]


@pytest.mark.parametrize("name", FIGS)
def test_the_ink_near_an_end_answers_as_all_the_ink(name):
    rng = random.Random(name)
    calls = _panels(name)
    assert calls
    asked = 0
    for wires, groups, labels, anchors, x_from, x_to, boxes, wire_boxes in calls:
        plain = _plain_ink(wires, groups, labels)
        _inner, flat, _holders, nested = _walk(groups)
        glyphs = [(_glyph_box(g.owner, boxes, nested), flat[k]) for k, (_dx, _dy, g) in enumerate(groups)]
        ink = Ink(wires, glyphs, labels, wire_boxes)
        ys = sorted({round(b[1], 1) for b, _ in plain} | {round(b[3], 1) for b, _ in plain} | {a[1] for a in anchors})
        for k in range(160):
            d = rng.choice([1.0, -1.0])
            if k % 2:  # ends where ink is: on a port's or a box's height, at a port's x, or anywhere in the panel
                x = rng.choice([a[0] for a in anchors] + [rng.uniform(x_from - 5, x_to + 5)])
                y = rng.choice(ys) + rng.choice([0.0, 0.0, rng.uniform(-4, 4)])
            else:  # a little way before something, on a height across it
                (x0, y0, x1, y1), _line = rng.choice(plain)
                x = x0 - rng.uniform(0, 12) if d > 0 else x1 + rng.uniform(0, 12)
                y = rng.uniform(y0 - 1, y1 + 1)
            p = (x, y)
            ports = _ports_beside(p, anchors) or rng.choice([None, (y - rng.uniform(1, 30), y + rng.uniform(1, 30))])
            near = ink.near(p, d, ports)
            if ports is not None:
                assert wires_go_on(p, d, ports, near) == wires_go_on(p, d, ports, plain), (p, d, ports)
            assert touches(p, near) == touches(p, plain), (p, d)
            assert reach(p, d, near, x_from, x_to) == reach(p, d, plain, x_from, x_to), (p, d)
            asked += 1
    assert asked >= 120


@pytest.mark.parametrize("name", FIGS)
def test_the_wire_boxes_kept_by_the_wire_pass_are_the_wires_boxes(name):
    """The pass reads the wires' boxes the wire pass kept as it drew them (:attr:`.wires.PanelOut.wire_inks`):
    each is the wire's own box to the bit, for every wire of every panel (and row) that has separators."""
    calls = _panels(name)
    assert calls
    for wires, _groups, _labels, _anchors, _x_from, _x_to, _boxes, wire_boxes in calls:
        assert wire_boxes, name  # (kept for every call: a wire pass that stops keeping them must fail here)
        assert len(wire_boxes) <= len(wires)
        assert wire_boxes == [bbox_of(w) for w in wires[:len(wire_boxes)]]


def test_a_kept_primitive_box_is_the_box_read_afresh():
    """A glyph's primitive's box kept across renders (:data:`.separator_ink._UNMOVED`) is the one read afresh, at
    any place the glyph stands; forgetting what renders keep forgets it too."""
    from sphinx_ncd.layout import separator_ink
    from sphinx_ncd.rendering.api import forget_kept

    calls = _panels("fig21.ncd") + _panels("fig28.ncd")
    seen = 0
    for _wires, groups, *_rest in calls:
        _inner, flat, _holders, _nested = _walk(groups)
        for dx, dy, item in (t for prims in flat for t in prims):
            for at in ((dx, dy), (dx + 13.25, dy - 7.5)):
                kept = separator_ink._entry(item, *at)
                forget_kept()
                assert not separator_ink._UNMOVED
                assert separator_ink._entry(item, *at) == kept  # (read afresh, then kept again)
                b = bbox_of(item)
                assert (kept is None) == (not b)
                if kept is not None:
                    assert kept[0] == (b[0] + at[0], b[1] + at[1], b[2] + at[0], b[3] + at[1])
                    assert (kept[1] is not None) == (isinstance(item, Path) and item.role == "wire")
                seen += 1
    assert seen > 50


def _random_path(rng):
    d = [("M", rng.uniform(-50, 50), rng.uniform(-50, 50))]
    for _ in range(rng.randint(1, 6)):
        x, y = rng.uniform(-50, 50), rng.uniform(-50, 50)
        kind = rng.choice("MLLCCA")
        if kind == "C":
            d.append(("C", rng.uniform(-50, 50), rng.uniform(-50, 50), rng.uniform(-50, 50), rng.uniform(-50, 50), x, y))
        elif kind == "A":  # the layout's arcs: half circles on their chords
            cx, cy = d[-1][-2], d[-1][-1]
            d.append(("A", math.hypot(x - cx, y - cy) / 2, rng.randint(0, 1), x, y))
        else:
            d.append((kind, x, y))
    return tuple(d)


def test_a_line_cut_by_commands_is_the_whole_polyline():
    rng = random.Random(7)
    for _ in range(300):
        d = _random_path(rng)
        at = rng.choice([None, (rng.uniform(-100, 100), rng.uniform(-100, 100))])
        pts = wire_polyline(d) if at is None else [(x + at[0], y + at[1]) for x, y in wire_polyline(d)]
        whole = list(zip(pts, pts[1:]))
        assert Line(d, at).segments(-math.inf, -math.inf, math.inf, math.inf) == whole
        # asked about a box: every segment that reaches into it, and none twice
        x0, y0 = rng.uniform(-150, 150), rng.uniform(-150, 150)
        x1, y1 = x0 + rng.uniform(0, 60), y0 + rng.uniform(0, 60)
        some = Line(d, at).segments(x0, y0, x1, y1)
        assert len(set(map(id, some))) == len(some)
        # a glyph's line at two places, what is worked out unmoved kept from the first for the second: the same
        raw = [None]
        other = (rng.uniform(-100, 100), rng.uniform(-100, 100))
        assert Line(d, other, True, raw).segments(x0 - 20, y0 - 20, x1, y1) == \
            Line(d, other).segments(x0 - 20, y0 - 20, x1, y1)
        assert raw[0] is not None
        assert Line(d, at, True, raw).segments(x0, y0, x1, y1) == some
        assert Line(d, at, True, raw).segments(-math.inf, -math.inf, math.inf, math.inf) == whole
        for a, b in whole:
            if max(a[0], b[0]) >= x0 and min(a[0], b[0]) <= x1 and max(a[1], b[1]) >= y0 and min(a[1], b[1]) <= y1:
                assert (a, b) in some


@pytest.mark.parametrize("at", [9.0, 11.0])
def test_an_end_is_carried_to_the_nearest_of_a_label_and_a_line_close_together(at):
    """A label from x = 10 and a wire crossing the end's line at ``at`` (just before it, or just past its left
    side): the end stops short of whichever comes first, read in either direction."""
    label = (10.0, -5.0, 30.0, 5.0)
    wire = Path((("M", at, -20.0), ("L", at, 20.0)), width=1.0)
    for d, p, first in ((1.0, (0.0, 0.0), min(at, 10.0) - 2.2), (-1.0, (60.0, 0.0), max(at, 30.0) + 2.2)):
        ink = Ink([wire], [], [])
        near = ink.near(p, d, None) + [(label, None)]
        assert reach(p, d, near, -100.0, 100.0) == reach(p, d, _plain_ink([wire], [], []) + [(label, None)],
                                                          -100.0, 100.0) == first


def test_the_pass_in_two_steps_draws_what_it_draws_in_one():
    """:func:`reach_ends` then :func:`phase_glyph_separators` (each walking the glyphs) give what
    :func:`separators_reach` gives walking them once, with or without the glyphs' boxes."""
    calls = _pass_calls("fig28.ncd")
    assert calls
    for seps, wires, groups, labels, anchors, x_from, x_to, boxes, wire_boxes in calls:
        one = separators_reach(seps, wires, groups, labels, list(anchors), x_from, x_to, boxes, wire_boxes)
        assert separators_reach(seps, wires, groups, labels, list(anchors), x_from, x_to, boxes) == one
        lines = reach_ends(seps, wires, groups, labels, list(anchors), x_from, x_to)
        assert (lines, phase_glyph_separators(lines, groups)) == one


def test_the_kept_lines_and_ends_are_those_worked_out_afresh():
    """The joined lines and loose ends the pass keeps across renders (by the pieces' points and styles) are those
    it works out afresh: for a render's pieces, and for the same pieces restyled or moved (which must not be
    answered from what was kept for the first)."""
    path = next(ROOT.rglob("fig21.ncd"))
    calls = []
    real = panels.separators_reach

    def spy(seps, wires, groups, *args):
        calls.append((list(seps), list(groups)))
        return real(seps, wires, groups, *args)

    panels.separators_reach = spy
    try:
        scene(sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name))
    finally:
        panels.separators_reach = real
    assert calls
    changed = 0
    for seps, groups in calls:
        inner = _walk(groups)[0]
        level_in = [(q[2], q[3]) for q in inner if abs(q[1] - q[3]) < 1e-6]
        for k, piece in enumerate(seps):
            (_m, x, y), rest = piece.d[0], piece.d[1:]
            for new in (piece, dataclasses.replace(piece, dash=(1.0, 1.0)), dataclasses.replace(
                    piece, d=(("M", x + 0.7, y), *rest)), dataclasses.replace(piece, d=(("M", x, y + 0.2), *rest))):
                some = seps[:k] + [new] + seps[k + 1:]
                fresh = [some[c[0]] if len(c) == 1 else _drawn(c, some) for c in _chains(some, level_in)]
                assert _as_lines(some, level_in) == fresh
                assert _outer_ends(some, inner) == _loose_ends(some, inner)
                changed += fresh != _as_lines(seps, level_in)
    assert changed  # (some change joins other pieces)


def test_a_kept_walk_is_the_glyphs_own_at_its_place():
    """A glyph's walk kept across renders (by its owner, place and primitives) is the one its group gives at that
    place: the same render's glyphs walked again, or moved (which must not be answered from what was kept)."""
    for _wires, groups, *_rest in _panels("fig21.ncd"):
        first = _walk(groups)
        assert _walk(groups) == first
        for shift in (7.5, -3.0):
            moved = [(dx + shift, dy, g) for dx, dy, g in groups]
            inner, flat, holders, nested = _walk(moved)
            assert all((x, y) == place[:2] for place, mine in zip(moved, flat) for x, y, _item in mine)
            assert [(q[0] - shift, q[1], q[2] - shift, q[3]) for q in inner] == first[0]
            assert (holders, nested) == first[2:]


def test_a_glyphs_kept_entries_are_those_read_afresh():
    """The entries of a glyph's primitives kept across renders (by its kept walk) are those read afresh: the ones
    the render kept, and those of the glyph moved (which must not be answered from the first)."""
    from sphinx_ncd.layout import separator_ink
    for _wires, groups, *_rest in _panels("fig21.ncd"):
        for shift in (0.0, 7.5):
            flat = _walk([(dx + shift, dy, g) for dx, dy, g in groups])[1]
            for mine in flat:
                fresh = [e for e in (separator_ink._entry(item, dx, dy) for dx, dy, item in mine) if e]
                assert [e[:4] for e in separator_ink._entries(mine)] == [e[:4] for e in fresh]
    assert separator_ink._INSIDE
