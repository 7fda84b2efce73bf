"""A copy's fan-out: a value copied several times the same way is a chain of two-branch dots, as the paper's.

Each dot sends one branch on level and one bending away; the bending branches nest (the deepest leaves
first), so they cross none of their own and every dot keeps a pitch from every crossing.  The checker's
``fan_problems`` (part of ``geometry_problems``, so run over every spec of the repository and random specs)
holds every dot to it: no two wires leaving a dot run together.
"""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd.layout import glyph_wirings
from sphinx_ncd.layout.crossings import crossings, dots_of, wire_polyline
from sphinx_ncd.layout.glyph_parts import OpRows
from sphinx_ncd.layout.scene import Path, Scene
from sphinx_ncd.rendering.api import scene

from render_helpers import ROOT, crossing_problems, dot_problems, fan_problems, geometry_problems

# Q, K and V from one input of two wires: each wire is copied three times, two of its copies bending down
QKV = "input X: a m\nQ = L[q] X : m -> k\nK = L[k] X : m -> k\nV = L[v] X : m -> k\noutput Q, K, V\n"
FIG22 = ROOT / "demo_docs" / "gallery" / "figures" / "fig22.ncd"
# every spec of the repository that copies one value three or more times (fig 22's Q, K, V and residual)
FANS = [FIG22, ROOT / "demo_docs" / "figures" / "decoder-gqa.ncd", ROOT / "templates" / "llama.ncd",
        ROOT / "templates" / "transformer.ncd"]


def _leaving(sc, dot) -> list:
    """The wires that leave ``dot`` rightwards, as polylines from it."""
    out = []
    for w in sc.walk():
        if isinstance(w, Path) and w.role == "wire":
            pts = wire_polyline(w.d)
            for a in (pts, pts[::-1]):
                if abs(a[0][0] - dot.cx) < 0.6 and abs(a[0][1] - dot.cy) < 0.6 and a[-1][0] > dot.cx + 1:
                    out.append(a)
    return out


def _one_bend_per_dot(sc) -> None:
    for d in dots_of(sc):
        leaving = _leaving(sc, d)
        bending = [p for p in leaving if max(abs(y - d.cy) for _, y in p) > 1.0]
        if len(leaving) > 1:  # a copy's dot (a merge's or a sum's has one wire leaving it)
            assert len(bending) <= 1, f"the dot at ({d.cx:.1f}, {d.cy:.1f}) sends {len(bending)} bends one way"


def test_three_copies_of_two_wires_are_chains_of_two_branch_dots():
    sc = scene(sphinx_ncd.parse(QKV))
    dots = dots_of(sc)
    mid = (min(d.cy for d in dots) + max(d.cy for d in dots)) / 2
    upper, lower = sorted(d.cx for d in dots if d.cy < mid), sorted(d.cx for d in dots if d.cy > mid)
    assert len(upper) == len(lower) == 2
    # the deepest copy leaves first: the lower wire's, then the upper wire's, then their shallower copies
    assert lower[0] < upper[0] < lower[1] < upper[1]
    _one_bend_per_dot(sc)
    # nested branches cross none of their own: only the upper wire's two bends cross the lower wire
    assert len(crossings(sc)) == 2
    assert fan_problems(sc) == [] and crossing_problems(sc) == [] and dot_problems(sc) == []
    assert geometry_problems(sc) == []


def test_the_checker_sees_the_bundle_a_single_dot_draws(monkeypatch):
    """Drawn as before (three S-bends leaving one dot level), the copies run together: the checker says so."""
    monkeypatch.setattr(glyph_wirings, "fan_branches", lambda src, outs: None)
    sc = scene(sphinx_ncd.parse(QKV))
    problems = fan_problems(sc)
    assert problems and all("leave the dot" in p for p in problems)


@pytest.mark.parametrize("path", FANS, ids=[p.stem for p in FANS])
def test_the_fans_of_the_gallery_part_at_their_dots(path):
    d = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                         search_path=(str(path.parent), str(ROOT / "templates")))
    for sc in (scene(d), scene(d, max_width=None)):
        _one_bend_per_dot(sc)
        assert fan_problems(sc) == [] and crossing_problems(sc) == [] and dot_problems(sc) == []


@pytest.mark.parametrize("outs", [
    [[0.0, 20.0], [52.0, 72.0], [-52.0, -32.0], [104.0, 124.0]],  # two down, one up
    [[0.0, 20.0], [-60.0, -40.0], [-112.0, -92.0]],  # both up
    [[52.0, 72.0], [104.0, 124.0]],  # no level copy: each wire turns into its last branch
    [[0.0, 20.0, 40.0], [60.0, 80.0, 100.0], [120.0, 140.0, 160.0]],  # three wires
], ids=["mixed", "up", "no-level", "three-wires"])
def test_any_fan_keeps_its_dots_clear(outs):
    """The chain's rules hold whichever way the copies go: every dot a pitch from every crossing, no wire
    through a dot it does not end at, no two wires leaving a dot together."""
    src = [0.0, 20.0, 40.0][:len(outs[0])]
    g = OpRows(op=None, ins=[src], outs=outs, in_core=[[True] * len(src)],
               out_core=[[True] * len(o) for o in outs], pairs=[], owner="op:1")
    glyph = glyph_wirings.draw_copy(g)
    sc = Scene(tuple(glyph.items), (-10.0, -200.0, glyph.width + 20.0, 400.0))
    assert fan_problems(sc) == [] and crossing_problems(sc) == [] and dot_problems(sc) == []
    _one_bend_per_dot(sc)
    ends = {round(wire_polyline(w.d)[-1][1], 6) for w in sc.walk() if isinstance(w, Path)
            and w.role == "wire" and abs(wire_polyline(w.d)[-1][0] - glyph.width) < 1e-6}
    assert ends == {y for ys in outs for y in ys}  # every copy reaches its row at the glyph's edge
