"""Cost stage: the one place that reads the model's operations.

Every other cost module works on the :class:`OpFacts` built here, never on
:class:`~sphinx_ncd.model.types.Operation` itself, so a change in how the model
stores an operation's settings is absorbed in this file alone.  Sizes are sympy
expressions: an axis of size ``s`` and rank ``r`` (a tandem image axis) holds
``s**r`` elements.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy

__all__ = ["At", "SYMBOLIC", "divide", "OpFacts", "read_operation", "elements", "axes_elements", "size_names", "size_table", "legend_table", "display_name", "library_blocks", "carried_sizes"]


def divide(a, b):
    """``a / b`` kept exact: an ``int`` when both are ints and it divides, else a sympy expression."""
    if isinstance(a, int) and isinstance(b, int):
        return a // b if a % b == 0 else sympy.Rational(a, b)
    return sympy.cancel(sympy.sympify(a) / b)


class At:
    """Sizes to evaluate at: a size expression -> an ``int`` when every name in it has a value
    (derived sizes, ``let nb = n1/4``, substituted first), else the expression.  Cached per
    expression, so a diagram's few distinct sizes are evaluated once."""

    def __init__(self, sizes=None, lets=None):
        self.lets, self._cache = dict(lets or {}), {}
        self.sizes = _recurrences(dict(sizes or {}), self.lets)

    def size(self, expr):
        hit = self._cache.get(expr)
        if hit is None:
            e = sympy.sympify(expr)
            e = e.xreplace(self.lets) if self.lets else e
            table = size_table(e, self.sizes) if self.sizes else {}
            out = e.xreplace(table) if table else e
            hit = int(out) if out.is_Integer else out
            self._cache[expr] = hit
        return hit


def _recurrences(sizes: dict, lets: dict) -> dict:
    """Sizes a recurrence derives from a given one: ``let x_{\\lambda+1} = x_\\lambda/2`` with
    ``x_0=256`` gives ``x_1=128``, ``x_2=64``, ... (while the values stay positive integers)."""
    from sympy.core.function import AppliedUndef

    for lhs, rhs in lets.items():
        if not isinstance(lhs, AppliedUndef) or len(lhs.args) != 1:
            continue
        (arg,) = lhs.args
        index = next(iter(arg.free_symbols), None)
        if index is None or sympy.simplify(arg - index) != 1:
            continue
        for k in range(64):
            here = rhs.xreplace({index: sympy.Integer(k)})
            table = size_table(here, sizes)
            value = here.xreplace(table) if table else here
            name = _applied_name(lhs.xreplace({index: sympy.Integer(k)}))
            if not value.is_Integer or value < 1 or name in sizes:
                if not value.is_Integer and not table:
                    break
                continue
            sizes[name] = int(value)
    return sizes


SYMBOLIC = At()


def axes_elements(axes, at: At = SYMBOLIC):
    """Elements in a tensor with these axes (an ``int`` when ``at`` gives every size)."""
    out = 1
    for a in axes:
        out *= at.size(a.size) ** a.rank
    return out


def elements(value, at: At = SYMBOLIC):
    """Elements in one value (a tuple segment)."""
    return axes_elements(value.axes, at)


@dataclass(frozen=True)
class OpFacts:
    """What the cost model needs to know about one operation."""

    id: int
    kind: str
    label: str
    binding: str | None
    groups: tuple[int, ...]
    inputs: tuple[tuple[int, sympy.Expr], ...]       # (value id, elements)
    outputs: tuple[tuple[int, sympy.Expr], ...]
    core_in: tuple[sympy.Expr, ...]                   # elements of each input's core (signature) part
    core_out: tuple[sympy.Expr, ...]
    lifted: sympy.Expr                                # elements of the axes broadcast over the box
    settings: dict[str, Any] = field(default_factory=dict)
    span: Any = None


def _einsum_settings(op, at) -> dict:
    """Distinct axes of the inputs (label -> elements) and which of them are summed away."""
    sizes: dict[str, sympy.Expr] = {}
    for v in op.inputs:
        for a in v.axes:
            sizes.setdefault(_axis_key(a), at.size(a.size) ** a.rank)
    kept = {_axis_key(a) for v in op.outputs for a in v.axes}
    per_input = [[_axis_key(a) for a in v.axes] for v in op.inputs]
    return {"axes": sizes, "kept": kept, "per_input": per_input, "out": [[_axis_key(a) for a in v.axes]
                                                                          for v in op.outputs]}


def _axis_key(a) -> str:
    return a.label + ("'" if a.tangent else "")


