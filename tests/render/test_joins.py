"""Junction shapes: a merge dot stands on a straight wire, separators end at something and never in a dot.

The paper draws a diagonal (merge) dot on one of the wires it joins, running straight, and brings each other wire
into it with one smooth bend from its side; ours used to stack the wires on rows under the dot so that one of
them dropped below the dot and hooked back up into it (a "V-dip", figures 16, 17, 21 and 22).  A dashed
separator ends at a glyph, a wire or the panel's edge, never in the filled dot that means copy or merge, and
never in mid-air.  Checked over every spec in the repository and random specs.
"""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, assume, given, settings

import sphinx_ncd
from sphinx_ncd.layout.scene import Circle, Path, Scene
from sphinx_ncd.rendering.api import scene

from render_helpers import ALL_SPECS, ROOT, _samples, dash_restart_problems, separator_touch_problems
from test_random import specs

DIP = 1.0  # how far a wire into a merge dot may pass its dot's height, or its source's


def _parse(path):
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                            search_path=(str(path.parent), str(ROOT / "templates")))


def _merge_dots(sc, outputs=False):
    """Each filled dot of an einsum glyph with the wire paths that end in it (two or more: a merge), and with
    ``outputs`` the wire paths that leave it too (to the glyph's side)."""
    prims = list(sc.walk())
    wires = [p for p in prims if isinstance(p, Path) and p.role == "wire" and p.owner.startswith("op:")]
    paths = [_samples(w.d) for w in wires]
    out = []
    for c in prims:
        if not isinstance(c, Circle) or c.fill in (None, "none", "paper") or not c.owner.startswith("op:"):
            continue
        into = []
        for pts in paths:
            if pts and abs(pts[-1][0] - c.cx) < 0.5 and abs(pts[-1][1] - c.cy) < 0.5:
                into.append(_back_to_source(pts, paths))
        if len(into) >= 2:
            away = [_on_to_end(pts, paths) for pts in paths
                    if pts and abs(pts[0][0] - c.cx) < 0.5 and abs(pts[0][1] - c.cy) < 0.5 and pts[-1][0] > c.cx]
            out.append((c, into, away) if outputs else (c, into))
    return out


def _on_to_end(pts, paths):
    """The wire ``pts`` with the strokes drawn after it (each starting where the one before ends)."""
    while True:
        after = [q for q in paths if q is not pts and abs(q[0][0] - pts[-1][0]) < 0.5
                 and abs(q[0][1] - pts[-1][1]) < 0.5 and q[-1][0] > pts[-1][0] + 0.5]
        if len(after) != 1:
            return pts
        pts = pts + after[0][1:]


def vee_problems(sc) -> list[str]:
    """Merge dots on no level wire (none of the wires into it, nor its result, runs at the dot's height), and
    merge dots drawn as a V: a wire comes down into the dot and the result climbs away from it (or one comes up
    and the result falls away), where the paper's wires meet on a straight wire."""
    problems = []
    for c, into, away in _merge_dots(sc, outputs=True):
        wires = into + away
        if not any(all(abs(p[1] - c.cy) < 0.5 for p in pts) for pts in wires):
            problems.append(f"no wire runs level into or out of the dot at ({c.cx:.1f}, {c.cy:.1f})")
        down = any(pts[0][1] < c.cy - 0.5 for pts in into) and any(pts[-1][1] < c.cy - 0.5 for pts in away)
        up = any(pts[0][1] > c.cy + 0.5 for pts in into) and any(pts[-1][1] > c.cy + 0.5 for pts in away)
        if down or up:
            problems.append(f"the dot at ({c.cx:.1f}, {c.cy:.1f}) is a V: wires from "
                            f"{sorted(round(p[0][1], 1) for p in into)} meet there and leave for "
                            f"{sorted(round(p[-1][1], 1) for p in away)}")
    return problems


def _back_to_source(pts, paths):
    """The wire ``pts`` with the strokes drawn before it (each ending where the next starts), back to where
    it entered the glyph."""
    while True:
        before = [q for q in paths if q is not pts and abs(q[-1][0] - pts[0][0]) < 0.5
                  and abs(q[-1][1] - pts[0][1]) < 0.5 and q[0][0] < pts[0][0] - 0.5]
        if len(before) != 1:
            return pts
        pts = before[0] + pts[1:]


