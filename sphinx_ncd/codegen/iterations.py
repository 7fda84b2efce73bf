"""Codegen (stage: Diagram -> Python source): what a repetition's body is at each iteration.

Shared by the code generator and the check plan (no torch here).  A box inside
``repeat \\lambda = LO..HI`` may name each iteration's module with the index in its
binding: ``conv+[down.\\lambda.conv.0]``, ``convT+[up.\\lambda-1.up]`` (a dotted part that
is a size expression of the index).  :func:`iterations` gives, per such box, one
operation per iteration: its binding with the index's value, its values at their
shapes in that iteration (``c_{\\lambda+1}`` at ``\\lambda = 2`` is ``c_3``; a size an
indexed ``let`` defines, ``x_{\\lambda+1} = x_\\lambda/2``, is written in its first member,
``x_0/4``).

A plain ``repeat COUNT`` has no index to name, so its iterations are counted:
``\\iter`` is 1 in the first, COUNT in the last (``conv+[layer1.\\iter.conv1]`` is
``layer1[1].conv1`` ... ``layer1[N-1].conv1`` inside ``repeat N-1``: a torchvision-style
stage whose first unit is drawn before the repetition).  Bounds written with a
block's parameters (``repeat N-1`` inside ``block Block(s, N, ...)``) take each use's
arguments (``subst``).

The model gives a value entering a repetition its shape at ``LO`` and one leaving it
its shape at ``HI``; :func:`general_axes` rebuilds the body's general shapes from the
boxes' own signatures.
"""
from __future__ import annotations

import dataclasses

import sympy
from sympy.core.function import AppliedUndef

from .. import messages as msg
from ..errors import NCDError
from ..model.sizes import legend_entries, SizeSyntaxError, parse_size

__all__ = ["general_axes", "index_symbol", "is_indexed", "binding_at", "bounds", "iterations", "resolver",
           "COUNTER", "counter_symbol", "loop_symbol", "check_counter"]

COUNTER = "\\iter"  # a plain repetition's iteration, counted from 1, as a binding names it


def counter_symbol():
    """``\\iter``: the iteration count of a plain ``repeat COUNT`` (1 .. COUNT) as a size symbol."""
    return parse_size(COUNTER)


def index_symbol(group):
    """The index of ``repeat \\lambda = LO..HI`` as a size symbol (None for ``repeat N``)."""
    if group is None or group.index is None:
        return None
    try:
        return parse_size(group.index)
    except SizeSyntaxError:
        return None


def loop_symbol(group, ops):
    """What names a repetition's iterations in its boxes' bindings: its index, or for a plain ``repeat COUNT``
    the counter ``\\iter`` when a binding of ``ops`` (the body) uses it; None otherwise."""
    if group is None or group.kind != "repeat":
        return None
    if group.index is not None:
        return index_symbol(group)
    sym = counter_symbol()
    return sym if any(is_indexed(getattr(op, "binding", None), sym) for op in ops) else None


def _part(part: str, sym):
    if sym is None or not part or part.isdigit() or part.isidentifier() and part != sym.name:
        return None
    try:
        expr = parse_size(part)
    except SizeSyntaxError:
        return None
    return expr if any(s.name == sym.name for s in expr.free_symbols) else None


def is_indexed(binding: str | None, sym) -> bool:
    """Whether a binding names each iteration's module by the repetition's index."""
    return bool(binding) and any(_part(p, sym) is not None for p in binding.split("."))


def binding_at(binding: str, sym, value: int) -> str:
    """``down.\\lambda.conv.0`` at ``\\lambda = 2``: ``down.2.conv.0``."""
    out = []
    for p in binding.split("."):
        expr = _part(p, sym)
        out.append(p if expr is None else str(int(expr.xreplace({s: value for s in expr.free_symbols
                                                                   if s.name == sym.name}))))
    return ".".join(out)


