"""Codegen (stage: Diagram -> Python source): a repetition as a loop over an ``nn.ModuleList``.

``repeat N { ... }`` and ``repeat \\lambda = LO..HI { ... }`` draw their body once; the
generated code runs it in a ``for`` loop, one iteration per repetition.  The learned
boxes of the body are built once per iteration, in an ``nn.ModuleList`` (of
``nn.ModuleDict`` s when the body has several), so every iteration has its own weights,
as the diagram's repetition means.  Inside an indexed repetition the sizes follow the
index (``c_{\\lambda+1}`` is ``self.c[lambda_ + 1]``).

The model gives a value entering the repetition its shape at ``\\lambda = LO`` and one
leaving it its shape at ``\\lambda = HI``; :func:`generalize` rebuilds the body's general
shapes from the boxes' own signatures, so a box's sizes hold at every iteration.
"""
from __future__ import annotations

import dataclasses

import sympy

from .. import messages as msg
from ..errors import NCDError
from ..model.sizes import SizeSyntaxError, parse_size
from ..model.types import Value
from .iterations import general_axes, is_indexed, loop_symbol
from .names import identifier

__all__ = ["Scope", "emit_repeat", "repeat_of", "generalize"]

HOLE = "\x00"  # a module's access inside a loop body, filled in once the body's modules are known


class Scope:
    """The modules made inside one repetition's body: one of each per iteration."""

    def __init__(self, sym=None, var="_", loop_range=""):
        self.modules: list[tuple[str, str]] = []  # (name in the iteration, constructor text)
        self.words: list[str] = []
        self.sym, self.var, self.loop_range = sym, var, loop_range
        self.bound: dict[tuple[str, str], dict] = {}  # (attribute, index part) -> tree of the rest

    def add_bound(self, em, step, ctor: str, learned: bool = True) -> str:
        """A box bound by the index (``down.\\lambda.conv.0``, ``encoder.layers.\\lambda``) or the count
        (``units.\\iter.conv1``, ``\\iter.conv1``): its modules live at the paths it names, one per iteration,
        in an ``nn.ModuleDict`` keyed by the iteration (attributes of the module itself when the binding starts
        with it).  ``learned``: its weights are matched (a bound norm's callable is not)."""
        parts = step.binding.split(".")
        where = [j for j, p in enumerate(parts) if is_indexed(p, self.sym)]
        if len(where) != 1 or where[0] > 0 and not parts[0].isidentifier():
            raise NCDError(msg.CODEGEN_REPEAT_BOUND.format(binding=step.binding), step.span, kind="shape")
        j = where[0]
        key = _bare(em.size(parse_size(parts[j]), step))
        node = self.bound.setdefault((tuple(parts[:j]), key), {})
        for p in parts[j + 1:-1]:
            node = node.setdefault(p, {})
        node[parts[-1] if j < len(parts) - 1 else ""] = ctor
        if learned and step.kind != "block":  # a block's own learned boxes are listed by the block's use
            em.iterated(step.binding, self.sym, em.group, step.op_id, step.kind)
        head = (f"self.{parts[0]}" + "".join(f'["{p}"]' for p in parts[1:j]) + f"[str({key})]") if j else \
            f"getattr(self, str({key}))"
        return head + "".join(f'["{p}"]' for p in parts[j + 1:])

    def bound_lines(self, made=()) -> list[str]:
        """Constructor lines for the bound modules; ``made``: module paths the class already holds (the first
        unit ``units.0`` beside the repeated ``units.\\iter``: the iterations are added to its dict)."""
        out = []
        for (prefix, key), tree in self.bound.items():
            inner = tree[""] if "" in tree else _tree_text(tree, 3)
            if not prefix:
                out.append(f"for {self.var} in {self.loop_range}:\n            self.add_module(str({key}), {inner})")
                continue
            target = f"self.{prefix[0]}" + "".join(f'["{p}"]' for p in prefix[1:])
            if any(m == ".".join(prefix) or m.startswith(".".join(prefix) + ".") for m in made):
                out.append(f"{target}.update({{\n            str({key}): {inner}\n"
                           f"            for {self.var} in {self.loop_range}}})")
                continue
            text = (f"nn.ModuleDict({{\n            str({key}): {inner}\n"
                    f"            for {self.var} in {self.loop_range}}})")
            for p in reversed(prefix[1:]):  # encoder.layers.\lambda: the ModuleDict inside one more
                text = f'nn.ModuleDict({{"{p}": {text}}})'
            out.append(f"self.{prefix[0]} = {text}")
        return out

    def add(self, word: str, ctor: str) -> str:
        name = f"{word}{len(self.modules) + 1}"
        self.words.append(word)
        self.modules.append((name, ctor))
        return f"{HOLE}{name}{HOLE}"


def _tree_text(node: dict, depth: int) -> str:
    pad = "    " * (depth + 1)
    items = "".join(f'\n{pad}"{k}": {v if isinstance(v, str) else _tree_text(v, depth + 1)},' for k, v in node.items())
    return "nn.ModuleDict({" + items + "\n" + "    " * depth + "})"


def repeat_of(step, groups: dict):
    """The outermost repetition holding ``step`` (None when it is in none)."""
    for gid in step.groups:
        g = groups.get(gid)
        if g is not None and g.kind == "repeat":
            return g
    return None


