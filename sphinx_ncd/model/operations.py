"""Model stage: the operations.  How each kind of operation types its inputs and outputs.

One method per operation kind (``op_learned``, ``op_einsum``, ``op_conv`` ...), mixed
into :class:`~sphinx_ncd.model.infer.PanelBuilder`.  Each checks its arguments against
its signature (broadcasting what the signature does not mention), computes the
output axes and records an operation; shape errors name both sides.
"""
from __future__ import annotations

import sympy

from .. import messages as msg
from ..errors import NCDError
from ..syntax import ast as A
from ..syntax.parser import OPERATIONS
from .sizes import SizeSyntaxError, parse_size, product, size_label
from . import stated
from . import types as T
from .types import Axis, OpKind, Value
from .blocks import instantiate
from .kinds import KINDS
from .records import closest, opname as _opname, same_sub, shape_text as _shape, slot_name
from .select import SelectOps
from .sequence import SequenceOps
from .windows import Windows
from .wiring import all_core

__all__ = ["Operations"]


class Operations(Windows, SequenceOps, SelectOps):
    """Operation handlers (a mixin: ``self`` is the PanelBuilder)."""

    # --- operations ---------------------------------------------------------------------------

    def args(self, op: A.Op, count: int | None) -> list[Value]:
        values = [self.value(a) for a in op.args]  # an unknown name first: it may be a misspelt clause
        if count is not None and len(op.args) != count:
            span = op.args[count].span if len(op.args) > count else op.head.span
            raise NCDError(msg.ARITY.format(op=_opname(op), expected=count, got=len(op.args)), span, kind="shape")
        return values

    def no_clauses(self, op: A.Op, allowed=None):
        """Refuse every clause but those ``allowed`` (by default, those of the operation's kind)."""
        if allowed is None:
            allowed = KINDS[op.kind].clauses
        for key, (val, span) in op.options.items():
            if key not in allowed:
                raise NCDError(msg.CLAUSE_NOT_ALLOWED.format(clause=key, op=_opname(op)),
                               span or op.head.span, kind="syntax")

    def broadcast_apply(self, op: A.Op, inputs, core_in, core_out, where):
        """Lift a core signature over the inputs; returns (outputs axes list, broadcast per input, core
        positions (per input, per output)).  ``where``: per input, the node its errors point at."""
        if len(core_in) != len(inputs):
            raise NCDError(msg.ARITY.format(op=_opname(op), expected=len(core_in), got=len(inputs)),
                           op.signature.span if op.signature else op.head.span, kind="shape")
        lead: list[Axis] = []
        trail: list[Axis] = []
        broadcast = []
        in_pos = []
        for v, core, at in zip(inputs, core_in, where):
            idx = self.match(core, v.axes)
            if idx is None:
                raise NCDError(msg.SHAPE_MISMATCH.format(op=_opname(op), expected=_shape(core), got=v.shape),
                               at.span, kind="shape", hint=msg.HINT_SHAPE.format())
            self._unambiguous(op, core, v, idx, at)
            taken = set(idx)
            first = idx[0] if idx else len(v.axes)
            b = []
            for i, ax in enumerate(v.axes):
                if i in taken:
                    continue
                b.append(ax)
                self._merge(lead if i < first else trail, ax, op)
            broadcast.append(tuple(b))
            in_pos.append(tuple(idx))
        if trail and lead:
            trail = [a for a in trail if all(a.label != l.label for l in lead)]
        outs = [tuple(lead) + tuple(c) + tuple(trail) for c in core_out]
        n = len(lead)
        return outs, broadcast, (in_pos, [tuple(range(n, n + len(c))) for c in core_out])

    def _unambiguous(self, op, core, v, idx, at) -> None:
        """A signature axis the value does not name, matched by its size where the value has another axis of
        that size left over (``u`` in ``t t``), is an error (located at node ``at``): the diagram never guesses
        which wire is meant."""
        axes = v.axes
        for c, i in zip(core, idx):
            if axes[i].label != c.label:
                break
        else:
            return  # every axis matched by its name: nothing was guessed
        labels = {a.label for a in v.axes}
        for c, i in zip(core, idx):
            if c.label in labels:
                continue
            others = [a.label for j, a in enumerate(v.axes) if j not in idx and a.tangent == c.tangent
                      and self.same(a.size, c.size)]
            if others:
                raise NCDError(msg.AMBIGUOUS_AXIS.format(op=_opname(op), word="signature", axis=c.label,
                                                         shape=v.shape, axes=", ".join([v.axes[i].label] + others)),
                               at.span, kind="shape", hint=msg.HINT_AMBIGUOUS_AXIS.format())

    def _merge(self, into: list, ax: Axis, op):
        for i, other in enumerate(into):
            if other.label == ax.label:
                if not self.same(other.size, ax.size):
                    raise NCDError(msg.BROADCAST_CLASH.format(op=_opname(op), axis=ax.label,
                                                              first=other.size, second=ax.size),
                                   op.head.span, kind="shape")
                into[i] = self.prefer(other, ax)
                return
        into.append(ax)

    def signature_of(self, op: A.Op, example: str):
        sig = op.signature
        if sig is None:
            d = self.decl.defs.get(op.label) if op.kind in ("function", "learned") else None
            if d is not None:
                return d.signature, d
            raise NCDError(msg.NO_SIGNATURE.format(op=_opname(op), example=example), op.head.span, kind="shape",
                           hint=msg.HINT_DEF.format(op=op.label))
        return sig, None

    def generic(self, op: A.Op, kind):
        """A box with a signature (written, or declared once with ``def``); a ``def ... learned``
        makes it a learned box with that declaration's bias.  Returns the kind it is drawn as too."""
        sig, decl = (op.signature, None) if op.signature is not None else \
            self.signature_of(op, f"{op.head.text} X : a -> b")
        inputs = self.args(op, None)
        core_in = [self.segment_axes(s) for s in sig.inputs]
        core_out = [self.segment_axes(s) for s in sig.outputs]
        where = list(op.args)  # each input's error is located at its argument (spans are made only then)
        if len(where) < len(core_in):
            where += [op.head] * (len(core_in) - len(where))
        outs, broadcast, pos = self.broadcast_apply(op, inputs, core_in, core_out, where)
        style = decl.style if decl is not None and decl.style else None
        if decl is not None and decl.learned:
            kind = OpKind.LEARNED
            params = T.LearnedParams(bias=bool(decl.bias), style=style)
        elif kind == OpKind.LEARNED:
            params = T.LearnedParams(bias=bool(op.bias), style=style)
        else:
            params = T.FunctionParams(style=style)
        return kind, inputs, core_in, core_out, outs, broadcast, params, pos

    def finish(self, op: A.Op, stmt, kind, label, inputs, core_in, core_out, outs, broadcast, params, pos,
               body=None):
        """Name the outputs and record the operation; ``pos`` is (core positions per input, per output)."""
        names = [t.text for t in stmt.targets]
        if len(outs) != len(names):
            raise NCDError(msg.TARGETS.format(op=_opname(op), expected=len(outs), got=len(names)),
                           stmt.targets[0].span, kind="shape")
        values = [self.new_value(n, axes, t.located()) for n, axes, t in zip(names, outs, stmt.targets)]
        binding = op.binding.text if op.binding is not None else None
        self.add_op(kind, label, inputs, values, core_in, core_out, broadcast, params, pos, binding, body,
                    stmt.span)
        return values

    def op_function(self, op, stmt):
        name = op.head.text
        if op.signature is None and name in self.decl.blocks and name not in self.decl.defs:
            return self.op_block(op, stmt)  # a block used without arguments: Y = Name X
        if (op.signature is None or op.options) and name not in self.decl.defs:
            guess = closest(name, OPERATIONS, 0.75)
            if guess and guess != name:  # 'sofmax S over x': a misspelt keyword, not a new function
                raise NCDError(msg.UNKNOWN_OPERATION.format(name=name), op.head.span, kind="syntax",
                               hint=msg.DID_YOU_MEAN.format(name=guess))
        self.no_clauses(op)
        kind, inputs, ci, co, outs, bc, params, pos = self.generic(op, OpKind.FUNCTION)
        return self.finish(op, stmt, kind, op.label, inputs, ci, co, outs, bc, params, pos)

    def op_learned(self, op, stmt):
        self.no_clauses(op)
        _, inputs, ci, co, outs, bc, params, pos = self.generic(op, OpKind.LEARNED)
        if params.bias != bool(op.bias):  # a 'def ... learned' gave another bias: the written one counts
            params = T.LearnedParams(bias=bool(op.bias), style=params.style)
        return self.finish(op, stmt, OpKind.LEARNED, op.label, inputs, ci, co, outs, bc, params, pos)

    def op_elementwise(self, op, stmt):
        self.no_clauses(op)
        if op.signature is not None:
            raise NCDError(msg.CLAUSE_NOT_ALLOWED.format(clause=":", op=_opname(op)), op.signature.span,
                           kind="syntax")
        (v,) = self.args(op, 1)
        return self.finish(op, stmt, OpKind.ELEMENTWISE, op.label, [v], [()], [()], [v.axes], [v.axes],
                           T.ElementwiseParams(op.head.text if op.head.text != "map" else op.label), _NONE)

    def op_scale(self, op, stmt):
        self.no_clauses(op)
        if "by" not in op.options:
            raise NCDError(msg.SCALE_NEEDS.format(), op.head.span, kind="syntax")
        atom = op.options["by"][0]
        try:
            factor = parse_size(atom.text)
        except SizeSyntaxError:
            raise NCDError(msg.BAD_SIZE.format(text=atom.text), atom.span, kind="syntax",
                           hint=msg.HINT_SIZE.format()) from None
        (v,) = self.args(op, 1)
        return self.finish(op, stmt, OpKind.SCALE, atom.text, [v], [()], [()], [v.axes], [v.axes],
                           T.ScaleParams(atom.text, factor), _NONE)

    def _over_one(self, op, v):
        if "over" not in op.options:
            raise NCDError(msg.OVER_NEEDS.format(op=op.head.text), op.head.span, kind="syntax")
        seg, span = op.options["over"]
        if len(seg.items) != 1 or not isinstance(seg.items[0], A.Atom):
            raise NCDError(msg.OVER_ONE.format(op=op.head.text, count=len(seg.items)), seg.span, kind="syntax")
        return self.find_axis(v, seg.items[0], op.head.text)

    def op_softmax(self, op, stmt, kind=OpKind.SOFTMAX):
        self.no_clauses(op)
        (v,) = self.args(op, 1)
        i = self._over_one(op, v)
        ax = v.axes[i]
        gen = self.general(ax, self.axis(op.options["over"][0].items[0]))
        bc = v.axes[:i] + v.axes[i + 1:]
        out = v.axes[:i] + (gen,) + v.axes[i + 1:]
        cls = T.SoftmaxParams if kind == OpKind.SOFTMAX else T.NormParams
        return self.finish(op, stmt, kind, op.label, [v], [(ax,)], [(gen,)], [out], [bc], cls(gen),
                           ([(i,)], [(i,)]))

    def op_norm(self, op, stmt):
        return self.op_softmax(op, stmt, OpKind.NORM)

    def op_index(self, op, stmt):
        self.no_clauses(op)
        if "at" not in op.options or "on" not in op.options:
            raise NCDError(msg.INDEX_NEEDS.format(), op.head.span, kind="syntax")
        (v,) = self.args(op, 1)
        i = self.find_axis(v, op.options["on"][0], "index", "on")
        ax = v.axes[i]
        rest = v.axes[:i] + v.axes[i + 1:]
        label = op.options["at"][0]
        return self.finish(op, stmt, OpKind.INDEX, label, [v], [(ax,)], [()], [rest], [rest],
                           T.IndexParams(ax, label), ([(i,)], [()]))

    def op_einsum(self, op, stmt):
        """einops semantics: a pattern as long as its input names that input's axes by position (a new
        name such as ``k1`` takes the axis it names; a name that is another axis of the inputs is a
        mismatch); a shorter pattern must occur in order and the remaining axes are broadcast."""
        self.no_clauses(op)
        if op.head.text == "mul":
            return self._product(op, stmt)
        sig, _ = self.signature_of(op, "einsum A B : y k, x k -> y x")
        inputs = self.args(op, None)
        if len(sig.inputs) != len(inputs):
            raise NCDError(msg.ARITY.format(op="einsum", expected=len(sig.inputs), got=len(inputs)),
                           sig.span, kind="shape")
        if len(sig.outputs) != 1:
            raise NCDError(msg.TARGETS.format(op="einsum", expected=1, got=len(sig.outputs)), sig.span,
                           kind="shape")
        known = {a.label: a for v in inputs for a in reversed(v.axes)}  # label -> (the first) axis of that name
        bound: dict[str, Axis] = {}
        lead: list[Axis] = []
        trail: list[Axis] = []
        core_in = []
        broadcast = []
        names_in = []
        in_pos = []
        for v, seg, arg in zip(inputs, sig.inputs, op.args):
            pattern = self.segment_axes(seg)
            if len(pattern) == len(v.axes):
                idx = list(range(len(v.axes)))
                for p, a in zip(pattern, v.axes):
                    if p.label != a.label and p.label in known and not self.same(known[p.label].size, a.size):
                        raise NCDError(msg.SHAPE_MISMATCH.format(op="einsum", expected=_shape(pattern),
                                                                 got=v.shape), seg.span, kind="shape",
                                       hint=msg.HINT_EINSUM.format())
            else:
                idx = self.match(pattern, v.axes)
                if idx is None:
                    raise NCDError(msg.SHAPE_MISMATCH.format(op="einsum", expected=_shape(pattern), got=v.shape),
                                   seg.span, kind="shape", hint=msg.HINT_EINSUM.format())
                self._unambiguous(op, pattern, v, idx, seg)
            for p, i, atom in zip(pattern, idx, seg.items):
                a = v.axes[i]
                prev = bound.get(p.label)
                if prev is None:  # a new name is its own axis (a key axis u over the same sequence as t)
                    bound[p.label] = a if p.label in known or p.tangent != a.tangent else self.renamed(a, p)
                elif not self.same(prev.size, a.size):
                    raise NCDError(msg.EINSUM_SIZE.format(axis=p.label, first=size_label(prev.size), second=a.label),
                                   atom.span, kind="shape")
            taken = set(idx)
            first = idx[0] if idx else len(v.axes)
            b = []
            for i, ax in enumerate(v.axes):
                if i not in taken:
                    b.append(ax)
                    self._merge(lead if i < first else trail, ax, op)
            broadcast.append(tuple(b))
            core_in.append(tuple([v.axes[i] for i in idx]))
            in_pos.append(tuple(idx))
            names_in.append(tuple([p.label for p in pattern]))
        out_names, out_core = self._einsum_output(sig.outputs[0], bound)
        if trail and lead:
            trail = [a for a in trail if all(a.label != l.label for l in lead)]
        out = tuple(lead) + tuple(out_core) + tuple(trail)
        counts: dict[str, int] = {}
        for names in names_in:
            for n in names:
                counts[n] = counts.get(n, 0) + 1
        contracted = tuple([n for n in bound if n not in out_names])
        merged = tuple([n for n in bound if n in out_names and counts[n] > 1])
        params = T.EinsumParams(tuple(names_in), tuple(out_names), contracted, merged, len(inputs) > 1)
        pos = (in_pos, [tuple(range(len(lead), len(lead) + len(out_core)))])
        return self.finish(op, stmt, OpKind.EINSUM, "", inputs, core_in, [tuple(out_core)], [out], broadcast,
                           params, pos)

    def _product(self, op, stmt):
        """``mul A B``: the element-wise product of equal shapes, drawn as the paper does, an outer
        product whose every wire merges (an einsum ``a b, a b -> a b``)."""
        if op.signature is not None or op.head.text in self.decl.defs:  # 'mul X Y : a, a -> a', as ncd draft
            # writes, or a 'def mul': a generic box named mul, as before mul was a word of the language
            op.label = op.head.text
            return self.op_function(op, stmt)
        inputs = self.args(op, None)
        out = self.equal_shapes(op, inputs, "mul", msg.PRODUCT_SHAPES, msg.HINT_PRODUCT.format())
        names = tuple(a.label if [b.label for b in out].count(a.label) == 1 else f"{a.label}{i}"
                      for i, a in enumerate(out))
        params = T.EinsumParams((names,) * len(inputs), names, (), names, True)
        every = tuple(range(len(out)))
        return self.finish(op, stmt, OpKind.EINSUM, "", inputs, [v.axes for v in inputs], [tuple(out)],
                           [tuple(out)], [() for _ in inputs], params, ([every] * len(inputs), [every]))

    def renamed(self, a: Axis, name: Axis) -> Axis:
        """``a`` under the name an einsum pattern gives it (``u`` for the keys' copy of the sequence ``t``):
        drawn as its own wire, with ``a``'s size, so the two stay equal in size and distinct in name."""
        return Axis(name.label, a.size, a.kind, a.rank, a.tangent)

    def _einsum_output(self, seg, bound: dict):
        """An einsum's output names (each bound by an input, none twice) and the axes they name."""
        out_names = []
        out_core = []
        for atom in seg.items:
            if isinstance(atom, A.Group):
                raise NCDError(msg.EXPECTED_GOT.format(expected="an axis", got="("), atom.span, kind="syntax",
                               hint=msg.HINT_EXPECTED.format(expected="parentheses only in a view's signature"))
            name = self.axis(atom).label
            if name not in bound:
                raise NCDError(msg.EINSUM_NEW_AXIS.format(axis=name), atom.span, kind="shape",
                               hint=msg.HINT_AXES.format(axes=", ".join(bound)))
            if name in out_names:
                raise NCDError(msg.EINSUM_REPEATED_OUTPUT.format(axis=name), atom.span, kind="shape",
                               hint=msg.HINT_EINSUM_REPEATED.format(axis=name))
            out_names.append(name)
            out_core.append(bound[name])
        return out_names, out_core

    def op_view(self, op, stmt):
        self.no_clauses(op)
        sig, _ = self.signature_of(op, "view X : 28 28 -> 784")
        if len(sig.inputs) != 1 or len(sig.outputs) != 1:
            raise NCDError(msg.ARITY.format(op="view", expected=1, got=len(sig.inputs)), sig.span, kind="shape")
        inputs = self.args(op, 1)
        core_in = [self.view_axes(sig.inputs[0])]
        core_out = [self.view_axes(sig.outputs[0])]
        left = product(a.size ** a.rank for a in core_in[0])
        right = product(a.size ** a.rank for a in core_out[0])
        if not self.same(left, right):
            raise NCDError(msg.VIEW_SIZE.format(left=_shape(core_in[0]), right=_shape(core_out[0])), sig.span,
                           kind="shape", hint=msg.HINT_VIEW.format())
        self._state_view(sig, core_in[0], core_out[0], left, right)
        outs, bc, pos = self.broadcast_apply(op, inputs, core_in, core_out, [op.args[0]])
        eq = _shape(core_in[0]) + " -> " + _shape(core_out[0])
        return self.finish(op, stmt, OpKind.VIEW, "", inputs, core_in, core_out, outs, bc, T.ViewParams(eq), pos)

    def _state_view(self, sig, before, after, left, right) -> None:
        """A view's sizes with a quotient (``d/h``) are whole, and its two sides equal, with the sizes line."""
        for ax in before + after:
            if sympy.fraction(ax.size)[1] != 1:
                self.stated.append(stated.whole(ax.size, sig.span, msg.SIZES_VIEW_WHOLE, size=ax.label))
        self.stated.append(stated.equal(left, right, sig.span, msg.SIZES_VIEW, msg.HINT_VIEW.format(),
                                        left=_shape(before), right=_shape(after)))

    def op_concat(self, op, stmt):
        self.no_clauses(op)
        inputs = self.args(op, None)
        if len(inputs) < 2:
            raise NCDError(msg.ARITY.format(op="concat", expected=2, got=len(inputs)), op.head.span, kind="shape")
        idx = [self._over_one(op, inputs[0])]
        for v in inputs[1:]:
            try:
                idx.append(self._over_one(op, v))
            except NCDError:
                if len(v.axes) != len(inputs[0].axes):
                    raise
                idx.append(idx[0])  # the axis in the same place (concatenating c with d)
        first = inputs[0]
        size = sympy.Integer(0)
        for v, i in zip(inputs, idx):
            rest_a = first.axes[:idx[0]] + first.axes[idx[0] + 1:]
            rest_b = v.axes[:i] + v.axes[i + 1:]
            if len(rest_a) != len(rest_b) or i != idx[0] or not all(
                    self.same(a.size, b.size) for a, b in zip(rest_a, rest_b)):
                raise NCDError(msg.CONCAT_SHAPES.format(axis=first.axes[idx[0]].label, first=first.shape,
                                                        second=v.shape), op.args[inputs.index(v)].span, kind="shape")
        general = [v.axes[i] for v, i in zip(inputs, idx)]
        pick = general[0]
        for g in general[1:]:
            if self.same(g.size, pick.size):
                pick = self.prefer(pick, g)
        for g in general:
            size = size + (pick.size if self.same(g.size, pick.size) else g.size)
        out_ax = self.derived_axis(size, pick)
        j = idx[0]
        out = first.axes[:j] + (out_ax,) + first.axes[j + 1:]
        core_in = [(v.axes[i],) for v, i in zip(inputs, idx)]
        bc = [v.axes[:i] + v.axes[i + 1:] for v, i in zip(inputs, idx)]
        return self.finish(op, stmt, OpKind.CONCAT, "", inputs, core_in, [(out_ax,)], [out], bc,
                           T.ConcatParams(out_ax), ([(i,) for i in idx], [(j,)]))

    def equal_shapes(self, op, inputs, word: str, mismatch: str, hint: str | None = None) -> list[Axis]:
        """The axes of an element-wise combination (``add``, ``mul``) of two or more values of one shape: each
        pair of axes equal in size (and tangency), named as :meth:`prefer` chooses; else a located error."""
        if len(inputs) < 2:
            raise NCDError(msg.ARITY.format(op=word, expected=2, got=len(inputs)), op.head.span, kind="shape")
        first = inputs[0]
        out = list(first.axes)
        for v, name in zip(inputs[1:], op.args[1:]):
            if len(v.axes) != len(first.axes) or not all(
                    self.same(a.size, b.size) and a.tangent == b.tangent for a, b in zip(first.axes, v.axes)):
                raise NCDError(mismatch.format(first=first.shape, second=v.shape), name.span, kind="shape", hint=hint)
            out = [self.prefer(a, b) for a, b in zip(out, v.axes)]
        return out

    def op_add(self, op, stmt):
        self.no_clauses(op)
        inputs = self.args(op, None)
        out = self.equal_shapes(op, inputs, "add", msg.ADD_SHAPES)
        return self.finish(op, stmt, OpKind.ADD, "+", inputs, [v.axes for v in inputs], [tuple(out)],
                           [tuple(out)], [() for _ in inputs], _NO_PARAMS, (all_core(inputs), [tuple(range(len(out)))]))

    def op_unit(self, op, stmt):
        self.no_clauses(op, ("axis",))
        if op.args:
            raise NCDError(msg.UNIT_AXIS.format(), op.args[0].span, kind="syntax")
        ax = self.axis(op.options["axis"][0])
        return self.finish(op, stmt, OpKind.UNIT, r"\eta", [], [], [(ax, ax)], [(ax, ax)], [], T.UnitParams(ax),
                           ((), [(0, 1)]))

    def op_load(self, op, stmt):
        slot_atom = op.options["slot"][0]
        base, sub = slot_name(slot_atom.text)
        given = self.segment_axes(op.options["shape"][0]) if "shape" in op.options else None
        axes = self.saved_axes(base, sub)
        if given is not None:
            if axes is not None and (len(axes) != len(given) or not all(
                    self.same(a.size, b.size) for a, b in zip(axes, given))):
                raise NCDError(msg.LOAD_SHAPE.format(slot=slot_atom.text, saved=_shape(axes), given=_shape(given)),
                               op.options["shape"][0].span, kind="shape")
            axes = tuple(given)
        if axes is None:
            saved = [e[2] for entries in self.slots.values() for e in entries]
            hint = msg.HINT_SLOT.format(slot=slot_atom.text)
            if saved:
                hint = msg.HINT_SLOTS_SAVED.format(slots=", ".join(saved)) + hint
            raise NCDError(msg.UNKNOWN_SLOT.format(slot=slot_atom.text), slot_atom.span, kind="shape", hint=hint)
        return self.finish(op, stmt, OpKind.LOAD, slot_atom.text, [], [], [axes], [axes], [],
                           T.SlotParams(slot_atom.text), ((), [tuple(range(len(axes)))]))

    def saved_axes(self, base, sub):
        r"""The axes in slot ``base_sub``: the slot saved under that very subscript (the latest), else one
        saved under a repetition index (``C_\lambda``), with the index replaced by ``sub`` (a number within
        that repetition's range, or an expression such as ``4-\lambda``).  ``None`` if there is none."""
        entries = self.slots.get(base, ())
        for ssub, saxes, _label, _rng in reversed(entries):
            if same_sub(ssub, sub):
                return saxes
        if sub is None:
            return None
        for ssub, saxes, _label, rng in reversed(entries):
            if ssub is None or not ssub.is_Symbol:
                continue
            if rng is not None and sub.is_Number and rng[0].is_Number and rng[1].is_Number and not (
                    rng[0] <= sub <= rng[1]):
                continue
            return tuple(self.substitute_axis(a, ssub, sub) for a in saxes)
        return None

    def substitute_axis(self, ax: Axis, sym, value) -> Axis:
        r"""``ax`` with a repetition index replaced (``x_{\lambda+1}`` at 3 is ``x_4``), label and size."""
        if not ax.size.has(sym):
            return ax
        size = ax.size.subs(sym, value)
        try:
            shown = parse_size(ax.label)
        except SizeSyntaxError:
            shown = None
        label = size_label(shown.subs(sym, value)) if shown is not None and shown.has(sym) else size_label(size)
        return Axis(label, size, ax.kind, ax.rank, ax.tangent)

    def op_block(self, op, stmt):
        return instantiate(self, op, stmt)



_NONE = ([()], [()])  # core positions of a box that acts on no wire (all pass over it: relu, scale)
_NO_PARAMS = T.NoParams()
