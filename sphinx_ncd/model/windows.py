"""Model stage: the windowed operations.  How convolutions and pooling type their inputs and outputs.

``op_conv`` / ``op_pool`` (mixed into :class:`~sphinx_ncd.model.infer.PanelBuilder` through
:class:`~sphinx_ncd.model.operations.Operations`): the spatial axes a window slides over are resized
(kernel, stride, padding, dilation; ``groups`` splits the channels), the channel signature maps
channel axes, every other axis is broadcast.  Shape errors name both sides.
"""
from __future__ import annotations

import sympy

from .. import messages as msg
from ..errors import NCDError
from ..syntax import ast as A
from . import stated
from . import types as T
from .sizes import SizeSyntaxError, parse_size, product, size_label, sizes_equal_plain
from .records import opname as _opname, shape_text as _shape
from .types import Axis, OpKind, Value

__all__ = ["Windows"]


class Windows:
    """Convolution and pooling handlers (a mixin: ``self`` is the PanelBuilder)."""

    def clause_size(self, op, name, default):
        if name not in op.options:
            return default
        atom = op.options[name][0]
        try:
            value = parse_size(atom.text)
        except SizeSyntaxError:
            raise NCDError(msg.BAD_SIZE.format(text=atom.text), atom.span, kind="syntax",
                           hint=msg.HINT_SIZE.format()) from None
        if self.params:  # a block's body drawn in place: its parameters bound
            value = value.xreplace(self.params)
        if value.is_Number and (not value.is_Integer or value < (0 if name == "padding" else 1)):
            raise NCDError(msg.CONV_PARAM.format(clause=name, value=atom.text), atom.span, kind="shape")
        return value

    def op_conv(self, op, stmt, pool=False):
        self.no_clauses(op)
        opname = op.head.text
        if "over" not in op.options:
            raise NCDError(msg.CONV_OVER.format(op=opname), op.head.span, kind="syntax")
        if "kernel" not in op.options and not pool:
            raise NCDError(msg.POOL_NEEDS.format(op=opname), op.head.span, kind="syntax")
        (v,) = self.args(op, 1)
        one = sympy.Integer(1)
        kernel = self.clause_size(op, "kernel", None)
        stride = self.clause_size(op, "stride", kernel if (pool and kernel is not None) else one)
        padding = self.clause_size(op, "padding", sympy.Integer(0))
        dilation = self.clause_size(op, "dilation", one)
        seg, _ = op.options["over"]
        spatial = []
        for item in seg.items:
            if isinstance(item, A.Group):
                raise NCDError(msg.OVER_ONE.format(op=opname, count="a group"), item.span, kind="syntax")
            spatial.append(self.find_axis(v, item, opname))
        named = {i: self.general(v.axes[i], self.axis(item)) for i, item in zip(spatial, seg.items)}
        resized = {i: self._window_axis(named[i], kernel, stride, padding, dilation, op.transposed, opname, seg)
                   for i in spatial}
        channel_idx: list[int] = []
        core_out_ch: list[Axis] = []
        if pool:
            if op.signature is not None:
                raise NCDError(msg.CLAUSE_NOT_ALLOWED.format(clause=":", op=opname), op.signature.span,
                               kind="syntax")
        else:
            if op.signature is None:
                raise NCDError(msg.NO_SIGNATURE.format(op=opname, example=f"{opname} X over Y : c -> k kernel 3"),
                               op.head.span, kind="shape", hint=msg.HINT_CONV.format())
            sig = op.signature
            if len(sig.inputs) != 1 or len(sig.outputs) != 1:
                raise NCDError(msg.ARITY.format(op=opname, expected=1, got=len(sig.inputs)), sig.span, kind="shape")
            # a channel signature maps channel axes: a literal 1 there is one channel (Conv2d(c, 1)),
            # an axis of size 1, not the scalar shape it is elsewhere
            cin = self.segment_axes(sig.inputs[0])
            one = not cin
            if one:
                cin = [self.axis(_ONE)]
            core_out_ch = self.segment_axes(sig.outputs[0]) or [self.axis(_ONE)]
            rest_axes = [ax for i, ax in enumerate(v.axes) if i not in spatial]
            rest_pos = [i for i in range(len(v.axes)) if i not in spatial]
            m = self.match(cin, rest_axes)
            if m is None:
                hint = msg.HINT_CONV_ONE.format() if one else msg.HINT_SHAPE.format()
                raise NCDError(msg.SHAPE_MISMATCH.format(op=_opname(op), expected=_shape(cin), got=v.shape),
                               op.args[0].span, kind="shape", hint=hint)
            channel_idx = [rest_pos[k] for k in m]
        groups = self._groups(op, [v.axes[i] for i in channel_idx], core_out_ch) if not pool else one
        out, core_in, core_out, bc, pos = _conv_wiring(v, resized, channel_idx, core_out_ch)
        over = tuple(v.axes[i] for i in spatial)
        if pool:
            params = T.PoolParams(over, kernel, stride, dilation, padding, bool(op.transposed), False, False,
                                  reduce="max" if opname == "maxpool" else "mean")
            kind = OpKind.POOL
        else:
            params = T.ConvParams(over, kernel, stride, dilation, padding, bool(op.transposed), True, bool(op.bias),
                                  groups=groups, map_label=getattr(op, "map_label", None))
            kind = OpKind.CONV
        return self.finish(op, stmt, kind, op.label, [v], [tuple(core_in)], [tuple(core_out)], [tuple(out)],
                           [tuple(bc)], params, pos)

    def _groups(self, op, cin, cout):
        """The ``groups`` clause (1 when absent): it must divide the channels in and out."""
        groups = self.clause_size(op, "groups", sympy.Integer(1))
        if groups == 1:
            return groups
        for side, axes in (("in", cin), ("out", cout)):
            channels = product(a.size ** a.rank for a in axes)
            ratio = sympy.simplify(self.normal(channels) / self.normal(groups))
            if channels.is_Number and groups.is_Number and not ratio.is_Integer:
                raise NCDError(msg.CONV_GROUPS.format(groups=op.options["groups"][0].text, side=side,
                                                      channels=_shape(axes)), op.options["groups"][1], kind="shape")
            self.stated.append(stated.whole(channels / groups, op.options["groups"][1], msg.SIZES_GROUPS,
                                            groups=op.options["groups"][0].text, side=side, channels=_shape(axes)))
        return groups

    def _window_axis(self, ax: Axis, kernel, stride, padding, dilation, transposed, opname, seg):
        """A spatial axis after a convolution's window (None: reduced away by a global pooling)."""
        x = ax.size
        if kernel is None:
            return None
        shown = _display(ax)
        if transposed:
            rest = dilation * (kernel - 1) - 2 * padding + 1 - stride
            size = x * stride + rest
            label = size_label(shown * stride + rest)
        else:
            rest = 2 * padding - dilation * (kernel - 1) - 1 + stride
            size = sympy.floor((x + rest) / stride)
            exact = rest == 0 or (bool(rest.is_nonnegative) and bool((rest - stride).is_negative))
            label = size_label(shown / stride) if exact else size_label(sympy.floor((shown + rest) / stride))
        if size.is_Number and size <= 0:
            raise NCDError(msg.CONV_SIZE.format(op=opname, axis=ax.label, size=size), seg.span, kind="shape")
        if size == x:
            return ax
        return Axis(self.size_name(size, x, label), size, ax.kind, ax.rank, ax.tangent)

    def size_name(self, size, x, label=None) -> str:
        """Label of a resized axis: a let-defined neighbour (x_{\\lambda+1}) when it fits, else the size."""
        if isinstance(x, sympy.core.function.AppliedUndef) and (self.decl.fn_rewrites or self.decl.rewrites):
            for delta in (1, -1):
                cand = x.func(x.args[0] + delta)
                if self._close(self.normal(cand), self.normal(size)):
                    return size_label(cand)
        for name, expr in self.decl.lets:
            sym = parse_size(name)
            if sizes_equal_plain(self.normal(sym), self.normal(size)):
                return name
        return label if label is not None else size_label(size)

    def op_pool(self, op, stmt):
        return self.op_conv(op, stmt, pool=True)


