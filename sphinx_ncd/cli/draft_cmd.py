"""Command line (integration): ``ncd draft pkg.mod:Block(d=64, h=4) --input "x: b t d"``.

Exports the module and writes a first spec (to standard output, or atomically
to ``-o FILE``); ``--sizes`` fixes axis sizes, ``--depth N`` draws submodules
deeper than N levels as one box each, ``-I DIR`` adds a directory to import
from.  Errors are printed located, exit status 1.
"""
from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "draft", help="draft a spec from a PyTorch nn.Module",
        description="Export an nn.Module with torch.export on prime-sized inputs and write a first spec: "
                    "learned boxes bound to submodules, operations with their axes, fences by module path.")
    p.add_argument("code", help="the module as an import spec: pkg.module:Object(arg=1, ...)")
    p.add_argument("--input", required=True, dest="inputs", metavar="DESCRIPTION",
                   help='the tensors forward takes, in order: "x: b t d" or "E: y m, X: x m" (4*H: a multiple)')
    p.add_argument("--sizes", nargs="*", default=[], metavar="NAME=INT",
                   help="fix axis sizes (default: a distinct prime each)")
    p.add_argument("--depth", type=int, default=None, metavar="N",
                   help="draw submodules more than N levels deep as one box each")
    p.add_argument("--title", default=None, help="the spec's title (default: the object's name)")
    p.add_argument("-o", "--output", default="-", help="the spec file to write (default: standard output)")
    p.add_argument("-I", "--path", action="append", default=[], metavar="DIR",
                   help="a directory to import the module from (repeatable)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..draft import draft
    from ..errors import NCDError
    from .. import messages as msg
    from .render_cmd import _write_atomic

    if args.depth is not None and args.depth < 0:
        raise NCDError(msg.DRAFT_BAD_DEPTH.format(value=args.depth), None, kind="config")
    result = draft(args.code, args.inputs, sizes=args.sizes, depth=args.depth, path=tuple(args.path),
                   title=args.title)
    if args.output == "-":
        sys.stdout.write(result.text)
    else:
        _write_atomic(Path(args.output), result.text.encode("utf-8"))
    if result.generic:
        print("ncd draft: generic boxes: " + ", ".join(result.generic), file=sys.stderr)
    return 0
