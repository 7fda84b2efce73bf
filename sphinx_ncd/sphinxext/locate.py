"""Sphinx extension (integration): where a spec lives, and warnings located there.

A spec is either the directive's body (its first line is the document line
``content_offset + 1``) or a ``.ncd`` file (line 1 is line 1).  Every
:class:`~sphinx_ncd.errors.NCDError` raised for a spec carries a span in the
spec's own lines; :class:`SpecSource` shifts it into the host file so the
Sphinx warning names the offending spec line: ``index.rst:13`` for line 3 of a
body that starts on line 11.  Warnings have ``type='ncd'`` and the error's
``kind`` as subtype (``syntax``, ``shape``, ``render``, ``exec``, ``config``,
``io``), so ``suppress_warnings = ['ncd.shape']`` and ``-W`` behave.
"""
from __future__ import annotations

from dataclasses import dataclass

from sphinx.util import logging

from ..errors import NCDError

__all__ = ["SpecSource", "warn", "warning_text"]

logger = logging.getLogger("sphinx_ncd")


@dataclass(frozen=True)
class SpecSource:
    """The origin of one spec."""

    name: str  # the file name given to the parser (relative to the source dir)
    path: str  # the absolute path of the host file (document or .ncd file)
    offset: int  # host line of spec line 1, minus one
    docname: str  # the document holding the directive
    doc_path: str  # that document's absolute path
    directive_line: int  # the directive's own line in that document

    def at_directive(self) -> str:
        """``path:line`` of the directive itself (for problems of the directive, not the spec)."""
        return f"{self.doc_path}:{self.directive_line}"

    def location(self, line: int | None = None) -> str:
        """``path:line`` of spec ``line`` (the directive's line when None)."""
        if line is None:
            return f"{self.path}:{self.offset + 1}"
        return f"{self.path}:{self.offset + line}"

    def relocate(self, err: NCDError) -> NCDError:
        """The error with its span moved into the host file (spans of other files untouched)."""
        if err.span is None:
            return NCDError(err.message, None, kind=err.kind, hint=err.hint)
        if err.span.file not in (self.name, "<spec>"):
            return err
        return err.relocated(file=self.path, lines=self.offset)

    def error_location(self, err: NCDError) -> str:
        """Where Sphinx should point for ``err`` (already relocated or not)."""
        err = self.relocate(err)
        if err.span is None:
            return self.location()
        return f"{err.span.file}:{err.span.line}"


def warning_text(err: NCDError) -> str:
    """The message, then the offending line with a caret, then the hint."""
    lines = [err.message if err.message.startswith("ncd") else f"ncd: {err.message}"]
    span = err.span
    if span is not None and span.text:
        text = span.text.expandtabs(1)
        width = max(1, min(span.length, len(text) - span.column + 1))
        lines.append("    " + text)
        lines.append("    " + " " * max(0, span.column - 1) + "^" * width)
    if err.hint:
        lines.append(err.hint)
    return "\n".join(lines)


def warn(err: NCDError, source: SpecSource | None, *, location: str | None = None,
         note: str | None = None) -> tuple[str, str | None]:
    """Emit ``err`` as a located Sphinx warning; returns (text, location) for the error box."""
    if source is not None:
        err = source.relocate(err)
        where = location or source.error_location(err)
    else:
        where = location
    text = warning_text(err)
    if note:
        text = f"{text}\n{note}"
    logger.warning(text, location=where, type="ncd", subtype=err.kind or "syntax")
    return text, where
