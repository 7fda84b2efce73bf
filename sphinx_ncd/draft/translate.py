"""Draft (stage: steps -> statements): the translator's core.

:class:`Translator` walks the steps in graph order and keeps, for every graph
node, the :class:`~.values.Val` the spec knows it by.  The handlers for module
calls (:mod:`.modules`) and for single ATen ops (:mod:`.ops`) are mixins; this
module holds what they share: emitting a statement, naming new axes,
writing views (merges and splits of axes) and einsums (with a second name for
an axis that meets itself, as the keys' positions in self-attention), and the
generic box every unknown operation falls back to.  No torch import.
"""
from __future__ import annotations

import re

import sympy

from .graph import Step, op_name
from .modules import ModuleHandlers
from .naming import SizeNamer
from .ops import OpHandlers
from .values import Ax, Lets, Names, Stmt, Val, label_for, pattern_text, shape_text

__all__ = ["Translator"]


def concrete(node) -> tuple[int, ...] | None:
    val = node.meta.get("val")
    shape = getattr(val, "shape", None)
    return tuple(int(s) for s in shape) if shape is not None else None


class Translator(ModuleHandlers, OpHandlers):
    def __init__(self, namer: SizeNamer, names: Names):
        self.namer = namer
        self.names = names
        self.env: dict = {}
        self.stmts: list[Stmt] = []
        self.lets = Lets()
        self.step: Step | None = None
        self.seen: dict = {}  # every size a value has had, first seen first (for naming scalars)
        self.learned: dict = {}  # value name -> (statement index, its text up to the output signature)
        self.merges: dict = {}  # value name -> (statement index, source Val, the merged axes)
        self.constants: dict = {}  # graph node -> the tensor it makes from no input (see .constants)

    # --- the walk ---------------------------------------------------------------------------

    def run(self, steps: list[Step]) -> None:
        for step in steps:
            self.step = step
            mark = len(self.stmts)
            try:
                if step.kind == "module":
                    self.module_step(step)
                else:
                    self.op_step(step)
            except Exception as exc:  # a case the handlers do not know: a generic box, or a located error
                del self.stmts[mark:]
                self._fallback(step, exc)

    def _fallback(self, step: Step, exc: Exception) -> None:
        from .. import messages as msg
        from ..errors import NCDError, Span

        ins = [n for n in step.inputs if n in self.env]
        outs = [n for n in (step.outputs or step.nodes[-1:]) if concrete(n) is not None]
        try:
            if not ins or not outs:
                raise exc
            label = type(step.module).__name__ if step.kind == "module" else step.op
            self.generic(label, ins, outs, binding=step.path or None,
                         why=f"{step.path} ({label})" if step.path else label)
        except Exception as again:
            span = Span(step.source[0], step.source[1], 1) if step.source else None
            raise NCDError(msg.DRAFT_INTERNAL.format(what=step.path or step.op, error=again), span,
                           kind="internal") from None

    def emit(self, text: str, generic: str | None = None, comment: str = "") -> None:
        s = self.step
        self.stmts.append(Stmt(text, s.parents if s else (), s.source if s else None, generic, comment))

    def val(self, node) -> Val:
        """The node's value, with any deferred transpose written out."""
        v = self.env[node]
        if isinstance(v, Val) and v.pending is not None:
            v = self.materialize(node, v)
        return v

    def raw(self, node) -> tuple[Val, list[int]]:
        """The value and the permutation to read it in the code's order (a deferred transpose)."""
        v = self.env[node]
        if v.pending is not None:
            src, perm = v.pending
            return src, list(perm)
        return v, list(range(len(v.axes)))

    def materialize(self, node, v: Val) -> Val:
        src, perm = v.pending
        shown_src = [a for a in src.axes if not a.hidden]
        out_axes = [src.axes[p] for p in perm]
        before = [a.label for a in shown_src]
        after = [a.label for a in out_axes if not a.hidden]
        name = self.names.fresh(node.name)
        new = Val(name, out_axes)
        if before != after:
            self.emit(f"{name} = einsum {src.name} : {pattern_text(before)} -> {pattern_text(after)}",
                      comment="transpose")
        else:
            new = Val(src.name, out_axes)
        self.env[node] = new
        return new

    def bind(self, node, v: Val) -> Val:
        self.env[node] = v
        for a in v.axes:
            if not a.hidden:
                self.seen.setdefault(a.size, None)
        return v

    def new_name(self, node, base: str | None = None) -> str:
        return self.names.fresh(base or node.name)

    # --- axes -------------------------------------------------------------------------------

    def axis(self, value: int, prefer=()) -> Ax:
        """A new axis of this size: a preferred axis of the same size, else one named from the atoms."""
        for a in prefer:
            if not a.hidden and self.namer.value(a.size) == value:
                return a
        if value == 1:
            return Ax("1", sympy.Integer(1), hidden=True)
        expr = self.namer.name(value, [a.size for a in prefer])
        return Ax(label_for(expr), expr)

    def like(self, node, prefer: list[Ax]) -> list[Ax]:
        """Axes for a node's output: position by position from ``prefer`` when the sizes agree."""
        shape = concrete(node) or ()
        out = []
        for i, v in enumerate(shape):
            if i < len(prefer) and self.namer.value(prefer[i].size) == v:
                out.append(prefer[i])
            else:
                out.append(self.axis(v, prefer))
        return out

    def over(self, x: Val, axes) -> str:
        """How an ``over`` clause names these axes: a resized axis by the one size it comes from (``H``
        for ``floor(H/2)``) when no other axis of the value involves that size, as the model finds it."""
        words = []
        for ax in axes:
            free = ax.size.free_symbols
            if len(free) == 1 and not ax.size.is_Symbol:
                (sym,) = free
                others = [a for a in x.axes if a is not ax and not a.hidden and sym in a.size.free_symbols]
                if not others:
                    words.append(sym.name)
                    continue
            words.append(ax.label)
        return " ".join(words)

    # --- views: merging and splitting axes ----------------------------------------------------

    def view_to(self, node, src: Val, shape: tuple[int, ...], name_base: str | None = None) -> Val:
        """Write the view that reshapes ``src`` to ``shape`` (none when only size-1 axes change)."""
        axes = src.axes
        ins = [self.namer.value(a.size) for a in axes]
        p = 0
        while p < min(len(ins), len(shape)) and ins[p] == shape[p]:
            p += 1
        s = 0
        while s < min(len(ins), len(shape)) - p and ins[len(ins) - 1 - s] == shape[len(shape) - 1 - s]:
            s += 1
        mid_in = [a for a in axes[p:len(axes) - s] if not a.hidden and self.namer.value(a.size) != 1]
        mid_out = list(shape[p:len(shape) - s])
        real_out = [v for v in mid_out if v != 1]
        if [self.namer.value(a.size) for a in mid_in] == real_out:
            new_mid = list(mid_in)
            out_axes = axes[:p] + self._with_ones(new_mid, mid_out) + axes[len(axes) - s:]
            return Val(src.name, out_axes)
        total = sympy.Integer(1)
        for a in mid_in:
            total = total * a.size
        new_mid = self._factors(total, real_out, mid_in)
        out_axes = axes[:p] + self._with_ones(new_mid, mid_out) + axes[len(axes) - s:]
        source = node.all_input_nodes[0] if node.all_input_nodes else None
        alone = source is not None and len(source.users) == 1
        fold = self.learned.pop(src.name, None)
        if fold is not None and alone and s == 0 and len(mid_in) == 1 and mid_in[0] is axes[-1]:
            # L : m -> (k h) then a split: the learned box gives k h itself (the checker binds the axes)
            index, head = fold
            self.stmts[index].text = head + pattern_text([a.label for a in new_mid])
            return Val(src.name, out_axes)
        name = self.new_name(node, name_base)
        left = pattern_text([a.label for a in mid_in])
        right = pattern_text([a.label for a in new_mid])
        self.emit(f"{name} = view {src.name} : {left} -> {right}")
        if s == 0 and len(new_mid) == 1 and len(mid_in) > 1 and alone is not None:
            self.merges[name] = (len(self.stmts) - 1, src, mid_in)
        return Val(name, out_axes)

    @staticmethod
    def _with_ones(mid: list[Ax], sizes: list[int]) -> list[Ax]:
        out, it = [], iter(mid)
        for v in sizes:
            out.append(Ax("1", sympy.Integer(1), hidden=True) if v == 1 else next(it))
        return out

    def _factors(self, total, values: list[int], mid_in: list[Ax]) -> list[Ax]:
        """Axes of these sizes whose product is ``total``: merged (one axis), or named and completed."""
        if len(values) == 1:
            for a in mid_in:
                if self.namer.value(a.size) == values[0]:
                    return [a]
            expr = sympy.simplify(total)
            return [Ax(label_for(expr), expr)]
        axes = [self.axis(v, mid_in) for v in values]
        prod = sympy.Integer(1)
        for a in axes:
            prod = prod * a.size
        if sympy.simplify(prod - total) != 0:  # complete the least explained factor from the total
            for i in reversed(range(len(axes))):
                rest = sympy.Integer(1)
                for j, a in enumerate(axes):
                    if j != i:
                        rest = rest * a.size
                cand = sympy.simplify(total / rest)
                if self.namer.value(cand) == values[i]:
                    axes[i] = Ax(label_for(cand), cand)
                    break
        return axes

    # --- einsum ------------------------------------------------------------------------------

    def einsum(self, node, operands: list, letters: list[str], out_letters: str) -> Val:
        """Write ``einsum``: ``operands`` are graph nodes, ``letters`` their dims in the code's order."""
        pairs = [self.raw(n) for n in operands]
        axis_of: dict[str, Ax] = {}
        patterns: list[list[str]] = []
        srcs = []
        for k, ((src, perm), lets) in enumerate(zip(pairs, letters)):
            src = self._separate(src, perm, lets, axis_of)
            code_axes = [src.axes[q] for q in perm]
            spec = [None] * len(src.axes)
            for j, letter in enumerate(lets):
                ax = code_axes[j]
                axis_of.setdefault(letter, ax)
                spec[perm[j]] = letter
            patterns.append([axis_of[spec[q]].label for q in range(len(src.axes)) if not src.axes[q].hidden])
            srcs.append(src)
        out_axes = [axis_of[c] for c in out_letters]
        name = self.new_name(node)
        args = " ".join(s.name for s in srcs)
        sig = ", ".join(pattern_text(p) for p in patterns)
        self.emit(f"{name} = einsum {args} : {sig} -> {shape_text(out_axes)}")
        return self.bind(node, Val(name, out_axes))

    def _separate(self, src: Val, perm, lets, axis_of) -> Val:
        """Rename an axis that has the label of another letter's axis (queries' t, keys' t -> t2)."""
        code_axes = [src.axes[q] for q in perm]
        renames = {}
        for j, letter in enumerate(lets):
            ax = code_axes[j]
            if ax.hidden or letter in axis_of:
                continue
            if any(other.label == ax.label for c, other in axis_of.items() if c != letter):
                renames[ax] = self.lets.alias(ax.label, {a.label for a in src.axes})
        if not renames:
            return src
        name = self.names.fresh(src.name + "_")
        left = " ".join(a.label for a in renames)
        right = " ".join(renames.values())
        new_axes = [Ax(renames[a], a.size, a.hidden) if a in renames else a for a in src.axes]
        self.emit(f"{name} = view {src.name} : {left} -> {right}",
                  comment="a second name for the same positions")
        return Val(name, new_axes)

    # --- the fallback --------------------------------------------------------------------------

    def generic(self, label: str, inputs: list, outputs: list, binding: str | None = None,
                why: str | None = None) -> None:
        """A generic box over whole shapes: ``Y = label[binding] A B : shapes -> shapes``."""
        label = re.sub(r"[^A-Za-z0-9_]", "_", label) or "f"
        if label[0].isdigit() or label in Names.KEYWORDS:
            label = "f_" + label
        vals = [self.val(n) for n in inputs]
        prefer = [a for v in vals for a in v.axes]
        outs = []
        for n in outputs:
            axes = self.like(n, vals[0].axes if vals else []) if concrete(n) is not None else []
            axes = [a if self.namer.value(a.size) == s else self.axis(s, prefer)
                    for a, s in zip(axes, concrete(n) or ())]
            outs.append(Val(self.new_name(n, self._base(n)), axes))
        bind = f"[{binding}]" if binding else ""
        sig_in = ", ".join(shape_text(v.axes) for v in vals)
        sig_out = ", ".join(shape_text(v.axes) for v in outs)
        names = ", ".join(v.name for v in outs)
        args = " ".join(v.name for v in vals)
        self.emit(f"{names} = {label}{bind} {args} : {sig_in} -> {sig_out}", generic=why or label)
        for n, v in zip(outputs, outs):
            self.bind(n, v)

    def _base(self, node) -> str:
        if self.step is not None and self.step.kind == "module":
            return self.step.path.replace(".", "_")
        return node.name

    def op_of(self, node) -> str:
        return op_name(node)
