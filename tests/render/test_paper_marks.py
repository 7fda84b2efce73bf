"""Marks and headers drawn as the paper draws them: ➤R➤ for ReLU (the model keeps its name), generic functions
named by one capital as large bare italics, the norm's dip, bold repetition brackets with legible bounds, tinted
header boxes for block definitions, and the causal mask's mark."""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd.layout.glyph_boxes import LETTER_SIZE
from sphinx_ncd.layout.scene import Group, Path, Text
from sphinx_ncd.rendering.api import scene

from render_helpers import geometry_problems


def _walk(spec: str):
    d = sphinx_ncd.parse(spec)
    sc = scene(d)
    assert geometry_problems(sc) == []
    return d, sc, list(sc.walk())


def _groups(items):
    for it in items:
        if isinstance(it, Group):
            yield it
            yield from _groups(it.items)


def _op_texts(items) -> list[str]:
    return [it.label.text for it in items if isinstance(it, Text) and it.owner.startswith("op:")]


def test_relu_is_marked_R_as_the_paper_writes_it_and_keeps_its_name_elsewhere():
    d, sc, items = _walk("input X: a\nY = relu X\noutput Y\n")
    assert _op_texts(items) == ["R"]
    op = d.panels[0].operations[0]
    assert op.label == "ReLU" and op.params.function == "relu"  # the model (cost, code) keeps the full name
    titles = [g.title for g in _groups(sc.items) if g.owner == f"op:{op.id}" and g.title]
    assert titles and "ReLU" in titles[0]  # and so does the hover text
    # a label of the user's own is drawn as written; other activations keep theirs
    assert _op_texts(_walk("input X: a\nY = map ReLU X\noutput Y\n")[2]) == ["ReLU"]
    assert _op_texts(_walk("input X: a\nY = gelu X\noutput Y\n")[2]) == ["GELU"]


def test_a_generic_function_named_by_one_capital_is_a_large_bare_italic():
    for spec in ("input X: a\nY = G X : a -> b\noutput Y\n", "input X: a\nY = F^T X : a -> b c\noutput Y\n"):
        _, _, items = _walk(spec)
        assert not [p for p in items if isinstance(p, Path) and p.role == "box" and p.owner.startswith("op:")]
        (t,) = [it for it in items if isinstance(it, Text) and it.owner.startswith("op:")]
        assert t.label.glyphs[0][4] == LETTER_SIZE and t.label.glyphs[0][1] != t.label.text[0]  # large, italic
    # a word, a lower-case letter, or a declared box keep the box
    for spec in ("input X: a\nY = Attn X : a -> b\noutput Y\n", "input X: a\nY = f X : a -> b\noutput Y\n",
                 "def G : a -> b style box\ninput X: a\nY = G X\noutput Y\n"):
        _, _, items = _walk(spec)
        assert [p for p in items if isinstance(p, Path) and p.role == "box" and p.owner.startswith("op:")], spec


def _circle_and_wires(items):
    from sphinx_ncd.layout.scene import Circle

    (c,) = [it for it in items if isinstance(it, Circle) and it.owner.startswith("op:")]
    wires = [p for p in items if isinstance(p, Path) and p.role == "wire" and p.owner.startswith("op:")]
    return c, wires


def test_a_normalisation_draws_the_batch_wire_curving_in_to_touch_its_circle():
    from render_helpers import _samples

    for spec, below in (("input X: b c\nY = norm X over c\noutput Y\n", False),
                        ("input X: c b\nY = norm X over c\noutput Y\n", True)):
        _, _, items = _walk(spec)
        c, wires = _circle_and_wires(items)
        near = [min(((x - c.cx) ** 2 + (y - c.cy) ** 2) ** 0.5 for x, y in _samples(p.d)) for p in wires]
        touching = [p for p, dist in zip(wires, near) if dist < c.r + 1.0]
        assert len(touching) == 2  # the normalised wire through it, and the batch wire at its edge
        dip = next(p for p in touching if {round(y, 3) for _, y in _samples(p.d)} != {round(c.cy, 3)})
        ys = [y for _, y in _samples(dip.d)]
        assert abs(ys[0] - ys[-1]) < 1e-6 and min(abs(y - c.cy) for y in ys) == pytest.approx(c.r, abs=0.3)
        assert (ys[0] > c.cy) == below  # it comes in from its own side
    # no batch axis: every other wire passes straight, clear of the circle
    _, _, items = _walk("input X: a c\nY = norm X over c\noutput Y\n")
    c, wires = _circle_and_wires(items)
    assert all(len({round(y, 3) for _, y in _samples(p.d)}) == 1 for p in wires)


