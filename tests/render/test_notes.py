"""Layout and outputs of the ``name`` and ``note`` statements.

Names: an input's name left of where its wires begin, an output's right of where they end, a value made inside
the diagram named once in the state where it first shows, never on a wire.  Notes: in the row of their first
target, in the free slot nearest it, clear of everything else, within the fold width, a straight leader from the
target that crosses no label, glyph or other note, a highlight behind each target; in SVG (light and dark), PDF,
PNG and the interactive SVG's box hover.
"""
from __future__ import annotations

import io
import math
import random

import pytest
from render_helpers import ROOT, chain_spec, geometry_problems

import sphinx_ncd
from sphinx_ncd.layout.notes import NOTE_WRAP
from sphinx_ncd.layout.scene import Path, Text, bbox_of
from sphinx_ncd.rendering.api import DEFAULT_MAX_WIDTH, render, scene
from sphinx_ncd.rendering.interactive import metadata

ANNOTATED = ROOT / "demo_docs" / "figures" / "fig21-notes.ncd"

SCALED = """\
width y x
input Q: y k, K: x k, V: x k
name Q, K, V
S = einsum Q K : y k, x k -> y x
A = softmax S over x
name A
O = einsum A V : y x, x k -> y k
name O
output O
"""


def _annotated():
    return sphinx_ncd.parse(ANNOTATED.read_text(encoding="utf-8"), filename=ANNOTATED.name)


def _owned(sc, prefix):
    return [p for p in sc.walk() if getattr(p, "owner", "").startswith(prefix)]


def _wire_xs(sc, vid):
    xs = [c[-2] for p in _owned(sc, f"wire:{vid}.") if isinstance(p, Path) for c in p.d if c[0] in "MLC"]
    return min(xs), max(xs)


def test_names_stand_where_the_paper_puts_them():
    d = sphinx_ncd.parse(SCALED)
    sc = scene(d, max_width=None)
    ids = {v.name: v.id for v in d.main.inputs}
    ids.update({v.name: v.id for op in d.main.operations for v in op.outputs})
    for name in "QKV":  # inputs: left of their wires, one each
        texts = [t for t in _owned(sc, f"name:{ids[name]}") if isinstance(t, Text)]
        assert len(texts) == 1 and texts[0].label.text == name
        assert texts[0].bbox[2] < _wire_xs(sc, ids[name])[0]
    out = [t for t in _owned(sc, f"name:{ids['O']}") if isinstance(t, Text)]
    assert len(out) == 1 and out[0].bbox[0] > _wire_xs(sc, ids["O"])[1]
    inner = [t for t in _owned(sc, f"name:{ids['A']}") if isinstance(t, Text)]
    assert len(inner) == 1
    lo, hi = _wire_xs(sc, ids["A"])
    assert lo - 1 <= inner[0].bbox[0] <= hi
    assert geometry_problems(sc) == []


def test_a_name_is_drawn_once_even_across_folded_rows():
    d = sphinx_ncd.parse(chain_spec(12).replace("output", "name " + _chain_names(12) + "\noutput"))
    for width in (None, 300):
        sc = scene(d, max_width=width)
        owners = [t.owner for t in sc.walk() if isinstance(t, Text) and t.owner.startswith("name:")]
        assert owners and len(owners) == len(set(owners)) == len(d.main.names)
        assert geometry_problems(sc) == []


def _chain_names(n):
    d = sphinx_ncd.parse(chain_spec(n))
    return ", ".join(dict.fromkeys(v.name for op in d.main.operations for v in op.outputs if v.axes))


def _notes(sc):
    """owner -> (note box, its texts, its leaders, its highlights)."""
    out = {}
    for p in sc.walk():
        if getattr(p, "owner", "").startswith("note:"):
            box, texts, leaders, hls = out.setdefault(p.owner, [None, [], [], []])
            if isinstance(p, Text):
                texts.append(p)
            elif p.role == "note":
                out[p.owner][0] = p
            elif p.role == "leader":
                leaders.append(p)
            elif p.role == "highlight":
                hls.append(p)
    return out


def _seg(a, b):
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))


def _chords(p):
    from render_helpers import _segments
    return _segments(p.d)


def _crosses_box(a, b, box):
    from render_helpers import _segment_hits
    return _segment_hits(a, b, box, 0.5)


def _overlaps(a, b, shrink=0.5):
    return min(a[2], b[2]) - max(a[0], b[0]) > shrink and min(a[3], b[3]) - max(a[1], b[1]) > shrink


