"""Folding: a panel wider than the target width is cut into rows at memory states.

The laws: folding never changes the order of the sections or which wire goes
where; every carried wire ends at an arrowhead and resumes, named the same, on
the next row (``continuation_problems``, part of the geometry checker); cuts are
never inside a fence narrower than the target; placing a piece never changes
its inner geometry.
"""
from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pytest

import sphinx_ncd
from sphinx_ncd.layout.fold import Strip, choose_cuts
from sphinx_ncd.layout.pieces import Piece, below, beside, place
from sphinx_ncd.layout.scene import Group, Path, Text, bbox_of
from sphinx_ncd.layout.wires import ARROW_TIP
from sphinx_ncd.rendering.api import DEFAULT_MAX_WIDTH, scene

from render_helpers import ROOT, chain_spec, fence_sides, fence_problems, geometry_problems
from test_random import specs

WIDE = {"fig26": ROOT / "demo_docs" / "figures" / "fig26.ncd",
        "fig27": ROOT / "demo_docs" / "figures" / "fig27.ncd",
        "fig22": ROOT / "demo_docs" / "gallery" / "figures" / "fig22.ncd"}


def _parse(path):
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)


def _op_boxes(sc) -> dict:
    out = {}
    stack = list(sc.items)
    while stack:
        it = stack.pop()
        if isinstance(it, Group):
            if it.role == "op":
                out[it.owner] = bbox_of(it)
            stack.extend(it.items)
    return out


def _touching(pt, boxes, tol=1.5) -> set:
    return {o for o, b in boxes.items() if b and b[0] - tol <= pt[0] <= b[2] + tol and b[1] - tol <= pt[1] <= b[3] + tol}


def _wiring(sc) -> dict:
    """wire owner -> the operations its runs start or end at (continued runs end at arrows and row edges)."""
    boxes = _op_boxes(sc)
    out: dict = {}
    for p in sc.walk():
        if isinstance(p, Path) and p.role == "wire" and p.owner.startswith("wire:"):
            pts = [(c[-2], c[-1]) for c in p.d if c[0] in ("M", "L", "C")]
            ends = _touching(pts[0], boxes) | _touching(pts[-1], boxes)
            out.setdefault(p.owner, set()).update(ends)
    return out


# --- the paper's wide figures -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(WIDE))
def test_wide_figures_fold_into_rows(name):
    d = _parse(WIDE[name])
    sc = scene(d)
    x, y, w, h = sc.viewbox
    assert w <= DEFAULT_MAX_WIDTH + 20  # the target, plus the margins
    assert w / h <= 2.0  # no strip: at most about 2:1
    assert sc.continued  # it was folded
    assert geometry_problems(sc) == []
    flat = scene(d, max_width=None)
    assert flat.viewbox[2] > 1.5 * w


@pytest.mark.parametrize("name", sorted(WIDE))
def test_folding_keeps_the_sections_and_the_wires(name):
    d = _parse(WIDE[name])
    folded, flat = scene(d), scene(d, max_width=None)
    assert set(_op_boxes(folded)) == set(_op_boxes(flat))
    assert _wiring(folded) == _wiring(flat)


def test_fence_narrower_than_the_target_is_never_cut():
    d = _parse(WIDE["fig27"])
    sc = scene(d)
    fences: dict = {}
    for it in sc.items:
        if isinstance(it, Group) and it.role == "fence":
            fences.setdefault(it.owner, []).append(bbox_of(it))
    for owner, boxes in fences.items():
        for b in boxes:
            assert b[2] - b[0] <= DEFAULT_MAX_WIDTH
    # the U-Net's double convolutions are each drawn whole, once per use
    assert len(fences) >= 1 and all(len(set(bs)) == len(bs) for bs in fences.values())