REPEAT = "input X: a\nrepeat \\lambda = 1..N {\n  X = relu X\n}\noutput X\n"


def test_repetition_brackets_are_bold_parentheses_with_bounds_as_large_as_the_labels():
    from sphinx_ncd.layout.geometry import FONT
    from sphinx_ncd.layout.scene import bbox_of

    _, _, items = _walk(REPEAT)
    brackets = [p for p in items if isinstance(p, Path) and p.role == "bracket"]
    assert len(brackets) == 2 and all(p.fill == "ink" for p in brackets)  # filled crescents, not thin strokes
    opening = min(brackets, key=lambda p: bbox_of(p)[0])
    ob = bbox_of(opening)
    mid_y = (ob[1] + ob[3]) / 2
    # its thickness at the middle: between the outer and the inner curve
    from sphinx_ncd.layout.crossings import wire_polyline
    pts = wire_polyline(opening.d)
    at_mid = sorted(x for x, y in pts if abs(y - mid_y) < 2.0)
    assert at_mid[-1] - at_mid[0] >= 2.4
    bounds = {it.label.text: it for it in items if isinstance(it, Text) and it.owner.startswith("group:")}
    assert set(bounds) == {"N", "λ=1"} and all(t.label.size >= FONT for t in bounds.values())
    low = bounds["λ=1"]
    assert bbox_of(low)[0] < ob[2] + 1 and bbox_of(low)[1] > ob[3] - 1  # under the opening bracket


BLOCK = """block Block(s, N, n0, n1) {
  input X: b n0
  X = L X : n0 -> n1
  output X
}
input X: b 4
X = Block(s=2, N, n0=4, n1=8) X
output X
"""


def test_a_block_is_the_papers_tinted_header_box_with_its_name_over_its_arguments():
    from sphinx_ncd.layout.scene import bbox_of

    _, sc, items = _walk(BLOCK)
    blocks = [g for g in _groups(sc.items) if g.role == "op" and any(
        isinstance(p, Path) and p.fill == "block" for p in g.items)]
    assert len(blocks) == 2  # the definition's header and the use
    for g in blocks:
        texts = sorted((it for it in g.items if isinstance(it, Text)), key=lambda t: bbox_of(t)[1])
        assert [t.label.text for t in texts][0] == "Block"
        assert [t.label.text for t in texts][1] in ("(s, N)", "(2, N)")  # n0, n1 label its wires already
        assert bbox_of(texts[0])[3] <= bbox_of(texts[1])[1] + 0.5  # the name over its arguments
        assert any(isinstance(p, Path) and p.fill == "block-side" for p in g.items)  # in relief
    from sphinx_ncd.rendering.theme import DARK, LIGHT
    assert "block" in LIGHT and "block" in DARK and LIGHT["block"] != DARK["block"]


def test_a_causal_mask_is_a_square_with_its_lower_triangle_filled():
    from sphinx_ncd.layout.scene import bbox_of

    d, sc, items = _walk("width t u\ninput A: h t u\nB = mask A over t u\noutput B\n")
    op = d.panels[0].operations[0]
    mine = [it for it in items if getattr(it, "owner", "") == f"op:{op.id}"]
    assert not [t for t in mine if isinstance(t, Text)]  # no label: the mark says it
    boxes = [p for p in mine if isinstance(p, Path) and p.role == "box"]
    square = next(p for p in boxes if p.fill == "paper")
    tri = next(p for p in boxes if p.fill == "ink")
    sb = bbox_of(square)
    assert abs((sb[2] - sb[0]) - (sb[3] - sb[1])) < 1.0 and sb[3] - sb[1] >= 20  # a square, 24 px at 1.2
    pts = [(c[1], c[2]) for c in tri.d if c[0] in ("M", "L")]
    x0, y0 = min(x for x, _ in pts), min(y for _, y in pts)
    x1, y1 = max(x for x, _ in pts), max(y for _, y in pts)
    assert sorted(pts) == sorted([(x0, y0), (x1, y1), (x0, y1)])  # the lower-left triangle: a query keeps the
    assert x0 >= sb[0] and x1 <= sb[2] and x1 - x0 > 20  # earlier keys, filling the square's lower half
    titles = [g.title for g in _groups(sc.items) if g.owner == f"op:{op.id}" and g.title]
    assert titles and "Causal" in titles[0]
    # an additive mask (a value of its own) stays a labelled box
    _, _, items = _walk("width t u\ninput A: h t u, M: t u\nB = mask A M over t u\noutput B\n")
    assert "Mask" in _op_texts(items)


