"""LaTeX integration: reading the diagram manifest that ``ncd.sty`` writes.

The manifest ``<job>.ncd`` is written by TeX, so it is read as bytes: the MD5
TeX computed is over the spec's bytes exactly as TeX read them (lines joined
by LF), and :func:`spec_md5` recomputes it the same way.  Format::

    ncd-manifest 1
    cache=ncd-cache
    @ md5=<hex> line=<n> kind=<inline|env|input> status=<cached|missing|error> from=<n> file=<name>
    >maxwidth=<drawing units, when the diagram sets a fold width>
    >labels=<font md5> engine=<engine>   (labels typeset by TeX: ``labels=tex``)
    !<the diagram's options as written, when it has some>
    |<spec line, verbatim>
    .

``line`` is the line of the first spec line in ``file`` (a ``.tex`` file, or
the ``.ncd`` file for ``\\ncdinput``); ``file`` runs to the end of the header.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError, Span

__all__ = ["MAGIC", "Entry", "Manifest", "read_manifest", "parse_manifest", "spec_md5"]

MAGIC = b"ncd-manifest 1"
_HEADER = re.compile(
    rb"^@ md5=(?P<md5>[0-9a-f]{32}) line=(?P<line>-?\d+) kind=(?P<kind>\w+) "
    rb"status=(?P<status>\w+) from=(?P<from>-?\d+) file=(?P<file>.*)$"
)


def spec_md5(data: bytes) -> str:
    """The cache key of a spec: MD5 (lower-case hex) of its bytes, as TeX computes it."""
    return hashlib.md5(data).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One diagram as TeX saw it."""

    md5: str  # TeX's hash: the cache file name
    line: int  # line of the first spec line in ``file``
    kind: str  # inline | env | input
    status: str  # what TeX found: cached | missing | error
    from_line: int  # line of the command in the .tex file
    file: str  # the file the spec lines come from, as TeX named it
    lines: tuple[bytes, ...]  # the spec lines, verbatim
    options: str = ""  # the options as written in the .tex file (sizes, alignment): not part of the hash
    fold: str = ""  # the fold width (maxwidth=) in drawing units, as TeX wrote it: part of the hash
    labels: str = ""  # with labels=tex: the MD5 of the paper's label fonts (part of the hash), else ""
    engine: str = ""  # with labels=tex: the TeX engine that measures them (pdftex, xetex, luatex)

    @property
    def data(self) -> bytes:
        return b"\n".join(self.lines)

    def text(self) -> str:
        """The spec as text; a spec that is not UTF-8 is a located error."""
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = self.data[: exc.start].count(b"\n")
            line_text = self.lines[before].decode("utf-8", "replace")
            raise NCDError(msg.LATEX_NOT_UTF8,
                           Span(self.file, self.line + before, 1, 1, line_text), kind="io") from None

    @property
    def max_width(self) -> float | None:
        """The fold width in drawing units, or None for the renderer's default."""
        try:
            return float(self.fold) if self.fold else None
        except ValueError:
            return None

    def python_md5(self) -> str:
        return spec_md5(self.data + (b"\nmaxwidth=" + self.fold.encode("ascii") if self.fold else b"")
                        + (b"\nlabels=" + self.labels.encode("ascii") if self.labels else b""))


@dataclass(frozen=True)
class Manifest:
    path: Path
    cache: str  # the cache directory as TeX names it (relative to TeX's working directory)
    entries: tuple[Entry, ...]

    def unique(self) -> list[Entry]:
        """Entries with distinct hashes, first occurrence first."""
        seen: set[str] = set()
        out = []
        for e in self.entries:
            if e.md5 not in seen:
                seen.add(e.md5)
                out.append(e)
        return out


def read_manifest(path) -> Manifest:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NCDError(msg.LATEX_NO_MANIFEST.format(path=path), kind="io") from None
    return parse_manifest(data, path)


def parse_manifest(data: bytes, path: Path | str = "<manifest>") -> Manifest:
    path = Path(path)
    raw = data.split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    lines = [r[:-1] if r.endswith(b"\r") else r for r in raw]
    if not lines or lines[0] != MAGIC:
        raise NCDError(msg.LATEX_NOT_MANIFEST.format(path=path), kind="io")
    cache = "ncd-cache"
    entries: list[Entry] = []
    i = 1
    n = len(lines)

    def bad(k: int):
        return NCDError(msg.LATEX_BAD_MANIFEST.format(path=path, line=k + 1,
                                                      text=lines[k].decode("utf-8", "replace")), kind="io")

    while i < n:
        line = lines[i]
        if line.startswith(b"cache="):
            cache = line[6:].decode("utf-8", "replace")
            i += 1
            continue
        if not line.strip():
            i += 1
            continue
        m = _HEADER.match(line)
        if not m:
            raise bad(i)
        spec: list[bytes] = []
        options, fold = "", ""
        i += 1
        if i < n and lines[i].startswith(b">maxwidth="):
            fold = lines[i][len(b">maxwidth="):].decode("ascii", "replace")
            i += 1
        labels, engine = "", ""
        if i < n and lines[i].startswith(b">labels="):
            words = lines[i][len(b">labels="):].decode("ascii", "replace").split()
            labels = words[0] if words else ""
            engine = next((w[7:] for w in words[1:] if w.startswith("engine=")), "pdftex")
            i += 1
        if i < n and lines[i].startswith(b"!"):
            options = lines[i][1:].decode("utf-8", "replace")
            i += 1
        while i < n and lines[i].startswith(b"|"):
            spec.append(lines[i][1:])
            i += 1
        if i >= n or lines[i] != b".":
            # a run stopped by a fatal TeX error leaves the last block unfinished: skip it
            if i >= n:
                break
            raise bad(i)
        i += 1
        entries.append(Entry(
            md5=m["md5"].decode(), line=int(m["line"]), kind=m["kind"].decode(),
            status=m["status"].decode(), from_line=int(m["from"]),
            file=m["file"].decode("utf-8", "replace"), lines=tuple(spec), options=options, fold=fold,
            labels=labels, engine=engine,
        ))
    return Manifest(path=path, cache=cache, entries=tuple(entries))
