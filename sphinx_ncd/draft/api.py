"""Draft (stage: import spec + input description -> spec text): the public entry point.

:func:`draft` builds and exports the module (:mod:`.trace`), groups the graph
into steps (:mod:`.graph`), names every size from the inputs' axes and the
constructor's arguments (:mod:`.naming`), translates each step into a
statement (:mod:`.translate`), writes the spec (:mod:`.writer`) and parses it
once, so a draft that is returned always parses.
"""
from __future__ import annotations

import ast
import importlib.util

import sympy
from dataclasses import dataclass

from .. import messages as msg
from ..errors import NCDError
from .inputs import axis_parts, parse_inputs, parse_sizes

__all__ = ["Draft", "draft"]


@dataclass(frozen=True)
class Draft:
    """A drafted spec and what the reader should know about it."""

    text: str  # the spec
    check_code: str  # the import spec to check the draft against (constructor sizes by name)
    generic: tuple[str, ...]  # operations that became generic boxes
    notes: tuple[str, ...]  # ambiguous sizes
    sizes: tuple[tuple[str, int], ...]  # the sizes it was traced at

    def parse(self, filename: str = "draft.ncd"):
        from ..model.build import parse

        return parse(self.text, filename=filename)

    def __str__(self) -> str:
        return self.text


def draft(code: str, inputs: str, sizes=None, depth: int | None = None, path=(), title: str | None = None) -> Draft:
    """Draft a spec for the module ``code`` (``"pkg.mod:Block(d=64, h=4)"``) called on ``inputs``
    (``"x: b t d"``).  ``sizes`` fixes axis sizes (``{"b": 5}`` or ``["b=5"]``); ``depth`` draws
    submodules more than ``depth`` levels deep as one box each; ``path`` lists directories to import from.
    """
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 0):
        raise NCDError(msg.DRAFT_BAD_DEPTH.format(value=depth), None, kind="config")
    described = parse_inputs(inputs)
    given = parse_sizes(sizes)
    if importlib.util.find_spec("torch") is None:
        raise NCDError(msg.DRAFT_NO_TORCH, None, kind="config")
    from .graph import steps_of
    from .naming import SizeNamer
    from .trace import load_model, trace
    from .translate import Translator
    from .values import Ax, Names, Val, shape_text
    from .writer import Header, write_spec

    traced = trace(load_model(code, path), described, given)
    steps, user_inputs, outputs = steps_of(traced.program, traced.model, depth)
    atoms = _atoms(traced, described, traced.program.graph)
    namer = SizeNamer(atoms)
    names = Names(reserved=[d.name for d in described])
    tr = Translator(namer, names)
    for d, node in zip(described, user_inputs):
        axes = []
        for word in d.axes:
            k, a = axis_parts(word)
            axes.append(Ax(word, k * namer.symbols[a] if a else sympy.Integer(k)))
        tr.bind(node, Val(d.name, axes))
    tr.run(steps)
    out_names = [tr.val(n).name if n in tr.env else n.name for n in outputs]
    header = Header(code=code.strip(), check_code="\0", inputs=inputs.strip(),
                    traced=" ".join(f"{k}={v}" for k, v in atoms.items()),
                    generic=[s.generic for s in tr.stmts if s.generic], notes=list(namer.notes),
                    title=title if title is not None else traced.obj_name)
    input_text = ", ".join(f"{d.name}: {shape_text(tr.env[n].axes)}" for d, n in zip(described, user_inputs))
    text = write_spec(header, tr.lets.lines, input_text, tr.stmts, out_names)
    try:
        from ..checking.plan import make_plan
        from ..model.build import parse

        symbols = set(make_plan(parse(text, filename="draft.ncd")).symbols)
    except NCDError as err:
        raise NCDError(msg.DRAFT_PARSE_FAILED.format(error=err.format()), None, kind="internal") from None
    divisors = {x.name for size in tr.seen for x in sympy.fraction(sympy.together(size))[1].free_symbols}
    fixed = _fixed_sizes(text, given, traced.arguments, atoms, symbols, divisors)
    if fixed:
        text = text.replace("\ninput ", f"\nsizes {' '.join(f'{k}={v}' for k, v in fixed.items())}\ninput ", 1)
    check_code = _check_code(code, traced, {k: v for k, v in atoms.items() if k in symbols or k in fixed})
    text = text.replace("\0", check_code)
    return Draft(text, check_code, tuple(dict.fromkeys(header.generic)), tuple(namer.notes),
                 tuple(atoms.items()))


