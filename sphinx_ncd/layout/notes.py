"""Layout (stage 3): the author's notes -- ``note`` statements drawn clear of the diagram.

Each note is a tinted box of wrapped text in the row (of a folded panel) that holds its first target, with a
straight leader to what it explains: a value (its wires where they are first shown), an operation (its glyph
and labels) or a fence.  Where it stands is the free slot nearest its targets (:mod:`.note_slots`): above,
below, beside the drawing, or in a gap inside it (on a fence's tint, never across its edge), at the wrap width
that suits the slot, with leaders that cross no label, glyph or other note and as few wires as they can.  The
notes on the smallest targets are placed first.  Notes never overlap the drawing or each other, and stay
within the fold width.  A note with ``highlight`` also tints a column behind each of its targets (behind the
wires and glyphs, above the fences), in the note's colour.  Text is wrapped to :data:`NOTE_WRAP` at most (or
the fold width, if narrower); ``$...$`` in a note is maths, set like the wire labels, and a barred name of a
tandem axis of the diagram in it (``$\\bar{x}$``) is set as the wires set that axis, bold sans.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from .axismarks import name_marks
from .geometry import SMALL_FONT
from .mathtext import label, outline_label
from .note_slots import CLEAR, Grid, Ink, place_note
from .note_tint import fold_tints, joined_tints
from .pieces import union
from .scene import Group, Path, Text, bbox_of

__all__ = ["NOTE_FONT", "NOTE_WRAP", "add_author_notes", "add_fold_tints", "note_lines"]

NOTE_FONT = SMALL_FONT + 1.5
NOTE_WRAP = 240.0  # widest line of a note's text
NOTE_PAD = 5.0  # inside a note's box
WRAPS = (150.0, 120.0)  # narrower wraps a note may take where a tall note fits better
LINE_GAP = 2.5  # between two lines of a note's text
HL_PAD = 4.0  # a highlight beyond its targets
_ESCAPE = {c: "\\" + c for c in "\\{}^_"}
_SEGMENT = re.compile(r"\$[^$]*\$|[^\s$]+|\s+")
_MATH = re.compile(r"\$[^$]*\$")
_BARRED = re.compile(r"\\(?:bar|overline)\s*\{\s*(\\?[A-Za-z]+)\s*\}")


def axis_styled(text: str, tandem) -> str:
    """``text`` with each barred name in its maths that names a tandem axis (``tandem``: the axes' first names,
    as :func:`.axismarks.name_marks` gives them) set as the wires set that axis: ``$\\bar{x}$`` ->
    ``$\\bar{\\mathsf{\\mathbf{x}}}$``."""
    if not tandem:
        return text

    def axis(m):
        name = m.group(1)
        return "\\bar{\\mathsf{\\mathbf{" + name + "}}}" if name.lstrip("\\") in tandem else m.group(0)
    return _MATH.sub(lambda m: _BARRED.sub(axis, m.group(0)), text)


def _words(text: str) -> list[list[tuple[str, str]]]:
    """The note's words (what lies between spaces), each as pieces ``("text", chars)`` or ``("math", source)``:
    ``$...$`` is maths, set as the wire labels are, and stays whole (``$h$-axes`` is one word)."""
    out: list[list[tuple[str, str]]] = []
    glue = False
    for seg in _SEGMENT.findall(text):
        if seg.isspace():
            glue = False
            continue
        piece = ("math", seg[1:-1].strip()) if seg.startswith("$") else ("text", seg)
        if not piece[1]:
            continue
        if glue and out:
            out[-1].append(piece)
        else:
            out.append([piece])
        glue = True
    return out


def _src(pieces) -> str:
    """The label source of a word (or a line): text pieces as ``\\text{..}`` with TeX's specials escaped."""
    return "".join(p if kind == "math" else "\\text{" + "".join(_ESCAPE.get(c, c) for c in p) + "}"
                   for kind, p in pieces)


def _width(pieces) -> float:
    return outline_label(_src(pieces), NOTE_FONT).width


