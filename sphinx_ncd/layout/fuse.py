"""Layout (stage 3): drawing-only variants of operations -- how the paper draws some of them in context.

The paper draws the scaling of an attention score as the arrow that leaves the cup of the inner product
(``*k^{-1/2}``), not as a mark of its own a step later.  :func:`fuse_scales` finds a scaling whose input is
produced by an einsum with a cup, in the step just before it and used by nothing else, and replaces the pair
by one :class:`ScaledEinsum` that produces the scaling's output; the einsum glyph then draws the arrow.  The
model is untouched: only the sections the layout draws change.

:func:`mark_joins` marks each addition that closes no residual as a :class:`JoinedAdd`: its branches converge
symmetrically into its dots (the paper's addition); a residual (values descending from one copy) keeps its main
line straight and the skip rises into it (the paper's ResNet).

:func:`fuse_activations` draws an element-wise map that directly follows a normalisation or a convolution in
that operation's column, on a wire of the segment its glyph leaves free (the paper's "BatchNorm & Activate": ➤R➤
beside the circle; its U-Net: ➤R➤ by each ★3), not in a column of its own after it.

:func:`fuse_beside` draws two maps acting on the factors of an outer product from different inputs, the second
reading only the first's result, in one column, each on its own wires: maps on a tuple's segments stand side by
side, and an outer product keeps them so ("simultaneously broadcasting linear operations is an outer product",
the paper's figure 18, which shifts the outer product past G and H).  Maps on the wires of any other value keep
the order the spec writes (figure 14 shows that order changing).  The model keeps them in two steps (one step
cannot hold two operations on one value).

:func:`fuse_memory` draws a save with the copy it saves (a :class:`SavedCopy`) and a load with the concatenation
that takes it (a :class:`LoadedConcat`), so that the memory arrow can stand between the wires of the value going
on (:mod:`.glyph_memory`): only the copies (or the loaded wires) of the wires under the arrow then cross.
"""
from __future__ import annotations

import dataclasses
from collections import Counter

from ..model.types import Operation, OpKind

__all__ = ["ScaledEinsum", "fuse_scales", "scaled_by", "JoinedAdd", "mark_joins", "Activated",
           "fuse_activations", "activated_by", "Beside", "fuse_beside", "beside_of",
           "SavedCopy", "saved_by", "LoadedConcat", "loaded_by", "fuse_memory"]


class ScaledEinsum(Operation):
    """An einsum drawn together with the scaling that follows it: the einsum's fields with the scaling's
    outputs; ``scale`` is the scaling (its id owns the arrow, so highlights and notes still find it)."""

    scale: Operation


def scaled_by(op) -> Operation | None:
    """The scaling drawn as the arrow out of ``op``'s cup, if ``op`` was fused with one."""
    return op.__dict__.get("scale") if isinstance(op, ScaledEinsum) else None


def _has_cup(op) -> bool:
    """Whether the einsum sums an axis shared by exactly two of its input wires (drawn as a cup)."""
    names = Counter(n for seg in getattr(op.params, "names_in", ()) for n in seg)
    return any(names[n] == 2 for n in getattr(op.params, "contracted", ()))


def fuse_scales(panel, sections: list) -> list:
    """``sections`` with every einsum + scaling pair (see the module's docstring) drawn as one operation."""
    if not any(op.kind == OpKind.SCALE for op in panel.operations):
        return sections
    uses = Counter(v.id for op in panel.operations for v in op.inputs)
    out = list(sections)
    i = 0
    while i + 3 < len(out):
        a, s1, b, s2 = out[i:i + 4]
        fused = None
        if (a.kind, s1.kind, b.kind, s2.kind) == ("step", "state", "step", "state") and len(b.ops) == 1 \
                and b.ops[0].kind == OpKind.SCALE and not s1.brk:
            sc = b.ops[0]
            v = sc.inputs[0] if len(sc.inputs) == 1 else None
            for op in a.ops:
                if v is not None and op.kind == OpKind.EINSUM and len(op.outputs) == 1 and op.outputs[0].id == v.id \
                        and uses[v.id] == 1 and tuple(op.groups) == tuple(sc.groups) and _has_cup(op) \
                        and [w.axes for w in sc.outputs] == [v.axes]:
                    fused = op
        if fused is None:
            i += 1
            continue
        scaled = ScaledEinsum.frozen(**{**fused.__dict__, "outputs": b.ops[0].outputs})
        scaled.__dict__["scale"] = b.ops[0]
        step = dataclasses.replace(a, ops=tuple(scaled if op is fused else op for op in a.ops))
        out[i:i + 4] = [step, s2]
    return out


class JoinedAdd(Operation):
    """An addition drawn as a symmetric join (see the module's docstring)."""


