"""Model stage: the entry point.  Spec text to a typed :class:`~sphinx_ncd.model.types.Diagram`.

:func:`parse` runs the syntax stage, gathers the declarations that hold for
the whole spec (``title``, ``block``, ``use``, ``sizes``, ``let``, ``width``,
``tandem``, ``def``), splits the statements into panels at ``=`` lines and
infers each panel's shapes (:mod:`.infer`).  Every failure is an NCDError.
"""
from __future__ import annotations

import os

import sympy

from .. import messages as msg
from ..errors import NCDError
from ..gcpause import paused_gc
from ..safeio import read_text_file
from ..syntax import ast as A
from ..syntax.parser import parse_spec
from .blocks import BlockInfo, find_library
from .infer import PanelBuilder
from .notes import attach as attach_notes
from .records import Declarations
from .schedule import schedule
from .stated import equal, problems, whole
from .sizes import SizeSyntaxError, parse_size
from .types import BlockHeader, Diagram, Panel

__all__ = ["parse"]

_LIBRARY_CACHE: dict = {}  # (path, mtime_ns, size) -> (Declarations with blocks) ; libraries only


def parse(text: str, filename: str = "<spec>", line_offset: int = 0, search_path=(), strict: bool = True) -> Diagram:
    """Parse and infer a spec.  Raises :class:`~sphinx_ncd.errors.NCDError` on any problem.

    A division the drawing states that the ``sizes`` line breaks (:mod:`.stated`) is raised too; with
    ``strict=False`` it is kept in ``Diagram.problems`` instead and the diagram is still returned (the
    Sphinx directive warns and shows the figure)."""
    if not isinstance(text, str):
        raise TypeError("spec text must be a str")
    if isinstance(search_path, (str, os.PathLike)):
        search_path = (search_path,)
    with paused_gc():
        try:
            diagram = _parse(text, filename, line_offset, search_path)
        except SizeSyntaxError as exc:  # a name used as a size somewhere that does not expect a refusal
            raise _located_size_error(str(exc), text, filename, line_offset) from None
    if strict and diagram.problems:
        raise diagram.problems[0]
    return diagram


def _located_size_error(bad: str, text: str, filename: str, line_offset: int) -> NCDError:
    """BAD_SIZE at the first place ``bad`` is written in the spec (the limits refuse it everywhere)."""
    from ..errors import Span

    for number, line in enumerate(text.split("\n"), 1):
        column = line.find(bad) if bad else -1
        if column >= 0:
            span = Span(filename, number + line_offset, column + 1, len(bad), line)
            return NCDError(msg.BAD_SIZE.format(text=bad), span, kind="syntax", hint=msg.HINT_SIZE.format())
    first = text.split("\n", 1)[0]
    return NCDError(msg.BAD_SIZE.format(text=bad), Span(filename, 1 + line_offset, 1, 1, first), kind="syntax",
                    hint=msg.HINT_SIZE.format())


def _parse(text: str, filename: str, line_offset: int, search_path) -> Diagram:
    spec = parse_spec(text, filename, line_offset)
    decl = Declarations()
    meta = _declare(spec.statements, decl, filename, tuple(search_path), (), top=True)
    panels_src: list[list] = [[]]
    breaks = []
    for stmt in spec.statements:
        if isinstance(stmt, A.PanelBreak):
            panels_src.append([])
            breaks.append(stmt)
        else:
            panels_src[-1].append(stmt)
    header = meta["header"]
    legend = tuple(decl.lets)
    local = [info for info in decl.blocks.values() if info.decl is decl]
    _WORK = (A.Input, A.Assign, A.Save, A.Fence, A.Repeat, A.Output, A.Order)
    if local and header is None and len(panels_src) == 1 and not any(isinstance(x, _WORK) for x in panels_src[0]):
        # a library of blocks and nothing else: its diagram is its first block; all are in .blocks
        bodies = tuple(info.build() for info in local)
        return Diagram(bodies[:1], text, filename, tuple(meta["sizes"]), meta["title"],
                       tuple((info.name, body) for info, body in zip(local, bodies)))
    panels = []
    stated = list(decl.stated)
    next_value = 0
    next_op = 0
    for k, stmts in enumerate(panels_src):
        b = PanelBuilder(decl, filename)
        b.next_value = next_value
        b.run(stmts)
        stated.extend(b.stated)
        if not b.saw_input:
            where = breaks[k - 1].span if k else (stmts[0].span if stmts else spec.span)
            raise NCDError((msg.EMPTY_PANEL if k else msg.NO_INPUT).format(), where, kind="shape")
        span = stmts[0].span if stmts else None
        panel, next_value = schedule(b.result(), span=span, header=header if k == 0 else None,
                                     legend=legend if k == 0 else (), op_id_start=next_op)
        panel = attach_notes(panel, b)
        next_op += len(panel.operations)
        panels.append(panel)
    blocks = []
    for name, info in decl.blocks.items():
        if info.decl is decl:  # every block this spec defines, used or not (its errors surface too)
            blocks.append((name, info.build()))
    found = problems(stated, meta["sizes"], decl.rewrites, meta["sizes_span"]) if meta["sizes"] and stated else ()
    return Diagram(tuple(panels), text, filename, tuple(meta["sizes"]), meta["title"], tuple(blocks), tuple(found))