def _fit(word, wrap: float) -> list:
    """A word no wider than ``wrap``, or one too wide (an address, a long name) cut between its characters."""
    if _width(word) <= wrap:
        return [word]
    chunks, cur = [], []
    for kind, p in word:
        for part in ([p] if kind == "math" else list(p)):
            trial = cur + [(kind, part)]
            if cur and _width(trial) > wrap:
                chunks.append(cur)
                trial = [(kind, part)]
            cur = trial
    return chunks + [cur] if cur else chunks


def note_lines(text: str, wrap: float) -> list:
    """``text`` wrapped to ``wrap`` units: the measured Label of each line.  The breaks are chosen on the shipped
    fonts' widths, so labels typeset by TeX (``labels=tex``) ask TeX for the same lines in every pass."""
    return [label(src, NOTE_FONT) for src in _line_sources(text, wrap)]


@lru_cache(maxsize=512)
def _line_sources(text: str, wrap: float) -> tuple[str, ...]:
    lines, cur = [], []
    for word in _words(text):
        for chunk in _fit(word, wrap):
            trial = cur + [("text", " ")] + chunk if cur else chunk
            if cur and _width(trial) > wrap:
                lines.append(_src(cur))
                cur = chunk
            else:
                cur = trial
    if cur:
        lines.append(_src(cur))
    return tuple(lines)


def _value_box(vid: int, piece, po, sections, base: int):
    """Where the value's wires are first shown in this row: the state column, from its first wire's label down
    to its last wire."""
    prefix = f"wire:{vid}."
    paths = [p for p in piece.mid if isinstance(p, Path) and p.role == "wire" and p.owner.startswith(prefix)]
    for k, sec in enumerate(sections):
        if (base and not k) or sec.kind != "state" or all(v.id != vid for v in sec.values) \
                or base + k not in po.section_x:  # (a row's first state is the last of the row before)
            continue
        x0, x1 = po.section_x[base + k]
        ys = [c[-1] for p in paths for c in p.d if c[0] in ("M", "L", "C") and x0 - 0.5 <= c[-2] <= x1 + 0.5]
        if ys:
            return (x0, min(ys) - 14.0, x1, max(ys) + 2.0)
    return None


def _target_box(target, piece, po, sections, base: int, continued=frozenset()):
    kind, tid = target
    if kind == "op":  # its glyph's box, and its own labels (an R may stand taller than the arrows round it)
        box = piece.op_boxes.get(tid)
        if box is not None:
            for item in piece.mid:
                if isinstance(item, Group) and item.owner == f"op:{tid}":
                    box = union(box, _union([bbox_of(t) for t in item.items if isinstance(t, Text)]) or box)
        return box
    if kind == "fence":
        if tid in continued:  # the fence began in a row before this one
            return None
        boxes = [bbox_of(g) for g in piece.back if getattr(g, "role", "") == "fence" and g.owner == f"group:{tid}"]
        return boxes[0] if boxes else None
    return _value_box(tid, piece, po, sections, base)


