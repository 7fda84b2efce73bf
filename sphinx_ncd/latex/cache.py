"""LaTeX integration: the content-addressed cache directory (``ncd-cache/``).

Files are named by the MD5 TeX computed over the spec: ``<md5>.pdf`` (the
drawing), ``<md5>.meta`` (``wire=<fraction>``: where the main wire sits, read
by ``ncd.sty`` for ``align=wire``) and ``<md5>.err`` (the located error the
next LaTeX run raises), with ``<md5>.sum``: the SHA-256 of the PDF, its
``.meta`` and, with ``labels=tex``, its label overlay ``<md5>.lbl`` (a corrupt
or missing overlay fails the checksum like a corrupt PDF).  A PDF is reported as cached only when it proves itself against its
``.sum`` and has the shape of a PDF (:mod:`sphinx_ncd.integrity`); a corrupt
one is rendered again (with a warning) before TeX can choke on it.  Only files with such names are ever written or
removed, always atomically (a temporary file named with the process id, then
``os.replace``), so nothing a user wrote is touched and two concurrent runs
cannot leave a half-written PDF.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError
from ..integrity import digest, format_problem

__all__ = ["Cache", "atomic_write"]

_OURS = re.compile(r"^[0-9a-f]{32}\.(pdf|meta|err|sum|lbl)$")  # lbl: labels=tex overlays


def atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _sum(pdf: bytes, meta: bytes, lbl: bytes | None) -> str:
    """The checksum of a cached diagram: the overlay is covered when there is one (outlined labels: none)."""
    return digest(pdf, meta) if lbl is None else digest(pdf, meta, lbl)


class Cache:
    def __init__(self, directory: Path):
        self.dir = Path(directory)

    def ensure(self) -> None:
        if self.dir.exists() and not self.dir.is_dir():
            raise NCDError(msg.LATEX_CACHE_NOT_DIR.format(path=self.dir), kind="io")
        self.dir.mkdir(parents=True, exist_ok=True)

    def path(self, md5: str, ext: str) -> Path:
        return self.dir / f"{md5}.{ext}"

    def has_pdf(self, md5: str) -> bool:
        return self.pdf_problem(md5) is None

    def pdf_problem(self, md5: str) -> str | None:
        """None when ``<md5>.pdf`` is whole, ``"missing"``, or why it is corrupt."""
        pdf = self.path(md5, "pdf")
        try:
            data = pdf.read_bytes()
        except FileNotFoundError:
            return "missing"
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        try:
            meta = self.path(md5, "meta").read_bytes()
        except FileNotFoundError:
            meta = b""
        except OSError as exc:
            return f"unreadable .meta ({exc.strerror or exc})"
        try:
            lbl = self.path(md5, "lbl").read_bytes()
        except FileNotFoundError:
            lbl = None
        except OSError as exc:
            return f"unreadable .lbl ({exc.strerror or exc})"
        try:
            recorded = self.path(md5, "sum").read_bytes().decode("ascii").strip()
        except (OSError, UnicodeError):
            return "no readable checksum (.sum)"
        if recorded != _sum(data, meta, lbl):
            return "checksum mismatch of the drawing, its .meta or its .lbl"
        return format_problem(data, "pdf")

    def sweep(self) -> list[tuple[str, str]]:
        """Remove every corrupt PDF in the cache, listed or not; returns ``(md5, why)`` of each.

        TeX includes whatever ``<md5>.pdf`` exists, and a corrupt one stops LaTeX
        before its manifest lists the rest: removed, it is "missing" on the next
        run and rendered again, so one round heals any number of them.
        """
        removed = []
        if not self.dir.is_dir():
            return removed
        for path in sorted(self.dir.glob("*.pdf")):
            md5 = path.stem
            if not _OURS.match(path.name):
                continue
            problem = self.pdf_problem(md5)
            if problem not in (None, "missing"):
                for ext in ("pdf", "sum", "meta", "lbl"):
                    try:
                        self.path(md5, ext).unlink()
                    except FileNotFoundError:
                        pass
                removed.append((md5, problem))
        return removed

    def store(self, md5: str, pdf: bytes, wire: float | None, lbl: bytes | None = None) -> None:
        """Write a diagram's drawing, wire height and (``labels=tex``) overlay, then their checksum."""
        self.ensure()
        if lbl is not None:  # before the PDF TeX looks for
            atomic_write(self.path(md5, "lbl"), lbl)
        elif self.path(md5, "lbl").exists():
            self.path(md5, "lbl").unlink()
        meta = self.path(md5, "meta")
        meta_bytes = f"wire={wire:.5f}\n".encode() if wire is not None else b""
        if wire is not None:
            atomic_write(meta, meta_bytes)
        elif meta.exists():
            meta.unlink()
        atomic_write(self.path(md5, "pdf"), pdf)
        atomic_write(self.path(md5, "sum"), _sum(pdf, meta_bytes, lbl).encode("ascii") + b"\n")
        err = self.path(md5, "err")
        if err.exists():
            err.unlink()

    def store_error(self, md5: str, text: str) -> None:
        self.ensure()
        atomic_write(self.path(md5, "err"), text.encode("utf-8"))

    def prune(self, keep: set[str]) -> int:
        """Remove cache files whose hash is not in ``keep``; returns how many."""
        if not self.dir.is_dir():
            return 0
        count = 0
        for p in sorted(self.dir.iterdir()):
            if _OURS.match(p.name) and p.name.split(".")[0] not in keep:
                p.unlink()
                count += 1
        return count
