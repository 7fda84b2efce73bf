"""Model stage: the operations of modern sequence models.  How masks, chunks and rotary embeddings type.

``op_mask`` / ``op_chunk`` / ``op_rotary`` (mixed into :class:`~sphinx_ncd.model.infer.PanelBuilder`
through :class:`~sphinx_ncd.model.operations.Operations`):

* ``A = mask S over t u``: a causal mask on attention scores, over the query axis ``t`` and the key axis
  ``u`` (two distinct axes); ``A = mask S M over t u`` adds the mask value ``M`` instead (a padding or
  additive attention mask), whose axes are some of S's, in S's order, or 1;
* ``Q, K, V = chunk P over f``: ``P`` split into as many equal parts along ``f`` as names are assigned;
* ``Q, K = rotary Q K over t e`` (or ``rotary Q K C S over t e``, with the cos and sin tables as further
  inputs): a rotary position embedding over positions ``t`` and features ``e`` (an even size).

Each checks its arguments and records an operation whose core is the axes it acts over; every other axis
is broadcast.  Errors are located at the word that caused them.
"""
from __future__ import annotations

from .. import messages as msg
from ..errors import NCDError
from ..syntax import ast as A
from . import stated
from . import types as T
from .records import opname, shape_text
from .sizes import size_label
from .types import Axis, OpKind

__all__ = ["SequenceOps"]