def add_author_notes(piece, panel, po, sections, base: int, fold: float | None, continued=frozenset()) -> None:
    """The notes of ``panel`` whose first target is in this row, each beside what it explains (see the module's
    docstring); ``continued``: the groups that began in a row before this one."""
    todo, hl_layer = [], []
    tandem = {n for n, bold in name_marks(ax for s in panel.sections for v in s.values for ax in v.axes).items()
              if bold}
    drawn_items = list(piece.back) + list(piece.mid) + list(piece.front)
    for n, note in enumerate(panel.notes):
        boxes = [_target_box(t, piece, po, sections, base, continued) for t in note.targets]
        here = [(t, b) for t, b in zip(note.targets, boxes) if b is not None]
        if not here or piece.bbox is None:
            continue
        owner = _note_owner(n, note)
        if note.highlight is not None:  # a tint behind each target in this row, its note or not
            joins = sum(kind == "op" for kind, _ in note.targets) > 1
            parts = [b for _, b in here]
            _tint([t for t, _ in here], note.highlight or "note", owner, parts, drawn_items, hl_layer, joins)
            here = [(None, b) for b in parts] if boxes[0] is not None else []
        if boxes[0] is not None:  # the note itself, in the row of its first target
            note = replace(note, text=axis_styled(note.text, tandem))  # (owner: unique per statement)
            todo.append((owner, note, [b for _, b in here]))
    if not todo:
        piece.back.extend(hl_layer)
        for tint in hl_layer:
            piece.bbox = union(piece.bbox, bbox_of(tint))
        return
    widest = NOTE_WRAP if fold is None else max(60.0, min(NOTE_WRAP, fold - 2 * NOTE_PAD))
    wraps = [widest] + [w for w in WRAPS if w < widest - 20.0]
    left = min(piece.bbox[0], 0.0)  # rows are laid out from x = 0 (a fence's pad may reach left of it)
    span = (left, left + fold) if fold is not None else (piece.bbox[0] - widest - 40.0, piece.bbox[2] + widest + 40.0)
    span = (min(span[0], piece.bbox[0]), max(span[1], piece.bbox[2]))
    ink = Ink(list(piece.back) + hl_layer + list(piece.mid) + list(piece.front))
    for owner, _, boxes in todo:  # no note stands on another's target
        ink.solids += [(t, owner, "tint") for t in boxes]
    reach = sum(max(_size(note.text, w)[1] for w in wraps) + 4 * CLEAR for _, note, _ in todo)
    wide = max(_size(note.text, w)[0] for _, note, _ in todo for w in wraps)  # a word may be wider than the fold
    grid = Grid((span[0], piece.bbox[1] - reach, max(span[1], span[0] + wide), piece.bbox[3] + reach), ink)
    leaders, drawn = [], []
    # the most tied first: the notes on the smallest targets (an operation before the fence around it, a join
    # dot before a column), then left to right
    for owner, note, boxes in sorted(todo, key=lambda t: (min(map(_area, t[2])), _centre(t[2][0]), t[0])):
        one = note.highlight is not None
        targets = boxes if one else _columns(boxes)
        if not one and len(note.targets) == 1 and note.targets[0][0] == "value":  # or its copy, as the paper
            copy = _copy_ends(note.targets[0][1], panel, piece)  # points at where its data is copied
            targets, one = (targets + copy, True) if copy else (targets, one)
        mine = {owner} | {_owner_of(t) for t in note.targets}
        wrap, box, ends = place_note(grid, lambda w, text=note.text: _size(text, w), wraps, targets, mine,
                                     piece.bbox, span, one)
        lines = note_lines(note.text, wrap)
        parts = [_rect(box, note.highlight or "note", "note-edge", "note", owner, 1.0)]
        ty = box[1] + NOTE_PAD
        for lab in lines:
            parts.append(Text(lab, box[0] + NOTE_PAD, ty + lab.ascent, role="label", owner=owner))
            ty += lab.height + LINE_GAP
        drawn.append(Group(tuple(parts), role="note", owner=owner, title=" ".join(lab.text for lab in lines)))
        grid.add_note(box, ends, owner)
        style = {"stroke": "note-edge", "width": 0.9, "dash": (2.0, 1.6), "role": "leader", "owner": owner}
        for pts in ends:
            leaders.append(Path((("M", *pts[0]), *(("L", *p) for p in pts[1:])), **style))
            piece.bbox = union(piece.bbox, bbox_of(leaders[-1]))
        piece.bbox = union(piece.bbox, box)
    for tint in hl_layer:  # a column padded past its target may reach beyond the drawing
        piece.bbox = union(piece.bbox, bbox_of(tint))
    piece.back.extend(hl_layer)
    piece.mid[:0] = leaders  # under the wires and glyphs, over the fences and highlights
    piece.front.extend(drawn)


def add_fold_tints(panel, piece) -> None:
    """A folded panel's highlighted notes on operations that stand in different rows: their tint carried along
    the path between them across each row break (:func:`.note_tint.fold_tints`), behind the wires."""
    notes = [(n, note, [tid for kind, tid in note.targets if kind == "op"]) for n, note in enumerate(panel.notes)
             if note.highlight is not None]
    notes = [(n, note, ops) for n, note, ops in notes if len(ops) > 1]
    if not notes or not piece.continued:
        return
    items = list(piece.back) + list(piece.mid) + list(piece.front)
    for n, note, ops in notes:
        owner = _note_owner(n, note)
        drawn = [p for p in piece.back if isinstance(p, Path) and p.role == "highlight" and p.owner == owner]
        piece.back.extend(fold_tints(items, ops, note.highlight or "note", owner, piece.continued, drawn))


