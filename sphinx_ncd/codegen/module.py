"""Codegen (stage: Diagram -> Python source): the generated ``nn.Module`` as a whole.

:func:`generate` reads the diagram's first panel through the adapter, emits one
line per operation in the diagram's order, then writes the class around them:
a constructor taking the sizes the code needs (defaults from the spec's
``sizes``) and, when a box has no known meaning, ``functions`` (a callable per
box name); learned boxes as submodules named by their bindings (a dotted
binding nests ``nn.ModuleDict`` s).  The text is deterministic.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .. import messages as msg
from ..errors import NCDError
from ..model.types import Diagram
from .adapter import read_panel
from .emit import Emitter, module_access
from .names import identifier

__all__ = ["GeneratedCode", "generate", "class_name"]


@dataclass(frozen=True)
class GeneratedCode:
    """The generated module's text and what a value check needs to drive it."""

    source: str
    class_name: str
    sizes: tuple[tuple[str, str, int | None], ...]  # (argument, the diagram's size name, default)
    modules: tuple[tuple[str, int, str], ...]  # (binding path, op id, kind) per learned submodule
    functions: tuple[str, ...]  # box names whose callable the user supplies
    lines: tuple[tuple[int, int], ...]  # (op id, line number in source)
    indexes: tuple[str, ...] = ()  # size names that are index positions (default 0: the diagram names no value)
    factors: tuple[str, ...] = ()  # names only used as scale factors (default 1)


def class_name(diagram: Diagram) -> str:
    panel = diagram.main
    if panel.header is not None:
        return identifier(panel.header.name, "Diagram")
    base = diagram.title or os.path.splitext(os.path.basename(diagram.filename or ""))[0]
    words = re.findall(r"[A-Za-z0-9]+", base)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Diagram"
    return identifier(name if not name[0].isdigit() else "Figure" + name, "Diagram")


def _refuse_repeats(diagram: Diagram, steps) -> None:
    groups = {g.id: g for g in diagram.main.groups}
    for s in steps:
        for gid in s.groups:
            g = groups.get(gid)
            if g is not None and g.kind == "repeat":
                raise NCDError(msg.CODEGEN_REPEAT.format(), g.span or s.span, kind="shape")


def generate(diagram: Diagram, *, name: str | None = None, mutations: dict | None = None) -> GeneratedCode:
    """The reference module for ``diagram`` (its first panel); ``mutations`` alter steps (value check)."""
    panel = diagram.main
    steps = read_panel(panel)
    _refuse_repeats(diagram, steps)
    em = Emitter(steps, panel.outputs, mutations)
    params = [em.bind_input(v) for v in panel.inputs]
    body: list[tuple[str, int]] = []
    for i, step in enumerate(steps):
        em.index = i
        line = em.emit(step)
        if line is None:
            continue
        note = (step.span.text.strip() if step.span is not None and step.span.text else "")
        if note and "#" in note:
            note = note.split("#", 1)[0].rstrip()
        body.append((line + (f"  # {note}" if note else ""), step.op_id))
    returns = [em.of(v) for v in panel.outputs]
    return _assemble(diagram, em, params, body, returns, name or class_name(diagram))


def _assemble(diagram, em, params, body, returns, cls) -> GeneratedCode:
    given = dict(diagram.sizes)
    sizes = [(arg, sym, given.get(sym, 0 if sym in em.indexes else (1 if sym in em.factors else None)))
             for sym, arg in em.sizes.symbols.items()]
    args = []
    for arg, _, default in sizes:  # a size without a default first: Python requires it
        if default is None:
            args.append(arg)
    args += [f"{arg}={default}" for arg, _, default in sizes if default is not None]
    if em.functions:
        args.append("functions=None")
    head = [f"class {cls}(nn.Module):",
            f'    """{_doc(diagram.signature)}, generated from the diagram; one line per operation."""',
            "",
            f"    def __init__(self{''.join(', ' + a for a in args)}):",
            "        super().__init__()"]
    if sizes:
        head.append(f"        {', '.join('self.' + a for a, _, _ in sizes)} = {', '.join(a for a, _, _ in sizes)}")
    if em.functions:
        head.append("        self.functions = dict(functions or {})")
        names = ", ".join(repr(n) for n in em.functions)
        head.append(f"        missing = [n for n in ({names},) if n not in self.functions]")
        head.append("        if missing:")
        head.append(f'            raise TypeError("{cls} needs a callable for the box(es) " + ", ".join(missing)')
        head.append('                            + ": pass functions={name: callable}")')
        for binding, box in em.bound_functions.items():
            head.append(f"        self.{binding} = self.functions[{box!r}]")
    head.extend(_modules(em))
    forward = ["", f"    def forward(self{''.join(', ' + p for p in params)}):"]
    if em.memory:
        forward.append("        memory = {}")
    for line, _ in body:
        forward.append("        " + line)
    forward.append(f"        return {', '.join(returns)}")
    text = "\n".join(head + forward)
    imports = _imports(text)
    title = _doc(os.path.basename(diagram.filename or "<spec>") + (": " + diagram.title if diagram.title else ""))
    doc = f'"""Reference code for {title}, generated by sphinx_ncd (ncd code)."""'
    source = "\n".join([doc] + imports + ["", "", text, ""])
    return _result(source, cls, sizes, em, _line_numbers(source, body))


def _doc(text: str) -> str:
    """Text safe inside a triple-quoted docstring."""
    return text.replace(BACKSLASH, BACKSLASH * 2).replace(QUOTES, "'" * 3)


BACKSLASH = chr(92)
QUOTES = chr(34) * 3


def _line_numbers(source: str, body) -> tuple[tuple[int, int], ...]:
    """(op id, 1-based line) of each operation's line in the source."""
    out, start = [], 0
    text = source.split("\n")
    for line, op_id in body:
        for n in range(start, len(text)):
            if text[n] == "        " + line:
                out.append((op_id, n + 1))
                start = n + 1
                break
    return tuple(out)


def _result(source, cls, sizes, em, lines) -> GeneratedCode:
    modules = tuple((path, step.op_id, step.kind) for path, _, step in em.modules)
    return GeneratedCode(source=source, class_name=cls, sizes=tuple(sizes), modules=modules,
                         functions=tuple(em.functions), lines=lines, indexes=tuple(em.indexes),
                         factors=tuple(em.factors))


def _imports(text: str) -> list[str]:
    out = []
    if "math." in text:
        out.append("import math")
    out.append("")
    if "einops." in text:
        out.append("import einops")
    if "torch." in text:
        out.append("import torch")
    out.append("from torch import nn")
    if "fn." in text:
        out.append("from torch.nn import functional as fn")
    if out[0] == "":
        out = out[1:]
    return out


def _modules(em) -> list[str]:
    """Constructor lines for the submodules: plain attributes, or nested ModuleDicts for dotted paths."""
    tree: dict = {}
    for path, ctor, _ in em.modules:
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(parts[-1], ctor)
    lines = []
    for key, node in tree.items():
        target = module_access(key)
        text = node if isinstance(node, str) else _dict_text(node, 2)
        if target.startswith("getattr"):
            lines.append(f'        self.add_module("{key}", {text})')
        else:
            lines.append(f"        {target} = {text}")
    return lines


def _dict_text(node: dict, depth: int) -> str:
    pad = "    " * (depth + 1)
    items = []
    for key, value in node.items():
        inner = value if isinstance(value, str) else _dict_text(value, depth + 1)
        items.append(f'{pad}"{key}": {inner},')
    return "nn.ModuleDict({\n" + "\n".join(items) + "\n" + "    " * depth + "})"