_ONE = A.Atom("1", None)  # the literal channel count 1 (never reported: its span is not needed)


def _conv_wiring(v: Value, resized: dict, channel_idx: list, core_out_ch: list):
    """A convolution's output axes in place of its input's: spatial axes resized (or reduced away), the
    channel axes replaced by the output channels at the first one's place, the rest broadcast.  Returns
    (output axes, core in, core out, broadcast, core positions)."""
    out, core_in, core_out, bc, in_pos, out_pos = [], [], [], [], [], []
    for i, ax in enumerate(v.axes):
        if i in resized:
            core_in.append(ax)
            in_pos.append(i)
            if resized[i] is not None:
                out_pos.append(len(out))
                out.append(resized[i])
                core_out.append(resized[i])
        elif i in channel_idx:
            core_in.append(ax)
            in_pos.append(i)
            if i == channel_idx[0]:
                out_pos.extend(range(len(out), len(out) + len(core_out_ch)))
                out.extend(core_out_ch)
                core_out.extend(core_out_ch)
        else:
            out.append(ax)
            bc.append(ax)
    return out, core_in, core_out, bc, ([tuple(in_pos)], [tuple(out_pos)])



def _display(ax: Axis):
    """The size an axis shows (its label read as a size), for deriving readable labels."""
    try:
        return parse_size(ax.label)
    except SizeSyntaxError:
        return ax.size



