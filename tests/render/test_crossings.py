"""Wire crossings: the scene's statistics count them, and junctions keep clear of them.

The counter (``sphinx_ncd.layout.crossings``) is checked on drawn-by-hand scenes, then over every spec in
the repository: no crossing within one wire pitch of a dot.  The specs the current layout still breaks
this on are listed in ``KNOWN_NEAR_DOT`` and expected to fail (strictly: a fixed one must leave the list).
Figures 21, 27 and 28 are held to the crossing counts of the paper's own drawings of them.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings

import sphinx_ncd
from sphinx_ncd.layout.crossings import crossings, scene_stats
from sphinx_ncd.layout.geometry import PITCH
from sphinx_ncd.layout.scene import Circle, Path, Scene
from sphinx_ncd.rendering.api import scene

from render_helpers import ALL_SPECS, ROOT, crossing_problems, dot_problems
from test_random import specs


def _scene(*items):
    return Scene(tuple(items), (-100.0, -100.0, 400.0, 400.0))


def test_two_straight_wires_cross_once():
    a = Path((("M", 0.0, 0.0), ("L", 100.0, 100.0)), owner="wire:1")
    b = Path((("M", 0.0, 100.0), ("L", 100.0, 0.0)), owner="wire:2")
    found = crossings(_scene(a, b))
    assert len(found) == 1 and abs(found[0].x - 50) < 1e-6 and abs(found[0].y - 50) < 1e-6


def test_a_fan_out_from_a_dot_is_a_junction_not_a_crossing():
    trunk = Path((("M", 0.0, 0.0), ("L", 40.0, 0.0)), owner="op:1")
    up = Path((("M", 40.0, 0.0), ("C", 60.0, 0.0, 60.0, -40.0, 80.0, -40.0)), owner="op:1")
    on = Path((("M", 40.0, 0.0), ("L", 80.0, 0.0)), owner="op:1")
    sc = _scene(trunk, up, on, Circle(40.0, 0.0, 2.5, owner="op:1"))
    assert crossings(sc) == []
    assert scene_stats(sc).as_dict() == {"crossings": 0, "wires": 3, "dots": 1, "near_dots": 0}


def test_pieces_of_one_wire_do_not_cross_themselves_but_an_operations_strokes_do():
    a = Path((("M", 0.0, 0.0), ("C", 50.0, 0.0, 50.0, 40.0, 100.0, 40.0)), owner="wire:1")
    b = Path((("M", 0.0, 40.0), ("C", 50.0, 40.0, 50.0, 0.0, 100.0, 0.0)), owner="wire:1")
    assert crossings(_scene(a, b)) == []
    a2, b2 = Path(a.d, owner="op:3"), Path(b.d, owner="op:3")  # an einsum's reordering drawn inside its glyph
    assert len(crossings(_scene(a2, b2))) == 1


def test_a_doubled_wire_crossing_another_is_one_crossing():
    upper = Path((("M", 0.0, 38.6), ("C", 30.0, 38.6, 30.0, 98.6, 60.0, 98.6)), owner="op:2")
    lower = Path((("M", 0.0, 41.4), ("C", 30.0, 41.4, 30.0, 101.4, 60.0, 101.4)), owner="op:2")
    level = Path((("M", -10.0, 70.0), ("L", 80.0, 70.0)), owner="wire:4")
    assert len(crossings(_scene(upper, lower, level))) == 1
    # where a doubled copy parts, its own strokes cross: not a crossing
    straight = Path((("M", 0.0, 41.4), ("L", 60.0, 41.4)), owner="op:2")
    assert crossings(_scene(upper, straight)) == []


def test_a_cap_crosses_the_wire_passing_under_it():
    cap = Path((("M", 0.0, 0.0), ("L", 10.0, 0.0), ("A", 10.0, 1, 10.0, 20.0), ("L", 0.0, 20.0)), owner="op:1")
    passing = Path((("M", 15.0, -20.0), ("L", 15.0, 40.0)), owner="wire:9")
    assert len(crossings(_scene(cap, passing))) == 2
    clear = Path((("M", 25.0, -20.0), ("L", 25.0, 40.0)), owner="wire:9")  # the cap bulges to x = 20
    assert crossings(_scene(cap, clear)) == []


def test_a_crossing_next_to_a_dot_is_reported():
    a = Path((("M", 0.0, 0.0), ("L", 100.0, 100.0)), owner="wire:1")
    b = Path((("M", 0.0, 100.0), ("L", 100.0, 0.0)), owner="wire:2")
    near = _scene(a, b, Circle(50.0, 50.0 + PITCH / 2, 2.5, owner="op:4"))
    assert scene_stats(near).near_dots == 1
    assert any("op:4" in p for p in crossing_problems(near))
    far = _scene(a, b, Circle(50.0, 50.0 + 2 * PITCH, 2.5, owner="op:4"))
    assert scene_stats(far).near_dots == 0 and crossing_problems(far) == []


def _parse(path):
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                            search_path=(str(path.parent), str(ROOT / "templates")))


# the specs on which the present layout still crosses wires next to a dot: an einsum's first-stage bends
# cross just past the dot its input separators end in, or just before its merge dot (figs 16, 17, 21, 28,
# the attention template).  To be fixed in the layout, one by one (copies and additions are fixed: their
# dots are staggered; an einsum's wire that only moves takes both stages, clear of the merge dots)
KNOWN_NEAR_DOT = {
    "demo_docs/figures/fig17.ncd", "demo_docs/figures/fig21.ncd", "demo_docs/figures/fig28.ncd",
    "demo_docs/gallery/figures/fig16.ncd", "templates/attention.ncd",
    "demo_docs/figures/fig21-drafted.ncd",  # drafted from the same module as fig 21: the same einsums
    "templates/llama.ncd",  # the attention template's einsums again (scores and values, merged heads/groups)
    "demo_docs/figures/decoder-attention.ncd", "demo_docs/figures/decoder-gqa.ncd",  # the same einsums
    "demo_docs/figures/decoder-mlp.ncd",  # mul: an einsum whose every wire merges
}


def _spec_param(p):
    rel = str(p.relative_to(ROOT))
    marks = [pytest.mark.xfail(strict=True, reason="layout still crosses next to a dot")] if rel in KNOWN_NEAR_DOT else []
    return pytest.param(p, id=rel, marks=marks)


@pytest.mark.parametrize("path", [_spec_param(p) for p in ALL_SPECS])
def test_no_crossing_within_a_pitch_of_a_dot(path):
    try:
        d = _parse(path)
    except sphinx_ncd.NCDError:
        pytest.skip("not a valid spec on its own (an error example or a fragment)")
    assert crossing_problems(scene(d)) == []


def test_the_known_list_names_real_specs():
    assert KNOWN_NEAR_DOT <= {str(p.relative_to(ROOT)) for p in ALL_SPECS}


# crossings in the paper's own drawings, a doubled (tuple) line counted as one wire: fig 21 about 8; fig 27
# 2 (x crossing c where it is saved and where it is loaded) plus the one the batch wire b, which the paper
# leaves out, adds at the save; fig 28 about 10, which the layout still exceeds (11)
PAPER_CROSSINGS = {"fig21": 8, "fig27": 3, "fig28": 10}
STILL_OVER = {"fig28": "fig 28 draws 11"}


@pytest.mark.parametrize("name", sorted(PAPER_CROSSINGS))
def test_no_more_crossings_than_the_paper(name, request):
    if name in STILL_OVER:
        request.applymarker(pytest.mark.xfail(strict=True, reason=STILL_OVER[name]))
    path = ROOT / "demo_docs" / "figures" / f"{name}.ncd"
    stats = scene_stats(scene(_parse(path)))
    assert 0 < stats.crossings <= PAPER_CROSSINGS[name], stats.as_dict()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(specs())
def test_random_specs_statistics_are_consistent(text):
    """Every crossing the statistics count lies on both wires' ink and away from both wires' ends."""
    try:
        d = sphinx_ncd.parse(text)
    except sphinx_ncd.NCDError:
        assume(False)
        return
    sc = scene(d)
    stats = scene_stats(sc)
    assert stats.crossings == len(stats.points) and 0 <= stats.near_dots <= stats.crossings
    vx, vy, vw, vh = sc.viewbox
    assert all(vx <= c.x <= vx + vw and vy <= c.y <= vy + vh for c in stats.points)
    assert stats.near_dots == sum(1 for _ in crossing_problems(sc))


COPY_SPEC = "input X: a m\nQ = L[q] X : m -> k\nK = L[k] X : m -> k\nV = L[v] X : m -> k\noutput Q, K, V\n"


def test_copy_dots_are_staggered_clear_of_the_crossings():
    """A value of two wires copied downwards: the copies of the upper wire cross the lower one, so the lower
    wire's dot is further left, at least a pitch before the crossing."""
    from sphinx_ncd.layout.crossings import dots_of

    sc = scene(sphinx_ncd.parse(COPY_SPEC))
    dots = sorted(dots_of(sc), key=lambda d: d.cy)
    assert len(dots) == 2 and dots[1].cx < dots[0].cx
    stats = scene_stats(sc)
    assert stats.crossings > 0 and stats.near_dots == 0
    assert crossing_problems(sc) == []