def bound_exprs(group) -> tuple:
    """A repetition's bounds as size expressions: ``LO..HI``, or ``1..COUNT`` for a plain ``repeat COUNT``."""
    try:
        lower = sympy.Integer(1) if group.index is None else parse_size(group.lower)
        return lower, parse_size(group.upper)
    except SizeSyntaxError:
        raise NCDError(msg.REPEAT_INDEXED_BINDING_BOUNDS.format(), group.span, kind="shape") from None


def bounds(group, sizes=None, subst=None, exprs=None) -> tuple[int, int]:
    """The numeric bounds of a repetition whose bindings name its iterations, or a located error.  A bound
    written with sizes (``repeat \\lambda = 0..N-1``, ``repeat N-1``) takes their values from ``subst`` (a
    block's parameters -> the use's sizes: ``{N: N}``) then ``sizes`` (the spec's ``sizes``, name -> int).
    ``exprs``: the bounds as a block's use gives them, in place of the group's own."""
    known = {str(k): v for k, v in (sizes or {}).items() if isinstance(v, int)}

    def number(expr):
        if subst:
            expr = expr.xreplace(dict(subst))
        expr = expr.xreplace({s: known[s.name] for s in expr.free_symbols if s.name in known})
        return int(expr)

    try:
        lo, hi = (number(e) for e in (exprs or bound_exprs(group)))
    except (TypeError, ValueError):
        text = msg.REPEAT_COUNTER_BOUNDS if group.index is None else msg.REPEAT_INDEXED_BINDING_BOUNDS
        raise NCDError(text.format(), group.span, kind="shape") from None
    return lo, hi  # hi < lo: no iteration (repeat N-1 at N = 1)


def general_axes(ops, sym) -> dict[int, tuple]:
    """Value id -> its axes in general form (the index free) over a repetition's body ``ops`` (model
    operations or codegen steps): a value entering has the shape the body leaves it with, one
    iteration earlier."""
    made = {v.id for s in ops for v in s.outputs}
    gen: dict[int, tuple] = {}
    for _ in range(2):
        for s in ops:
            ins = [gen.get(v.id, v.axes) for v in s.inputs]
            for k, out in enumerate(s.outputs):
                axes = list(out.axes)
                if k < len(s.core_out_pos or ()):
                    for p, ax in zip(s.core_out_pos[k], s.core_out[k]):
                        axes[p] = ax
                for (i, j), (kk, pos) in s.broadcast_pairs or ():
                    if kk == k and i < len(ins) and j < len(ins[i]):
                        axes[pos] = ins[i][j]
                gen[out.id] = tuple(axes)
        for s in ops:
            for v in s.inputs:
                if v.id in made:
                    continue
                end = [o for t in ops for o in t.outputs if o.name == v.name]
                if end and len(gen[end[-1].id]) == len(v.axes):
                    gen[v.id] = tuple(dataclasses.replace(a, size=sympy.sympify(a.size).subs(sym, sym - 1))
                                      for a in gen[end[-1].id])
    return gen


def _indexed_lets(panels) -> list:
    """``let x_{\\lambda+1} = x_\\lambda/2`` as (family, index symbol, offset, definition)."""
    rules = []
    for lhs, rhs in legend_entries(panels):
        if isinstance(lhs, AppliedUndef) and len(lhs.args) == 1 and len(lhs.args[0].free_symbols) == 1:
            s = next(iter(lhs.args[0].free_symbols))
            rules.append((lhs.func, s, lhs.args[0] - s, rhs))
    return rules


def _resolve(size, rules, given: set):
    """Indexed members a ``let`` defines, down to the first member (``x(2)`` -> ``x(0)/4``)."""
    for _ in range(16):
        table = {}
        for app in size.atoms(AppliedUndef):
            if len(app.args) != 1 or not app.args[0].is_Integer or f"{app.func.__name__}_{app.args[0]}" in given:
                continue
            for func, s, offset, rhs in rules:
                n = app.args[0] - offset
                if app.func == func and n >= 0:
                    table[app] = rhs.xreplace({s: n})
        if not table:
            return size
        size = size.xreplace(table)
    return size


