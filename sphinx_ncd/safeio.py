"""Shared by the integrations (Sphinx, command line, checking): reading a user's file safely.

A file argument, a ``:code:`` file or a block library is read through
:func:`read_text_file`, which never blocks and never takes the machine's
memory: it opens without waiting (``O_NONBLOCK``), refuses what is not a
regular file (a FIFO, a directory, a device, a socket) unless the caller
allows streams, refuses a file over a size limit before reading it, reads at
most the limit, and decodes strictly, pointing at the first byte that is not
UTF-8.  Every refusal is an :class:`~sphinx_ncd.errors.NCDError` of kind ``io``.
"""
from __future__ import annotations

import os
import stat

from . import messages as msg
from .errors import NCDError, Span

__all__ = ["read_text_file", "read_stdin", "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 4 << 20  # 4 MiB: a spec or a model file is a few kilobytes

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_text_file(path, *, shown: str | None = None, limit: int = MAX_FILE_BYTES,
                   allow_stream: bool = False) -> str:
    """The UTF-8 text of ``path``; raises NCDError (kind ``io``) naming it as ``shown``.

    ``allow_stream`` accepts a FIFO or a character device (the command line's
    ``<(...)`` or ``/dev/stdin``), read up to ``limit`` bytes; the Sphinx
    extension never allows it (a build must not wait on a pipe).
    """
    shown = str(path) if shown is None else shown
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    except IsADirectoryError:
        raise NCDError(msg.IO_NOT_REGULAR.format(path=shown, kind="a directory"), kind="io") from None
    except OSError as exc:
        raise NCDError(msg.IO_CANNOT_READ.format(path=shown, reason=exc.strerror or exc), kind="io") from None
    try:
        info = os.fstat(fd)
        stream = stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode)
        if not stat.S_ISREG(info.st_mode) and not (allow_stream and stream):
            raise NCDError(msg.IO_NOT_REGULAR.format(path=shown, kind=_kind(info.st_mode)), kind="io")
        if info.st_size > limit:
            raise NCDError(msg.IO_TOO_LARGE.format(path=shown, size=info.st_size, limit=limit), kind="io")
        if stream:
            os.set_blocking(fd, True)  # allowed streams are read as the user asked
        data = _read_at_most(fd, limit + 1)
    except OSError as exc:
        raise NCDError(msg.IO_CANNOT_READ.format(path=shown, reason=exc.strerror or exc), kind="io") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise NCDError(msg.IO_TOO_LARGE.format(path=shown, size=f"over {limit}", limit=limit), kind="io")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start:exc.start].decode("utf-8", "replace")) + 1
        end = data.find(b"\n", exc.start)
        text = data[start:end if end >= 0 else len(data)].decode("utf-8", "replace")
        raise NCDError(msg.IO_NOT_UTF8.format(path=shown), Span(shown, line, column, 1, text),
                       kind="io") from None


def _read_at_most(fd: int, count: int) -> bytes:
    chunks = []
    while count > 0:
        chunk = os.read(fd, min(count, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def read_stdin(limit: int = MAX_FILE_BYTES) -> str:
    """Standard input as text, at most ``limit`` characters (the command line's ``-``)."""
    import sys

    text = sys.stdin.read(limit + 1)
    if len(text) > limit:
        raise NCDError(msg.IO_TOO_LARGE.format(path="<stdin>", size=f"over {limit}", limit=limit), kind="io")
    return text
