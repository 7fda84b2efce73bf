"""A separator keeps one height over the run of columns where it can (:mod:`sphinx_ncd.layout.separator_runs`).

Figure 26's Block drew the separator under its residual branch stepping down under the strided trapezoid's
``s`` and back up one column later; it now stays down until the addition takes it back.
"""
from __future__ import annotations

import sphinx_ncd
from sphinx_ncd.layout.geometry import wire_path
from sphinx_ncd.layout.scene import Group, Path
from sphinx_ncd.layout.separator_runs import level_runs, record
from sphinx_ncd.rendering.api import scene

from render_helpers import ROOT, geometry_problems

FIG26 = ROOT / "demo_docs" / "figures" / "fig26.ncd"


def _piece(pts):
    return Path(wire_path(pts), "ink", None, 2.2, (7.5, 6.0), "separator", "sep")


def _pieces(bands: dict, band_right):
    """A copy's separator at 56 (no room recorded), a step whose middle stands aside at 70, two state pieces at
    59 and the bend of an addition back to 56."""
    pieces = [
        ([(0.0, 56.0), (10.0, 56.0)], [None], False),
        ([(10.0, 56.0), (20.0, 70.0), (60.0, 70.0), (70.0, 59.0)], [(44.0, 72.0), (69.0, 72.0), (44.0, 72.0)], True),
        ([(70.0, 59.0), (90.0, 59.0)], [band_right], False),
        ([(90.0, 59.0), (110.0, 59.0)], [(44.0, 72.0)], False),
        ([(110.0, 59.0), (120.0, 56.0), (130.0, 56.0)], [(44.0, 68.0), None], False),
    ]
    seps = []
    for pts, segs, moved in pieces:
        sep = _piece(pts)
        record(bands, sep, pts, segs, moved)
        seps.append(sep)
    return seps


def _heights(seps) -> list:
    out = []
    for sep in seps:
        for c in sep.d:
            if not out or abs(out[-1] - c[-1]) > 1e-6:
                out.append(c[-1])
    return out


def test_a_piece_moved_aside_carries_its_height_along_the_run():
    bands = {}
    seps = level_runs(_pieces(bands, (44.0, 72.0)), bands)
    assert _heights(seps) == [56.0, 70.0, 56.0]  # down once under the glyph, back up at the addition
    assert seps[0].d == _piece([(0.0, 56.0), (10.0, 56.0)]).d  # the copy's piece stays as drawn


def test_a_moved_piece_carries_its_height_to_the_end_of_its_line():
    bands = {}
    seps = _pieces(bands, (44.0, 72.0))
    record(bands, seps[0], [(0.0, 56.0), (10.0, 56.0)], [(44.0, 72.0)])  # a state piece where the line begins
    assert _heights(level_runs(seps, bands)) == [70.0, 56.0]


def test_a_neighbour_that_cannot_take_the_height_keeps_the_step():
    bands = {}
    before = _pieces(bands, (44.0, 60.0))  # a label over the lower wire there
    seps = level_runs(before, bands)
    assert seps == before


def _separator_heights(sc) -> list:
    def walk(items):
        for it in items:
            if isinstance(it, Group):
                yield from walk(it.items)
            elif isinstance(it, Path) and it.role == "separator":
                yield it
    return [_heights([p]) for p in walk(sc.items)]


def test_fig26_block_separator_steps_down_once_under_the_trapezoid():
    d = sphinx_ncd.parse(FIG26.read_text(encoding="utf-8"), filename=FIG26.name)
    sc = scene(d)
    dips = [ys for ys in _separator_heights(sc) if len(ys) > 1]
    assert dips, "the Block's separator under the strided trapezoid"
    for ys in dips:  # down under the glyph and back once: no staircase
        assert len(ys) == 3 and ys[1] == max(ys), ys
    assert geometry_problems(sc) == []


def test_two_moved_pieces_on_one_run_take_the_lower_height():
    """Over a run that can be level, the height the most demanding column needs (whichever comes first)."""
    for deep_first in (True, False):
        bands = {}
        band = (44.0, 72.0)
        steps = [[(10.0, 56.0), (20.0, 70.0), (60.0, 70.0), (70.0, 59.0)],
                 [(90.0, 59.0), (100.0, 64.0), (140.0, 64.0), (150.0, 59.0)]]
        if not deep_first:
            steps = [[(10.0, 56.0), (20.0, 64.0), (60.0, 64.0), (70.0, 59.0)],
                     [(90.0, 59.0), (100.0, 70.0), (140.0, 70.0), (150.0, 59.0)]]
        pieces = [([(0.0, 56.0), (10.0, 56.0)], [None], False), (steps[0], [band] * 3, True),
                  ([(70.0, 59.0), (90.0, 59.0)], [band], False), (steps[1], [band] * 3, True),
                  ([(150.0, 59.0), (170.0, 59.0)], [band], False),
                  ([(170.0, 59.0), (180.0, 56.0), (190.0, 56.0)], [(44.0, 68.0), None], False)]
        seps = []
        for pts, segs, moved in pieces:
            seps.append(_piece(pts))
            record(bands, seps[-1], pts, segs, moved)
        assert _heights(level_runs(seps, bands)) == [56.0, 70.0, 56.0]
