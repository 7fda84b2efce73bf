"""Sphinx extension (integration): the visible box that replaces a failed diagram.

A diagram never disappears silently: when a spec cannot be read, parsed or
rendered, the page shows a docutils ``error`` admonition (every builder knows
how to write one) with the located message and the offending line under a
caret.  The warning itself is emitted by :mod:`.locate`.
"""
from __future__ import annotations

import os

from docutils import nodes

from .. import messages as msg

__all__ = ["error_box"]


def error_box(text: str, location: str | None, srcdir: str | None = None) -> nodes.error:
    """An error admonition showing ``location: text``."""
    box = nodes.error(classes=["ncd-error"])
    where = location or ""
    if where and srcdir:
        path, _, line = where.rpartition(":")
        try:
            rel = os.path.relpath(path, srcdir)
        except ValueError:
            rel = path
        if not rel.startswith(".."):
            where = f"{rel}:{line}"
    head = f"{msg.SPHINX_ERROR_TITLE} ({where})" if where else msg.SPHINX_ERROR_TITLE
    box += nodes.paragraph(head, head, classes=["ncd-error-title"])
    block = nodes.literal_block(text, text, classes=["ncd-error-text"])
    block["language"] = "text"
    box += block
    return box