@pytest.mark.parametrize("width", [200.0, 250.0, 300.0, 380.0, 400.0, 420.0, 450.0])
def test_a_fence_cut_by_the_rows_is_open_at_each_cut(width):
    """Fig 21's fences are wider than these widths: each row draws its part of a fence open where the row cuts it
    (no edge, running to the row's edge), closed where the fence begins and ends, titled once (a title wider than
    the row's part of its fence is wrapped; one that would touch a wire's name is raised clear of it: at 250 and
    380-450 "Scaled Dot-Product Attention" used to sit on the name of the y wire)."""
    sc = scene(_parse(ROOT / "demo_docs" / "figures" / "fig21.ncd"), max_width=width)
    assert sc.continued and geometry_problems(sc) == []
    parts: dict = {}
    for it in sc.items:
        if isinstance(it, Group) and it.role == "fence":
            parts.setdefault(it.owner, []).append(fence_sides(it))
    outer = sorted(parts["group:0"], key=lambda p: p[0][1])  # "Multi-Head Attention", row by row
    assert len(outer) >= 2
    assert [(left, right) for _, left, right in outer] == \
        [(True, False)] + [(False, False)] * (len(outer) - 2) + [(False, True)]
    titles = [t for t in sc.walk() if isinstance(t, Text) and t.owner == "group:0"]
    assert titles and all(outer[0][0][1] < t.y < outer[0][0][3] for t in titles)  # in its first row only
    # every wire carried across a cut runs inside the fence on both rows (it goes from one of its operations to
    # another): at 250 the wires of V ran below the fence on the middle rows
    for owner, tip, resumed in sc.continued:
        for x, y in (tip, resumed):
            assert any(x0 - ARROW_TIP - 0.5 <= x <= x1 + ARROW_TIP + 0.5 and y0 <= y <= y1
                       for (x0, y0, x1, y1), _, _ in outer), (owner, x, y)


def test_the_checker_finds_a_fence_open_where_nothing_is_cut():
    sc = scene(_parse(ROOT / "demo_docs" / "figures" / "fig21.ncd"), max_width=None)
    fence = next(it for it in sc.items if isinstance(it, Group) and it.role == "fence")
    edge = next(p for p in fence.items if p.stroke)
    x0, y0, x1, y1 = bbox_of(edge)
    opened = Path((("M", x0, y0), ("L", x1, y0), ("M", x0, y1), ("L", x1, y1)), stroke=edge.stroke, width=edge.width,
                  role="fence", owner=edge.owner)
    items = tuple(Group(tuple(opened if p is edge else p for p in it.items), it.role, it.owner, it.title)
                  if it is fence else it for it in sc.items)
    problems = fence_problems(dataclasses.replace(sc, items=items))
    assert any("open on its right" in p for p in problems) and any("open on its left" in p for p in problems)


def test_a_narrow_diagram_is_not_folded():
    d = _parse(ROOT / "demo_docs" / "figures" / "fig10.ncd")
    assert scene(d).continued == () and scene(d).viewbox == scene(d, max_width=None).viewbox


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(specs(), st.floats(60.0, 700.0))
def test_random_specs_folded_at_random_widths(text, width):
    try:
        d = sphinx_ncd.parse(text)
    except sphinx_ncd.NCDError:
        assume(False)
        return
    folded, flat = scene(d, max_width=width), scene(d, max_width=None)
    assert geometry_problems(folded) == [], text
    assert set(_op_boxes(folded)) == set(_op_boxes(flat)), text
    assert _wiring(folded) == _wiring(flat), text


def test_a_long_chain_folds_in_reading_order():
    d = sphinx_ncd.parse(chain_spec(30))
    folded, flat = scene(d, max_width=400), scene(d, max_width=None)
    assert folded.viewbox[2] <= 420 and len(folded.continued) >= 2
    assert geometry_problems(folded) == []
    order = [o for o, _ in sorted(_op_boxes(flat).items(), key=lambda kv: kv[1][0])]
    boxes = _op_boxes(folded)
    cuts = sorted({t[1] for _, t, _ in folded.continued})  # one carried wire: one arrow per cut, row by row
    reading = sorted(order, key=lambda o: (sum(boxes[o][1] > y for y in cuts), boxes[o][0]))
    assert reading == order


# --- the cut chooser ---------------------------------------------------------------------------------------------