def _block_panel(info: BlockInfo) -> Panel:
    """A block definition's body, evaluated and scheduled (a block's ``break`` marks cuts in its body)."""
    builder = PanelBuilder(info.decl, info.filename)
    builder.run(info.statements)
    if not builder.inputs:
        raise NCDError(msg.NO_INPUT.format(), info.span, kind="shape")
    panel, _ = schedule(builder.result(), span=info.span, header=BlockHeader(info.name, info.params, info.span))
    return attach_notes(panel, builder)


def _declare(statements, decl: Declarations, filename: str, search_path, using: tuple, top: bool) -> dict:
    meta = {"title": "", "header": None, "sizes": [], "sizes_span": None}
    seen_work = False
    for stmt in statements:
        t = type(stmt)
        if t is A.Title:
            meta["title"] = stmt.text
        elif t is A.BlockHeader:
            if not top or seen_work:
                raise NCDError(msg.BLOCK_HEADER_LATE.format(), stmt.span, kind="syntax")
            meta["header"] = BlockHeader(stmt.name.text, tuple(p.text for p in stmt.params), stmt.span)
        elif t is A.BlockDef:
            if stmt.name.text in decl.blocks and decl.blocks[stmt.name.text].decl is decl:
                raise NCDError(msg.REDEFINED_BLOCK.format(name=stmt.name.text), stmt.name.span, kind="syntax")
            decl.blocks[stmt.name.text] = BlockInfo(stmt.name.text, tuple(p.text for p in stmt.params),
                                                    stmt.body, decl, filename, stmt.span, _block_panel)
            _declare_axes_only(stmt.body, decl)
        elif t is A.Use:
            for name in stmt.names:
                _use(name, decl, search_path, using)
        elif t is A.Sizes:
            meta["sizes_span"] = meta["sizes_span"] or stmt.span
            for name, value in stmt.items:
                if value < 1:
                    raise NCDError(msg.SIZE_NOT_POSITIVE.format(name=name.text, value=value), name.span,
                                   kind="shape")
                meta["sizes"].append((name.text, value))
        elif t is A.Let:
            _let(stmt, decl)
        elif t is A.AxisDecl:
            _axis_decl(stmt, decl)
        elif t is A.Def:
            decl.defs[stmt.name.text] = stmt
        elif t in (A.Fence, A.Repeat):
            _declare_axes_only(stmt.body, decl)
            seen_work = True
        elif t is not A.PanelBreak:
            seen_work = True
    return meta


def _declare_axes_only(statements, decl):
    for stmt in statements:
        t = type(stmt)
        if t is A.AxisDecl:
            _axis_decl(stmt, decl)
        elif t is A.Def:
            decl.defs[stmt.name.text] = stmt
        elif t is A.Let:
            _let(stmt, decl)
        elif t in (A.Fence, A.Repeat):
            _declare_axes_only(stmt.body, decl)


def _axis_decl(stmt, decl):
    for name, rank in stmt.items:
        if stmt.kind == "width":
            decl.width.add(name.text)
        else:
            decl.tandem[name.text] = rank


def _let(stmt: A.Let, decl: Declarations):
    try:
        lhs = parse_size(stmt.name.text)
        rhs = parse_size(stmt.expr.text)
    except SizeSyntaxError:
        bad = stmt.expr if _bad(stmt.expr.text) else stmt.name
        raise NCDError(msg.BAD_SIZE.format(text=bad.text), bad.span, kind="syntax",
                       hint=msg.HINT_SIZE.format()) from None
    decl.lets.append((stmt.name.text, stmt.expr.text))
    if isinstance(lhs, sympy.core.function.AppliedUndef):
        arg = lhs.args[0]
        offset, rest = arg.as_coeff_Add()
        if rest.is_Symbol:
            decl.fn_rewrites.append((lhs.func, rest, offset, rhs))
            return
    decl.rewrites[lhs] = rhs
    fields = {"name": stmt.name.text, "text": stmt.expr.text}
    if sympy.fraction(rhs)[1] != 1:
        decl.stated.append(whole(rhs, stmt.expr.span, msg.SIZES_LET, **fields))
    decl.stated.append(equal(lhs, rhs, stmt.name.span, msg.SIZES_LET_CONTRADICTS, **fields))


def _bad(text):
    try:
        parse_size(text)
        return False
    except SizeSyntaxError:
        return True


def _use(name: A.Name, decl: Declarations, search_path, using: tuple):
    path = find_library(name, search_path)
    key_path = str(path.resolve())
    if key_path in using:
        raise NCDError(msg.LIBRARY_CYCLE.format(name=name.text), name.span, kind="syntax")
    st = os.stat(path)
    key = (key_path, st.st_mtime_ns, st.st_size, search_path)
    lib = _LIBRARY_CACHE.get(key)
    if lib is None:
        try:
            text = read_text_file(path, shown=path.name)
        except NCDError as err:  # too large, or not UTF-8: said at the 'use'
            raise NCDError(err.message, err.span or name.span, kind="io") from None
        spec = parse_spec(text, str(path.name), 0)
        lib = Declarations()
        meta = _declare(spec.statements, lib, path.name, search_path, using + (key_path,), top=True)
        header = meta["header"]
        if header is not None:
            body = [s for s in spec.statements if not isinstance(s, (A.BlockHeader, A.BlockDef))]
            lib.blocks[header.name] = BlockInfo(header.name, header.params, body, lib, path.name, header.span,
                                                _block_panel)
        for info in lib.blocks.values():
            info.build()  # errors in a library surface where they are, once
        _LIBRARY_CACHE[key] = lib
    for bname, info in lib.blocks.items():
        decl.blocks.setdefault(bname, info)