def _atoms(traced, described, graph) -> dict[str, int]:
    """The sizes that name things: every input axis, and each constructor argument some tensor shows."""
    dims: set[int] = set()
    for n in graph.nodes:
        if n.op != "call_function":  # parameters' shapes (a 3x3 kernel) name no axis
            continue
        shape = getattr(n.meta.get("val"), "shape", None)
        if shape is not None:
            dims.update(int(s) for s in shape)
    atoms: dict[str, int] = dict(traced.axis_values)
    for name, value in traced.arguments.items():
        if name not in atoms and value > 1 and value in dims:
            atoms[name] = value
    by_value: dict[int, str] = {}
    for name, value in atoms.items():
        if value in by_value:
            taken = set(atoms.values()) | set(traced.arguments.values())
            suggest = next(p for p in (17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67) if p not in taken)
            spans = [d.where(a) for a in (name, by_value[value]) for d in described]
            span = next((s for s in spans if s is not None), None)
            fixed = name if name in traced.axis_values else by_value[value]
            raise NCDError(msg.DRAFT_COLLIDE.format(first=by_value[value], second=name, value=value), span,
                           kind="config", hint=msg.HINT_DRAFT_COLLIDE.format(name=fixed, suggest=suggest))
        by_value[value] = name
    return atoms


def _fixed_sizes(text, given, arguments, atoms, symbols, divisors) -> dict[str, int]:
    """The ``sizes`` line: what the user gave, and -- when a constructor argument divides a size
    (``d/h``) or shapes a wire the check cannot pass it to by name -- every constructor size, so the
    check builds the module at sizes it accepts (``d`` divisible by ``h``)."""
    import re

    fixed = dict(given)
    words = set(re.findall(r"[A-Za-z_]\w*", text.split("\ninput ", 1)[-1]))
    loose = [k for k in arguments if k in atoms and (k in divisors or (k not in symbols and k in words))]
    if loose:
        fixed.update({k: atoms[k] for k in arguments if k in atoms})
    return fixed


def _check_code(code: str, traced, atoms: dict[str, int]) -> str:
    """The import spec with each constructor argument that names a size written as that size."""
    if not traced.call:
        return code.strip()
    tree = ast.parse("f" + traced.call, mode="eval").body
    import inspect

    try:
        import importlib

        obj = importlib.import_module(traced.module)
        for part in traced.attr.split("."):
            obj = getattr(obj, part)
        params = [p.name for p in inspect.signature(obj).parameters.values()]
    except (TypeError, ValueError, ImportError, AttributeError):
        params = []
    parts = []
    for i, a in enumerate(tree.args):
        name = params[i] if i < len(params) else None
        if name in atoms and isinstance(a, ast.Constant) and a.value == atoms[name]:
            parts.append(f"{name}={name}")
        else:
            parts.append(ast.unparse(a))
    for k in tree.keywords:
        if k.arg in atoms and isinstance(k.value, ast.Constant) and k.value.value == atoms[k.arg]:
            parts.append(f"{k.arg}={k.arg}")
        else:
            parts.append(f"{k.arg}={ast.unparse(k.value)}" if k.arg else f"**{ast.unparse(k.value)}")
    return f"{traced.module}:{traced.attr}({', '.join(parts)})"
