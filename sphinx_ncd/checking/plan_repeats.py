"""Check (stage: Diagram -> CheckPlan): a repetition's bound boxes, one per iteration, as the plan lists them.

A box bound by its repetition's index (``[down.\\lambda.conv.0]``) or count
(``[units.\\iter.main.1]``) is one box per iteration (:mod:`sphinx_ncd.codegen.iterations`
makes the copies).  Here: their order (iteration by iteration, as the code runs
them), the code's container of the iterations (so the worker can see a list
holding more units than the diagram reaches), and the spec's sizes that count
them (the code is built with the same count).  No torch here.
"""
from __future__ import annotations

from ..errors import NCDError
from ..model.types import Diagram, Panel

__all__ = ["iteration_order", "container", "counts"]


def container(template: str, path: str, prefix: str) -> tuple[str, int]:
    """``units.\\iter.main.1`` at ``units.2.main.1`` under ``1.``: ``("1.units", 2)``."""
    parts = path.split(".")
    j = next(k for k, (a, b) in enumerate(zip(template.split("."), parts)) if a != b)
    return (prefix + ".".join(parts[:j])).rstrip("."), int(parts[j])


def iteration_order(panel: Panel, per_iteration: dict) -> list:
    """``(drawn operation, operation, binding)`` in the order the code runs them: a repetition's bound boxes
    iteration by iteration (every box of the first unit, then of the second), so the first box that differs is
    the one where the code first goes wrong."""
    repeats = {g.id for g in panel.groups if g.kind == "repeat"}
    out, run, run_group = [], [], None

    def flush():
        for k in range(max((len(c) for _, c in run), default=0)):
            out.extend((d, *c[k]) for d, c in run if k < len(c))
        run.clear()

    for drawn in panel.operations:
        if not drawn.binding and drawn.body is None:
            continue  # binds nothing (a relu between a unit's boxes): the unit's run goes on
        copies = per_iteration.get(drawn.id) if drawn.binding else None
        group = next((g for g in drawn.groups if g in repeats), None) if copies else None
        if group != run_group:
            flush()
            run_group = group
        if group is None:
            out.append((drawn, drawn, drawn.binding))
        else:
            run.append((drawn, copies))
    flush()
    return out


def counts(diagram: Diagram) -> list[str]:
    """The spec's sizes that bound a repetition whose bindings name its iterations: the code is built with
    them, so the same number of iterations runs in both."""
    from ..codegen.iterations import bound_exprs, loop_symbol

    given = {str(n) for n, _ in diagram.sizes}
    out = []
    for panel in list(diagram.panels) + [p for _, p in diagram.blocks]:
        for group in panel.groups:
            if loop_symbol(group, [op for op in panel.operations if group.id in op.groups]) is None:
                continue
            try:
                names = {x.name for e in bound_exprs(group) for x in e.free_symbols}
            except NCDError:
                continue
            out += sorted(n for n in names & given if n not in out)
    return out
