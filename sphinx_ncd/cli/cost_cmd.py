"""Command line (integration): ``ncd cost FILE [--sizes NAME=INT ...] [--machine h100]``.

Parses a spec and prints its cost table (:mod:`sphinx_ncd.cost`): per vertical
section the FLOPs, parameters, memory traffic, memory state, arithmetic intensity,
bound and roofline time, then totals, peak memory, every fence's fused traffic and
the conventions.  Errors are located, exit status 1; a bad ``--sizes`` item is a
usage error (exit status 2).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError

__all__ = ["add_parser", "run"]

_DTYPES = {"fp32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "fp64": 8}


def _size_item(text: str) -> tuple[str, int]:
    name, eq, value = text.partition("=")
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not eq or not name.strip() or number < 1:
        raise argparse.ArgumentTypeError(f"expected NAME=INT with a positive INT, not {text!r}")
    return name.strip(), number


def add_parser(subparsers) -> None:
    from ..cost.machines import MACHINES

    p = subparsers.add_parser("cost", help="FLOPs, memory and memory traffic per section, with a roofline",
                              description="Print a spec's cost table: per vertical section FLOPs, parameters, "
                                          "memory traffic and state, arithmetic intensity and roofline time; "
                                          "fused traffic of every fence; peak memory.")
    p.add_argument("file", help="the spec file (.ncd), or - for standard input")
    p.add_argument("--sizes", nargs="+", metavar="NAME=INT", default=[], type=_size_item,
                   help="sizes of the diagram's axes (add to or override the spec's 'sizes')")
    p.add_argument("--machine", default="h100", choices=sorted(MACHINES),
                   help="the accelerator of the roofline (default h100)")
    p.add_argument("--dtype", default="bf16", choices=sorted(_DTYPES), help="element type (default bf16)")
    p.add_argument("-I", "--search-path", action="append", default=[], metavar="DIR",
                   help="a directory searched by 'use NAME' (repeatable)")
    p.set_defaults(func=run)


def _read(path_text: str) -> tuple[str, str]:
    if path_text == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        return Path(path_text).read_text(encoding="utf-8"), path_text
    except FileNotFoundError:
        raise NCDError(msg.CLI_NO_FILE.format(path=path_text), None, kind="io") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NCDError(msg.CLI_CANNOT_READ.format(path=path_text, reason=exc), None, kind="io") from None


def run(args) -> int:
    from ..cost.analysis import analyse
    from ..cost.table import as_text
    from ..model.build import parse

    text, name = _read(args.file)
    search = list(args.search_path)
    if args.file != "-":
        search.append(str(Path(args.file).resolve().parent))
    diagram = parse(text, filename=name, search_path=tuple(search))
    report = analyse(diagram, sizes=dict(args.sizes), machine=args.machine, dtype_bytes=_DTYPES[args.dtype],
                     search_path=tuple(search))
    try:
        sys.stdout.write(as_text(report))
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
    return 0
