"""Command line (integration): ``ncd render in.ncd -o out.svg|.pdf|.png``.

Parses the spec, lays it out and writes the figure; the format comes from the
output file's suffix (or ``--format``).  The file is written atomically (a
temporary file renamed into place), so a failed render never leaves a broken
or half-written figure behind.  Errors are printed located, exit status 1.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError
from ..safeio import read_stdin, read_text_file

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("render", help="draw a spec as SVG, PDF or PNG",
                              description="Lay out a .ncd spec and write it as SVG, PDF or PNG.")
    p.add_argument("file", help="the spec file (.ncd), or - for standard input")
    p.add_argument("-o", "--output", required=True, help="output file: .svg, .pdf or .png (- writes SVG to stdout)")
    p.add_argument("--format", choices=("svg", "pdf", "png"), help="output format (default: from the suffix)")
    p.add_argument("--theme", choices=("auto", "light", "dark"), default="auto",
                   help="colours: auto follows the reader's scheme in browsers (PDF/PNG use light)")
    p.add_argument("--scale", type=float, default=1.0, help="size multiplier (1 unit = 1 px at scale 1)")
    p.add_argument("-I", "--search-path", action="append", default=[], metavar="DIR",
                   help="a directory searched by 'use NAME' (repeatable)")
    p.set_defaults(func=run)


def _read(file: str) -> tuple[str, str]:
    if file == "-":
        return read_stdin(), "<stdin>"
    return read_text_file(file, allow_stream=True), file  # bounded, never a traceback


def _write_atomic(path: Path, data: bytes) -> None:
    path = path.resolve()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    except OSError as exc:
        raise NCDError(msg.RENDER_WRITE.format(path=str(path), reason=exc.strerror or exc), None, kind="io") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise NCDError(msg.RENDER_WRITE.format(path=str(path), reason=exc.strerror or exc), None, kind="io") from None


def run(args) -> int:
    from ..model.build import parse
    from ..rendering.api import render

    fmt = args.format
    if fmt is None:
        if args.output == "-":
            fmt = "svg"
        else:
            suffix = Path(args.output).suffix.lower().lstrip(".")
            if suffix not in ("svg", "pdf", "png"):
                raise NCDError(msg.RENDER_OUTPUT_SUFFIX.format(path=args.output), None, kind="render")
            fmt = suffix
    text, name = _read(args.file)
    search = list(args.search_path)
    if args.file != "-":
        search.append(str(Path(args.file).resolve().parent))
    diagram = parse(text, filename=name, search_path=tuple(search))
    out = render(diagram, format=fmt, theme=args.theme, scale=args.scale)
    data = out.encode("utf-8") if isinstance(out, str) else out
    if args.output == "-":
        if fmt != "svg":
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(out)
        return 0
    _write_atomic(Path(args.output), data)
    return 0