def _bounds(group, steps):
    """(index symbol or None, lower, upper) of a repetition; for ``repeat N``: (None, 1, N), or the counter
    ``\\iter`` for None when a binding of the body counts the iterations."""
    try:
        if group.index is None:
            return loop_symbol(group, steps), sympy.Integer(1), parse_size(group.upper)
        return parse_size(group.index), parse_size(group.lower), parse_size(group.upper)
    except SizeSyntaxError:
        raise NCDError(msg.REPEAT_BOUND.format(text=group.upper), group.span, kind="syntax") from None


def _bare(text: str) -> str:
    """An expression without its outer parentheses, where it stands alone (``range(self.N - 1)``)."""
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        return text[1:-1]
    return text


def _range(em, lo, hi, step) -> str:
    """``range(4)`` for ``0..3``, ``range(1, 5)``, ``range(1, self.N + 1)``."""
    end = _bare(em.size(sympy.sympify(hi) + 1, step))
    start = _bare(em.size(lo, step))
    return f"range({end})" if start == "0" else f"range({start}, {end})"


def generalize(steps, sym):
    """The body's steps with every value at its general shape (the index free), so a box's sizes hold at
    every iteration."""
    if sym is None:
        return list(steps)
    gen = general_axes(steps, sym)
    return [_with_axes(s, gen) for s in steps]


def _with_axes(step, gen):
    def value(v):
        return Value(v.id, v.name, gen[v.id], v.span) if v.id in gen else v

    inputs = tuple(value(v) for v in step.inputs)
    outputs = tuple(value(v) for v in step.outputs)
    core_in = step.core_in
    if len(step.core_in_pos) == len(inputs):
        core_in = tuple(tuple(v.axes[p] for p in pos) for v, pos in zip(inputs, step.core_in_pos))
    over = tuple(_same_place(ax, step, inputs, outputs) for ax in step.over)
    return dataclasses.replace(step, inputs=inputs, outputs=outputs, core_in=core_in, over=over)


def _same_place(axis, step, inputs, outputs):
    """The general form of an axis a box names (``over x_0``): the axis at its place in the general values."""
    for old, new in zip(step.inputs + step.outputs, inputs + outputs):
        for j, ax in enumerate(old.axes):
            if ax == axis and j < len(new.axes):
                return new.axes[j]
    return axis


def emit_repeat(em, group, steps, emit_one) -> tuple[list[tuple[str, int]], list[str]]:
    """The loop's lines ``(text, op id)`` for ``forward`` and the constructor's line for its modules."""
    sym, lo, hi = _bounds(group, steps)
    counted = sym is not None and group.index is None
    var = ("iteration" if counted else identifier(sym.name, "i")) if sym is not None else "_"
    loop_range = _range(em, lo, hi, steps[0]) if sym is not None else f"range({_bare(em.size(hi, steps[0]))})"
    if sym is not None:
        em.sizes.loops[sym.name] = (var, lo, hi)
    body_steps = generalize(steps, None if counted else sym)
    made = {v.id for s in steps for v in s.outputs}
    entries = {v.id: v for s in steps for v in s.inputs if v.id not in made}
    carried = {}
    for v in entries.values():
        end = [o for s in steps for o in s.outputs if o.name == v.name]
        if end:
            carried[v.id] = end[-1]
        else:  # used by every iteration: keep its variable alive to the loop's end
            em.last_use[v.id] = max(em.last_use.get(v.id, 0), em.index + len(steps))
    scope = em.scope = Scope(sym, var, loop_range)
    em.group = group
    lines = []
    start = em.index
    try:
        for n, step in enumerate(body_steps):
            em.index = start + n
            line = emit_one(step)
            if line is not None:
                lines.append(line)
    finally:
        em.scope = None
        em.sizes.loops.pop(sym.name, None) if sym is not None else None
    for vid, end in carried.items():  # the next iteration reads what this one left
        entry_var, end_var = em.var[vid], em.var[end.id]
        if entry_var != end_var:
            lines.append((f"{entry_var} = {end_var}", steps[-1].op_id))
            em.var[end.id] = entry_var
            em.holder[entry_var] = end.id
    return _wrap(em, group, scope, lines, var, loop_range)


def _wrap(em, group, scope, lines, var, loop_range):
    if not scope.modules:
        head = f"for {var} in {loop_range}:"
        return [(head, -1)] + [("    " + t, o) for t, o in lines], scope.bound_lines(list(em.order))
    single = len(scope.modules) == 1
    em.repeats += 1
    name = f"{scope.words[0]}s" if single else f"repeat{em.repeats}"
    if single and any(name == p.split(".")[0] for p, _, _ in em.modules):
        name = f"{name}{em.repeats}"
    item = "layer" if single else "rep"
    fill = {m: (item if single else f'{item}["{m}"]') for m, _ in scope.modules}
    body = []
    for text, op in lines:
        for m, access in fill.items():
            text = text.replace(f"{HOLE}{m}{HOLE}", access)
        body.append(("    " + text, op))
    if var == "_":
        head = f"for {item} in self.{name}:"
    else:
        head = f"for {var}, {item} in zip({loop_range}, self.{name}):"
    if single:
        ctor = scope.modules[0][1]
    else:
        inner = "".join(f'\n                "{m}": {c},' for m, c in scope.modules)
        ctor = "nn.ModuleDict({" + inner + "\n            })"
    init = f"self.{name} = nn.ModuleList(\n            {ctor}\n            for {var} in {loop_range})"
    return [(head, -1)] + body, [init] + scope.bound_lines(list(em.order))