def test_a_rotary_embedding_is_a_box_over_what_it_rotates_with_its_tables_rising_into_it():
    from sphinx_ncd.layout.scene import bbox_of

    spec = "width t\ninput Q: t h e, K: t g e, C: t e, S: t e\nQ, K = rotary Q K C S over t e\noutput Q, K\n"
    d, sc, items = _walk(spec)
    op = d.panels[0].operations[0]
    mine = [it for it in items if getattr(it, "owner", "") == f"op:{op.id}"]
    (box,) = [p for p in mine if isinstance(p, Path) and p.role == "box"]
    b = bbox_of(box)
    ports = {name: xy for name, xy in sc.named_anchors.items() if name.startswith(f"op:{op.id}/in")}
    rows = {name.split("/")[1]: y for name, (_, y) in ports.items()}
    rotated = [y for name, y in rows.items() if name.startswith(("in0.", "in1."))]
    tables = [y for name, y in rows.items() if name.startswith(("in2.", "in3."))]
    assert len(tables) == 4 and min(tables) > b[3]  # the box ends above the tables' rows
    assert b[1] < min(rotated) and max(rotated) < b[3]  # and covers the rotated values
    rising = [p for p in mine if isinstance(p, Path) and p.role == "wire" and p.d[-1][0] == "L"
              and abs(p.d[-1][2] - b[3]) < 1.0 and b[0] < p.d[-1][1] < b[2]]
    assert len(rising) == 4  # each table wire ends in the box's bottom edge
    assert len({round(p.d[-1][1], 1) for p in rising}) == 4


def _single_strokes_of_doubled_wires(sc) -> list:
    """Single wire strokes that begin or end where the two strokes of a doubled (tandem) wire do: a tandem axis
    drawn as one line for a stretch (inside a glyph) and doubled around it."""
    from sphinx_ncd.layout.geometry import TANDEM_OFFSETS, TANDEM_WIRE, WIRE

    def ends(p):
        pts = [c[-2:] for c in p.d if c[0] in "ML"]
        return [pts[0], pts[-1]] if pts else []

    paths = [p for p in sc.walk() if isinstance(p, Path) and p.role == "wire" and not p.dash]
    thin = {(round(x, 1), round(y, 1)) for p in paths if p.width == TANDEM_WIRE for x, y in ends(p)}
    return [p.d for p in paths if p.width == WIRE
            for x, y in ends(p) if any((round(x, 1), round(y + off, 1)) in thin for off in TANDEM_OFFSETS)]


@pytest.mark.parametrize("spec", [
    "tandem Y X\ninput A: c Y, B: c X\nS = einsum A B : c Y, c X -> Y X\noutput S\n",  # through an einsum
    "tandem Y\ninput A: b c Y, B: k Y\nS = einsum A B : b c Y, k Y -> b k Y\noutput S\n",  # merged, and level
    "tandem Y\ninput A: b c Y\nB = G A : c -> k\noutput B\n",  # over a box
])
def test_a_tandem_axis_stays_doubled_through_a_glyph(spec):
    d = sphinx_ncd.parse(spec)
    assert _single_strokes_of_doubled_wires(scene(d)) == []


def test_fig28_s_doubled_wires_are_doubled_all_the_way():
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "demo_docs" / "figures" / "fig28.ncd"
    d = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)
    assert _single_strokes_of_doubled_wires(scene(d)) == []