def _copy_ancestors(panel) -> dict:
    """value id -> the copies it descends from (in the panel's order, each operation after its inputs)."""
    out: dict = {}
    for op in panel.operations:
        up = frozenset().union(*(out.get(v.id, frozenset()) for v in op.inputs))
        if op.kind == OpKind.COPY:
            up |= {op.id}
        for v in op.outputs:
            out[v.id] = up
    return out


def mark_joins(panel, sections: list) -> list:
    """``sections`` with every addition that closes no residual as a :class:`JoinedAdd`: a residual adds values
    that descend from one copy (x + f(x), or f(x) + g(x) as a ResNet's unit with a learned shortcut adds them),
    drawn with its top branch straight and the other rising into it, as the paper draws its ResNet."""
    adds = [op for op in panel.operations if op.kind == OpKind.ADD and len(op.inputs) > 1]
    if not adds:
        return sections
    made_by = {v.id: op.kind for op in panel.operations for v in op.outputs}
    copies = _copy_ancestors(panel)
    joins = {op.id for op in adds if all(made_by.get(v.id) != OpKind.COPY for v in op.inputs)
             and len({len(v.axes) for v in op.inputs}) == 1
             and not frozenset.intersection(*(copies.get(v.id, frozenset()) for v in op.inputs))}
    if not joins:
        return sections
    out = []
    for sec in sections:
        if sec.kind == "step" and any(op.id in joins for op in sec.ops):
            ops = tuple(JoinedAdd.frozen(**op.__dict__) if op.id in joins and not isinstance(op, JoinedAdd) else op
                        for op in sec.ops)
            sec = dataclasses.replace(sec, ops=ops)
        out.append(sec)
    return out


class Activated(Operation):
    """A normalisation or convolution drawn together with the element-wise map after it: its fields with the
    map's outputs; ``act`` is the map (its id owns the mark, so its hover title and highlight still find it)."""

    act: Operation


def activated_by(op) -> Operation | None:
    """The element-wise map drawn in ``op``'s column, if ``op`` was fused with one."""
    return op.__dict__.get("act") if isinstance(op, Activated) else None


#: the operations an element-wise map after them is drawn with (a norm only where its circle leaves a wire free)
_HOSTS = frozenset((OpKind.NORM, OpKind.CONV))


def _fusable_act(panel, a, b, uses: Counter, kept: tuple):
    """The (norm, map) pair of step ``a`` and step ``b`` that :func:`fuse_activations` draws as one, or None."""
    if len(b.ops) != 1 or b.ops[0].kind != OpKind.ELEMENTWISE or b.ops[0].id in kept[1]:
        return None
    act = b.ops[0]
    v = act.inputs[0] if len(act.inputs) == 1 and len(act.outputs) == 1 else None
    if v is None or uses[v.id] != 1 or v.id in kept[0] or len(act.outputs[0].axes) != len(v.axes):
        return None
    for op in a.ops:
        if op.kind in _HOSTS and type(op) is Operation and len(op.outputs) == 1 and op.outputs[0].id == v.id \
                and tuple(op.groups) == tuple(act.groups) and (op.kind != OpKind.NORM or _free_wire(op, v)):
            return op, act
    return None


def _free_wire(norm, v) -> bool:
    """Whether the normalised value has a wire the norm's glyph leaves straight (neither the normalised axis nor
    the batch wire that may dip to its circle): the map's mark rides it."""
    over = getattr(norm.params, "over", None)
    label = getattr(over, "label", over)
    return any(a != over and a.label != label and a.label != "b" for a in v.axes)


def fuse_activations(panel, sections: list) -> list:
    """``sections`` with every normalisation or convolution + element-wise map pair (see the module's docstring) drawn as one
    operation; a map or value a note or a ``name`` statement points at keeps its own column."""
    if not any(op.kind == OpKind.ELEMENTWISE for op in panel.operations) \
            or not any(op.kind in _HOSTS for op in panel.operations):
        return sections
    uses = Counter(v.id for op in panel.operations for v in op.inputs)
    targets = [t for note in panel.notes for t in note.targets]
    kept = ({vid for vid, _ in (panel.names or ())} | {t[1] for t in targets if t[0] == "value"},
            {t[1] for t in targets if t[0] == "op"})
    out = list(sections)
    i = 0
    while i + 3 < len(out):
        a, s1, b, s2 = out[i:i + 4]
        pair = None
        if (a.kind, s1.kind, b.kind, s2.kind) == ("step", "state", "step", "state") and not s1.brk:
            pair = _fusable_act(panel, a, b, uses, kept)
        if pair is None:
            i += 1
            continue
        norm, act = pair
        fused = Activated.frozen(**{**norm.__dict__, "outputs": act.outputs})
        fused.__dict__["act"] = act
        out[i:i + 4] = [dataclasses.replace(a, ops=tuple(fused if op is norm else op for op in a.ops)), s2]
    return out


