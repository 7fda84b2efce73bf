"""Sphinx extension (integration over check): shape checks asked for by a directive.

``:code:`` names the PyTorch code (an import spec ``pkg.mod:Model(m=8)``, or
``embedded`` for the last Python code block before the diagram in the same
document, ``embedded:Name`` to pick the object it defines), ``:sizes:`` gives concrete sizes, ``:check: off`` skips one
diagram.  ``ncd_check`` decides globally: ``off`` never runs user code,
``auto`` checks directives that ask, ``strict`` also turns an unchecked
diagram into a warning.  The verdict comes back as what the figure shows: a
badge, highlighted boxes, a caption note.  A mismatch is a warning located at
the offending box's spec line; an exception in user code at the user's line.

``:expect: mismatch`` (or ``error``, ``proved_if``, ...) turns a figure into a
mistake the checker must catch: when the status is the expected one the build
does not warn and the figure also shows the whole report; when it is another
(the checker stopped catching the mistake) that is an ``ncd.shape`` warning at
the directive.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

from .. import messages as msg
from ..checking.codeload import looks_like_path
from ..checking.report import ShapeReport
from ..errors import NCDError, Span
from . import compat, pipeline, state
from .context import context
from .locate import SpecSource, warn
from .options import EXPECTATIONS, expectation
from .sources import resolve_code_file

__all__ = ["Verdict", "wanted", "expected", "run", "report_text"]

logger = logging.getLogger("sphinx_ncd")

PYTHON_LANGUAGES = ("python", "py", "python3", "py3", "ipython", "ipython3")


@dataclass(frozen=True)
class Verdict:
    """What the figure shows about its check."""

    status: str  # the report's status, or "" when no check ran
    summary: str  # one line
    badge: str | None  # drawn in a corner of the diagram
    highlights: tuple  # ((op_id, note), ...) drawn in the alert colour
    expected: str | None = None  # the directive's :expect: (a valid one), or None
    met: bool = False  # the status is the expected one
    report: str = ""  # the whole report as text (shown under the figure when :expect: is given)
    boxes: tuple = ()  # ((op_id, "shape check: proved (x -> k)"), ...): each bound box's own result


def wanted(directive) -> bool:
    options = directive.options
    return "code" in options and options.get("check", True) and directive.config.ncd_check != "off"


def expected(directive, source: SpecSource | None = None) -> str | None:
    """The directive's ``:expect:`` status; an unknown value is a located ``ncd.config`` warning."""
    if "expect" not in directive.options:
        return None
    value, text = expectation(directive.options["expect"])
    if value is None:
        env = directive.env
        where = (source.at_directive() if source is not None
                 else f"{env.doc2path(compat.docname(env))}:{directive.lineno}")
        warn(NCDError(msg.SPHINX_BAD_EXPECT.format(value=text, choices=", ".join(EXPECTATIONS)),
                      kind="config"), None, location=where)
    return value


_SHOWN = {"mismatch": "a mismatch", "error": "an error", "proved_if": "'proved if'",
          "not_checked": "not checked"}


def _shown(status: str) -> str:
    return _SHOWN.get(status, status)


def _embedded_code(directive) -> tuple[str, str, int]:
    """(code, filename, line offset) of the last Python block before the directive."""
    document = directive.state.document
    blocks = [b for b in document.findall(nodes.literal_block)
              if str(b.get("language", "")).lower() in PYTHON_LANGUAGES]
    if not blocks:
        raise NCDError(msg.SPHINX_EMBEDDED_NOT_FOUND, kind="config")
    block = blocks[-1]
    code = block.astext()
    env = directive.env
    path = str(env.doc2path(compat.docname(env)))
    offset = _code_offset(path, block.line or 0, code)
    return code, path, offset


def _code_offset(path: str, start: int, code: str) -> int:
    """Host line of the code's first line, minus one (found by matching the text)."""
    first = next((line.strip() for line in code.splitlines() if line.strip()), "")
    lead = next((i for i, line in enumerate(code.splitlines()) if line.strip()), 0)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return max(0, start)
    for index in range(max(0, start - 1), len(lines)):
        if lines[index].strip() == first:
            return index - lead
    return max(0, start)