class SequenceOps:
    """Mask, chunk and rotary handlers (a mixin: ``self`` is the PanelBuilder)."""

    def written_as_box(self, op: A.Op) -> bool:
        """``gather X I : a, b -> c`` (a signature and no ``over``, as ``ncd draft`` writes the functions it does
        not know) or a ``def`` of that name: a generic box named by the word, as before it was a keyword."""
        if (op.signature is not None and "over" not in op.options) or op.head.text in self.decl.defs:
            op.label = op.head.text
            return True
        return False

    def over_axes(self, op: A.Op, v, count: int, example: str) -> list[int]:
        """The positions in ``v`` of the ``count`` distinct axes named by the ``over`` clause."""
        if "over" not in op.options:
            raise NCDError(msg.OVER_NEEDS_AXES.format(op=op.head.text, count=count, example=example), op.head.span,
                           kind="syntax")
        seg, _ = op.options["over"]
        if len(seg.items) != count or not all(isinstance(i, A.Atom) for i in seg.items):
            raise NCDError(msg.OVER_AXES_COUNT.format(op=op.head.text, count=count, example=example), seg.span,
                           kind="syntax")
        found = []
        for item in seg.items:
            i = self.find_axis(v, item, op.head.text)
            if i in found:
                raise NCDError(msg.OVER_SAME_AXIS.format(op=op.head.text, axis=item.text, shape=v.shape), item.span,
                               kind="shape", hint=msg.HINT_AMBIGUOUS_AXIS.format())
            found.append(i)
        return found

    def op_mask(self, op, stmt):
        if self.written_as_box(op):
            return self.op_function(op, stmt)
        self.no_clauses(op)
        values = self.args(op, None)
        if len(values) > 2:
            raise NCDError(msg.ARITY.format(op=opname(op), expected=2, got=len(values)), op.args[2].span, kind="shape")
        s = values[0]
        q, k = self.over_axes(op, s, 2, "mask S over t u")
        core = (s.axes[q], s.axes[k])
        pos_s = tuple(sorted((q, k)))
        core_in = [tuple(s.axes[i] for i in pos_s)]
        in_pos = [pos_s]
        broadcast = [tuple(a for i, a in enumerate(s.axes) if i not in pos_s)]
        if len(values) == 2:
            m = values[1]
            self._mask_fits(op, s, m)
            core_in.append(m.axes)
            in_pos.append(tuple(range(len(m.axes))))
            broadcast.append(())
        label = "Causal" if len(values) == 1 and op.label == "Mask" else op.label
        return self.finish(op, stmt, OpKind.MASK, label, values, core_in, [core_in[0]], [s.axes], broadcast,
                           T.MaskParams(core, len(values) == 1), (in_pos, [pos_s]))

    def _mask_fits(self, op, s, m) -> None:
        """Every axis of the mask value ``m`` is an axis of ``s`` (in ``s``'s order) or of size 1."""
        j = 0
        for ax in m.axes:
            if ax.size == 1:
                continue
            while j < len(s.axes) and not (s.axes[j].label == ax.label or self.same(s.axes[j].size, ax.size)):
                j += 1
            if j == len(s.axes):
                raise NCDError(msg.MASK_SHAPE.format(mask=m.name, shape=m.shape, scores=s.name, target=s.shape),
                               op.args[1].span, kind="shape", hint=msg.HINT_MASK_SHAPE.format())
            j += 1

    def op_chunk(self, op, stmt):
        if self.written_as_box(op):
            return self.op_function(op, stmt)
        self.no_clauses(op)
        (v,) = self.args(op, 1)
        parts = len(stmt.targets)
        if parts < 2:
            raise NCDError(msg.CHUNK_PARTS.format(), stmt.targets[0].span, kind="shape", hint=msg.HINT_CHUNK.format())
        (i,) = self.over_axes(op, v, 1, "Q, K, V = chunk P over f")
        ax = v.axes[i]
        size = ax.size / parts
        if ax.size.is_Number and not size.is_Integer:
            raise NCDError(msg.CHUNK_SIZE.format(axis=ax.label, size=ax.size, parts=parts),
                           op.options["over"][0].span, kind="shape", hint=msg.HINT_CHUNK.format())
        self.stated.append(stated.whole(size, op.options["over"][0].span, msg.SIZES_CHUNK, msg.HINT_CHUNK.format(),
                                        axis=ax.label, parts=parts))
        part = self._part_axis(ax, size, parts)
        out = v.axes[:i] + (part,) + v.axes[i + 1:]
        bc = v.axes[:i] + v.axes[i + 1:]
        return self.finish(op, stmt, OpKind.CHUNK, op.label, [v], [(ax,)], [(part,)] * parts, [out] * parts,
                           [bc], T.ChunkParams(ax, parts), ([(i,)], [(i,)] * parts))

    def _part_axis(self, ax: Axis, size, parts: int) -> Axis:
        """One part of ``ax``: ``d`` for ``3d``, or for ``f`` with ``let f = 3d``; else its size (``f/3``)."""
        plain = self.normal(size)
        if plain.is_Symbol:
            return Axis(plain.name, plain, ax.kind, ax.rank, ax.tangent)
        return Axis(self.size_name(size, ax.size, size_label(size)), size, ax.kind, ax.rank, ax.tangent)

    def op_rotary(self, op, stmt):
        if self.written_as_box(op):
            return self.op_function(op, stmt)
        self.no_clauses(op)
        values = self.args(op, None)
        rotated = len(stmt.targets)
        if len(values) not in (rotated, rotated + 2):
            span = op.args[min(len(values), rotated + 2) - 1].span
            raise NCDError(msg.ROTARY_ARITY.format(n=rotated, got=len(values)), span, kind="shape",
                           hint=msg.HINT_ROTARY.format())
        first = values[0]
        t, e = self.over_axes(op, first, 2, "Q, K = rotary Q K over t e")
        depth = first.axes[e]
        if depth.size.is_Number and depth.size % 2:
            raise NCDError(msg.ROTARY_ODD.format(axis=depth.label, size=depth.size), op.options["over"][0].span,
                           kind="shape")
        self.stated.append(stated.whole(depth.size / 2, op.options["over"][0].span, msg.SIZES_ROTARY,
                                        axis=depth.label))
        order = sorted((t, e))
        core = tuple(first.axes[i] for i in order)
        core_in, in_pos, broadcast = [], [], []
        for v, arg in zip(values, op.args):
            idx = order if v is first else self.match(core, v.axes)
            if idx is None:
                raise NCDError(msg.SHAPE_MISMATCH.format(op=opname(op), expected=shape_text(core), got=v.shape),
                               arg.span, kind="shape", hint=msg.HINT_ROTARY.format())
            core_in.append(tuple(v.axes[i] for i in idx))
            in_pos.append(tuple(idx))
            broadcast.append(tuple(a for i, a in enumerate(v.axes) if i not in idx))
        outs = [v.axes for v in values[:rotated]]
        return self.finish(op, stmt, OpKind.ROTARY, op.label, values, core_in, core_in[:rotated], outs,
                           broadcast, T.RotaryParams((first.axes[t], depth), rotated), (in_pos, in_pos[:rotated]))
