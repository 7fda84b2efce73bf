"""Geometry: every paper figure and generated diagrams keep the layout's promises.

No label overlaps another label, a box or a wire it does not belong to; every
primitive lies inside the viewBox; every wire ends on an anchor; every separator ends at something (a glyph,
a wire, a dot, between two ports or at the panel's edge).  Columns are
the diagram's sections (independent operations share one column).
"""
from __future__ import annotations

import dataclasses

import pytest

import sphinx_ncd
from sphinx_ncd.layout.scene import Circle, Path, Text, bbox_of
from sphinx_ncd.rendering.api import scene

from render_helpers import ALL_SPECS, FIGURES, ROOT, chain_spec, geometry_problems, parallel_spec


@pytest.mark.parametrize("path", FIGURES, ids=[p.stem for p in FIGURES])
def test_paper_figure_geometry(path):
    d = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)
    sc = scene(d)
    assert geometry_problems(sc) == []
    assert any(isinstance(p, Text) for p in sc.walk())


@pytest.mark.parametrize("path", ALL_SPECS, ids=[str(p.relative_to(ROOT)) for p in ALL_SPECS])
def test_every_spec_in_the_repository(path):
    try:
        d = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                             search_path=(str(path.parent), str(ROOT / "templates")))
    except sphinx_ncd.NCDError:
        pytest.skip("not a valid spec on its own (an error example or a fragment)")
    assert geometry_problems(scene(d)) == []


GENERATED = {
    "chain-12": chain_spec(12),
    "parallel-6": parallel_spec(6),
    "fan": "input A: a b, B: c\nP = G A : b -> d\nQ = relu B\nR = H P Q : d, c -> e\noutput R\n",
    "copy-add": "input X: n m\nY = L X : m -> m\nZ = add X Y\noutput Z\n",
    "index": "input A: a b\nB = index A at 2 on a\noutput B\n",
    "view-concat": "input A: 28 28, B: 784\nC = view A : 28 28 -> 784\nD = concat C B over 784\noutput D\n",
    "einsum-transpose": "input A: a b\nB = einsum A : a b -> b a\noutput B\n",
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_geometry(name):
    try:
        d = sphinx_ncd.parse(GENERATED[name], filename=name + ".ncd")
    except sphinx_ncd.NCDError as err:  # the language may spell a construct differently
        pytest.skip(f"spec not accepted by the language: {err}")
    assert geometry_problems(scene(d)) == []


def test_checker_catches_planted_problems():
    d = sphinx_ncd.parse(FIGURES[0].read_text(encoding="utf-8"))
    sc = scene(d)
    wire = next(p for p in sc.walk() if isinstance(p, Path) and p.owner.startswith("wire:"))
    text = next(p for p in sc.walk() if isinstance(p, Text))
    x, y = wire.d[0][1], wire.d[0][2]
    planted = dataclasses.replace(sc, items=sc.items + (Text(text.label, x + 1, y + 2, owner="planted"),))
    assert any("planted" in p for p in geometry_problems(planted))
    outside = dataclasses.replace(sc, items=sc.items + (Circle(1e5, 1e5, 1, owner="far"),))
    assert any("outside the viewBox" in p for p in geometry_problems(outside))
    assert any("on no anchor" in p for p in geometry_problems(dataclasses.replace(sc, anchors=())))


def test_independent_operations_share_a_column():
    """Q, K, V projections are in one step: their glyphs (the paper's bold L) overlap horizontally."""
    spec = ("input E: y m, X: x m, Z: z m\nQ = L[a] E : m -> k\nK = L[b] X : m -> k\nV = L[c] Z : m -> k\n"
            "output Q, K, V\n")
    d = sphinx_ncd.parse(spec)
    sc = scene(d)
    boxes = {}
    for p in sc.walk():
        if isinstance(p, Text) and p.owner.startswith("op:"):
            boxes[p.owner] = (p.bbox[0], p.bbox[2])
    assert len(boxes) == 3
    spans = list(boxes.values())
    assert max(s[0] for s in spans) < min(s[1] for s in spans)
    assert geometry_problems(sc) == []


def test_uniform_pitch_and_straight_chain():
    d = sphinx_ncd.parse(chain_spec(6))
    sc = scene(d)
    ys = set()
    for p in sc.walk():
        if isinstance(p, Path) and p.role == "wire" and p.owner.startswith("wire:"):
            assert all(c[0] in ("M", "L") for c in p.d), "a chain needs no bends"
            ys |= {round(c[2], 3) for c in p.d}
    assert len(ys) == 2 and abs(max(ys) - min(ys) - 20.0) < 1e-6


def test_broadcast_wire_passes_over_the_box():
    d = sphinx_ncd.parse("input X: a m\nY = Attn X : m -> n\noutput Y\n")
    sc = scene(d)
    ops = [g for g in sc.items if getattr(g, "owner", "").startswith("op:")]
    assert len(ops) == 1
    items = list(ops[0].items)
    box = next(i for i in items if isinstance(i, Path) and i.role == "box")
    over = [i for i in items if isinstance(i, Path) and i.role == "wire"]
    assert over and items.index(over[0]) > items.index(box)  # drawn on top of the box
    top = min(c[2] for c in box.d if c[0] in ("M", "L"))
    assert all(c[2] < top for c in over[0].d if c[0] in ("M", "L"))  # above it, uninterrupted


@pytest.mark.parametrize("path", FIGURES[:6], ids=[p.stem for p in FIGURES[:6]])
def test_highlight_notes_and_badge_keep_clear(path):
    d = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)
    hl = tuple((op.id, f"expected k h, got y x h ({op.id})") for op in d.operations[:2])
    sc = scene(d, highlights=hl, badge="mismatch")
    assert geometry_problems(sc) == []
    texts = [p.label.text for p in sc.walk() if isinstance(p, Text)]
    assert "mismatch" in texts and all(note in texts for _, note in hl)
    alert = {p.owner for p in sc.walk() if isinstance(p, Path) and p.stroke == "alert"}
    assert {f"op:{op_id}" for op_id, _ in hl} <= alert


