"""Sphinx extension (integration over check): the value check and the generated code of a figure.

``:check: values`` runs, after the shape check, the value check
(:func:`sphinx_ncd.checking.values.check_values`) with the same code, sizes and
cache: the figure's caption gets a "Value check: ..." note beside the shape
verdict, the box the verdict blames is highlighted, and values that differ are
an ``ncd.shape`` warning at that box's spec line.  ``:expect: values differ``
makes a figure a mistake the value check must catch (the shape check is then
expected to pass); the whole value report is printed under it.  ``:show-code:``
shows the module generated from the diagram under the figure.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from docutils import nodes
from sphinx.util import logging

from .. import messages as msg
from ..errors import NCDError
from . import state
from .context import context
from .locate import SpecSource, warn

__all__ = ["ValueVerdict", "wanted", "take_expectation", "run", "code_block", "EXPECT_DIFFER"]

logger = logging.getLogger("sphinx_ncd")

EXPECT_DIFFER = ("values differ", "values_differ", "values-differ")


@dataclass(frozen=True)
class ValueVerdict:
    status: str
    summary: str
    badge: str
    highlights: tuple
    met: bool = False
    report: str = ""
    boxes: tuple = ()  # ((op_id, "values agree (largest difference 1.2e-07)"), ...): each bound box's own result


def wanted(directive) -> bool:
    return directive.options.get("check") == "values" and "code" in directive.options \
        and directive.config.ncd_check != "off"


def take_expectation(directive) -> bool:
    """Whether ``:expect:`` asks the values to differ; if so the shape check runs without it."""
    text = " ".join(str(directive.options.get("expect", "")).split()).lower()
    if text in EXPECT_DIFFER:
        directive.options.pop("expect")
        return True
    return False


def run(directive, diagram, source: SpecSource, expect_differ: bool) -> ValueVerdict | None:
    from ..checking.values import check_values
    from .checking import import_path

    config, env = directive.config, directive.env
    code = directive.options["code"].strip()
    filename, name = None, None
    if code == "embedded" or code.startswith("embedded:"):
        from .checking import _embedded_code

        name = code.partition(":")[2].strip() or None
        try:
            code, filename, _ = _embedded_code(directive)
        except NCDError:
            return None  # the shape check has warned about it already
    sizes = dict(directive.options.get("sizes", ())) or None
    ctx = context(env)
    try:
        report = check_values(diagram, code, sizes, timeout=float(config.ncd_check_timeout), filename=filename,
                              name=name, path=import_path(config, ctx.confdir), cache_dir=str(ctx.cache / "verdicts"))
    except NCDError as err:
        warn(err, source)
        return None
    state.record(env, "ncd_executed", source.docname)
    summary = report.summary.replace(str(env.srcdir).rstrip(os.sep) + os.sep, "")
    text = _report_text(report, source, str(env.srcdir))
    met = expect_differ and report.status == "differ"
    if expect_differ and not met:
        warn(NCDError(msg.SPHINX_VALUES_UNEXPECTED.format(got=report.status, summary=summary), kind="shape"),
             None, location=source.at_directive(), note=text)
    elif report.status == "differ" and not expect_differ:
        warn(NCDError(msg.SPHINX_VALUES_FAILED.format(summary=summary), report.error.span if report.error else None,
                      kind="shape"), source)
    elif report.status == "error" and report.error is not None:
        warn(report.error, source)
    else:
        logger.verbose("ncd: %s:%d: %s", source.docname, source.directive_line, summary)
    boxes = tuple((b.op_id, b.line()[len(b.name) + 2:]) for b in report.boxes if b.op_id is not None)
    return ValueVerdict(report.status, summary, report.badge(), report.highlights(), met, text, boxes)


def _report_text(report, source: SpecSource, srcdir: str) -> str:
    lines = [f"values: {report.status}: {report.summary}"] + ["  " + b.line() for b in report.boxes]
    lines.extend("  note: " + n for n in report.notes)
    if report.error is not None and report.status != "agree":
        lines.append(source.relocate(report.error).format())
    return "\n".join(line.rstrip() for line in "\n".join(lines).splitlines()).replace(
        srcdir.rstrip(os.sep) + os.sep, "")


def code_block(directive, diagram, source: SpecSource) -> list[nodes.Node]:
    """``:show-code:``: the generated module as a Python literal block (a located warning if refused)."""
    from sphinx.util.nodes import set_source_info

    from ..codegen import codegen

    try:
        text = codegen(diagram)
    except NCDError as err:
        warn(err, source)
        return []
    block = nodes.literal_block(text, text, language="python", classes=["ncd-code"])
    set_source_info(directive, block)
    return [block]