def _strip(widths, groups=(), boundary=(), breaks=()):
    """A strip of states of no width and steps of the given widths (section 2k+1 is step k)."""
    left, right, x = [], [], 0.0
    for k in range(2 * len(widths) + 1):
        w = widths[k // 2] if k % 2 else 0.0
        left.append(x)
        x += w
        right.append(x)
    states = tuple(range(0, 2 * len(widths) + 1, 2))
    return Strip(tuple(left), tuple(right), {k: 0.0 for k in states}, states, tuple(groups), frozenset(boundary),
                 frozenset(breaks))


def test_a_cut_carrying_few_wires_is_preferred_to_one_carrying_many():
    """Two rows either way: the cut goes where fewer wires cross it (not just after a copy has fanned out), even
    when that leaves the rows less even."""
    plain = _strip([100, 100, 100, 100])
    assert choose_cuts(plain, 250) == [4]  # two rows of 200
    wires = {0: 2, 2: 11, 4: 11, 6: 3, 8: 3}
    few = Strip(plain.left, plain.right, plain.relabel, plain.states, wires=wires)
    assert choose_cuts(few, 350) == [6]  # 300 + 100: three wires carried over rather than eleven
    assert choose_cuts(Strip(plain.left, plain.right, plain.relabel, plain.states), 350) == [4]


def test_cuts_only_when_too_wide_or_asked():
    assert choose_cuts(_strip([100, 100]), 300) == []
    assert choose_cuts(_strip([100, 100], breaks={2}), 300) == [2]
    assert choose_cuts(_strip([100, 100, 100]), 250) in ([2], [4])


def test_fewest_rows_of_even_width():
    cuts = choose_cuts(_strip([100] * 6), 350)
    assert cuts == [6]  # two rows of three (300 each), not 300 and 300 by another split


def test_no_end_row_holds_a_lone_step_when_as_few_rows_are_even():
    """A boundary just before the last step (or just after the first) once left that step alone on its row; two
    even rows are taken instead.  A lone step is still left where the other cut names many more wires twice."""
    assert choose_cuts(_strip([100] * 4, boundary={6}), 350) == [4]  # 200 + 200, not 300 + a lone 100
    assert choose_cuts(_strip([100] * 4, boundary={2}), 350) == [4]
    s = _strip([100] * 4, boundary={6})
    many = dataclasses.replace(s, wires={0: 2, 2: 11, 4: 11, 6: 3, 8: 3})
    assert choose_cuts(many, 350) == [6]  # three wires carried rather than eleven: the lone step stays


def test_a_strip_a_hair_wider_than_the_target_is_kept_whole():
    """As the rows' own check allows half a unit, so does the strip: a panel 0.2 over is not cut in two (the
    causal attention once left its output map alone on a second row for that)."""
    s = _strip([100, 100])
    assert choose_cuts(s, 199.7) == []
    assert choose_cuts(s, 199.0) == [2]
    assert choose_cuts(_strip([100, 100], breaks={2}), 199.7) == [2]  # a break the author wrote still cuts


def test_never_inside_a_narrow_fence_and_prefers_boundaries():
    # steps 1..3 (sections 3, 5, 7) are one fence of 300: no cut at 4 or 6
    s = _strip([100] * 6, groups=[(3, 7, 0.0)])
    for c in choose_cuts(s, 450):
        assert not 3 < c < 7
    # a boundary is taken over an equally good mid-chain cut
    assert choose_cuts(_strip([100] * 4, boundary={4}), 300) == [4]
    assert choose_cuts(_strip([100] * 6, boundary={4, 8}), 450) in ([4], [8])  # (one leaving no lone step)


def test_a_narrow_fence_is_cut_only_where_that_saves_a_row():
    # five steps of 100 at 300: keeping the fence of steps 1..3 (sections 3..7, 300) whole takes three rows
    # (100, 300, 100); cutting inside it takes two (a short row alone at either end is what this avoids)
    s = _strip([100] * 5, groups=[(3, 7, 0.0)])
    cuts = choose_cuts(s, 300)
    assert len(cuts) == 1 and 3 < cuts[0] < 7
    # at 400 it is kept whole in two rows either way
    assert all(not 3 < c < 7 for c in choose_cuts(s, 400))


def test_a_fence_wider_than_the_target_may_be_cut():
    s = _strip([100] * 6, groups=[(1, 11, 0.0)])
    assert choose_cuts(s, 350)


def test_a_row_cutting_a_group_counts_the_group_edge_room_it_draws_open():
    """A group cut by a row's edge is drawn open there, its edge room taken all the same: two rows of 300 inside a
    repetition whose edges take 40 are each 320 wide, so at 300 they take three rows (fig 26's Block was once cut
    into rows that came out 50 wider than measured, then laid out again)."""
    s = _strip([100] * 6, groups=[(1, 11, 40.0)])
    assert choose_cuts(s, 300) == [4, 8]
    assert choose_cuts(s, 340) == [6]


# --- composition laws --------------------------------------------------------------------------------------------


def _piece(text: str) -> Piece:
    sc = scene(sphinx_ncd.parse(text), max_width=None)
    items = list(sc.items)
    from sphinx_ncd.layout.pieces import bbox_all

    return Piece(mid=items, bbox=bbox_all(items), align_y=0.0)


def _boxes(items):
    out = []
    stack = list(items)
    while stack:
        it = stack.pop(0)
        if isinstance(it, Group):
            stack[:0] = list(it.items)
        else:
            out.append(bbox_of(it))
    return out


def test_placing_a_piece_moves_every_primitive_by_the_same_offset():
    p = _piece("input X: a b\nY = L X : b -> c\nZ = relu Y\noutput Z\n")
    q = place(p, 13.5, -7.25)
    for a, b in zip(_boxes(p.mid), _boxes(q.mid)):
        if a is None:
            continue
        assert b == pytest.approx((a[0] + 13.5, a[1] - 7.25, a[2] + 13.5, a[3] - 7.25))
    assert q.bbox == pytest.approx((p.bbox[0] + 13.5, p.bbox[1] - 7.25, p.bbox[2] + 13.5, p.bbox[3] - 7.25))


def test_beside_and_below_keep_each_piece_whole_and_in_order():
    p = _piece("input X: a b\nY = L X : b -> c\noutput Y\n")
    q = _piece("input X: a\nY = softmax X over a\noutput Y\n")
    side = beside(p, q, 10.0)
    n = len(p.mid)
    assert _boxes(side.mid[:n]) == _boxes(p.mid)  # the first piece does not move
    moved = _boxes(side.mid[n:])
    dx = moved[0][0] - _boxes(q.mid)[0][0]
    dy = moved[0][1] - _boxes(q.mid)[0][1]
    for a, b in zip(_boxes(q.mid), moved):
        assert b == pytest.approx((a[0] + dx, a[1] + dy, a[2] + dx, a[3] + dy))
    assert side.bbox[2] == pytest.approx(p.bbox[2] + 10.0 + q.width)
    under = below(p, q, 5.0)
    assert under.bbox[3] == pytest.approx(p.bbox[3] + 5.0 + q.height)
    assert under.rows == 2


# --- the author's break --------------------------------------------------------------------------------------------

BREAK = """\
input X: a b
Y = relu X
break
Z = softmax Y over a
output Z
"""


@pytest.mark.parametrize("width", [None, DEFAULT_MAX_WIDTH, 2000.0])
def test_break_forces_a_cut_at_any_width(width):
    d = sphinx_ncd.parse(BREAK)
    sc = scene(d, max_width=width)
    assert [o for o, _, _ in sc.continued] == ["wire:1.0", "wire:1.1"]  # Y's two wires, a then b
    assert geometry_problems(sc) == []
    boxes = _op_boxes(sc)
    relu, softmax = sorted(boxes.values(), key=lambda b: b[1])
    assert softmax[1] > relu[3]  # the softmax is on the row below the ReLU


def test_without_a_break_the_same_spec_is_one_row():
    d = sphinx_ncd.parse(BREAK.replace("break\n", ""))
    assert scene(d).continued == ()


def test_a_highlight_note_sits_under_its_own_row():
    d = sphinx_ncd.parse(chain_spec(30))
    target = d.operations[3]  # on the first row
    sc = scene(d, max_width=400, highlights=[(target.id, "look here")])
    note = next(p for p in sc.walk() if isinstance(p, Text) and p.label.text == "look here")
    box = _op_boxes(sc)[f"op:{target.id}"]
    first_cut = min(t[1] for _, t, _ in sc.continued)  # the first row's carried wire
    next_row = min(r[1] for _, _, r in sc.continued)  # where it resumes
    assert box[3] < note.y < next_row and first_cut < note.y
    assert geometry_problems(sc) == []


def test_glyph_anchor_names_survive_into_the_scene_and_move_with_their_row():
    text = ("input Q: y k, K: x k\n" + "Q = relu Q\n" * 6 + "S = einsum Q K : y k, x k -> y x\noutput S\n")
    d = sphinx_ncd.parse(text)
    einsum = next(op for op in d.operations if op.kind == "einsum")
    flat, folded = scene(d, max_width=None), scene(d, max_width=260)
    name = f"op:{einsum.id}/cap.k"  # the cup that sums over k
    assert name in flat.named_anchors and name in folded.named_anchors
    for sc in (flat, folded):  # it sits on the einsum's glyph, wherever the glyph went
        x, y = sc.named_anchors[name]
        box = _op_boxes(sc)[f"op:{einsum.id}"]
        assert box[0] - 1 <= x <= box[2] + 1 and box[1] - 1 <= y <= box[3] + 1
    assert folded.continued  # it was folded, so the glyph moved to a lower row
    assert folded.named_anchors[name][1] > flat.named_anchors[name][1]


@pytest.mark.parametrize("name,width", [("fig21", 250.0), ("fig21", 400.0), ("fig21-notes", 450.0),
                                        ("fig28", 250.0), ("fig28", 380.0), ("fig27", 400.0)])
def test_folded_attention_figures_keep_their_geometry(name, width):
    """Folded at widths that once put a fence title on a wire's name or left carried wires outside a fence: every
    geometric promise holds, and no crossing falls within a pitch of a dot."""
    from render_helpers import crossing_problems

    sc = scene(_parse(ROOT / "demo_docs" / "figures" / f"{name}.ncd"), max_width=width)
    assert sc.continued  # (fig 21's block header alone is wider than 250: the one part that is not folded)
    assert geometry_problems(sc) == [] and crossing_problems(sc) == []


@pytest.mark.parametrize("name", ["fig21", "fig21-notes", "fig28"])
def test_attention_figures_fit_one_row_at_the_default_width(name):
    """The paper sets multi-head and visual attention as one row at column width: so do we (the block header of
    fig 21 stands above its body, which is not cut; the notes under it), with labels at their full size and a
    clean geometry."""
    d = _parse(ROOT / "demo_docs" / "figures" / f"{name}.ncd")
    sc = scene(d)
    assert sc.continued == ()  # no panel was cut into rows
    assert sc.viewbox[2] <= DEFAULT_MAX_WIDTH + 0.5
    sizes = {round(t.label.size, 2) for t in sc.walk() if isinstance(t, Text) and t.role == "label"
             and t.owner.startswith("wire:")}
    assert sizes and min(sizes) >= 11.0  # wire labels keep the label font
    assert geometry_problems(sc) == []


def test_causal_attention_is_one_row_at_the_default_width():
    """Its body measures 0.2 over the target: once cut into the attention and a second row holding its output map
    alone; now one row (within the half unit the rows' own check allows), with a clean geometry."""
    sc = scene(_parse(ROOT / "demo_docs" / "figures" / "decoder-attention.ncd"))
    assert sc.continued == ()
    assert sc.viewbox[2] <= DEFAULT_MAX_WIDTH + 1.5  # (the target leaves 12 for margins of 13.1, plus the half unit)
    assert geometry_problems(sc) == []


@pytest.mark.parametrize("spec,width", [("decoder-gqa", 300.0), ("decoder-gqa", 320.0), ("decoder-gqa", 560.0),
                                        ("fig21", 200.0), ("fig21", 330.0)])
def test_a_fence_title_the_fold_cuts_stays_on_one_line(spec, width):
    """A fence begun near a row's right edge and cut there keeps its title on one line: the row's last column
    reaches as far as the title needs (within the fold width), and a title still too long for that is set a
    little smaller (at least 0.85 of the title size) -- "Grouped-Query Attention" over one view bar was wrapped
    into two lines from 280 to 344 units and at 512-576, and widening the row for it without that bound put
    figures over the fold width and folded them into more rows."""
    from sphinx_ncd.layout.fences import TITLE_FONT, TITLE_MIN_SCALE

    d = _parse(ROOT / "demo_docs" / "figures" / f"{spec}.ncd")
    sc = scene(d, max_width=width)
    titles = {g.id: g.title for p in d.panels for g in p.groups if g.title}
    drawn = [t for t in sc.walk() if isinstance(t, Text) and t.owner.startswith("group:")
             and int(t.owner[6:]) in titles]
    assert sorted(t.label.text for t in drawn) == sorted(titles.values())  # each whole, on one line
    assert all(t.label.size >= TITLE_FONT * TITLE_MIN_SCALE - 0.01 for t in drawn)
    for t in drawn:  # within its fence's part on the row where the fence begins
        box = next(bbox_of(it) for it in sc.items if isinstance(it, Group) and it.role == "fence"
                   and it.owner == t.owner and bbox_of(it)[1] <= t.y <= bbox_of(it)[3])
        assert box[0] < t.x and t.x + t.label.width <= box[2] + 0.5, (t.label.text, box)
    assert sc.viewbox[2] <= width + 0.5 and geometry_problems(sc) == []
