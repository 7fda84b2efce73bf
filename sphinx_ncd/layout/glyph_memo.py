"""Layout (stage 3): glyphs shared by operations drawn alike.

A glyph is a pure function of its :class:`~.glyph_parts.OpRows`, and the only thing in it that names the
operation is the owner of its primitives (``op:<id>``, and ``op:<id>/over:<input id>.<row>`` for the wires
drawn over its box).  Operations that differ only in their ids (the twenty ``relu X`` of a long chain) are
drawn once per layout: :func:`shared_glyph` keys a glyph by everything its builder can read except the ids,
and hands a later operation a copy whose primitives carry that operation's owners.  Anything it is not sure
of (a fused scaling, a join, a block's body, an owner it does not know) is built afresh.

:func:`kept_glyph` keeps glyphs from one layout to the next (a figure rendered again, an operation drawn alike in
another figure), keyed by content: the operation's fields but its id, its axes and values by what they are (not
which objects), the rows, the operation drawn with it (a fused scaling or activation) and the label face, which
every label's measure reads.  Bounded; nothing is kept while another measurer sizes the labels
(:func:`.mathtext.measured_by`: TeX labels).
"""
from __future__ import annotations

from dataclasses import fields

from ..model.types import Axis, Operation, Value
from .fuse import Activated, JoinedAdd, ScaledEinsum
from .glyph_parts import OVER, Glyph, OpRows, over_owner
from .mathtext import current_face, measuring_elsewhere
from .scene import Group, box_terms

__all__ = ["forget_glyphs", "glyph_key", "kept_glyph", "shared_glyph"]

_OP_FIELDS = frozenset(f.name for f in fields(Operation))
_VALUE_FIELDS = frozenset(f.name for f in fields(Value))


def _axes(groups) -> tuple:
    """Axes by identity: an axis is immutable, and the memo keeps the first operation's alive, so the same
    id is the same axis (equal axes that are not the same object are merely not shared)."""
    return tuple([tuple(map(id, axes)) for axes in groups])


def _values(values) -> tuple:
    return tuple([(v.name, tuple(map(id, v.axes))) for v in values])


def glyph_key(g: OpRows):
    """Everything the glyph of ``g`` is drawn from, less the operation's and its values' ids (which of its
    inputs are the same value is kept); None where the glyph is not shared."""
    op = g.op
    if type(op) is not Operation or g.scale is not None or g.join or op.body is not None \
            or op.__dict__.keys() != _OP_FIELDS:
        return None
    for v in op.inputs + op.outputs:
        if type(v) is not Value or v.__dict__.keys() != _VALUE_FIELDS:
            return None
    ids = [v.id for v in op.inputs]
    return (op.kind, op.label, op.params, op.binding, op.groups, _axes(op.core_in), _axes(op.core_out),
            _axes(op.broadcast), op.core_in_pos, op.core_out_pos, op.broadcast_pairs,
            _values(op.inputs), _values(op.outputs), tuple([ids.index(i) for i in ids]),
            _rows_key(g.ins), _rows_key(g.outs), _rows_key(g.in_core), _rows_key(g.out_core),
            tuple(map(tuple, g.pairs)), g.alert)


def _rows_key(rows) -> tuple:
    return tuple(map(tuple, rows))


def _owners(was: OpRows, now: OpRows) -> dict:
    """Each owner ``was``'s glyph may give its primitives, to the one ``now``'s gives them."""
    out = {was.owner: now.owner, "": ""}
    for i, v in enumerate(was.op.inputs):
        for j in range(max(len(v.axes), 1)):
            out[over_owner(was, i, j)] = over_owner(now, i, j)
    return out


def _reowned(items, owners: dict) -> list | None:
    out = []
    for it in items:
        owner = owners.get(it.owner)
        if owner is None:
            return None
        copy = object.__new__(type(it))
        state = {**it.__dict__, "owner": owner}
        if type(it) is Group:
            inner = _reowned(it.items, owners)
            if inner is None:
                return None
            state["items"] = tuple(inner)
        object.__setattr__(copy, "__dict__", state)
        out.append(copy)
    return out


_KEYED = object()  # in the memo under a kind and label: the first of them has been keyed in full


def shared_glyph(g: OpRows, memo: dict, build) -> Glyph:
    """The glyph of ``g``: a copy of one drawn alike before in this layout (``memo``), or ``build(g)``.  The
    full key is worked out only once a second operation of the same kind and label comes (most of a figure's
    operations are drawn once: they pay nothing for the sharing)."""
    cheap = (g.op.kind, g.op.label)
    first = memo.get(cheap)
    if first is None:
        glyph = build(g)
        memo[cheap] = (g, glyph)
        return glyph
    if first is not _KEYED:
        memo[cheap] = _KEYED
        _remember(first[0], first[1], memo)
    key = glyph_key(g)
    if key is None:
        return build(g)
    try:
        seen = memo.get(key)
    except TypeError:  # a parameter that cannot be hashed: not shared
        return build(g)
    if seen is not None:
        was, glyph = seen
        items = _reowned(glyph.items, _owners(was, g))
        if items is not None:
            if glyph.box is None:
                glyph.box = box_terms(glyph.items)
            return Glyph(glyph.width, items, glyph.headroom, glyph.footroom, dict(glyph.anchors), glyph.box)
    glyph = build(g)
    if type(glyph) is Glyph:
        memo[key] = (g, glyph)
    return glyph