def _conv_settings(op, at) -> dict:
    """Kernel window, input and output spatial elements of a convolution or pooling."""
    over = op.param("over") or ()
    kernel, transposed = op.param("kernel"), bool(op.param("transposed"))
    stride, dilation, padding = op.param("stride"), op.param("dilation"), op.param("padding")
    in_spatial = axes_elements(over, at)
    if kernel is None:  # global pooling: every position is one window
        return {"window": in_spatial, "in_spatial": in_spatial, "out_spatial": sympy.Integer(1),
                "transposed": False, "bias": False, "kind": op.param("reduce")}
    out_spatial = 1
    for a in over:
        if transposed:
            size = (a.size - 1) * stride - 2 * padding + dilation * (kernel - 1) + 1
        else:
            size = sympy.floor((a.size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
        out_spatial *= at.size(size) ** a.rank
    rank = sum(a.rank for a in over)
    return {"window": kernel ** rank, "in_spatial": in_spatial, "out_spatial": out_spatial,
            "transposed": transposed, "bias": bool(op.param("bias")), "kind": op.param("reduce"),
            "groups": at.size(op.param("groups", sympy.Integer(1)))}


_DERIVATIVE = re.compile(r"^[DR](?:[A-Z]|\\mathcal)")


def _linear_inputs(op) -> tuple[int, ...]:
    """The inputs a generic box is costed as a dense map of.

    A box with tangent (primed) inputs is linear in those; one of the paper's derivative
    boxes (``DF X dX``, ``RF X dY``, ``D\\mathcal{L}``) in its last input, the earlier
    ones being the point it is taken at; any other box in all of its inputs.
    """
    tangent = tuple(i for i, core in enumerate(op.core_in) if any(a.tangent for a in core))
    if tangent:
        return tangent
    if len(op.core_in) > 1 and _DERIVATIVE.match(op.label or ""):
        return (len(op.core_in) - 1,)
    return tuple(range(len(op.core_in)))


def _block_settings(op, blocks) -> dict:
    """The block's panel and the substitution that binds its sizes to this use's."""
    from ..model.sizes import parse_size

    panel = op.body if op.body is not None else dict(blocks).get(op.param("name"))
    subst = {parse_size(name): parse_size(text) for name, text in (op.param("args") or ())}
    if panel is not None:
        for pattern, core in zip(panel.inputs, op.core_in):
            for p, a in zip(pattern.axes, core):
                if p.size.is_Symbol and p.size not in subst:
                    subst[p.size] = a.size
    return {"panel": panel, "subst": subst}


def read_operation(op, blocks=(), at: At = SYMBOLIC) -> OpFacts:
    """The :class:`OpFacts` of one model operation (``blocks``: the diagram's block definitions;
    ``at``: the sizes to evaluate at, symbolic by default)."""
    kind = op.kind
    settings: dict[str, Any] = {}
    if kind == "learned":
        settings["bias"] = bool(op.param("bias"))
    elif kind == "einsum":
        settings.update(_einsum_settings(op, at))
    elif kind in ("conv", "pool"):
        settings.update(_conv_settings(op, at))
    elif kind == "block":
        settings.update(_block_settings(op, blocks))
    elif kind == "function":
        settings["linear_in"] = _linear_inputs(op)
    elif kind == "elementwise":
        settings["function"] = op.param("function")
    elif kind == "softmax" or kind == "norm":
        over = op.param("over")
        settings["over"] = at.size(over.size) ** over.rank if over is not None else 1
    if op.outputs and op.core_out:  # the axes the box is lifted over, whichever input brought them
        whole, core = elements(op.outputs[0], at), axes_elements(op.core_out[0], at)
        lifted = divide(whole, core)
    else:
        lifted = axes_elements(op.broadcast[0], at) if op.broadcast else 1
    return OpFacts(
        id=op.id, kind=kind, label=op.label, binding=op.binding, groups=tuple(op.groups),
        inputs=tuple((v.id, elements(v, at)) for v in op.inputs),
        outputs=tuple((v.id, elements(v, at)) for v in op.outputs),
        core_in=tuple(axes_elements(c, at) for c in op.core_in),
        core_out=tuple(axes_elements(c, at) for c in op.core_out),
        lifted=lifted, settings=settings, span=op.span)


def size_names(diagram) -> set[str]:
    """Names of the sizes the main panel's wires are measured in (and its block parameters)."""
    panel = diagram.main
    names = set(panel.header.params) if panel.header else set()
    values = list(panel.inputs) + [v for op in panel.operations for v in op.outputs]
    for size in {a.size for v in values for a in v.axes}:
        names |= set(size_table(sympy.sympify(size), None))
    indices = {str(_index_of(g)) for g in panel.groups if _index_of(g) is not None}
    return names - indices


def _applied_name(e) -> str:
    """``n(0)`` (the size ``n_0``) -> ``"n_0"``, as sizes are named in ``--sizes``."""
    return e.func.__name__ + "_" + "_".join(sympy.sstr(a).replace(" ", "") for a in e.args)


def size_table(expr, sizes) -> dict:
    """The atoms of ``expr`` that name sizes (symbols, subscripted sizes such as ``n_0``), by name
    -> atom; with ``sizes`` (name -> int), atom -> value for the atoms that have one."""
    from sympy.core.function import AppliedUndef

    atoms = {s.name: s for s in expr.free_symbols}
    atoms.update((_applied_name(e), e) for e in expr.atoms(AppliedUndef) if not e.free_symbols)
    if sizes is None:
        return atoms
    return {atom: sympy.Integer(sizes[name]) for name, atom in atoms.items() if name in sizes}


def legend_table(*panels) -> dict:
    """Derived sizes (``let nb = n1/4``) of these panels: symbol -> expression."""
    from ..model.sizes import legend_entries

    return dict(legend_entries(panels))


def display_name(facts) -> str:
    """A box's name in the table: its label as plain text (or its kind), and its binding."""
    from ..layout.mathtext import plain_text

    label = plain_text(facts.label) if facts.label else facts.kind
    return f"{label}[{plain_text(facts.binding)}]" if facts.binding else label


_USE = re.compile(r"^[ \t]*use[ \t]+([A-Za-z_]\w*)", re.MULTILINE)


def library_blocks(diagram, search_path=(), seen=None) -> tuple:
    """The blocks of the libraries the spec uses (``use attention``): the model keeps only the
    blocks a spec defines itself, and a collapsed use of a library block needs its body."""
    from pathlib import Path

    from ..model.blocks import template_dirs
    from ..model.build import parse

    seen = set() if seen is None else seen
    dirs = list(template_dirs(search_path))
    if diagram.filename and Path(diagram.filename).parent.is_dir():
        dirs.append(Path(diagram.filename).parent)
    out: list = []
    for name in _USE.findall(diagram.source or ""):
        path = next((d / f"{name}.ncd" for d in dirs if (d / f"{name}.ncd").is_file()), None)
        if path is None or path in seen:
            continue
        seen.add(path)
        library = parse(path.read_text(encoding="utf-8"), filename=str(path), search_path=tuple(search_path))
        out += list(library.blocks) + list(library_blocks(library, search_path, seen))
    return tuple(out)


def carried_sizes(panel, repeat_ids) -> dict:
    """op id -> {entry size: its size at the iteration} for the boxes of a repetition that read
    a loop-carried value.

    The model draws a repetition's body once: its first box reads the value as it enters the
    loop (the U-Net's ``X: b c_0 x_0``) and the body's last value of that name is given as it
    leaves (``b c_4 x_4``).  That exit size is matched with the body's own indexed sizes
    (``c_{\\lambda+1}`` is ``c_4`` at the last iteration) and shifted back one iteration:
    from the second iteration on, the box reads ``b c_\\lambda x_\\lambda``.
    """
    out: dict = {}
    for g in panel.groups:
        index = _index_of(g) if g.id in repeat_ids else None
        if index is None:
            continue
        from ..model.sizes import parse_size

        hi = parse_size(g.upper)
        body = [op for op in panel.operations if g.id in op.groups]
        indexed = _indexed_atoms(body, index)
        made = {v.id for op in body for v in op.outputs}
        last = {v.name: v for op in body for v in op.outputs}
        for op in body:
            for v in op.inputs:
                back = last.get(v.name)
                if v.id in made or back is None or len(back.axes) != len(v.axes):
                    continue
                for a, b in zip(v.axes, back.axes):
                    form = _per_iteration(_label_size(b), indexed, index, hi)
                    if form is not None and a.size != form and (a.size.is_Symbol or a.size.is_Function):
                        out.setdefault(op.id, {})[a.size] = form.xreplace({index: index - 1})
    return out


def _index_of(group):
    from ..model.sizes import SizeSyntaxError, parse_size

    if group.kind != "repeat" or not group.index or group.upper is None:
        return None
    try:
        return parse_size(group.index)
    except SizeSyntaxError:
        return None


def _label_size(axis):
    from ..model.sizes import SizeSyntaxError, parse_size

    try:
        return parse_size(axis.label)
    except SizeSyntaxError:
        return axis.size


def _indexed_atoms(body, index) -> list:
    """Subscripted sizes written with the repetition's index (``c_{\\lambda+1}``) in the body."""
    from sympy.core.function import AppliedUndef

    atoms = set()
    for op in body:
        for seg in tuple(op.core_in) + tuple(op.core_out) + tuple(v.axes for v in op.inputs + op.outputs):
            for a in seg:
                for e in (a.size, _label_size(a)):
                    atoms |= {x for x in sympy.sympify(e).atoms(AppliedUndef) if x.has(index)}
    return sorted(atoms, key=sympy.default_sort_key)


def _per_iteration(exit_size, indexed, index, hi):
    """The indexed size that is ``exit_size`` at the last iteration, if there is one."""
    if not exit_size.is_Function:
        return None
    for atom in indexed:
        if atom.func == exit_size.func and atom.xreplace({index: hi}) == exit_size:
            return atom
    return None