def join_problems(sc) -> list[str]:
    """Merge dots reached by a wire that passes beyond the dot's height (or its own source's) on the way, and
    merge dots none of whose wires runs straight into it where one of them comes from the dot's own row."""
    problems = []
    for c, into in _merge_dots(sc):
        for pts in into:
            lo, hi = sorted((pts[0][1], c.cy))
            if any(p[1] < lo - DIP or p[1] > hi + DIP for p in pts):
                problems.append(f"a wire into the dot at ({c.cx:.1f}, {c.cy:.1f}) dips past it: "
                                f"{min(p[1] for p in pts):.1f}..{max(p[1] for p in pts):.1f} from {pts[0][1]:.1f}")
        if any(abs(pts[0][1] - c.cy) < 0.5 for pts in into) and \
                not any(all(abs(p[1] - c.cy) < 0.5 for p in pts) for pts in into):
            problems.append(f"the dot at ({c.cx:.1f}, {c.cy:.1f}) is on no straight wire")
    return problems


def dot_end_problems(sc) -> list[str]:
    """Separators whose end lies in a filled dot (it would read as a copy or a merge)."""
    prims = list(sc.walk())
    dots = [c for c in prims if isinstance(c, Circle) and c.fill not in (None, "none", "paper")]
    out = []
    for s in prims:
        if isinstance(s, Path) and s.role == "separator":
            pts = _samples(s.d)
            for e in (pts[0], pts[-1]):
                if any((e[0] - c.cx) ** 2 + (e[1] - c.cy) ** 2 <= (c.r + 1.0) ** 2 for c in dots):
                    out.append(f"separator {s.owner} ends in a dot at ({e[0]:.1f}, {e[1]:.1f})")
    return out


def test_figure_16s_diagonal_dot_stands_on_the_straight_h_wire():
    sc = scene(_parse(ROOT / "demo_docs" / "gallery" / "figures" / "fig16.ncd"))
    dots = _merge_dots(sc)
    assert len(dots) == 1
    c, into = dots[0]
    straight = [pts for pts in into if all(abs(p[1] - c.cy) < 0.5 for p in pts)]
    bent = [pts for pts in into if pts not in straight]
    assert len(straight) == 1 and len(bent) == 1
    assert bent[0][0][1] < c.cy and all(p[1] <= c.cy + DIP for p in bent[0])  # comes down, never below it
    assert join_problems(sc) == []


@pytest.mark.parametrize("name", ["fig17", "fig21", "fig21-notes", "decoder-mlp", "fig28", "gallery/figures/fig22"])
def test_no_wire_dips_past_a_merge_dot_in_the_figures(name):
    sc = scene(_parse(ROOT / "demo_docs" / ("" if "/" in name else "figures") / f"{name}.ncd"))
    assert _merge_dots(sc), "the figure has merge dots"
    assert join_problems(sc) == []
    assert vee_problems(sc) == []


@pytest.mark.parametrize("path", ["figures/fig17.ncd", "figures/fig21.ncd", "gallery/figures/fig22.ncd"])
def test_attentions_heads_meet_on_the_result_row(path):
    """``Q K : y k h, x k h -> y x h``: Q's h comes down and K's h comes up into a dot on the result's h row,
    which runs on level (the paper's multi-head attention), not a dot below both that the result climbs out of."""
    sc = scene(_parse(ROOT / "demo_docs" / path))
    heads = [(c, into, away) for c, into, away in _merge_dots(sc, outputs=True)
             if sorted(round(p[0][1] - c.cy) for p in into) == [-52, 20]]
    assert heads, [(c.cy, [p[0][1] for p in into]) for c, into, _ in _merge_dots(sc, outputs=True)]
    for c, into, away in heads:
        assert away and all(abs(p[1] - c.cy) < 0.5 for p in away[0][:2])  # the result leaves level


@pytest.mark.parametrize("path", ALL_SPECS, ids=[str(p.relative_to(ROOT)) for p in ALL_SPECS])
def test_joins_and_separator_ends_in_every_spec(path):
    try:
        d = _parse(path)
    except sphinx_ncd.NCDError:
        pytest.skip("not a valid spec on its own (an error example or a fragment)")
    sc = scene(d)
    assert join_problems(sc) == []
    assert vee_problems(sc) == []
    assert dot_end_problems(sc) == []


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(specs())
def test_joins_and_separator_ends_in_random_specs(text):
    try:
        d = sphinx_ncd.parse(text)
    except sphinx_ncd.NCDError:
        assume(False)
        return
    sc = scene(d)
    assert join_problems(sc) == []
    assert vee_problems(sc) == []
    assert dot_end_problems(sc) == []


