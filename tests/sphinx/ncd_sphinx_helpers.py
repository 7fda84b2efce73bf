"""Helpers shared by the Sphinx extension tests (imported by path-independent name)."""
from __future__ import annotations

import re
from pathlib import Path


def warnings_of(app) -> list[str]:
    """The warning stream split into one entry per warning (continuation lines kept)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", app.warning.getvalue())
    entries: list[str] = []
    for line in text.splitlines():
        if re.search(r"(WARNING|ERROR|CRITICAL):", line) or not entries:
            entries.append(line)
        else:
            entries[-1] += "\n" + line
    # a second application in one process re-registers Sphinx's own nodes: not ours
    return [e for e in entries if e.strip() and "is already registered" not in e]


def ncd_warnings(app) -> list[str]:
    return [w for w in warnings_of(app) if "[ncd." in w]


def location(entry: str) -> str:
    """``file:line`` of a warning entry, the file relative to its test root."""
    head = entry.split(": ", 1)[0]
    path, _, line = head.rpartition(":")
    return f"{Path(path).name if '/' not in path else _tail(path)}:{line}"


def _tail(path: str) -> str:
    parts = Path(path).parts
    for marker in ("diagrams",):
        if marker in parts:
            return "/".join(parts[parts.index(marker):])
    return parts[-1]


def source_line(root: Path, relpath: str, line: int) -> str:
    return (root / relpath).read_text(encoding="utf-8").splitlines()[line - 1]