def test_addition_dots_are_staggered_clear_of_the_crossings():
    """An addition whose second input rises to the output's rows: the lower rows' dots are further right, so
    the rising wires cross the level ones at least a pitch before a dot."""
    from sphinx_ncd.layout.crossings import dots_of

    sc = scene(sphinx_ncd.parse("input X: n m\nY = L X : m -> m\nZ = add X Y\noutput Z\n"))
    add = sorted((d for d in dots_of(sc) if d.owner == "op:2"), key=lambda d: d.cy)
    assert len(add) == 2 and add[1].cx > add[0].cx
    assert scene_stats(sc).crossings > 0 and crossing_problems(sc) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(specs())
def test_random_specs_without_einsums_cross_clear_of_dots(text):
    """Copies (by reuse) and additions in random specs: no crossing within a pitch of a dot.  (Einsums are
    left out until their glyph keeps its crossings clear of its dots, see ``KNOWN_NEAR_DOT``.)"""
    assume("einsum" not in text)
    try:
        d = sphinx_ncd.parse(text)
    except sphinx_ncd.NCDError:
        assume(False)
        return
    assert crossing_problems(scene(d)) == [], text


@pytest.mark.parametrize("path", ALL_SPECS, ids=[str(p.relative_to(ROOT)) for p in ALL_SPECS])
def test_no_wire_runs_through_a_dot_it_does_not_end_at(path):
    """Fig 21's h-merge and fig 28's b-merge: a wire that only moves used to run through the einsum's dot."""
    try:
        d = _parse(path)
    except sphinx_ncd.NCDError:
        pytest.skip("not a valid spec on its own (an error example or a fragment)")
    assert dot_problems(scene(d)) == []


def test_the_dot_check_sees_a_wire_through_a_dot():
    through = Path((("M", 0.0, 0.0), ("L", 100.0, 0.0)), owner="wire:1")
    ending = Path((("M", 50.0, 0.0), ("L", 90.0, 40.0)), owner="op:2")
    sc = _scene(through, ending, Circle(50.0, 0.0, 2.5, owner="op:2"))
    assert [p for p in dot_problems(sc) if "wire:1" in p] and not [p for p in dot_problems(sc) if "op:2 runs" in p]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(specs())
def test_random_specs_no_wire_through_a_dot(text):
    try:
        d = sphinx_ncd.parse(text)
    except sphinx_ncd.NCDError:
        assume(False)
        return
    assert dot_problems(scene(d)) == [], text