def test_an_outer_product_separator_ends_at_the_glyph_not_in_a_dot():
    """The separator between an einsum's inputs stops at the glyph's side, where both segments' wires enter."""
    sc = scene(sphinx_ncd.parse("input A: a b, B: c\nC = einsum A B : a b, c -> a b c\noutput C\n"))
    seps = [p for p in sc.walk() if isinstance(p, Path) and p.role == "separator"]
    assert seps and dot_end_problems(sc) == [] and separator_touch_problems(sc) == []


def test_a_separator_in_mid_air_is_caught():
    """The checker is not vacuous: a separator moved off everything is reported, at both ends."""
    sc = scene(_parse(ROOT / "demo_docs" / "gallery" / "figures" / "fig16.ncd"))
    assert separator_touch_problems(sc) == []
    vx, vy, vw, vh = sc.viewbox
    y = vy + vh + 30.0  # below the drawing, where nothing is
    floating = Path((("M", vx + 40.0, y), ("L", vx + 90.0, y)), role="separator", owner="planted")
    found = separator_touch_problems(dataclasses.replace(sc, items=sc.items + (floating,)))
    assert sum("planted" in p for p in found) == 2, found
    touching = Path((("M", vx, y), ("L", vx + 50.0, y)), role="separator", owner="planted")
    wire = Path((("M", vx + 50.0, y - 20.0), ("L", vx + 50.0, y + 20.0)), role="wire", owner="wire:planted")
    found = separator_touch_problems(dataclasses.replace(sc, items=sc.items + (touching, wire)))
    assert sum("planted" in p for p in found) == 1, found  # its right end touches the wire, its left floats


def test_a_vee_is_caught():
    """Two wires coming down into a dot below both, the result climbing back out, is reported (the old fig 21
    and fig 17); so is a dot on no level wire; a dot on the result's row between its sources is not."""
    dot = Circle(50.0, 40.0, 2.6, fill="ink", stroke=None, owner="op:9")

    def wire(*pts):
        return Path((("M", *pts[0]), *(("L", *p) for p in pts[1:])), owner="op:9")

    vee = Scene((wire((0.0, 0.0), (50.0, 40.0)), wire((0.0, 20.0), (50.0, 40.0)), wire((50.0, 40.0), (90.0, 30.0)),
                 dot), (-10.0, -10.0, 100.0, 100.0))
    found = vee_problems(vee)
    assert len(found) == 2 and "no wire runs level" in found[0] and "is a V" in found[1], found
    good = Scene((wire((0.0, 0.0), (50.0, 40.0)), wire((0.0, 60.0), (50.0, 40.0)), wire((50.0, 40.0), (90.0, 40.0)),
                  dot), (-10.0, -10.0, 100.0, 100.0))
    assert vee_problems(good) == []



def test_a_separator_between_ports_whose_wires_run_on_is_caught():
    """An end between two ports counts as a glyph's side (or the panel's edge) only where both segments stop
    there: beside wires that run on past it (fig16's swap, fig11's curve into H), it floats and is reported; and
    the layout runs fig16's separator on to the h wire that crosses its line."""
    sc = scene(_parse(ROOT / "demo_docs" / "gallery" / "figures" / "fig16.ncd"))
    seps = [p for p in sc.walk() if isinstance(p, Path) and p.role == "separator"]
    right = max(c[-2] for s in seps for c in s.d)
    assert right > 70.0, right  # past the swap's side (58.6) to the h wire
    y, ports = 400.0, ((20.0, 385.0), (20.0, 415.0))
    wires = tuple(Path((("M", 0.0, py), ("L", 100.0, py)), role="wire", owner=f"wire:p{py}") for _, py in ports)
    cut = Path((("M", 0.0, y), ("L", 20.0, y)), role="separator", owner="planted")
    planted = dataclasses.replace(sc, items=sc.items + wires + (cut,), anchors=sc.anchors + ports + ((0.0, 385.0),
                                                                                                 (0.0, 415.0)))
    found = separator_touch_problems(planted)
    assert [p for p in found if "planted" in p] == ["separator planted ends at (20.0, 400.0) touching nothing"], found
    stopped = tuple(Path((("M", 0.0, py), ("L", 20.0, py)), role="wire", owner=f"wire:p{py}") for _, py in ports)
    planted = dataclasses.replace(planted, items=sc.items + stopped + (cut,))
    assert separator_touch_problems(planted) == []  # both segments stop there: the end stands at their side


