"""Codegen (stage: Diagram -> Python source): a block used as one box is a submodule of its own class.

``block EncoderLayer(m, k, h, f) { ... }`` becomes ``class EncoderLayer(nn.Module)``, generated
from the block's panel like the diagram itself (its constructor takes the sizes its code
needs); a use ``EncoderLayer(m, k, h, f)[enc] X`` builds one, the block's sizes given as
the use site's (its arguments, what its inputs show, the spec's ``let`` s), and calls it.
Each block class is written once, before the classes that use it.
"""
from __future__ import annotations

import re

import sympy

from .. import messages as msg
from ..errors import NCDError
from ..model.sizes import legend_entries, SizeSyntaxError, parse_size
from .iterations import binding_at, bound_exprs, bounds, is_indexed
from .names import identifier

__all__ = ["Blocks", "use_block", "snake"]


class Blocks:
    """The block classes of one generation, in the order they must be written (used before users)."""

    def __init__(self, diagram, make_class):
        self.diagram = diagram
        self.make_class = make_class  # (panel, class name) -> a generated class part (module._Part)
        self.parts: dict[str, object] = {}
        self.lets = _lets(diagram)

    def part(self, name: str, panel, span):
        if name not in self.parts:
            if name in _making:
                raise NCDError(msg.CODEGEN_BLOCK.format(name=name), span, kind="shape")
            _making.add(name)
            try:
                self.parts[name] = self.make_class(panel, identifier(name, "Block"))
            finally:
                _making.discard(name)
        return self.parts[name]


_making: set[str] = set()


def snake(name: str) -> str:
    """``EncoderLayer`` -> ``encoder_layer``: the attribute of an unbound block's submodule."""
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", identifier(name, "block")).lower()
    return text.strip("_") or "block"


def _lets(diagram) -> dict[str, sympy.Expr]:
    """The spec's ``let`` sizes by name (a block's body may use one the spec defines outside it)."""
    found = {}
    for lhs, rhs in legend_entries(list(diagram.panels) + [p for _, p in diagram.blocks]):
        if lhs.is_Symbol:
            found.setdefault(lhs.name, rhs)
    return found


def _table(step, body, lets) -> dict[str, sympy.Expr]:
    """Block size name -> the use site's size: its arguments, then what its inputs show."""
    table: dict[str, sympy.Expr] = {}
    for name, text in step.args:
        try:
            table[parse_size(name).name] = parse_size(text)
        except (SizeSyntaxError, AttributeError):
            continue
    for seg, pattern in zip(step.inputs, body.inputs):
        for p, a in zip(pattern.axes, seg.axes):
            size = sympy.sympify(p.size)
            if size.is_Symbol and size.name not in table:
                table[size.name] = sympy.sympify(a.size)
    return table


def _size_at_use(sym: str, table: dict, lets: dict):
    if sym in table:
        return table[sym]
    if sym in lets:
        expr = lets[sym]
        return expr.xreplace({x: table[x.name] for x in expr.free_symbols if x.name in table})
    return sympy.Symbol(sym, integer=True, positive=True)


def use_block(em, step) -> str:
    body = step.definition
    if body is None or em.blocks is None:
        raise NCDError(msg.CODEGEN_BLOCK.format(name=step.block), step.span, kind="shape")
    for seg, pattern in zip(step.inputs, body.inputs):
        if len(seg.axes) != len(pattern.axes):
            extra = " ".join(a.label for a in seg.axes[:len(seg.axes) - len(pattern.axes)])
            raise NCDError(msg.CODEGEN_BLOCK_BROADCAST.format(name=step.block, axes=extra), step.span,
                           kind="shape")
    part = em.blocks.part(step.block, body, step.span)
    table = _table(step, body, em.blocks.lets)
    args = [f"{arg}={em.size(_size_at_use(sym, table, em.blocks.lets), step)}" for arg, sym, _ in part.sizes]
    if part.functions:
        for name in part.functions:
            em.function(name)
        args.append("functions=self.functions")
    ctor = f"{part.class_name}({', '.join(args)})"
    access = em.module(step, snake(step.block), ctor)
    for _op, box in part.unbound:
        em.unbound.append((step.op_id, f"{box} in {step.block}"))
    call = f"{access}({', '.join(em.of(v) for v in step.inputs)})"
    try:
        prefixes = _prefixes(em, step)
    except NCDError:
        if not em.in_block or em.scope is None:
            raise
        _defer_use(em, step, part)  # repeated by a count its holder's use gives (repeat N-1 in Stage(N))
        return call
    for path, _op, kind in part.modules:
        if not prefixes:
            em.unbound.append((step.op_id, f"{path} in {step.block}"))
        em.inner.extend((prefix + path, step.op_id, kind) for prefix in prefixes)
    _iterations_at_use(em, step, part, table, prefixes)
    return call


def _defer_use(em, step, part) -> None:
    """A block used once per iteration (``Unit(c)[\\iter]``) of a repetition whose count is the holding block's
    parameter: its modules' paths wait, as templates, for the holder's use to give the count."""
    if part.deferred:  # its own count waits too: a repetition inside a repetition
        raise NCDError(msg.CODEGEN_REPEAT_NESTED.format(), em.group.span, kind="shape")
    template = step.binding.rsplit(":", 1)[0] + "."
    exprs = bound_exprs(em.group)
    em.deferred.extend((template + path, em.scope.sym, exprs, em.group, step.op_id, kind)
                       for path, _op, kind in part.modules)


def _prefixes(em, step) -> list[str]:
    """Where the code holds the block's submodules: its binding (one per iteration when the binding names
    the repetition's index); none when it has no binding."""
    if not step.binding:
        return []
    path = step.binding.rsplit(":", 1)[0]
    if em.scope is None:
        return [path + "."]
    if em.scope.sym is None or not is_indexed(path, em.scope.sym):
        return []
    lo, hi = bounds(em.group, em.given)
    return [binding_at(path, em.scope.sym, v) + "." for v in range(lo, hi + 1)]


def _iterations_at_use(em, step, part, table, prefixes) -> None:
    """The block's boxes bound per iteration of a repetition whose count is a parameter (``repeat N-1`` in
    ``Block(s, N, ...)``): their paths at this use's count (``1.units.1.main.1`` ...), or kept for the use of the
    block that holds this one."""
    for binding, sym, exprs, group, _op, kind in part.deferred:
        if not prefixes:
            em.unbound.append((step.op_id, f"{binding} in {step.block}"))
            continue
        here = tuple(e.xreplace({x: _size_at_use(x.name, table, em.blocks.lets) for x in e.free_symbols})
                     for e in exprs)
        try:
            lo, hi = bounds(group, em.given, exprs=here)
        except NCDError:
            if not em.in_block:
                raise
            em.deferred.extend((p + binding, sym, here, group, step.op_id, kind) for p in prefixes)
            continue
        em.inner.extend((p + binding_at(binding, sym, v), step.op_id, kind) for p in prefixes
                        for v in range(lo, hi + 1))
