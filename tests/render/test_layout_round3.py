"""Layout rules found by looking at the figures (third round): dashed separators end at something, never in
mid-air; the verdict badge is legible and clear of the drawing.  Each test reads the laid-out scene."""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd.layout.scene import Group, Path, Text, bbox_of
from sphinx_ncd.model.types import OpKind
from sphinx_ncd.rendering.api import scene

from render_helpers import ROOT, geometry_problems, separator_touch_problems


def _parse(path):
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                            search_path=(str(path.parent), str(ROOT / "templates")))


def _seps(sc):
    return [p for p in sc.walk() if isinstance(p, Path) and p.role == "separator"]


def _points(sep: Path) -> list:
    return [(c[-2], c[-1]) for c in sep.d if c[0] in ("M", "L", "C")]


# --- 1. a separator ends where one of its two segments ends --------------------------------------------------------

def test_separator_of_the_save_and_the_load_end_at_something():
    """U-Net: the separator beside ``save ... to C_\\lambda`` and the one above the loaded C end at something (they
    run on along their lines to the repetition's brackets, as the paper's do), never in mid-air."""
    sc = scene(_parse(ROOT / "demo_docs" / "figures" / "fig27.ncd"))
    assert separator_touch_problems(sc) == []
    saves = [t for t in sc.walk() if isinstance(t, Text) and t.label.text.startswith("C_")]
    assert saves


ATTENTION = """width y x
input E: y m, X: x m
Q = L^Q[q] E : m -> k
K = L^K[k] X : m -> k
V = L^V[v] X : m -> k
S = einsum Q K : y k, x k -> y x
S = scale S by 1/sqrt(k)
A = softmax S over x
O = einsum A V : y x, x k -> y k
O = L^O[o] O : k -> m
R = add E O
R = norm[ln] R over m
output R
"""


@pytest.mark.parametrize("text", [
    ATTENTION,
    # a segment deleted between two that go on: the two lie side by side from there on
    "input X0: a, X1: a, X2: a\nV0 = relu X0\noutput X2\n",
    "input X0: a\nV0 = L X0 : a -> b\nV1 = einsum V0 X0 : b, a -> b a\noutput X0\n",
    # one op's inputs straddle a passing value; a deleted value under a relu's arrow
    "input X0: a\nV0 = L X0 : a -> a\nV1 = L V0 : a -> b\nV2 = add V1 V1\nV3 = L V0 : a -> a\n"
    "V4 = L V0 : a -> a\nV5 = L V1 : b -> a\nV6 = add V1 V2\noutput X0\n",
    "input X0: a b c\nV0 = L X0 : c -> c\nV1 = L X0 : c -> d\nV2 = einsum V0 V1 : a b c, a b d -> c d\n"
    "V3 = L V1 : d -> c\nV4 = L V0 : c -> c\nV5 = relu V2\nV6 = relu V3\noutput X0\n",
])
def test_no_separator_stops_in_mid_air(text):
    sc = scene(sphinx_ncd.parse(text))
    assert geometry_problems(sc) == []


def test_the_deleted_segment_leaves_one_separator_between_its_neighbours():
    sc = scene(sphinx_ncd.parse("input X0: a, X1: a, X2: a\nV0 = relu X0\noutput X2\n"))
    # X1's wire is at y=32, X2's at 64: a separator runs between them (then between V0 and X2) from where X1 ends to the next state
    # (a separator's joined pieces are drawn as one path: its straight runs, one by one)
    runs = [(min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])) for s in _seps(sc)
            for a, b in zip(_points(s), _points(s)[1:])]
    between = [r for r in runs if all(40 < y < 64 for y in (r[1], r[3]))]
    xs = sorted((r[0], r[2]) for r in between)
    # the pieces join into one line from the left edge to where V0 ends
    reach = xs[0][1]
    for a, b in xs[1:]:
        assert a <= reach + 0.5, xs
        reach = max(reach, b)
    mark = next(g for g in sc.items if isinstance(g, Group) and g.role == "op" and g.owner == "op:0")  # V0's R
    assert xs[0][0] <= 0.0 and reach > bbox_of(mark)[2] + 5.0, xs  # past the R mark on V0


# --- 3. the verdict badge reads at the size of a wire label and never touches the drawing --------------------------

@pytest.mark.parametrize("name", ["fig27", "fig21", "fig20"])
def test_badge_is_as_large_as_a_wire_label_and_clear_of_the_drawing(name):
    sc = scene(_parse(ROOT / "demo_docs" / "figures" / f"{name}.ncd"), badge="shapes proved")
    prims = list(sc.walk())
    badge = [p for p in prims if isinstance(p, Text) and p.owner == "badge"]
    assert len(badge) == 1 and badge[0].label.text == "shapes proved"
    bb = badge[0].bbox
    wire_labels = [p for p in prims if isinstance(p, Text) and p.owner.startswith("wire:")
                   and p.label.text.strip() and p.label.text.isalpha() and len(p.label.text) == 1]
    assert wire_labels
    # a plain wire label like 'b' or 'm': the badge's letters are at least as tall
    assert badge[0].label.size >= max(t.label.size for t in wire_labels) - 1e-9
    assert bb[3] - bb[1] >= min(t.bbox[3] - t.bbox[1] for t in wire_labels) - 1e-9
    for p in prims:
        if p is badge[0]:
            continue
        b = bbox_of(p)
        assert not b or not (min(b[2], bb[2]) - max(b[0], bb[0]) > 0 and min(b[3], bb[3]) - max(b[1], bb[1]) > -2.0), \
            (getattr(p, "role", ""), getattr(p, "owner", ""), b, bb)
    vx, vy, vw, vh = sc.viewbox
    assert vx <= bb[0] and bb[2] <= vx + vw and vy <= bb[1] and bb[3] <= vy + vh


# --- 2. a residual whose add comes many steps after the copy still runs level at the copy's rows -------------------

def test_far_residual_runs_level_at_the_copys_rows():
    d = sphinx_ncd.parse(ATTENTION)
    panel = d.panels[0]
    add = next(op for op in panel.operations if op.kind == OpKind.ADD)
    copies = {v.id: op for op in panel.operations if op.kind == OpKind.COPY for v in op.outputs}
    skip = next(v for v in add.inputs if v.id in copies)
    source = copies[skip.id].inputs[0]
    sc = scene(d, max_width=None)  # one row: the residual is not cut
    runs = [p for p in sc.walk() if isinstance(p, Path) and p.role == "wire"
            and p.owner.startswith(f"wire:{skip.id}.")]
    assert len(runs) == 2  # y and m
    starts = {}
    for p in sc.walk():
        if isinstance(p, Path) and p.role == "wire" and p.owner.startswith(f"wire:{source.id}."):
            starts[p.owner] = p.d[0][2]
    rows = sorted(starts.values())
    for r in runs:
        ys = {round(c[-1], 6) for c in r.d if c[0] in ("M", "L")} | \
             {round(y, 6) for c in r.d if c[0] == "C" for y in (c[2], c[4], c[6])}
        assert len(ys) == 1, (r.owner, ys)  # level all the way to the add
        assert ys.pop() in [round(y, 6) for y in rows]  # at the rows E came in on