def _remember(g: OpRows, glyph, memo: dict) -> None:
    """Key the glyph built for ``g`` before it was known to have a twin."""
    key = glyph_key(g)
    if key is None or type(glyph) is not Glyph:
        return
    try:
        memo.setdefault(key, (g, glyph))
    except TypeError:  # a parameter that cannot be hashed: not shared
        pass


# --- glyphs kept across layouts ----------------------------------------------------------------------------

#: content key (see :func:`kept_glyph`) -> (the owner names its items carry, the glyph, the operation); and
#: (face, kind, label) -> (the rows, the glyph) of the first drawn, not yet keyed, or _KEYED; bounded
_KEPT: dict = {}
_KEPT_MAX = 1024
#: the operation classes a kept glyph may be drawn for -> the field naming the operation drawn with it ("": none)
_DRAWN_WITH = {Operation: "", JoinedAdd: "", ScaledEinsum: "scale", Activated: "act"}


def forget_glyphs() -> None:
    """Forget the glyphs kept across layouts (what the first render of a figure meets)."""
    _KEPT.clear()
    _SEEN_AXES.clear()


#: the fields of the records a kept glyph's key reads, each keyed (a test checks that the records have no others:
#: a field added to one of them must be keyed too)
KEYED_FIELDS = {
    "Axis": ("label", "size", "kind", "rank", "tangent"),  # the size by identity: the kept operation holds it
    "Value": ("id", "name", "axes", "span"),  # the id as which inputs are the same value; the span is never drawn
    "Operation": ("id", "kind", "label", "inputs", "outputs", "core_in", "core_out", "broadcast", "params", "binding",
                  "groups", "body", "span", "core_in_pos", "core_out_pos", "broadcast_pairs"),  # id: the owners
    "OpRows": ("op", "ins", "outs", "in_core", "out_core", "pairs", "owner", "alert", "scale", "join", "act", "beside",
               "memory_alert"),  # beside, memory_alert: only on classes never kept (not in _DRAWN_WITH)
}


def _by_value(axes) -> tuple | None:
    """The axes by value (None if one is not a plain :class:`Axis`)."""
    for a in axes:
        if a.__class__ is not Axis:
            return None
    return tuple([(a.label, id(a.size), a.kind, a.rank, a.tangent) for a in axes])


def _segments(groups, values, positions) -> tuple:
    """An operation's axes per segment (``core_in``, ``core_out``, ``broadcast``): True for a segment whose axes
    are its value's at ``positions`` (nothing to key again), else the axes by value."""
    out = []
    for axes, v, pos in zip(groups, values, positions):
        own = v.axes
        out.append(True if axes == tuple([own[p] for p in pos]) else _by_value(axes))
    return tuple(out) if len(out) == len(groups) else tuple(map(_by_value, groups))


#: id of a value's axes tuple -> (the tuple, :func:`_by_value` of it): a value is keyed by each operation that
#: reads or makes it; bounded
_SEEN_AXES: dict = {}


def _content(op) -> tuple | None:
    """Everything of ``op`` a glyph can read but its id and its values' ids, axes and values by value; None
    where something is not a plain record."""
    if op.body is not None or type(op.core_in_pos) is not tuple or type(op.core_out_pos) is not tuple:
        return None
    vals = []
    for v in op.inputs + op.outputs:
        if type(v) is not Value or v.__dict__.keys() != _VALUE_FIELDS:
            return None
        seen = _SEEN_AXES.get(id(v.axes))  # (a value is met again as the next operation's input)
        if seen is not None and seen[0] is v.axes:
            axes = seen[1]
        else:
            axes = _by_value(v.axes)
            if axes is None:
                return None
            if len(_SEEN_AXES) >= 256:
                _SEEN_AXES.clear()
            _SEEN_AXES[id(v.axes)] = (v.axes, axes)  # (holding the tuple: its id is not reused while here)
        vals.append((v.name, axes))
    ids = [v.id for v in op.inputs]
    return (op.kind, op.label, op.params, op.binding, op.groups, _segments(op.core_in, op.inputs, op.core_in_pos),
            _segments(op.core_out, op.outputs, op.core_out_pos), _lifted(op), op.core_in_pos, op.core_out_pos,
            op.broadcast_pairs, tuple(vals), tuple([ids.index(i) for i in ids]))