def _note_owner(n: int, note) -> str:
    """The owner of the ``n``-th note's box, leaders and tints (unique per statement)."""
    return f"note:{n}" + (f":{note.span.file}:{note.span.line}:{note.span.column}" if note.span else "")


def _copy_ends(vid: int, panel, piece) -> list:
    """Where the value's copy is drawn in this row -- its branches' highest and lowest points -- as small boxes: a
    note on a copied value ("we copy the injected data") over or under the drawing may point there, the nearest
    part of it (where the value is first shown, its other target, is nearest a note beside it)."""
    owners = {f"op:{op.id}" for op in panel.operations if op.kind == "copy" and any(v.id == vid for v in op.inputs)}
    if not owners:
        return []
    items, stack = [], list(piece.mid) + list(piece.front)
    while stack:
        it = stack.pop()
        if isinstance(it, Group):
            stack.extend(it.items)
        elif getattr(it, "owner", "") in owners:
            items.append(it)
    pts = [(c[-2], c[-1]) for p in items if isinstance(p, Path) and p.role == "wire"
           for c in p.d if c[0] in ("M", "L", "C")]
    if not pts:
        return []
    ends = {min(pts, key=lambda q: (q[1], q[0])), max(pts, key=lambda q: (q[1], -q[0]))}
    return [(x - 1.0, y - 1.0, x + 1.0, y + 1.0) for x, y in sorted(ends)]


def _tint(targets, colour, owner, boxes, drawn_items, hl_layer, joins: bool) -> None:
    """A highlighted note's tint in this row (``targets``, their ``boxes``): along the wires and join dots
    between the operations it is attached to where a path joins them (:mod:`.note_tint`; ``joins``: the note is
    on several operations, so one alone in this row -- the others folded into other rows -- has its join dots
    tinted), a column behind each other target; ``boxes`` becomes the tinted parts, the lowest first: the
    note's one leader starts from whichever suits its place."""
    ops = [tid for kind, tid in targets if kind == "op"]
    tints, joined, dot_boxes = joined_tints(drawn_items, ops, colour, owner) if joins else ([], set(), [])
    kept = [b for (kind, tid), b in zip(targets, boxes) if not (kind == "op" and tid in joined)]
    cols = [_pad(b, HL_PAD) for b in kept]
    hl_layer += [_rect(b, colour, None, "highlight", owner, 0.8) for b in cols] + tints
    boxes[:] = sorted(cols + dot_boxes, key=lambda b: (-b[3], b[0]))  # the lowest first


def _size(text: str, wrap: float) -> tuple:
    """A note's (width, height) with its text wrapped to ``wrap``."""
    lines = note_lines(text, wrap)
    return (max(lab.width for lab in lines) + 2 * NOTE_PAD,
            sum(lab.height for lab in lines) + LINE_GAP * (len(lines) - 1) + 2 * NOTE_PAD)


def _owner_of(target) -> str:
    kind, tid = target
    return f"op:{tid}" if kind == "op" else f"group:{tid}" if kind == "fence" else f"wire:{tid}"


def _columns(boxes) -> list:
    """One target per column: of targets whose x-ranges overlap (values stacked in one memory state), the
    lowest -- one leader reaches them all."""
    out: list = []
    for b in sorted(boxes, key=lambda b: -b[3]):
        if not any(b[0] < o[2] and o[0] < b[2] for o in out):
            out.append(b)
    return out


def _rect(box, fill, stroke, role, owner, opacity) -> Path:
    x0, y0, x1, y1 = box
    return Path((("M", x0, y0), ("L", x1, y0), ("L", x1, y1), ("L", x0, y1), ("Z",)), stroke=stroke, fill=fill,
                width=0.7, role=role, owner=owner, opacity=opacity)


def _union(boxes):
    out = None
    for b in boxes:
        out = union(out, b)
    return out


def _area(box) -> float:
    return round((box[2] - box[0]) * (box[3] - box[1]), 3)


def _pad(box, d):
    return (box[0] - d, box[1] - d, box[2] + d, box[3] + d)


def _centre(box) -> float:
    return (box[0] + box[2]) / 2
