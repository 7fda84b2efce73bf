"""Errors (shared by every stage): the one exception type and its source spans.

Every failure a user can cause -- a malformed spec, an unknown axis, a shape
mismatch, a render problem, a check failure -- is raised as :class:`NCDError`
carrying a :class:`Span` that points into the user's own source.  The message
text comes from :mod:`sphinx_ncd.messages`; this module only knows how to
locate and print it::

    attention.ncd:7:12: softmax over 'z': no axis 'z' in 'y x h'
        A = softmax S over z
                           ^
    expected one of: y, x, h

Integrations (Sphinx, LaTeX, the command line) shift a span into the host
document with :meth:`Span.shifted` / :meth:`NCDError.relocated` and print it
with :meth:`NCDError.format`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Span", "NCDError"]


@dataclass(frozen=True)
class Span:
    """A stretch of one source line.  Lines and columns count from 1."""

    file: str  # the file name as the user knows it ("<spec>" for a string)
    line: int  # 1-based line number in ``file``
    column: int  # 1-based column of the first character
    length: int = 1  # characters covered (at least 1 for the caret)
    text: str = ""  # the whole source line, without its newline

    def shifted(self, *, file: str | None = None, lines: int = 0, columns: int = 0) -> "Span":
        """The same span seen from a host document (a directive body starts at ``lines``+1)."""
        return replace(
            self,
            file=self.file if file is None else file,
            line=self.line + lines,
            column=self.column + columns,
        )

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class NCDError(Exception):
    """The one exception type of sphinx_ncd.

    ``kind`` classifies the failure for integrations (Sphinx warning subtypes):
    ``syntax``, ``shape``, ``render``, ``exec``, ``config``, ``io``.
    ``hint`` says what was expected, printed under the caret.
    """

    def __init__(self, message: str, span: Span | None = None, *, kind: str = "syntax",
                 hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.kind = kind
        self.hint = hint

    def relocated(self, *, file: str | None = None, lines: int = 0, columns: int = 0) -> "NCDError":
        """A copy whose span is shifted into a host document."""
        span = self.span.shifted(file=file, lines=lines, columns=columns) if self.span else None
        return NCDError(self.message, span, kind=self.kind, hint=self.hint)

    def location(self) -> str:
        return str(self.span) if self.span else ""

    def format(self, *, context: bool = True) -> str:
        """``file:line:col: message``, then the line, a caret, and the hint."""
        head = f"{self.span}: {self.message}" if self.span else self.message
        if not context or self.span is None or not self.span.text:
            return head + (f"\n{self.hint}" if self.hint and context else "")
        text = self.span.text.expandtabs(1)
        caret = " " * (self.span.column - 1) + "^" * max(1, min(self.span.length, len(text) - self.span.column + 1))
        lines = [head, "    " + text, "    " + caret]
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format(context=False)

    def __reduce__(self):  # picklable across worker processes
        return (_rebuild, (self.message, self.span, self.kind, self.hint))


def _rebuild(message, span, kind, hint):
    return NCDError(message, span, kind=kind, hint=hint)