def test_a_wire_ending_in_mid_air_is_caught(monkeypatch):
    """The scene's anchors are the glyphs' ports and the panel's edges, not every wire's ends (a check against
    those could never fail): a layout that stopped its wires short of the glyphs they enter is reported."""
    from sphinx_ncd.layout.wires import WireRuns

    spec = "input X: b m\nY = L X : m -> k\nZ = relu Y\noutput Z\n"
    assert geometry_problems(scene(sphinx_ncd.parse(spec))) == []
    end = WireRuns.end

    def short(self, key, x, y, op=None, via_x=None):  # every wire into a glyph stops 8 units before it
        return end(self, key, x - 8.0, y, op, via_x)

    monkeypatch.setattr(WireRuns, "end", short)
    found = geometry_problems(scene(sphinx_ncd.parse(spec)))
    assert any("on no anchor" in p for p in found), found


def test_a_separator_ending_in_mid_air_is_caught(monkeypatch):
    """A separator, like a wire, ends at a glyph, a wire, a dot or the panel's edge: the U-Net's save and load
    rows carry theirs on to the repetition's brackets (as the paper's); a layout that left them where the saved
    and the loaded segments stop, beside the save and the load, is reported.  (Drawn with the save and the load
    in columns of their own: the U-Net draws them inside the copy's and the concatenation's glyphs, see
    :mod:`sphinx_ncd.layout.glyph_memory`, where no separator is left.)"""
    from sphinx_ncd.layout import panels

    monkeypatch.setattr(panels, "fuse_memory", lambda panel, sections: sections)
    spec = ROOT / "demo_docs" / "figures" / "fig27.ncd"
    sc = scene(sphinx_ncd.parse(spec.read_text(encoding="utf-8"), filename=spec.name))
    assert geometry_problems(sc) == []
    brackets = [bbox_of(p) for p in sc.walk() if isinstance(p, Path) and p.role == "bracket"]
    seps = [p for p in sc.walk() if isinstance(p, Path) and p.role == "separator"]
    ends = [(c[-2], c[-1]) for s in seps for c in (s.d[0], s.d[-1])]
    near = [e for e in ends for b in brackets if b[0] - 3 <= e[0] <= b[2] + 3 and b[1] <= e[1] <= b[3]]
    assert len(near) >= 2, near  # the save row's separator ends at ")", the loaded one starts at "("
    monkeypatch.setattr(panels, "separators_reach", lambda seps, wires, glyphs, *args: (seps, glyphs))
    found = geometry_problems(scene(sphinx_ncd.parse(spec.read_text(encoding="utf-8"), filename=spec.name)))
    assert sum("touching nothing" in p for p in found) >= 2, found


