"""Check (stage: Diagram + PyTorch code -> ValueReport): ``ncd check --values`` on the command line.

After the shape check, ``--values`` runs the value check with the same code,
sizes, timeout and search path, prints one line per bound box and the verdict,
and folds its exit status into the shape check's: 1 when the values differ or
the run failed, 2 when the values were not checked (and the shapes were fine).
"""
from __future__ import annotations

import sys

__all__ = ["add_values_argument", "run_values_cli", "EXIT_STATUS"]

EXIT_STATUS = {"agree": 0, "differ": 1, "error": 1, "not_checked": 2}


def add_values_argument(group) -> None:
    group.add_argument("--values", action="store_true",
                       help="also run the code and the diagram's generated reference on the same random "
                            "inputs and weights and compare their values box by box")


def run_values_cli(diagram, args, sizes: dict | None, shape_status: int) -> int:
    from .values import check_values

    report = check_values(diagram, args.code, sizes or None, timeout=float(getattr(args, "timeout", 30.0)),
                          name=getattr(args, "name", None), path=tuple(getattr(args, "code_path", []) or ()))
    for box in report.boxes:
        print(f"  {box.line()}")
    for note in report.notes:
        print(f"  note: {note}")
    print(f"values: {report.summary}")
    if report.error is not None and report.status != "agree":
        print(report.error.format(), file=sys.stderr)
    status = EXIT_STATUS.get(report.status, 1)
    if shape_status == 1 or status == 1:
        return 1
    return max(shape_status, status)
