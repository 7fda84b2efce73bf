"""Layout (stage 3): drawing-only variants of operations -- how the paper draws some of them in context.

The paper draws the scaling of an attention score as the arrow that leaves the cup of the inner product
(``*k^{-1/2}``), not as a mark of its own a step later.  :func:`fuse_scales` finds a scaling whose input is
produced by an einsum with a cup, in the step just before it and used by nothing else, and replaces the pair
by one :class:`ScaledEinsum` that produces the scaling's output; the einsum glyph then draws the arrow.  The
model is untouched: only the sections the layout draws change.

:func:`mark_joins` marks each addition that closes no residual as a :class:`JoinedAdd`: its branches converge
symmetrically into its dots, the ``+`` on the dashed line between them (the paper's addition); a residual
keeps its main line straight and the skip rises into it (the paper's ResNet).
"""
from __future__ import annotations

import dataclasses
from collections import Counter

from ..model.types import Operation, OpKind

__all__ = ["ScaledEinsum", "fuse_scales", "scaled_by", "JoinedAdd", "mark_joins"]


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


def mark_joins(panel, sections: list) -> list:
    """``sections`` with every addition whose inputs come from no copy (no residual) as a :class:`JoinedAdd`."""
    adds = [op for op in panel.operations if op.kind == OpKind.ADD and len(op.inputs) > 1]
    if not adds:
        return sections
    made_by = {v.id: op.kind for op in panel.operations for v in op.outputs}
    joins = {op.id for op in adds if all(made_by.get(v.id) != OpKind.COPY for v in op.inputs)
             and len({len(v.axes) for v in op.inputs}) == 1}
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
