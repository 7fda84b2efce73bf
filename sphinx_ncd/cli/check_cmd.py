"""Command line (integration): ``ncd check FILE``.

Parses a spec file and prints each vertical section's memory state and the
diagram's signature, or the located error (exit status 0 / 1).  When the
shape-checking stage is installed (``sphinx_ncd.checking.cli``), its options
(``--code``, ``--sizes`` ...) are added here and run after a successful parse.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError
from ..safeio import read_stdin, read_text_file

__all__ = ["add_parser", "run", "format_diagram", "operation_text"]


def _check_cli():
    try:
        from ..checking import cli as check_cli  # written by the shape-checking stage
    except ImportError:
        return None
    if not hasattr(check_cli, "add_check_arguments") or not hasattr(check_cli, "run_check_cli"):
        return None
    return check_cli


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("check", help="parse a spec; print its memory states and signature",
                              description="Parse a .ncd spec and print each section's memory state and the "
                                          "diagram's signature, or the located error.")
    p.add_argument("file", help="the spec file (.ncd), or - for standard input")
    p.add_argument("-I", "--search-path", action="append", default=[], metavar="DIR",
                   help="a directory searched by 'use NAME' (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the signature")
    cli = _check_cli()
    if cli is not None:
        cli.add_check_arguments(p)
    p.set_defaults(func=run)


def format_diagram(diagram) -> str:
    """Every panel's states and steps and its signature; then the other blocks the spec defines."""
    lines = []
    if diagram.title:
        lines.append(diagram.title)
    for k, panel in enumerate(diagram.panels):
        if k:
            lines.append("=")
        _format_panel(panel, lines)
    shown = {id(p) for p in diagram.panels}
    for name, panel in diagram.blocks:
        if id(panel) not in shown:
            lines.append("")
            _format_panel(panel, lines)
    return "\n".join(lines)


def _format_panel(panel, lines) -> None:
    if panel.header is not None:
        lines.append(f"block {panel.header.name}({', '.join(panel.header.params)})")
    n = 0
    for section in panel.sections:
        if section.kind == "state":
            shapes = ", ".join(f"{v.name}: {v.shape}" for v in section.values) or "(empty)"
            lines.append(f"  state {n}: {shapes}")
            n += 1
        else:
            lines.append("    step: " + "; ".join(operation_text(o) for o in section.ops))
    lines.append(f"signature: {panel.signature}")


def operation_text(op) -> str:
    """One operation as a reader writes it: ``S = einsum Q K : y k, x k -> y x``."""
    outs = ", ".join(v.name for v in op.outputs)
    name = " ".join(part for part in (op.kind, op.label) if part)
    bind = f"[{op.binding}]" if op.binding else ""
    ins = " ".join(v.name for v in op.inputs)
    head = f"{outs} = " if outs else ""
    return f"{head}{name}{bind} {ins} : {op.signature}".replace("  ", " ")


_FILE_COLON = re.compile(r"^(?P<file>[^:()]+\.py):(?P<name>[A-Za-z_]\w*)$")


def _check_code_argument(code) -> None:
    """``--code buggy.py:MLP``: a file and a name are separate options; say so."""
    match = _FILE_COLON.match(code or "")
    if match:
        raise NCDError(msg.CLI_CODE_FILE_COLON.format(spec=code), None, kind="config",
                       hint=msg.HINT_CODE_FILE.format(file=match.group("file"), name=match.group("name")))


def run(args) -> int:
    if args.file == "-":
        text, name = read_stdin(), "<stdin>"
    else:
        if not os.path.lexists(args.file):
            raise NCDError(msg.CLI_NO_FILE.format(path=args.file), None, kind="io")
        text, name = read_text_file(args.file, allow_stream=True), args.file  # bounded, never a traceback
    search = list(args.search_path)
    if args.file != "-":
        search.append(str(Path(args.file).resolve().parent))
    cli = _check_cli()
    replayed = cli.replay(args, text, search) if cli is not None and hasattr(cli, "replay") else None
    if replayed is not None:  # the same check ran before: its output, with no parse and no worker
        return replayed
    from ..model.build import parse  # imported late: a replayed check never needs it (nor sympy)

    diagram = parse(text, filename=name, search_path=tuple(search))
    args.diagram_text = diagram.signature if args.quiet else format_diagram(diagram)
    try:
        print(args.diagram_text, flush=True)
    except BrokenPipeError:  # `ncd check spec.ncd | head`: the reader left; that is not an error
        sys.stdout = open(os.devnull, "w")
        return 0
    cli = _check_cli()
    if cli is not None and getattr(args, "code", None):
        _check_code_argument(args.code)
        return int(cli.run_check_cli(diagram, args) or 0)
    if getattr(args, "values", False):  # a value check compares the diagram with code: it needs --code
        raise NCDError(msg.VALUES_NEEDS_CODE, None, kind="config")
    return 0