class Beside(Operation):
    """A map drawn in one column with the map after it, which acts on other wires of its result (see
    :func:`fuse_beside`): the first map's fields with the second's outputs, the wires either acts on as its core
    and the wires neither touches as its broadcast pairs; ``beside`` is the second map (its id owns its glyph)."""

    beside: Operation


def beside_of(op) -> Operation | None:
    """The map drawn beside ``op`` in its column, if ``op`` was fused with one."""
    return op.__dict__.get("beside") if isinstance(op, Beside) else None


_MAPS = frozenset((OpKind.FUNCTION, OpKind.LEARNED))


def _in_place(op) -> frozenset | None:
    """The positions a one-segment map acts on, where it keeps every wire in its place (its core in and out at
    the same positions, each other wire passing straight on); else None."""
    if op.kind not in _MAPS or type(op) is not Operation or len(op.inputs) != 1 or len(op.outputs) != 1 \
            or len(op.inputs[0].axes) != len(op.outputs[0].axes) or op.body is not None:
        return None
    core = frozenset(op.core_in_pos[0])
    if core != frozenset(op.core_out_pos[0]) or not core:
        return None
    if any(j != l or i or k for (i, j), (k, l) in op.broadcast_pairs):
        return None
    if len(core) + len(op.broadcast_pairs) != len(op.inputs[0].axes):
        return None
    return core


def _factors_apart(made, ours: frozenset, theirs: frozenset) -> bool:
    """Whether ``made`` (the operation that made the first map's input) is an outer product whose factors from
    different inputs are the wires at positions ``ours`` and at ``theirs``."""
    if made is None or made.kind != OpKind.EINSUM or not getattr(made.params, "outer", False):
        return False
    p = made.params
    source = {n: i for i, names in enumerate(p.names_in) for n in names if n not in p.merged}
    at = dict(zip(made.core_out_pos[0], (source.get(n) for n in p.names_out))) if made.core_out_pos else {}
    mine, other = {at.get(j) for j in ours}, {at.get(j) for j in theirs}
    return None not in mine and None not in other and not mine & other


def _beside_pairs(panel) -> dict:
    """first map's id -> (second map, the positions either acts on), for each pair :func:`fuse_beside` may draw
    in one column, by the operations alone (the sections are looked at only where there is one)."""
    made: dict = {}  # value id -> the outer product that made it
    reads: dict = {}  # value id -> the map that reads it (each operation comes after its inputs)
    firsts = []
    for op in panel.operations:
        if op.kind == OpKind.EINSUM and getattr(op.params, "outer", False):
            for v in op.outputs:
                made[v.id] = op
        elif op.kind in _MAPS and op.inputs:
            reads[op.inputs[0].id] = op
            if op.inputs[0].id in made:
                firsts.append(op)
    out = {}
    for first in firsts:
        second = reads.get(first.outputs[0].id) if first.outputs else None
        ours = _in_place(first) if second is not None else None
        theirs = _in_place(second) if ours is not None else None
        if theirs is not None and not ours & theirs and tuple(first.groups) == tuple(second.groups) \
                and _factors_apart(made[first.inputs[0].id], ours, theirs):
            out[first.id] = (second, ours | theirs)
    return out


def fuse_beside(panel, sections: list) -> list:
    """``sections`` with every pair of maps on the factors of an outer product (see the module's docstring) drawn
    as one operation; a map or value a note or a ``name`` statement points at keeps its own column."""
    pairs = _beside_pairs(panel)
    if not pairs:
        return sections
    uses = Counter(v.id for op in panel.operations for v in op.inputs)
    targets = [t for note in panel.notes for t in note.targets]
    kept_values = {vid for vid, _ in (panel.names or ())} | {t[1] for t in targets if t[0] == "value"}
    kept_ops = {t[1] for t in targets if t[0] == "op"}
    out = list(sections)
    i = 0
    while i + 3 < len(out):
        a, s1, b, s2 = out[i:i + 4]
        hit = None
        if (a.kind, s1.kind, b.kind, s2.kind) == ("step", "state", "step", "state") and not s1.brk \
                and len(b.ops) == 1:
            hit = next((op for op in a.ops if op.id in pairs and pairs[op.id][0] is b.ops[0]), None)
        if hit is not None:
            second, core = pairs[hit.id]
            v = hit.outputs[0]
            if uses[v.id] != 1 or v.id in kept_values or hit.id in kept_ops or second.id in kept_ops:
                hit = None
        if hit is None:
            i += 1
            continue
        n = len(hit.inputs[0].axes)
        pos = (tuple(sorted(core)),)
        fused = Beside.frozen(**{**hit.__dict__, "outputs": second.outputs, "core_in_pos": pos,
                                 "core_out_pos": pos,
                                 "broadcast_pairs": tuple(((0, j), (0, j)) for j in range(n) if j not in core)})
        fused.__dict__["beside"] = second
        out[i:i + 4] = [dataclasses.replace(a, ops=tuple(fused if op is hit else op for op in a.ops)), s2]
    return out