def _lifted(op) -> tuple:
    """:func:`_segments` of ``op.broadcast``: each input's axes at the positions not in its ``core_in_pos``."""
    groups, out = op.broadcast, []
    for axes, v, pos in zip(groups, op.inputs, op.core_in_pos):
        out.append(True if axes == tuple([a for p, a in enumerate(v.axes) if p not in pos]) else _by_value(axes))
    return tuple(out) if len(out) == len(groups) else tuple(map(_by_value, groups))


def _content_key(g: OpRows, face: str) -> tuple | None:
    """What the glyph of ``g`` is drawn from, by value, its labels in ``face`` (see :func:`kept_glyph`); None: not
    kept."""
    op = g.op
    cls = type(op)
    extra = _DRAWN_WITH.get(cls)
    if extra is None:
        return None
    d = op.__dict__
    if (len(d) != len(_OP_FIELDS) + (extra != "")) or not _OP_FIELDS <= d.keys():
        return None
    with_ = None
    if extra:  # the scaling or activation drawn in this glyph: by its content, and whether it is highlighted
        other = d.get(extra)
        drawn = g.scale if extra == "scale" else g.act
        if type(other) is not Operation or other.__dict__.keys() != _OP_FIELDS or drawn is None \
                or drawn[0] is not other:
            return None
        with_ = (_content(other), drawn[1])
        if with_[0] is None:
            return None
    elif g.scale is not None or g.act is not None:
        return None
    if g.beside is not None or g.memory_alert:  # drawn with another operation no key here describes
        return None
    mine = _content(op)
    if mine is None:
        return None
    return (face, cls, mine, with_, _rows_key(g.ins), _rows_key(g.outs), _rows_key(g.in_core),
            _rows_key(g.out_core), tuple(map(tuple, g.pairs)), g.alert, g.join)


def _owner_names(g: OpRows) -> tuple:
    """What the owners of ``g``'s glyph are made of: its own, each input's id and rows (the wires drawn over its
    box), and the owner of the operation drawn with it."""
    other = g.scale or g.act
    rest = [v.id for v in g.op.outputs]  # (every other id the glyph could name: only shared where all are the same)
    if other is not None:
        rest += [v.id for v in other[0].inputs + other[0].outputs]
    return (g.owner, tuple([(v.id, len(v.axes)) for v in g.op.inputs]),
            f"op:{other[0].id}" if other is not None else None, tuple(rest))


def _owners_between(was: tuple, now: OpRows) -> dict:
    """:func:`_owners` from the owner names a kept glyph was drawn with."""
    out = {was[0]: now.owner, "": ""}
    for i, (vid, n) in enumerate(was[1]):
        for j in range(max(n, 1)):
            out[f"{was[0]}{OVER}:{vid}.{j}"] = over_owner(now, i, j)
    if was[2] is not None:
        other = now.scale or now.act
        out[was[2]] = f"op:{other[0].id}"
    return out


def kept_glyph(g: OpRows, build) -> Glyph:
    """The glyph of ``g``: a copy of one an earlier layout drew from the same content (its primitives carrying
    ``g``'s owners), or ``build(g)``, then kept.  Keyed by everything the glyph is drawn from but ids
    (:func:`_content_key`); nothing is kept while another measurer sizes the labels.  As :func:`shared_glyph`
    does within a layout, the full key is worked out only once a second operation of the same kind and label
    comes (in this layout or a later one): a figure's first render pays little for the keeping."""
    if measuring_elsewhere():
        return build(g)
    face = current_face()
    cheap = (face, g.op.kind, g.op.label)
    first = _KEPT.get(cheap)
    if first is None:
        glyph = build(g)
        if type(glyph) is Glyph:
            _bound()
            _KEPT[cheap] = (g, glyph)
        return glyph
    if first is not _KEYED:
        _KEPT[cheap] = _KEYED
        _keep(_content_key(first[0], face), first[0], first[1])
    key = _content_key(g, face)
    if key is None:
        return build(g)
    try:
        seen = _KEPT.get(key)
    except TypeError:  # a parameter that cannot be hashed: not kept
        return build(g)
    if seen is not None:
        names, glyph, _ = seen
        items = glyph.items
        if names != _owner_names(g):
            items = _reowned(items, _owners_between(names, g))
        if items is not None:
            if glyph.box is None:
                glyph.box = box_terms(glyph.items)
            return Glyph(glyph.width, list(items), glyph.headroom, glyph.footroom, dict(glyph.anchors), glyph.box)
    glyph = build(g)
    _keep(key, g, glyph)
    return glyph


def _keep(key, g: OpRows, glyph) -> None:
    """Keep ``glyph``, drawn for ``g``, under its content ``key`` (the first kept under a key stays)."""
    if key is None or type(glyph) is not Glyph:
        return
    try:
        if key in _KEPT:
            return
    except TypeError:  # a parameter that cannot be hashed: not kept
        return
    _bound()
    _KEPT[key] = (_owner_names(g), glyph, g.op)  # (the operation keeps alive the sizes keyed by id)


def _bound() -> None:
    if len(_KEPT) >= _KEPT_MAX:
        _KEPT.clear()
