"""Command line (integration): ``ncd render in.ncd -o out.svg|.pdf|.png``.

Parses the spec, lays it out and writes the figure; the format comes from the
output file's suffix (or ``--format``).  The file is written atomically (a
temporary file renamed into place), so a failed render never leaves a broken
or half-written figure behind.  Errors are printed located, exit status 1.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError
from ..safeio import read_stdin, read_text_file

__all__ = ["add_parser", "run", "PNG_SCALE"]

#: the default scale of PNG output (2x: sharp on HiDPI screens)
PNG_SCALE = 2.0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("render", help="draw a spec as SVG, PDF or PNG",
                              description="Lay out a .ncd spec and write it as SVG, PDF or PNG.")
    p.add_argument("file", help="the spec file (.ncd), or - for standard input")
    p.add_argument("-o", "--output", required=True, help="output file: .svg, .pdf or .png (- writes SVG to stdout)")
    p.add_argument("--format", choices=("svg", "pdf", "png"), help="output format (default: from the suffix)")
    p.add_argument("--theme", choices=("auto", "light", "dark"), default="auto",
                   help="colours: auto follows the reader's scheme in browsers (PDF/PNG use light)")
    p.add_argument("--scale", type=float, default=None,
                   help="size multiplier (1 unit = 1 px at scale 1; default 1, and 2 for PNG: sharp on HiDPI screens)")
    p.add_argument("-I", "--search-path", action="append", default=[], metavar="DIR",
                   help="a directory searched by 'use NAME' (repeatable)")
    p.add_argument("--max-width", type=_max_width, default=613.0, metavar="UNITS",
                   help="fold a panel wider than this into rows (drawing units; default 613, a 736 px column "
                        "at scale 1.2; 'none': never fold)")
    p.add_argument("--label-face", choices=("serif", "sans"), default="serif",
                   help="the labels' face: serif (the paper's Latin Modern Math, default) or sans "
                        "(Latin Modern Sans, the look of the first releases)")
    p.set_defaults(func=run)


def _max_width(text: str):
    if text.strip().lower() in ("none", "off", "0"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a width in drawing units or 'none', not {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"a positive width or 'none', not {text!r}")
    return value


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
    scale = args.scale if args.scale is not None else (PNG_SCALE if fmt == "png" else 1.0)
    out = render(diagram, format=fmt, theme=args.theme, scale=scale, max_width=args.max_width,
                 label_face=args.label_face)
    data = out.encode("utf-8") if isinstance(out, str) else out
    if args.output == "-":
        if fmt != "svg":
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(out)
        return 0
    _write_atomic(Path(args.output), data)
    return 0
