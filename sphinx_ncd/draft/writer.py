"""Draft (stage: statements -> spec text): the draft as a reader will edit it.

A header says where the draft came from, how to check it, what became a
generic box and which sizes were ambiguous; then ``title``, the ``let``
lines, the ``input`` line, the statements -- each with a comment naming the
source line that made it, grouped into fences by module path (a fence only
where a module holds two statements or more) -- and ``output``.
No torch here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

__all__ = ["write_spec", "Header"]

_COLORS = ("#ffe2bb", "#c5bedf", "#dbdfef", "#fce0e1", "#d7ecd9")


@dataclass
class Header:
    code: str  # the import spec as drafted
    check_code: str  # the import spec to check with (constructor sizes by name)
    inputs: str  # the input description
    traced: str  # "y=17 x=19 m=11"
    generic: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    title: str = ""


@dataclass
class _Fence:
    path: str
    cls: str
    items: list = field(default_factory=list)  # Stmt or _Fence


def _tree(stmts) -> _Fence:
    root = _Fence("", "")
    stack = [root]
    for s in stmts:
        if not s.text:  # folded into a neighbour
            continue
        chain = list(s.parents)
        depth = 0  # how much of the open stack this statement shares
        while depth + 1 < len(stack) and depth < len(chain) and stack[depth + 1].path == chain[depth][0]:
            depth += 1
        del stack[depth + 1:]
        for path, cls in chain[depth:]:
            f = _Fence(path, cls)
            stack[-1].items.append(f)
            stack.append(f)
        stack[-1].items.append(s)
    return root


def _count(f: _Fence) -> int:
    return sum(_count(i) if isinstance(i, _Fence) else 1 for i in f.items)


def _source(stmt) -> str:
    if not stmt.source:
        return ""
    file, line = stmt.source
    return f"{os.path.basename(file)}:{line}"


def _lines(f: _Fence, indent: int, level: int, out: list) -> None:
    pad = "  " * indent
    width = max((len(i.text) for i in f.items if not isinstance(i, _Fence)), default=0)
    for item in f.items:
        if isinstance(item, _Fence):
            if _count(item) < 2:
                _lines(item, indent, level, out)
                continue
            leaf = item.path.rsplit(".", 1)[-1]
            title = item.cls if leaf == item.cls or item.path.startswith("@") else f"{item.cls} ({item.path})"
            out.append(f'{pad}fence "{title}" {_COLORS[level % len(_COLORS)]} {{')
            _lines(item, indent + 1, level + 1, out)
            out.append(f"{pad}}}")
            continue
        notes = [n for n in (_source(item), item.comment) if n]
        if item.generic:
            notes.append("generic box")
        comment = f"  # {'; '.join(notes)}" if notes else ""
        out.append(f"{pad}{item.text.ljust(width) if comment else item.text}{comment}")


def write_spec(header: Header, lets: list[str], inputs: str, stmts, outputs: list[str]) -> str:
    files = sorted({s.source[0] for s in stmts if s.source})
    out = [f"# Drafted by `ncd draft` from {header.code}",
           f"# inputs {header.inputs}; traced at {header.traced}",
           f"# check: ncd check THIS.ncd --code \"{header.check_code}\""]
    if files:
        out.append("# source lines refer to: " + ", ".join(_rel(f) for f in files))
    if header.generic:
        out.append("# generic boxes (no construct in the language): " + ", ".join(dict.fromkeys(header.generic)))
    else:
        out.append("# generic boxes: none")
    for note in header.notes:
        out.append(f"# note: {note}")
    if header.title:
        out.append(f'title "{header.title}"')
    out.extend(lets)
    out.append(f"input {inputs}")
    _lines(_tree(stmts), 0, 0, out)
    out.append("output " + ", ".join(outputs))
    return "\n".join(out) + "\n"


def _rel(path: str) -> str:
    from .trace import source_root

    return source_root(path)