def _at(axis, sym, value, rules, given, memo):
    key = (axis.size, value)
    if key not in memo:
        size = sympy.sympify(axis.size)
        size = _resolve(size.xreplace({s: value for s in size.free_symbols if s.name == sym.name}), rules, given)
        from ..model.sizes import size_label

        memo[key] = (size, size_label(size))
    size, label = memo[key]
    return dataclasses.replace(axis, size=size, label=label)


def _value_at(value, axes, sym, v, rules, given, memo):
    return dataclasses.replace(value, axes=tuple(_at(a, sym, v, rules, given, memo) for a in axes))


def check_counter(panel) -> None:
    """A located error for a binding that counts iterations (``\\iter``) outside a plain repetition."""
    sym = counter_symbol()
    groups = {g.id: g for g in panel.groups}
    for op in panel.operations:
        if not is_indexed(op.binding, sym):
            continue
        repeats = [groups[g] for g in op.groups if g in groups and groups[g].kind == "repeat"]
        if not repeats:
            raise NCDError(msg.COUNTER_OUTSIDE_REPEAT.format(), op.span, kind="shape")
        if repeats[0].index is not None:
            raise NCDError(msg.COUNTER_IN_INDEXED.format(index=repeats[0].index), op.span, kind="shape")


def iterations(diagram, panel, subst=None, sizes=None) -> dict[int, list]:
    """Per box bound by its repetition's index (or a plain repetition's counter ``\\iter``): ``[(operation at
    that iteration, binding), ...]``.  ``subst``: a block's parameters -> the use's sizes, for its bounds;
    ``sizes``: the caller's sizes over the spec's."""
    check_counter(panel)
    rules = _indexed_lets(list(diagram.panels) + [p for _, p in diagram.blocks])
    given = {str(n) for n, _ in diagram.sizes}
    out: dict[int, list] = {}
    for group in panel.groups:
        body = [op for op in panel.operations if group.id in op.groups]
        sym = loop_symbol(group, body)
        if sym is None:
            continue
        bound = [op for op in body if is_indexed(op.binding, sym)]
        if not bound:
            continue
        lo, hi = bounds(group, {**dict(diagram.sizes), **dict(sizes or {})}, subst)
        gen = general_axes(body, sym)
        memo: dict = {}
        made = {x.id for o in body for x in o.outputs}
        for op in bound:
            copies = []
            for v in range(lo, hi + 1):
                # a value entering at LO has the shape the model gives it there; the others their general one
                axes_of = {x.id: x.axes if v == lo and x.id not in made else gen.get(x.id, x.axes)
                           for x in op.inputs + op.outputs}
                ins, outs = ([_value_at(x, axes_of[x.id], sym, v, rules, given, memo) for x in vals]
                             for vals in (op.inputs, op.outputs))
                ins, outs = tuple(ins), tuple(outs)
                core_in = tuple(tuple(x.axes[p] for p in pos) for x, pos in zip(ins, op.core_in_pos))
                core_out = tuple(tuple(x.axes[p] for p in pos) for x, pos in zip(outs, op.core_out_pos))
                path = binding_at(op.binding, sym, v)
                copies.append((dataclasses.replace(op, inputs=ins, outputs=outs, core_in=core_in,
                                                   core_out=core_out, binding=path), path))
            out[op.id] = copies
    return out


def resolver(diagram):
    """``axis -> axis`` writing indexed members a ``let`` defines in the first member (``x_4`` -> ``x_0/16``);
    the identity when the spec has no indexed ``let``."""
    rules = _indexed_lets(list(diagram.panels) + [p for _, p in diagram.blocks])
    if not rules:
        return lambda axis: axis
    given = {str(n) for n, _ in diagram.sizes}
    from ..model.sizes import size_label

    seen: dict = {}

    def resolve(axis):
        size = sympy.sympify(axis.size)
        if not size.has(AppliedUndef):
            return axis
        if size not in seen:
            seen[size] = _resolve(size, rules, given)
        new = seen[size]
        return axis if new == size else dataclasses.replace(axis, size=new, label=size_label(new))

    return resolve
