"""Model stage: selections.  How top-k, gather and scatter type their inputs and outputs.

``op_topk`` / ``op_gather`` / ``op_scatter`` (mixed into :class:`~sphinx_ncd.model.infer.PanelBuilder`
through :class:`~sphinx_ncd.model.operations.Operations`), each as ``torch`` defines it:

* ``V, I = topk X : n -> k``: the ``k`` largest entries along ``n`` (and their positions, when two names are
  assigned), every other axis broadcast;
* ``Y = gather X I over n``: ``X`` read along ``n`` at the positions ``I``, whose axes are ``X``'s with ``n``
  replaced by the axis it selects (``torch.gather``); ``Y`` has ``I``'s axes;
* ``Y = scatter X I S over n``: ``X`` with the entries of ``S`` written along ``n`` at the positions ``I``
  (``I`` and ``S`` of one shape, ``X``'s with ``n`` replaced); ``Y`` has ``X``'s axes.

Errors are located at the word that caused them.
"""
from __future__ import annotations

from .. import messages as msg
from ..errors import NCDError
from . import types as T
from .records import opname, shape_text
from .types import OpKind

__all__ = ["SelectOps"]


class SelectOps:
    """Top-k, gather and scatter handlers (a mixin: ``self`` is the PanelBuilder)."""

    def op_topk(self, op, stmt):
        self.no_clauses(op)
        sig, _ = self.signature_of(op, "V, I = topk X : n -> k")
        (v,) = self.args(op, 1)
        if len(sig.inputs) != 1 or len(sig.outputs) != 1 or len(sig.inputs[0].items) != 1 \
                or len(sig.outputs[0].items) != 1:
            raise NCDError(msg.TOPK_SIGNATURE.format(), sig.span, kind="shape", hint=msg.HINT_TOPK.format())
        if len(stmt.targets) not in (1, 2):
            raise NCDError(msg.TARGETS.format(op="topk", expected=2, got=len(stmt.targets)), stmt.targets[0].span,
                           kind="shape", hint=msg.HINT_TOPK.format())
        (n,) = self.segment_axes(sig.inputs[0])
        (k,) = self.segment_axes(sig.outputs[0])
        if n.size.is_Number and k.size.is_Number and k.size > n.size:
            raise NCDError(msg.TOPK_SIZE.format(k=k.label, n=n.label), sig.outputs[0].span, kind="shape")
        parts = len(stmt.targets)
        outs, bc, pos = self.broadcast_apply(op, [v], [[n]], [[k]] * parts, [op.args[0]])
        return self.finish(op, stmt, OpKind.TOPK, op.label, [v], [(n,)], [(k,)] * parts, outs, bc,
                           T.TopkParams(n, k, parts == 2), pos)

    def _positions(self, op, x, i, where: int, what: str):
        """The axis of ``x`` named by ``over`` and the check that index/source value ``i`` has ``x``'s axes with
        that one replaced (by any axis); returns (the position in ``x``, the replacing axis)."""
        (j,) = self.over_axes(op, x, 1, f"{op.head.text} X I over n")
        rest_x = x.axes[:j] + x.axes[j + 1:]
        if len(i.axes) != len(x.axes) or not all(
                self.same(a.size, b.size) for a, b in zip(rest_x, i.axes[:j] + i.axes[j + 1:])):
            want = " ".join(a.label if k != j else "_" for k, a in enumerate(x.axes))
            raise NCDError(msg.SELECT_SHAPE.format(op=opname(op), what=what, name=i.name, shape=i.shape, want=want,
                                                   axis=x.axes[j].label), op.args[where].span, kind="shape")
        return j, i.axes[j]

    def op_gather(self, op, stmt):
        if self.written_as_box(op):
            return self.op_function(op, stmt)
        self.no_clauses(op)
        x, i = self.args(op, 2)
        j, picked = self._positions(op, x, i, 1, "positions")
        return self.finish(op, stmt, OpKind.GATHER, op.label, [x, i], [(x.axes[j],), i.axes], [(picked,)],
                           [i.axes], [x.axes[:j] + x.axes[j + 1:], ()], T.SelectParams(x.axes[j]),
                           ([(j,), tuple(range(len(i.axes)))], [(j,)]))

    def op_scatter(self, op, stmt):
        if self.written_as_box(op):
            return self.op_function(op, stmt)
        self.no_clauses(op)
        x, i, s = self.args(op, 3)
        j, _ = self._positions(op, x, i, 1, "positions")
        if len(s.axes) != len(i.axes) or not all(self.same(a.size, b.size) for a, b in zip(s.axes, i.axes)):
            raise NCDError(msg.SHAPE_MISMATCH.format(op=opname(op), expected=shape_text(i.axes), got=s.shape),
                           op.args[2].span, kind="shape", hint=msg.HINT_SCATTER.format())
        every = tuple(range(len(i.axes)))
        return self.finish(op, stmt, OpKind.SCATTER, op.label, [x, i, s], [(x.axes[j],), i.axes, s.axes],
                           [(x.axes[j],)], [x.axes], [x.axes[:j] + x.axes[j + 1:], (), ()],
                           T.SelectParams(x.axes[j]), ([(j,), every, every], [(j,)]))
