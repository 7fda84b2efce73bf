"""Layout (stage 3): glyphs shared by operations drawn alike.

A glyph is a pure function of its :class:`~.glyph_parts.OpRows`, and the only thing in it that names the
operation is the owner of its primitives (``op:<id>``, and ``op:<id>/over:<input id>.<row>`` for the wires
drawn over its box).  Operations that differ only in their ids (the twenty ``relu X`` of a long chain) are
drawn once per layout: :func:`shared_glyph` keys a glyph by everything its builder can read except the ids,
and hands a later operation a copy whose primitives carry that operation's owners.  Anything it is not sure
of (a fused scaling, a join, a block's body, an owner it does not know) is built afresh.
"""
from __future__ import annotations

from dataclasses import fields

from ..model.types import Operation, Value
from .glyph_parts import Glyph, OpRows, over_owner
from .scene import Group, box_terms

__all__ = ["glyph_key", "shared_glyph"]

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
