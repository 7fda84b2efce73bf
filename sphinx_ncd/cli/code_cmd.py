"""Command line (integration): ``ncd code spec.ncd [-o model.py]``.

Parses the spec and writes the PyTorch module generated from it
(:mod:`sphinx_ncd.codegen`) to standard output or, atomically, to a file.  A
construct with no code meaning is printed located; exit status 1.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("code", help="write the PyTorch module a spec describes",
                              description="Generate a readable PyTorch nn.Module (with einops) from a .ncd "
                                          "spec: one line per operation, learned boxes named by their bindings.")
    p.add_argument("file", help="the spec file (.ncd), or - for standard input")
    p.add_argument("-o", "--output", default="-", help="the Python file to write (default: standard output)")
    p.add_argument("--name", default=None, help="the class name (default: from the block, title or file name)")
    p.add_argument("-I", "--search-path", action="append", default=[], metavar="DIR",
                   help="a directory searched by 'use NAME' (repeatable)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..codegen import codegen
    from ..model.build import parse

    if args.file == "-":
        text, name = sys.stdin.read(), "<stdin>"
    else:
        try:
            text, name = Path(args.file).read_text(encoding="utf-8"), args.file
        except FileNotFoundError:
            raise NCDError(msg.CLI_NO_FILE.format(path=args.file), None, kind="io") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise NCDError(msg.CLI_CANNOT_READ.format(path=args.file, reason=exc), None, kind="io") from None
    search = list(args.search_path) + ([str(Path(args.file).resolve().parent)] if args.file != "-" else [])
    source = codegen(parse(text, filename=name, search_path=tuple(search)), name=args.name)
    if args.output == "-":
        sys.stdout.write(source)
        return 0
    target = Path(args.output).resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent))
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(source)
    os.replace(tmp, target)
    return 0
