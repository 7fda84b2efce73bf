"""Model stage: an operation's wiring.  Which wires a box acts on and which pass over it.

Shape inference knows, for every operation, which positions of each input's
axes its signature matched (the core) and which positions of each output it
produced; every other wire is broadcast over the box.  :func:`pair` joins each
broadcast output wire to the input wire it continues, so later stages draw
what the model knows instead of guessing it back from labels.

:func:`derive` is for Operations built by hand without positions (tests, a
block's collapsed header drawn by the layout): it reads them off the
``broadcast`` axes.  Everything here works on positions into ``Value.axes``.
"""
from __future__ import annotations

__all__ = ["pair", "derive", "all_core"]


def pair(inputs, core_in_pos, outputs, core_out_pos) -> tuple:
    """``((i, j), (k, l))`` for every broadcast output wire ``(k, l)`` (in output order) and the first
    unused broadcast input wire ``(i, j)`` with the same label and tangency (in input order).  An output
    wire with no such input wire stays unpaired (it starts at the box)."""
    free: dict = {}  # (label, tangent) -> broadcast input wires not yet paired, in input order
    n_core = len(core_in_pos)
    for i, v in enumerate(inputs):
        core = core_in_pos[i] if i < n_core else ()
        if len(core) == len(v.axes):
            continue  # every wire of this input is core
        for j, ax in enumerate(v.axes):
            if j not in core:
                key = (ax.label, ax.tangent)
                waiting = free.get(key)
                if waiting is None:
                    free[key] = [(i, j)]
                else:
                    waiting.append((i, j))
    if not free:
        return ()
    pairs = []
    n_core = len(core_out_pos)
    for k, v in enumerate(outputs):
        core = core_out_pos[k] if k < n_core else ()
        if len(core) == len(v.axes):
            continue  # every wire of this output is produced by the box
        for l, ax in enumerate(v.axes):
            if l not in core:
                waiting = free.get((ax.label, ax.tangent))
                if waiting:
                    pairs.append((waiting.pop(0), (k, l)))
    return tuple(pairs)


def all_core(values) -> tuple:
    """Every position of every value (an operation that acts on all its wires: add, copy, save ...)."""
    return tuple(tuple(range(len(v.axes))) for v in values)


def derive(op) -> tuple:
    """(core_in_pos, core_out_pos, broadcast_pairs) of an Operation built without them: an input's
    broadcast axes (``op.broadcast[i]``, matched in order) are its non-core positions; each is paired
    with the first unused output position of the same label, and every unpaired output position is
    produced by the box."""
    core_in = []
    free = []
    for i, v in enumerate(op.inputs):
        bc = list(op.broadcast[i]) if i < len(op.broadcast) else []
        core = []
        for j, ax in enumerate(v.axes):
            if bc and ax == bc[0]:
                bc.pop(0)
                free.append((i, j, ax))
            else:
                core.append(j)
        core_in.append(tuple(core))
    used = set()
    pairs = []
    for i, j, ax in free:
        hit = next(((k, l) for k, v in enumerate(op.outputs) for l, b in enumerate(v.axes)
                    if (k, l) not in used and b.label == ax.label and b.tangent == ax.tangent), None)
        if hit is not None:
            used.add(hit)
            pairs.append(((i, j), hit))
    pairs.sort(key=lambda p: p[1])
    core_out = tuple(tuple(l for l in range(len(v.axes)) if (k, l) not in used) for k, v in enumerate(op.outputs))
    return tuple(core_in), core_out, tuple(pairs)