@pytest.mark.parametrize("width", [None, 613, 300])
def test_notes_stand_clear_of_the_drawing_and_of_each_other(width):
    d = _annotated()
    sc = scene(d, max_width=width)
    notes = _notes(sc)
    assert len(notes) == len(d.main.notes)
    boxes = {}
    for owner, (box, texts, leaders, _) in notes.items():
        assert box is not None and texts and leaders, owner
        bb = bbox_of(box)
        boxes[owner] = bb
        for t in texts:  # the text inside its box, no line wider than the wrap (or the fold)
            assert bb[0] <= t.bbox[0] and t.bbox[2] <= bb[2] + 0.01 and bb[1] <= t.bbox[1] and t.bbox[3] <= bb[3]
            assert t.label.width <= min(NOTE_WRAP, width or NOTE_WRAP) + 0.01
        for leader in leaders:  # one straight line, to an edge of its note
            assert len(leader.d) == 2 or width == 300  # (bent only where no straight line could reach a note)
            (_, x1, y1) = leader.d[-1]
            assert any(abs(c) < 0.5 for c in (y1 - bb[1], y1 - bb[3], x1 - bb[0], x1 - bb[2]))
    for p in sc.walk():  # nothing but a note's own parts, and a fence it stands wholly inside, overlaps a note
        owner = getattr(p, "owner", "")
        pb = bbox_of(p)
        if pb is None or owner.startswith("note:"):
            continue
        for o, bb in boxes.items():
            if p.role in ("fence", "shadow") and pb[0] <= bb[0] and pb[1] <= bb[1] and bb[2] <= pb[2] \
                    and bb[3] <= pb[3]:
                continue
            if isinstance(p, Path) and p.fill is None:  # a line: its ink, not its bounding box
                assert not any(_overlaps(_seg(a, b), bb, 0.0) and _crosses_box(a, b, bb) for a, b in _chords(p)), \
                    (p.role, owner, o)
            else:
                assert not _overlaps(pb, bb), (p.role, owner, o)
    keys = sorted(boxes)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert not _overlaps(boxes[a], boxes[b]), (a, b)
    if width:
        assert sc.viewbox[2] <= width + 0.5
    assert geometry_problems(sc) == []


def test_a_highlight_lies_behind_each_target_it_explains():
    d = _annotated()
    sc = scene(d, max_width=None)
    op_boxes: dict = {}  # each operation's glyph: the union of what it draws (a learned map draws no box)
    for p in sc.walk():
        owner, bb = getattr(p, "owner", ""), bbox_of(p)
        if owner.startswith("op:") and getattr(p, "role", "") not in ("wire", "highlight") and bb is not None:
            prev = op_boxes.get(owner, bb)
            op_boxes[owner] = (min(prev[0], bb[0]), min(prev[1], bb[1]), max(prev[2], bb[2]), max(prev[3], bb[3]))
    lit = [n for n in d.main.notes if n.highlight is not None]
    assert lit
    items = list(sc.walk())
    einsums = {op.id for op in d.main.operations if op.kind == "einsum"}
    for note in lit:
        hls = [p for p in items if getattr(p, "role", "") == "highlight"]
        for kind, tid in note.targets:
            if tid in einsums:  # tinted along the path joining them (test_the_tint_follows_the_path_...)
                continue
            box = op_boxes[f"op:{tid}"]
            assert any(bbox_of(h)[0] <= box[0] and bbox_of(h)[2] >= box[2] and bbox_of(h)[1] <= box[1]
                       and bbox_of(h)[3] >= box[3] for h in hls), tid
    first_box = next(k for k, p in enumerate(items) if getattr(p, "role", "") == "box")
    assert all(k < first_box for k, p in enumerate(items) if getattr(p, "role", "") == "highlight")


def _random_annotated(seed: int) -> str:
    rng = random.Random(seed)
    spec = chain_spec(rng.randint(2, 14))
    d = sphinx_ncd.parse(spec)
    made = list(dict.fromkeys(v.name for op in d.main.operations for v in op.outputs if v.axes))
    lines = spec.rstrip("\n").split("\n")
    out = lines[-1]
    extra = []
    for k in range(rng.randint(1, 4)):
        target = rng.choice(made)
        kind = rng.choice(["", "op "])
        words = " ".join(rng.choice(["the", "map", "$x$", "wire", "copies", "heads", "$k_1$"])
                         for _ in range(rng.randint(1, 40)))
        extra.append(f'note {kind}{target} "{words}"' + (" highlight" if rng.random() < 0.5 else ""))
    return "\n".join(lines[:-1] + extra + [out]) + "\n"


