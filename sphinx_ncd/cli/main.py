"""Command line (integration): ``ncd <verb> ...``.

Each verb lives in its own module (``check_cmd``, ``render_cmd``, ``latex_cmd``)
exposing ``add_parser(subparsers)``, which registers the verb and sets
``func(args) -> int``.  Errors are printed located (file:line:col, the line,
a caret) and turn into a non-zero exit status; no traceback reaches the user.
"""
from __future__ import annotations

import argparse
import importlib
import sys

VERB_MODULES = ("check_cmd", "render_cmd", "latex_cmd", "cost_cmd", "code_cmd", "draft_cmd")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="ncd", description="Neural circuit diagrams as code.")
    parser.add_argument("--version", action="version", version=f"ncd (sphinx_ncd) {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for name in VERB_MODULES:
        try:
            module = importlib.import_module(f"sphinx_ncd.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"sphinx_ncd.cli.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .. import messages as msg
    from ..errors import NCDError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except NCDError as err:
        print(err.format(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except RecursionError:  # a last line of defence: a bug must not print a traceback
        print(msg.CLI_INTERNAL.format(kind="RecursionError", reason="nested too deeply"), file=sys.stderr)
        return 2
    except (Exception, MemoryError) as exc:  # noqa: BLE001
        print(msg.CLI_INTERNAL.format(kind=type(exc).__name__, reason=_one_line(exc)), file=sys.stderr)
        return 2


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300].encode("utf-8", "backslashreplace").decode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
