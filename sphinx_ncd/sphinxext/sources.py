"""Sphinx extension (integration): reading a spec from a directive body or a file.

Owns the file rules: a file argument is resolved with ``env.relfn2path``
(relative to the document, or to the source directory when it starts with
``/``), must stay inside the source directory, is read without ever waiting
(a FIFO, a directory or a file over 4 MiB is a clear error: :mod:`sphinx_ncd.safeio`),
and is registered with
``env.note_dependency`` so editing it rebuilds the page.  Block libraries a
spec imports with ``use NAME`` are looked up on the search path, registered as
dependencies too, and their text goes into the cache key.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError
from ..safeio import read_text_file
from . import compat
from .locate import SpecSource

__all__ = ["read_spec", "search_path", "used_libraries", "resolve_code_file"]


def read_spec(directive) -> tuple[str, SpecSource]:
    """The spec text and its origin.  Raises NCDError (kind ``io``) located at the directive."""
    env = directive.env
    docname = compat.docname(env)
    doc_path = str(env.doc2path(docname))
    line = directive.lineno
    if directive.arguments:
        argument = directive.arguments[0]
        rel, absolute = env.relfn2path(argument, docname)
        srcdir = os.path.realpath(env.srcdir)
        real = os.path.realpath(absolute)
        if os.path.commonpath([srcdir, real]) != srcdir:
            raise NCDError(msg.SPHINX_OUTSIDE_SRCDIR.format(path=argument), kind="io")
        env.note_dependency(rel)
        try:  # never waits on a FIFO, never reads a directory or an oversized file
            text = read_text_file(real, shown=argument)
        except NCDError as err:
            if err.span is not None:  # not UTF-8: the error points into the file
                raise err.relocated(file=rel) from None
            raise NCDError("ncd: " + err.message, kind="io") from None
        return text, SpecSource(name=rel, path=real, offset=0, docname=docname,
                                doc_path=doc_path, directive_line=line)
    text = "\n".join(directive.content)
    name = os.path.relpath(doc_path, env.srcdir).replace(os.sep, "/")
    path, offset = body_origin(directive) or (doc_path, body_offset(directive))
    here = _source_and_line(directive, directive.lineno)
    directive_path, line = here if here and path != doc_path else (doc_path, line)
    return text, SpecSource(name=name, path=path, offset=offset,
                            docname=docname, doc_path=directive_path, directive_line=line)


def _source_and_line(directive, lineno: int) -> tuple[str, int] | None:
    try:
        source, line = directive.state_machine.get_source_and_line(lineno)
    except (AttributeError, IndexError, TypeError):
        return None
    return (str(source), int(line)) if source and line else None


def body_origin(directive) -> tuple[str, int] | None:
    """(source, line offset) of the body as docutils records it, for bodies that do not
    come from the document's own lines: an autodoc docstring is
    ``mod.py:docstring of mod.f`` (as docutils' own warnings say), an included file its path.
    None for MyST (its line numbers are relative) or when docutils does not know."""
    if type(directive.state).__module__.startswith("myst_parser"):
        return None
    found = _source_and_line(directive, directive.content_offset + 1)
    return (found[0], found[1] - 1) if found else None


def body_offset(directive) -> int:
    """Host line of the body's first line, minus one.

    docutils gives ``content_offset`` as the absolute 0-based index of the first
    body line; myst-parser gives it relative to the opening fence line
    (``lineno``), after the option block and one blank line.
    """
    if type(directive.state).__module__.startswith("myst_parser"):
        return directive.lineno + directive.content_offset
    return directive.content_offset


def search_path(config, confdir, source: SpecSource) -> tuple[str, ...]:
    """Where ``use`` looks: the spec's own directory, then ``ncd_template_path``
    (relative entries are relative to the configuration directory)."""
    dirs = [os.path.dirname(source.path)]
    for entry in config.ncd_template_path:
        path = Path(entry)
        if not path.is_absolute():
            path = Path(confdir) / path
        dirs.append(str(path))
    return tuple(dict.fromkeys(dirs))


_USE = re.compile(r"^\s*use\s+([^#]+)", re.MULTILINE)


def used_libraries(text: str, dirs: tuple[str, ...], limit: int = 64) -> list[Path]:
    """The ``.ncd`` files a spec imports, transitively (as far as they are found on ``dirs``)."""
    found: list[Path] = []
    seen: set[str] = set()
    todo = [text]
    while todo and len(found) < limit:
        for match in _USE.finditer(todo.pop()):
            for name in re.split(r"[\s,]+", match.group(1).strip()):
                if not name or name in seen:
                    continue
                seen.add(name)
                for directory in dirs:
                    candidate = Path(directory) / (name if name.endswith(".ncd") else f"{name}.ncd")
                    if candidate.is_file():
                        found.append(candidate)
                        try:
                            todo.append(read_text_file(candidate))
                        except NCDError:  # parsing the spec reports it, located at the 'use'
                            pass
                        break
    return found


def resolve_code_file(directive, argument: str) -> tuple[str, str, str]:
    """A ``:code:`` value naming a file: ``(text, real path, name relative to the source directory)``.

    The same rules as a file argument: relative to the document (or to the
    source directory when it starts with ``/``), confined to the source
    directory, registered as a dependency, read without waiting.  Raises NCDError.
    """
    env = directive.env
    rel, absolute = env.relfn2path(argument.strip(), compat.docname(env))
    srcdir = os.path.realpath(env.srcdir)
    real = os.path.realpath(absolute)
    if os.path.commonpath([srcdir, real]) != srcdir:
        raise NCDError(msg.SPHINX_CODE_OUTSIDE_SRCDIR.format(path=argument.strip()), kind="io")
    env.note_dependency(rel)
    try:
        text = read_text_file(real, shown=argument.strip())
    except NCDError as err:
        raise NCDError("ncd: :code: " + err.message, kind="io") from None
    return text, real, rel