def test_every_panels_named_anchors_survive_the_joins():
    """Block definitions drawn under a figure reuse their operations' ids: the later panel's named anchors are
    kept under a numbered name instead of being dropped."""
    from sphinx_ncd.layout.pieces import Piece, beside, below

    a = Piece(bbox=(0, 0, 10, 10), named={"op:0/in0.0": (0.0, 5.0)})
    b = Piece(bbox=(0, 0, 10, 10), named={"op:0/in0.0": (0.0, 5.0), "op:1/out0.0": (10.0, 5.0)})
    c = Piece(bbox=(0, 0, 10, 10), named={"op:0/in0.0": (0.0, 5.0)})
    joined = below(beside(a, b, 4.0), c, 4.0)
    assert joined.named["op:0/in0.0"] == (0.0, 5.0)
    assert joined.named["op:0/in0.0#2"] == (14.0, 5.0) and joined.named["op:1/out0.0"] == (24.0, 5.0)
    assert joined.named["op:0/in0.0#3"] == (0.0, 19.0)
    path = ROOT / "demo_docs" / "figures" / "fig26.ncd"
    d = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                         search_path=(str(path.parent), str(ROOT / "templates")))
    named = scene(d).named_anchors
    assert any(k.endswith("#2") for k in named) and len(set(named.values())) == len(named)


# one spec per kind of glyph that has a body a wire may not pass through (the wirings -- einsums, copies,
# additions, views -- are junctions, held by the dot checks in test_crossings.py)
GLYPH_KINDS = {
    "learned (the paper's bold L, no box)": "input X: b m\nY = L X : m -> k\noutput Y\n",
    "function box": "input X: b m\nY = G X : m -> k\noutput Y\n",
    "element-wise": "input X: b m\nY = relu X\noutput Y\n",
    "softmax": "input X: b m\nY = softmax X over m\noutput Y\n",
    "norm": "input X: b m\nY = norm X over m\noutput Y\n",
    "scale": "input X: b m\nY = scale X by 1/sqrt(m)\noutput Y\n",
    "index": "input X: b m\nY = index X at 2 on m\noutput Y\n",
    "convolution (compact star-k box)": "tandem X\ninput V: c X\nY = conv+[C] V over X : c -> k kernel 3\noutput Y\n",
    "convolution (star tensor, stride)":
        "tandem X\ninput V: c X\nY = conv+[C] V over X : c -> k kernel 3 stride 2\noutput Y\n",
}


@pytest.mark.parametrize("kind", sorted(GLYPH_KINDS))
def test_the_checker_sees_a_wire_through_every_kind_of_glyph(kind):
    """A wire planted straight through an operation's drawn body (its box, its mark, or the bold letter of a
    learned map that has no box) is reported as running through it."""
    from sphinx_ncd.layout.scene import bbox_of

    sc = scene(sphinx_ncd.parse(GLYPH_KINDS[kind]))
    assert geometry_problems(sc) == []
    op = next(g for g in _all_groups(sc.items) if g.role == "op")
    body = [bbox_of(p) for p in op.items if getattr(p, "role", "") in ("box", "glyph", "label")]
    body = [b for b in body if b]
    assert body, kind
    x0, x1 = min(b[0] for b in body), max(b[2] for b in body)
    big = max(body, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    y = (big[1] + big[3]) / 2
    stray = Path((("M", x0 - 12, y), ("L", x1 + 12, y)), role="wire", owner="wire:999.0")
    planted = dataclasses.replace(sc, items=sc.items + (stray,), anchors=sc.anchors + ((x0 - 12, y), (x1 + 12, y)))
    found = geometry_problems(planted)
    assert any("wire:999.0" in p and op.owner in p for p in found), (kind, found)


def _all_groups(items):
    from sphinx_ncd.layout.scene import Group

    for it in items:
        if isinstance(it, Group):
            yield it
            yield from _all_groups(it.items)
