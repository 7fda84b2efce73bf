"""LaTeX integration: measuring labels with TeX in the paper's own preamble.

Every label of the document that is not yet measured is typeset in ONE TeX run:
a small document made of the paper's preamble (the text of ``paper.tex`` before
``\\begin{document}``, so its fonts, packages and macros) and one
``\\ncdmeasure{size}{TeX code}`` per label; ``ncd.sty`` writes each box's
width, height and depth (bp).  The results are kept in the cache directory as
``labels-<md5>.tsv``, keyed by the engine and the preamble's bytes, so a warm
run (or an unchanged preamble with one new label) costs nothing (or one run).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError
from .cache import atomic_write
from .labels import Request

__all__ = ["preamble_of", "LabelTable", "measure"]

_BEGIN = re.compile(rb"^[^%\n]*?\\begin\s*\{document\}", re.M)
_ENGINES = {"pdftex": ("pdflatex", "-draftmode"), "xetex": ("xelatex", "-no-pdf"),
            "luatex": ("lualatex", "--draftmode")}


def preamble_of(tex: Path) -> bytes:
    """The paper's preamble: its bytes before the first ``\\begin{document}`` (not in a comment)."""
    try:
        data = Path(tex).read_bytes()
    except OSError:
        raise NCDError(msg.LATEX_LABELS_NO_TEX.format(tex=tex), kind="io") from None
    m = _BEGIN.search(data)
    return data[: m.start() + m.group(0).index(b"\\begin")] if m else data


class LabelTable:
    """Measured labels of one preamble and engine: ``labels-<md5>.tsv`` in the cache directory."""

    def __init__(self, cache_dir: Path, preamble: bytes, engine: str):
        key = hashlib.md5(engine.encode() + b"\n" + preamble).hexdigest()
        self.path = Path(cache_dir) / f"labels-{key}.tsv"
        self.dims: dict[Request, tuple[float, float, float]] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if len(parts) == 3:
                    try:
                        self.dims[Request(parts[2], parts[0])] = tuple(float(v) for v in parts[1].split())
                    except ValueError:
                        continue

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = [f"{r.size}\t{w:.4f} {h:.4f} {d:.4f}\t{r.tex}" for r, (w, h, d) in self.dims.items()]
        atomic_write(self.path, ("\n".join(rows) + "\n").encode("utf-8"))


def _document(preamble: bytes, requests: list[Request], out_name: str) -> bytes:
    body = [b"\\begin{document}", b"\\ncdmeasurebegin{" + out_name.encode() + b"}"]
    body += [b"\\ncdmeasure{" + r.size.encode() + b"}{" + r.tex.encode("utf-8") + b"}" for r in requests]
    body += [b"\\ncdmeasureend", b"\\end{document}", b""]
    return preamble.rstrip(b"\n") + b"\n" + b"\n".join(body)


def _tex_errors(log: str) -> list[str]:
    return [line[2:].strip() for line in log.splitlines() if line.startswith("! ")]


def _env(texinputs=()) -> dict:
    """TeX's environment: the paper's own directory, ``texinputs``, then this package's ncd.sty."""
    env = dict(os.environ)
    sty_dir = str(Path(__file__).resolve().parent)
    extra = "".join(f"{d}{os.pathsep}" for d in texinputs)
    env["TEXINPUTS"] = f".{os.pathsep}{extra}{env.get('TEXINPUTS', '')}{os.pathsep}{sty_dir}{os.pathsep}"
    return env


def measure(requests, *, tex: Path, root: Path, cache_dir: Path, engine: str = "pdftex",
            warn=None, preamble: bytes | None = None, texinputs=()) -> dict:
    """Sizes (bp) of ``requests`` typeset in ``tex``'s preamble; one TeX run for those not cached.

    ``preamble``: the preamble itself when the document is not written yet (the Sphinx LaTeX
    builder), ``tex`` then only names it in messages; ``texinputs``: more directories TeX searches.
    """
    preamble = preamble_of(tex) if preamble is None else preamble
    table = LabelTable(cache_dir, preamble, engine)
    todo = [r for r in dict.fromkeys(requests) if r not in table.dims]
    if not todo:
        return table.dims
    exe, draft = _ENGINES.get(engine, _ENGINES["pdftex"])
    if shutil.which(exe) is None:
        raise NCDError(msg.LATEX_LABELS_NO_ENGINE.format(engine=exe), kind="io")
    with tempfile.TemporaryDirectory(prefix="ncd-measure-") as tmp:
        src = Path(tmp) / "ncd-measure.tex"
        src.write_bytes(_document(preamble, todo, "ncd-measure.dims"))
        proc = subprocess.run([exe, "-interaction=batchmode", draft, f"-output-directory={tmp}", str(src)],
                              cwd=root, env=_env(texinputs), capture_output=True, timeout=300)
        log_path = Path(tmp) / "ncd-measure.log"
        log = log_path.read_text(errors="replace") if log_path.exists() else proc.stdout.decode(errors="replace")
        out = Path(tmp) / "ncd-measure.dims"
        rows = out.read_text().split("\n") if out.exists() else []
        rows = [r for r in rows if r.strip()]
        if len(rows) != len(todo):
            errors = _tex_errors(log)
            reason = errors[0] if errors else f"{exe} exited with status {proc.returncode}"
            raise NCDError(msg.LATEX_LABELS_FAILED.format(tex=Path(tex).name, reason=reason), kind="render")
        for error in _tex_errors(log)[:3]:
            if warn is not None:
                warn(msg.LATEX_LABELS_TEX_ERROR.format(tex=Path(tex).name, error=error))
    for req, row in zip(todo, rows):  # as saved (4 decimals): a later run reads the same sizes, same layout
        table.dims[req] = tuple(round(float(v), 4) for v in row.split())
    table.save()
    return table.dims