@pytest.mark.parametrize("seed", range(12))
def test_random_notes_keep_the_layouts_promises(seed):
    d = sphinx_ncd.parse(_random_annotated(seed))
    for width in (None, 613, 300):
        sc = scene(d, max_width=width)
        assert geometry_problems(sc) == []
        notes = _notes(sc)
        assert len(notes) == len(d.main.notes)
        others = [bbox_of(p) for p in sc.walk() if not getattr(p, "owner", "").startswith("note:")]
        for box, *_ in notes.values():
            assert not any(b and _overlaps(b, bbox_of(box)) for b in others)


def test_svg_carries_the_notes_in_both_themes():
    d = _annotated()
    auto = render(d, "svg")
    assert ">We copy the" in auto and "generate K and V.</text>" in auto  # selectable, searchable (its lines
    # wrapped to the slot the note takes)
    assert "<title>We copy the injected data to generate K and V.</title>" in auto  # the note's accessible name
    assert "--ncd-note:#fff1a8" in auto and "--ncd-note:#4a4322" in auto  # light, and dark in the media query
    dark = render(d, "svg", theme="dark")
    assert "#4a4322" in dark and "#fff1a8" not in dark


def test_pdf_and_png_draw_the_notes():
    d = _annotated()
    plain = sphinx_ncd.parse("\n".join(line for line in ANNOTATED.read_text(encoding="utf-8").splitlines()
                                       if not line.strip().startswith(("note", "name"))))
    pdf = render(d, "pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > len(render(plain, "pdf"))
    from PIL import Image

    img = Image.open(io.BytesIO(render(d, "png", scale=1))).convert("RGB")
    assert img.size[1] > Image.open(io.BytesIO(render(plain, "png", scale=1))).size[1]
    colours = img.getcolors(1 << 20)
    assert any(abs(r - 0xff) < 3 and abs(g - 0xf1) < 3 and abs(b - 0xa8) < 3 for _, (r, g, b) in colours)


def test_the_interactive_hover_of_a_box_shows_its_note():
    d = _annotated()
    meta = metadata(d)
    noted = {tid for n in d.main.notes for kind, tid in n.targets if kind == "op"}
    assert noted
    for tid in noted:
        text = meta["o"][str(tid)][2]
        assert any(n.text.replace("$", "") in text for n in d.main.notes if ("op", tid) in n.targets)


HOSTILE = [
    "x" * 300,  # one word wider than any fold: cut between its characters
    "https://example.org/a/very/long/address/that/never/breaks/anywhere/at/all and on",
    r"back\slash {brace} ^caret_ under\ λ ∑ 🙂 $\bar{x}_1$ $$ end",
    "$" + "k_1 " * 40 + "$",  # a long piece of maths stays whole
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_any_note_text_is_drawn_within_the_fold(text):
    spec = "input X: a\nY = relu X\nZ = relu Y\n" + f'note Y "{text}" highlight\nnote op Z "{text}"\noutput Z\n'
    d = sphinx_ncd.parse(spec)
    for width in (613, 300):
        sc = scene(d, max_width=width)
        assert len(_notes(sc)) == 2 and geometry_problems(sc) == []
        if "$" + "k_1" not in text:
            assert sc.viewbox[2] <= width + 0.5
    for fmt in ("svg", "pdf", "png"):
        assert render(d, fmt)


def test_the_geometry_checker_catches_a_note_on_the_drawing():
    import dataclasses

    from render_helpers import note_problems

    sc = scene(_annotated())
    assert note_problems(sc) == []
    moved = tuple(dataclasses.replace(p, d=tuple((c[0], c[1], c[2] - 150) if len(c) == 3 else c for c in p.d))
                  if isinstance(p, Path) and p.role == "note" else p for p in sc.walk())
    problems = note_problems(dataclasses.replace(sc, items=moved))
    assert any("overlaps the note" in p for p in problems)
    assert any("does not end on the edge of its note" in p for p in problems)


def test_notes_of_a_block_definition_and_of_the_figure_are_both_drawn():
    spec = ('block Twice {\n  input X: a\n  Y = relu X\n  name Y\n  note op Y "first" highlight\n  output Y\n}\n'
            'input Z: a\nW = Twice Z\nnote W "the block once"\noutput W\n')
    d = sphinx_ncd.parse(spec, filename="b.ncd")
    sc = scene(d)
    notes = _notes(sc)
    assert len(notes) == 2  # one owner per note statement, across panels
    assert sorted(" ".join(t.label.text for t in texts) for _, texts, _, _ in notes.values()) == [
        "first", "the block once"]
    assert geometry_problems(sc) == []


def _leader_points(p):
    return [(c[1], c[2]) for c in p.d if c[0] in ("M", "L")]


def _leader_length(p):
    pts = _leader_points(p)
    return sum(math.dist(a, b) for a, b in zip(pts, pts[1:]))


@pytest.mark.parametrize("name", ["fig21-notes", "fig27-notes"])
@pytest.mark.parametrize("width", [None, 613, 300])
def test_the_papers_notes_stand_beside_what_they_explain(name, width):
    """The paper writes its notes beside the part they explain, with short leaders that cross no label or glyph
    (fig 27's first note ran through the max-pool's wire, between 2^2 and Max, and fig 21's four notes hung
    under the drawing on leaders up to 140 units long); leaders cross no wire either."""
    from render_helpers import leader_wire_crossings, note_problems

    path = ROOT / "demo_docs" / "figures" / f"{name}.ncd"
    sc = scene(sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name), max_width=width)
    assert note_problems(sc) == []
    if name == "fig27-notes" or width != 300:
        assert set(leader_wire_crossings(sc).values()) == {0}
    else:  # fig 21 folded to 300 units, a tall column of short rows: a highlighted note's one leader starts from
        # the tinted part nearest the note (it ran from L^V up through L^K and L^Q, over 8 wires); the diagonalize
        # note's einsums stand in two rows, its leader from the first one's join dot down past its row's wires
        assert max(leader_wire_crossings(sc).values()) <= 4
    leaders = [p for p in sc.walk() if getattr(p, "role", "") == "leader" and p.owner.startswith("note:")]
    assert all(len(p.d) == 2 for p in leaders)
    if width != 300:  # fig 21 at the default fold: "We copy the injected data" hung under the panel on a 135-unit
        # leader from the inputs down the margin; it points at the copy's branch, the nearest part of it, now
        assert max(_leader_length(p) for p in leaders) <= 55.0


@pytest.mark.parametrize("seed", range(12))
def test_random_notes_leaders_cross_no_label_and_few_wires(seed):
    from render_helpers import leader_wire_crossings, note_problems

    d = sphinx_ncd.parse(_random_annotated(seed))
    for width in (None, 613):
        sc = scene(d, max_width=width)
        assert note_problems(sc) == []
        assert all(n <= 1 for n in leader_wire_crossings(sc).values())


def test_the_checker_catches_a_leader_through_a_label():
    import dataclasses

    from render_helpers import note_problems

    sc = scene(_annotated())
    label = next(p for p in sc.walk() if isinstance(p, Text) and p.owner.startswith("wire:"))
    lb = label.bbox
    items, bent = [], False
    for p in sc.walk():  # one leader bent through a wire's label on its way to its note
        if isinstance(p, Path) and p.role == "leader" and p.owner.startswith("note:") and not bent:
            (_, x1, y1), bent = p.d[-1], True
            p = dataclasses.replace(p, d=(("M", (lb[0] + lb[2]) / 2, lb[1] - 5), ("L", (lb[0] + lb[2]) / 2, lb[3] + 5),
                                          ("L", x1, y1)))
        items.append(p)
    problems = note_problems(dataclasses.replace(sc, items=tuple(items)))
    assert any("crosses the label" in p for p in problems)


@pytest.mark.parametrize("name", ["fig21-notes", "scaled"])
def test_a_name_stands_well_apart_from_every_other_label(name):
    """fig 21's "Q k", "K k", "V k": a value's name read as one word with the axis label beside it; the paper
    sets Q, K and V clearly apart.  Every name keeps at least 10 units (a name's own height) from any label."""
    d = sphinx_ncd.parse(SCALED) if name == "scaled" else _annotated()
    for width in (None, 613, 300):
        texts = [t for t in scene(d, max_width=width).walk() if isinstance(t, Text)]
        assert any(t.owner.startswith("name:") for t in texts)
        for t in texts:
            if not t.owner.startswith("name:"):
                continue
            for u in texts:
                if u is t or u.owner.startswith("note:"):
                    continue
                a, b = t.bbox, u.bbox
                gap = math.hypot(max(0.0, a[0] - b[2], b[0] - a[2]), max(0.0, a[1] - b[3], b[1] - a[3]))
                assert gap >= 10.0, (t.label.text, u.label.text, width)


def test_the_tint_follows_the_path_between_the_operations_it_explains():
    """fig 21's note on the two einsums that diagonalize the heads is tinted as the paper tints "Concat
    (Diagonalize)": a disc on each einsum's join dot and a tinted stroke along every wire between the two dots
    (a chain of strokes meeting end to end), not a column over either einsum."""
    from sphinx_ncd.layout.scene import Circle

    d = _annotated()
    ids = [op.id for op in d.main.operations if op.kind == "einsum"]
    (note,) = [n for n in d.main.notes if n.highlight is not None and ("op", ids[0]) in n.targets]
    assert ("op", ids[1]) in note.targets
    for width in (None, 613):
        items = list(scene(d, max_width=width).walk())
        owner = next(p.owner for p in items if getattr(p, "role", "") == "note" and "During" in
                     " ".join(t.label.text for t in items if isinstance(t, Text) and t.owner == p.owner))
        tints = [p for p in items if getattr(p, "role", "") == "highlight" and p.owner == owner]
        discs = [c for c in tints if isinstance(c, Circle)]
        strokes = [p for p in tints if isinstance(p, Path)]
        dots = {i: [c for c in items if isinstance(c, Circle) and c.role == "dot" and c.owner == f"op:{i}"]
                for i in ids}
        lit = {i: [c for c in dots[i] if any(math.dist((c.cx, c.cy), (t.cx, t.cy)) < 0.01 for t in discs)]
               for i in ids}
        assert lit[ids[0]] and lit[ids[1]], lit  # each einsum's join dot is tinted
        assert all(p.fill is None and p.width >= 5 for p in strokes)  # a broad stroke along the wires

        def ends(p):
            pts = [(c[-2], c[-1]) for c in p.d if c[0] in "MLC"]
            return pts[0], pts[-1]

        def near(a, b, r=0.7):
            return abs(a[0] - b[0]) <= r and abs(a[1] - b[1]) <= r

        start = [k for k, p in enumerate(strokes) if any(near(e, (c.cx, c.cy), c.r + 0.7) for e in ends(p)
                                                        for c in lit[ids[0]])]
        seen, todo = set(start), list(start)
        while todo:  # the tinted strokes join the first einsum's dot to the second's
            k = todo.pop()
            for n, q in enumerate(strokes):
                if n not in seen and any(near(a, b) for a in ends(strokes[k]) for b in ends(q)):
                    seen.add(n)
                    todo.append(n)
        assert any(near(e, (c.cx, c.cy), c.r + 0.7) for k in seen for e in ends(strokes[k]) for c in lit[ids[1]])
        assert len(seen) >= 4  # through the scale and the softmax, not one stroke


def test_a_tint_split_by_the_fold_lights_each_rows_part():
    """Folded to 300 units, fig 21's two einsums stand in two rows: each row tints its own einsum's join dot
    (before, only the row holding the note drew its tint, and the second einsum had none)."""
    from sphinx_ncd.layout.scene import Circle

    d = _annotated()
    ids = [op.id for op in d.main.operations if op.kind == "einsum"]
    items = list(scene(d, max_width=300).walk())
    discs = [c for c in items if isinstance(c, Circle) and c.role == "highlight"]
    for i in ids:
        dots = [c for c in items if isinstance(c, Circle) and c.role == "dot" and c.owner == f"op:{i}"]
        assert any(math.dist((c.cx, c.cy), (t.cx, t.cy)) < 0.01 for c in dots for t in discs), i
    assert geometry_problems(scene(d, max_width=300)) == []


BROKEN = """\
width y x
input Q: y k h, K: x k h, V: x k h
S = einsum Q K : y k h, x k h -> y x h
break
T = relu S
break
A = softmax T over x
break
O = einsum A V : y x h, x k h -> y k h
note op S, O "The heads stay apart from the first product to the second." highlight
output O
"""


@pytest.mark.parametrize("case", ["fig21-300", "fig21-340", "breaks"])
def test_a_tint_split_by_the_fold_runs_on_across_the_break(case):
    """Folded so that two einsums joined by a highlighted note stand in different rows (fig 21 at 300 and 340
    units; ``break`` statements that put the path's middle in two rows of its own), the tint along the path
    between them goes on across each break as the wire does: from the first einsum's dot to the row's right edge
    and over the arrowhead, through every row between, and from the last row's left edge to the second einsum's
    dot -- one chain of tinted strokes (before, each row tinted only the strokes touching its own dot, and the
    wire between looked untouched)."""
    from sphinx_ncd.layout.scene import Circle

    d = _annotated() if case.startswith("fig21") else sphinx_ncd.parse(BROKEN)
    ids = [op.id for op in d.main.operations if op.kind == "einsum"]
    sc = scene(d, max_width=int(case[6:]) if case.startswith("fig21") else None)
    items = list(sc.walk())
    owner = next(p.owner for p in items if getattr(p, "role", "") == "highlight" and isinstance(p, Circle))
    tints = [p for p in items if isinstance(p, Path) and p.role == "highlight" and p.owner == owner]
    dots = {i: [(c.cx, c.cy) for c in items if isinstance(c, Circle) and c.role == "dot" and c.owner == f"op:{i}"]
            for i in ids}
    assert dots[ids[0]][0][1] < min(y for _, y in dots[ids[1]]) - 100, "the einsums stand in two rows"
    jumps = [(tip, resumed) for _, tip, resumed in sc.continued]

    def ends(p):
        pts = [(c[-2], c[-1]) for c in p.d if c[0] in "MLC"]
        return pts[0], pts[-1]

    def meet(a, b):
        return math.dist(a, b) <= 0.7 or any(math.dist(a, t) <= 0.7 and math.dist(b, r) <= 0.7 or
                                             math.dist(b, t) <= 0.7 and math.dist(a, r) <= 0.7 for t, r in jumps)

    seen = {k for k, p in enumerate(tints) if any(math.dist(e, dot) <= 4 for e in ends(p) for dot in dots[ids[0]])}
    todo = list(seen)
    while todo:  # the tinted strokes from the first einsum's dot, end to end and across the break
        k = todo.pop()
        for n, q in enumerate(tints):
            if n not in seen and any(meet(a, b) for a in ends(tints[k]) for b in ends(q)):
                seen.add(n)
                todo.append(n)
    assert any(math.dist(e, dot) <= 4 for k in seen for e in ends(tints[k]) for dot in dots[ids[1]])
    crossed = {t for k in seen for e in ends(tints[k]) for t, _ in jumps if math.dist(e, t) <= 0.7}
    assert len(crossed) == (3 if case == "breaks" else 1)  # over one arrowhead per break, on one wire
    assert geometry_problems(sc) == []


def test_a_notes_maths_sets_a_tandem_axis_as_its_wires_do():
    """``$\\bar{x}$`` in a note, where x is a tandem axis of the diagram, is the bold sans x of its wires (the
    paper's U-Net note on "the x̄ axes"); a barred width axis stays the italic it is on its wires."""
    spec = ("tandem x\nwidth y\ninput X: y c x\nX = relu X\n"
            'note op X "A map over the $\\bar{x}$ axes, not the $\\bar{y}$ one."\noutput X\n')
    sc = scene(sphinx_ncd.parse(spec), max_width=None)
    texts = [t for t in sc.walk() if isinstance(t, Text)]

    def styles(prefix, char):
        return {g[0] for t in texts if t.owner.startswith(prefix) for g in t.label.glyphs if g[1] == char}

    wire_x, wire_y = styles("wire:", "x"), styles("wire:", "𝑦")
    assert wire_x and "math" not in wire_x and wire_y == {"math"}
    assert styles("note:", "x") >= wire_x  # (the plain word "axes" has an x too)
    assert styles("note:", "𝑦") == wire_y


@pytest.mark.parametrize("name", ["fig21-notes", "fig27-notes"])
@pytest.mark.parametrize("width", [None, DEFAULT_MAX_WIDTH])
def test_a_note_reads_as_a_note_not_a_column_of_words(name, width):
    """A note is wrapped to a shape that reads as a note where a wider place costs about the same: fig 27's
    concatenation note was a column of 9 lines 100 units wide beside the concat (the paper sets 4 lines, in a
    wider drawing); now 7 lines 129 units wide in the same place: none is over 7 lines or under 110 units wide."""
    path = ROOT / "demo_docs" / "figures" / f"{name}.ncd"
    sc = scene(sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name), max_width=width)
    boxes = {p.owner: bbox_of(p) for p in sc.walk() if isinstance(p, Path) and p.role == "note"}
    lines = {o: sum(isinstance(t, Text) for t in _owned(sc, o)) for o in boxes}
    assert boxes and all(n <= 7 for n in lines.values()), lines
    assert all(b[2] - b[0] >= 110 for b in boxes.values()), boxes