def run(directive, diagram, source: SpecSource) -> Verdict | None:
    """Check ``diagram`` against the directive's code.  Problems become located warnings."""
    expect = expected(directive, source)
    config = directive.config
    env = directive.env
    docname = source.docname
    code = directive.options["code"].strip()
    code_file, code_offset, name = None, 0, None
    try:
        if code == "embedded" or code.startswith("embedded:"):
            name = code.partition(":")[2].strip() or None
            code, code_file, code_offset = _embedded_code(directive)
        elif looks_like_path(code):  # a file: relative to the document, confined to the source directory
            code, code_file, _ = resolve_code_file(directive, code)
    except NCDError as err:
        warn(err, source, location=source.at_directive())
        return None
    sizes = dict(directive.options.get("sizes", ())) or None
    have_torch = state.torch_available()
    try:
        ctx = context(env)
        report = pipeline.check(diagram, code, sizes, timeout=float(config.ncd_check_timeout),
                                filename=code_file, name=name, path=import_path(config, ctx.confdir),
                                mode=directive.options.get("check-mode", config.ncd_check_mode),
                                cache_dir=str(ctx.cache / "verdicts"))
    except NCDError as err:
        warn(_shift(err, code_file, code_offset), source)
        return Verdict("not_checked", str(err.message), "not checked", (), expect)
    status, summary, error = report.status, report.summary, report.error
    if report.method or status == "error":
        state.record(env, "ncd_executed", docname)
        logger.verbose("ncd: %s:%d: executed code to check the diagram", docname, source.directive_line)
    strict = config.ncd_check == "strict"
    text = report_text(report, source, code_file, code_offset, str(env.srcdir))
    met = expect is not None and status == expect
    if expect is not None and status != "not_checked":
        if met:
            logger.verbose("ncd: %s:%d: %s, as expected", docname, source.directive_line, summary)
        else:
            warn(NCDError(msg.SPHINX_CHECK_UNEXPECTED.format(expected=_shown(expect), got=_shown(status),
                                                              summary=summary), kind="shape"),
                 None, location=source.at_directive(), note=text)
    elif report.findings:  # "proved if t = v": the code only works when two axes of the diagram are equal
        warn(NCDError(msg.SPHINX_CHECK_FINDING.format(summary=summary, finding=report.findings[0]), kind="shape"),
             None, location=source.at_directive(), note=text)
    elif status == "mismatch":
        box = report.mismatch
        warn(NCDError(msg.SPHINX_CHECK_FAILED.format(summary=summary), box.span if box else None,
                      kind="shape", hint=box.line() if box else None), source)
    elif status == "not_checked":
        if not have_torch:
            state.record(env, "ncd_no_torch", docname)
        if strict:
            warn(NCDError(msg.SPHINX_CHECK_NOT_CHECKED_STRICT.format(summary=summary),
                          error.span if error else None, kind="exec"), source)
        elif have_torch:
            logger.info("ncd: %s:%d: %s", docname, source.directive_line, summary)
    elif error is not None:
        warn(_shift(error, code_file, code_offset), source)
    elif status == "error":
        warn(NCDError(msg.SPHINX_CHECK_FAILED.format(summary=summary), kind="exec"), source)
    else:
        logger.verbose("ncd: %s:%d: %s", docname, source.directive_line, summary)
    # the caption shows the summary: paths inside the project relative to the source directory
    shown = summary.replace(str(env.srcdir).rstrip(os.sep) + os.sep, "")
    inside = str(env.srcdir).rstrip(os.sep) + os.sep
    boxes = tuple((b.op_id, "shape check: " + b.line()[len(b.name) + 2:].replace(inside, ""))
                  for b in report.boxes if b.op_id is not None)
    return Verdict(status, shown, report.badge(), report.highlights(), expect, met, text, boxes)


def report_text(report: ShapeReport, source: SpecSource, code_file: str | None, code_offset: int,
                srcdir: str) -> str:
    """The report as a reader sees it under the figure: the verdict, one line per
    box, the notes, and the located message (file:line:col, the line, a caret).
    Paths inside the source directory are shown relative to it."""
    lines = [f"verdict: {report.status.replace('_', ' ')}: {report.summary}"]
    lines.extend("  " + box.line() for box in report.boxes)
    lines.extend("  note: " + n for n in report.notes)
    lines.extend("  finding: " + f for f in report.findings)
    error, box = report.error, report.mismatch
    if error is None and box is not None and box.span is not None:
        error = NCDError(f"mismatch at {box.name}: expected {box.expected}, got {box.got}", box.span,
                         kind="shape", hint=box.detail or None)
    if isinstance(error, NCDError):
        error = source.relocate(_shift(error, code_file, code_offset))
        if source.offset:  # "while checking the diagram at index.rst:1": a line of the body, in the page
            message = re.sub(rf"(?<![\w/.]){re.escape(source.name)}:(\d+)",
                             lambda m: f"{source.path}:{int(m.group(1)) + source.offset}", error.message)
            error = NCDError(message, error.span, kind=error.kind, hint=error.hint)
        lines.append(error.format())
    text = "\n".join(line.rstrip() for line in "\n".join(lines).splitlines())
    return text.replace(srcdir.rstrip(os.sep) + os.sep, "")


def import_path(config, confdir: str) -> list[str]:
    """Directories import specs are imported from: ``ncd_check_path``, then conf.py's directory."""
    dirs = []
    for entry in config.ncd_check_path:
        path = Path(entry)
        dirs.append(str(path if path.is_absolute() else Path(confdir) / path))
    dirs.append(confdir)
    return list(dict.fromkeys(dirs))


def _shift(err: NCDError, code_file: str | None, offset: int) -> NCDError:
    """Move a span in embedded code (lines counted from the block) into the document."""
    span = err.span
    if code_file and span is not None and span.file == code_file and offset:
        return NCDError(err.message, Span(span.file, span.line + offset, span.column, span.length,
                                          span.text), kind=err.kind, hint=err.hint)
    return err