class SavedCopy(Operation):
    """A copy whose first copy is saved to memory in the next step, drawn with that save: the copy's fields with
    its other output; ``save`` is the save (its id owns the memory arrow, so notes and highlights find it)."""

    save: Operation


def saved_by(op) -> Operation | None:
    """The save drawn in ``op``'s glyph, if ``op`` is a copy fused with one."""
    return op.__dict__.get("save") if isinstance(op, SavedCopy) else None


class LoadedConcat(Operation):
    """A concatenation one of whose inputs is loaded from memory in the step before, drawn with that load:
    ``load`` is the load (its id owns the memory arrow)."""

    load: Operation


def loaded_by(op) -> Operation | None:
    """The load drawn in ``op``'s glyph, if ``op`` is a concatenation fused with one."""
    return op.__dict__.get("load") if isinstance(op, LoadedConcat) else None


def _memory_pair(a, b, uses: Counter, kept: set):
    """(op of step ``a``, op of step ``b``) that :func:`fuse_memory` draws as one, or None: a copy into two whose
    first copy step ``b`` saves, or a load whose value step ``b`` concatenates with one other; the value used by
    nothing else, named by no ``name`` statement or note, the two in the same fences and repetitions."""
    for op in b.ops:
        if op.kind == OpKind.SAVE and len(op.inputs) == 1:
            v = op.inputs[0]
            host = next((c for c in a.ops if c.kind == OpKind.COPY and type(c) is Operation and len(c.outputs) == 2
                         and c.outputs[0].id == v.id), None)
        elif op.kind == OpKind.CONCAT and type(op) is Operation and len(op.inputs) == 2 and len(op.outputs) == 1:
            host = next((ld for ld in a.ops if ld.kind == OpKind.LOAD and len(ld.outputs) == 1
                         and any(v.id == ld.outputs[0].id for v in op.inputs)), None)
            v = host.outputs[0] if host is not None else None
        else:
            continue
        if host is not None and uses[v.id] == 1 and v.id not in kept and v.axes \
                and tuple(host.groups) == tuple(op.groups):
            return host, op
    return None


def fuse_memory(panel, sections: list) -> list:
    """``sections`` with every copy + save and load + concatenation pair (see the module's docstring) drawn as
    one operation, in the column of the copy and of the concatenation."""
    if not any(op.kind in (OpKind.SAVE, OpKind.LOAD) for op in panel.operations):
        return sections
    uses = Counter(v.id for op in panel.operations for v in op.inputs)
    kept = {vid for vid, _ in (panel.names or ())} | {t[1] for note in panel.notes for t in note.targets
                                                      if t[0] == "value"}
    out = list(sections)
    i = 0
    while i + 3 < len(out):
        a, s1, b, s2 = out[i:i + 4]
        pair = None
        if (a.kind, s1.kind, b.kind, s2.kind) == ("step", "state", "step", "state") and not s1.brk:
            pair = _memory_pair(a, b, uses, kept)
        if pair is None:
            i += 1
            continue
        first, second = pair
        if first.kind == OpKind.COPY:  # the copy takes the save: the saved copy leaves the state and the step
            gone, fused = first.outputs[0], SavedCopy.frozen(**{**first.__dict__, "outputs": first.outputs[1:]})
            fused.__dict__["save"] = second
            a = dataclasses.replace(a, ops=tuple(fused if op is first else op for op in a.ops))
            b = dataclasses.replace(b, ops=tuple(op for op in b.ops if op is not second))
        else:  # the concatenation takes the load: the loaded value leaves the step and the state
            gone, fused = first.outputs[0], LoadedConcat.frozen(**second.__dict__)
            fused.__dict__["load"] = first
            a = dataclasses.replace(a, ops=tuple(op for op in a.ops if op is not first))
            b = dataclasses.replace(b, ops=tuple(fused if op is second else op for op in b.ops))
        s1 = dataclasses.replace(s1, values=tuple(v for v in s1.values if v.id != gone.id))
        if not a.ops:  # the load was all its step did: the state before it is this one
            out[i:i + 4] = [b, s2]
        elif not b.ops:  # the save was all its step did: the state after it is this one
            out[i:i + 4] = [a, s2]
        else:
            out[i:i + 4] = [a, s1, b, s2]
        i += 1
    return out