# (fig 27 left the list when its save and load moved into the copy's and the concatenation's glyphs: no segment
# lies beside another there any more, so it draws no separator)
@pytest.mark.parametrize("name", ["gallery/figures/fig16", "figures/fig20", "figures/fig26",
                                  "gallery/figures/fig32", "figures/decoder-mlp"])
def test_a_separators_dashes_run_on_through_its_joins(name):
    """Where a separator's pieces meet (a step, a join with a glyph's own piece) its dashes run on, as in the
    paper, with no double-length dash or near-solid run at the join: each of these figures has such joins."""
    sc = scene(_parse(ROOT / "demo_docs" / f"{name}.ncd"))
    seps = [p for p in sc.walk() if isinstance(p, Path) and p.role == "separator"]
    assert any(len(p.d) > 2 for p in seps)  # a line of several pieces drawn as one path
    assert dash_restart_problems(sc) == []


def test_a_restarted_dash_pattern_is_caught():
    """The dash checker is not vacuous: a line cut in two at a point 10 along (not a whole period) is reported
    when its second part starts its pattern afresh, and passes when that part's pattern is carried on."""
    from sphinx_ncd.layout.separator_ends import dash_from
    dash = (7.5, 6.0)
    first = Path((("M", 0.0, 0.0), ("L", 10.0, 0.0)), dash=dash, role="separator", owner="a")
    fresh = Path((("M", 10.0, 0.0), ("L", 60.0, 0.0)), dash=dash, role="separator", owner="b")
    sc = Scene((first, fresh), (0.0, -5.0, 60.0, 10.0))
    assert dash_restart_problems(sc) == ["separator b at (10.0, 0.0) starts its dashes afresh"]
    carried = Path(fresh.d, dash=dash_from(dash, 10.0), role="separator", owner="b")
    assert dash_restart_problems(Scene((first, carried), (0.0, -5.0, 60.0, 10.0))) == []

def test_a_dip_is_caught():
    """A wire that passes below the dot before hooking up into it is reported (the old V-dip)."""
    dot = Circle(50.0, 20.0, 2.6, fill="ink", stroke=None, owner="op:9")
    straight = Path((("M", 0.0, 20.0), ("L", 50.0, 20.0)), owner="op:9")
    dip = Path((("M", 0.0, 0.0), ("C", 20.0, 0.0, 20.0, 40.0, 30.0, 40.0),
                ("C", 40.0, 40.0, 40.0, 20.0, 50.0, 20.0)), owner="op:9")
    found = join_problems(Scene((straight, dip, dot), (-10.0, -10.0, 100.0, 100.0)))
    assert len(found) == 1 and "dips past it" in found[0]


@pytest.mark.parametrize("source", ["fig20", "input Q: y k, K: x k\nS = einsum Q K : y k, x k -> y x\noutput S\n"])
def test_a_transpose_crossing_stands_a_pitch_clear_of_the_separator_end(source):
    """An einsum whose first wires cross (K's transpose in scaled dot-product attention) runs a pitch level past
    where the separator between its inputs ends before they cross, as the paper draws it: the separator's end,
    the crossing and the cup are not packed into a few pixels (they stood 11 units apart)."""
    from sphinx_ncd.layout.crossings import scene_stats
    from sphinx_ncd.layout.geometry import PITCH
    from render_helpers import _sep_chains

    d = _parse(ROOT / "demo_docs" / "figures" / f"{source}.ncd") if "\n" not in source else sphinx_ncd.parse(source)
    sc = scene(d)
    ends = [e for e, *_ in _sep_chains([p for p in sc.walk() if isinstance(p, Path) and p.role == "separator"])]
    gaps = [c.x - e[0] for c in scene_stats(sc).points for e in ends
            if e[0] <= c.x and abs(c.y - e[1]) < 2 * PITCH]
    assert gaps and min(gaps) >= PITCH - 0.5, gaps
