"""Check (stage: Diagram + PyTorch code -> ShapeReport): the command-line options of ``ncd check``.

``ncd check spec.ncd --code package.module:Object --sizes y=20 x=22`` parses
the spec (the command-line stage does that) and then calls :func:`run_check_cli`,
which prints one line per bound box and the verdict, and returns the exit
status by verdict: 0 proved / proved if / checked, 1 mismatch or failure,
2 not checked.
"""
from __future__ import annotations

import argparse
import sys

from .. import messages as msg
from ..errors import NCDError

__all__ = ["add_check_arguments", "run_check_cli", "parse_sizes", "default_cache_dir"]


def parse_sizes(items) -> dict[str, int]:
    """``["y=20", "x=22"]`` (or ``"y=20,x=22"``) -> ``{"y": 20, "x": 22}``."""
    out: dict[str, int] = {}
    for item in items or ():
        for part in str(item).replace(",", " ").split():
            name, eq, value = part.partition("=")
            if not eq or not name.strip().isidentifier():
                raise NCDError(msg.CHECK_BAD_SIZES_ARG.format(text=part), None, kind="config")
            try:
                number = int(value)
            except ValueError:
                raise NCDError(msg.CHECK_BAD_SIZES_ARG.format(text=part), None, kind="config") from None
            if number < 1:
                raise NCDError(msg.CHECK_BAD_SIZE.format(name=name, value=number), None, kind="config")
            out[name.strip()] = number
    return out


def _sizes_item(text: str) -> str:
    """argparse ``type`` for one ``--sizes`` item: a bad one is a usage error (exit status 2) naming it."""
    for part in str(text).replace(",", " ").split():
        name, eq, value = part.partition("=")
        try:
            number = int(value)
        except ValueError:
            number = 0
        if not eq or not name.strip().isidentifier() or number < 1:
            raise argparse.ArgumentTypeError(msg.CHECK_SIZES_ARG_USAGE.format(text=part))
    return text


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    from .report import MODES

    group = parser.add_argument_group("shape check (runs the PyTorch code on fake tensors)")
    group.add_argument("--code", metavar="SPEC",
                       help="the code the diagram describes: package.module:Object(arg=...), "
                            "or a .py file whose last nn.Module class (or function) is checked")
    group.add_argument("--sizes", nargs="+", metavar="NAME=INT", default=[], type=_sizes_item,
                       help="sizes of the diagram's axes (add to or override the spec's 'sizes')")
    group.add_argument("--mode", choices=MODES, default="auto",
                       help="auto: symbolic, then fallbacks (default); real runs real tensors")
    group.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                       help="give up on the code after this long (default 30)")
    group.add_argument("--name", default=None, help="the object to check in a .py file (default: the last)")
    group.add_argument("--code-path", action="append", default=[], metavar="DIR",
                       help="a directory to import the code from (repeatable; default: the current one)")
    from .values_cli import add_values_argument

    add_values_argument(group)
    group.add_argument("--no-cache", action="store_true",
                       help="run the code even if this check's verdict is cached (in $XDG_CACHE_HOME/sphinx_ncd)")


def default_cache_dir() -> str:
    """Where ``ncd check`` keeps verdicts between runs: a repeated check starts no worker."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "sphinx_ncd", "verdicts")


def run_check_cli(diagram, args) -> int:
    """Check ``diagram`` as the options ask; print the report; return the exit status."""
    from .api import check

    code = args.code
    filename = None  # a .py file is read by check(), which names it in messages
    sizes = parse_sizes(getattr(args, "sizes", []))
    report = check(diagram, code, sizes or None, mode=getattr(args, "mode", "auto"),
                   timeout=float(getattr(args, "timeout", 30.0)), filename=filename,
                   name=getattr(args, "name", None), path=tuple(getattr(args, "code_path", []) or ()),
                   cache_dir=default_cache_dir(), use_cache=not getattr(args, "no_cache", False))
    lines = [f"  {box.line()}" for box in report.boxes] + [f"  note: {note}" for note in report.notes]
    lines.append(f"verdict: {report.summary}")
    lines.extend(f"  finding: {finding}" for finding in report.findings)
    out, err = "\n".join(lines), report.error.format() if report.error is not None else ""
    print(out)
    if err:
        print(err, file=sys.stderr)
    key = getattr(args, "transcript_key", None)
    if key and report.status in ("proved", "proved_if", "checked", "mismatch"):  # never a timeout or crash
        from .transcript import store

        store(default_cache_dir(), key, getattr(args, "diagram_text", ""), out, err, report.exit_status)
    if getattr(args, "values", False):
        from .values_cli import run_values_cli

        return run_values_cli(diagram, args, sizes, report.exit_status)
    return report.exit_status


def replay(args, text: str, search) -> int | None:
    """A check already run with the same spec, code and options: print its output again and return its
    exit status, without parsing the spec or starting a worker; None when it must run."""
    if getattr(args, "no_cache", False) or not getattr(args, "code", None) or getattr(args, "values", False):
        return None  # (a value check's output is not kept: it always runs)
    from .transcript import key_for, load

    args.transcript_key = key_for(args, text, search)
    replayed = load(default_cache_dir(), args.transcript_key)
    if replayed is None:
        _launch_worker()
    return replayed


def _launch_worker() -> None:
    """A check will run: start its worker now, so that torch imports while the spec is parsed."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return  # the check will say so; no worker to start
    from .worker import default_worker

    worker = default_worker()
    worker.warm_up = False  # one check, then the worker exits: warming it up would only take CPU from it
    worker.launch()
