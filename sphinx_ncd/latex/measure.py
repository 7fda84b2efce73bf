"""LaTeX integration: measuring labels with TeX in the paper's own preamble.

Every label of the document that is not yet measured is typeset in ONE TeX run:
a small document made of the paper's preamble (the text of ``paper.tex`` before
``\\begin{document}``, so its fonts, packages and macros) and one
``\\ncdmeasure{size}{TeX code}`` per label; ``ncd.sty`` writes each box's
width, height and depth (bp).  The results are kept in the cache directory as
``labels-<md5>.tsv``, keyed by the engine and the preamble's bytes, so a warm
run (or an unchanged preamble with one new label) costs nothing (or one run).

On a cold cache the run is started before the labels are known (:func:`start`):
TeX loads its format and the paper's preamble while Python imports and lays the
diagrams out, then reads the labels on its standard input.
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

__all__ = ["preamble_of", "LabelTable", "measure", "start", "Pending"]

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
    body += [_label_line(r) for r in requests]
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


def _label_line(r: Request) -> bytes:
    return b"\\ncdmeasure{" + r.size.encode() + b"}{" + r.tex.encode("utf-8") + b"}"


#: the body of a run reading its labels on standard input, one \ncdmeasure line each, then an end line
_STDIN_BODY = (b"\\begin{document}\n\\ncdmeasurebegin{ncd-measure.dims}\n"
               b"\\def\\ncdmeasureloop{\\read-1 to\\ncdmeasureline\\ncdmeasureline\\ncdmeasureloop}\n"
               b"\\ncdmeasureloop\n\\end{document}\n")
_STDIN_END = b"\\ncdmeasureend\\def\\ncdmeasureloop{}\n"


class Pending:
    """A measuring run started before its labels are known; :meth:`finish` sends them."""

    def __init__(self, preamble: bytes, engine: str, exe: str, draft: str, root: Path, texinputs=()):
        self.preamble, self.engine = preamble, engine
        self._tmp = tempfile.TemporaryDirectory(prefix="ncd-measure-")
        src = Path(self._tmp.name) / "ncd-measure.tex"
        src.write_bytes(preamble.rstrip(b"\n") + b"\n" + _STDIN_BODY)
        # scrollmode: TeX reads the terminal (batchmode and nonstopmode refuse to) and stops at no error
        self._proc = subprocess.Popen([exe, "-interaction=scrollmode", draft, f"-output-directory={self._tmp.name}",
                                       str(src)], cwd=root, env=_env(texinputs), stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.exe = exe

    def finish(self, todo: list[Request]) -> tuple[list[str], str, int]:
        """Send ``todo``; the rows TeX wrote, its log and its exit status."""
        data = b"".join(_label_line(r) + b"\n" for r in todo) + _STDIN_END
        try:
            out, _ = self._proc.communicate(data, timeout=300)
        except (BrokenPipeError, subprocess.TimeoutExpired):  # TeX stopped early, or hangs
            self._proc.kill()
            out, _ = self._proc.communicate()
        try:
            return _results(Path(self._tmp.name), out, self._proc.returncode)
        finally:
            self._tmp.cleanup()

    def cancel(self) -> None:
        """Stop the run if it still waits (idempotent)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()
        self._tmp.cleanup()


def start(*, tex: Path, root: Path, cache_dir: Path, engine: str = "pdftex", preamble: bytes | None = None,
          texinputs=()) -> Pending | None:
    """The measuring run started now, for a cold label table (None when the table exists or TeX cannot run)."""
    try:
        preamble = preamble_of(tex) if preamble is None else preamble
    except NCDError:
        return None
    exe, draft = _ENGINES.get(engine, _ENGINES["pdftex"])
    if LabelTable(cache_dir, preamble, engine).path.is_file() or shutil.which(exe) is None:
        return None
    try:
        return Pending(preamble, engine, exe, draft, Path(root), texinputs)
    except OSError:
        return None


def _results(tmp: Path, stdout: bytes, returncode: int) -> tuple[list[str], str, int]:
    log_path = tmp / "ncd-measure.log"
    log = log_path.read_text(errors="replace") if log_path.exists() else stdout.decode(errors="replace")
    out = tmp / "ncd-measure.dims"
    rows = out.read_text().split("\n") if out.exists() else []
    return [r for r in rows if r.strip()], log, returncode


def _run(preamble: bytes, todo: list[Request], exe: str, draft: str, root: Path, texinputs) -> tuple:
    with tempfile.TemporaryDirectory(prefix="ncd-measure-") as tmp:
        src = Path(tmp) / "ncd-measure.tex"
        src.write_bytes(_document(preamble, todo, "ncd-measure.dims"))
        proc = subprocess.run([exe, "-interaction=batchmode", draft, f"-output-directory={tmp}", str(src)],
                              cwd=root, env=_env(texinputs), capture_output=True, timeout=300)
        return _results(Path(tmp), proc.stdout, proc.returncode)


def measure(requests, *, tex: Path, root: Path, cache_dir: Path, engine: str = "pdftex",
            warn=None, preamble: bytes | None = None, texinputs=(), pending: Pending | None = None) -> dict:
    """Sizes (bp) of ``requests`` typeset in ``tex``'s preamble; one TeX run for those not cached.

    ``preamble``: the preamble itself when the document is not written yet (the Sphinx LaTeX
    builder), ``tex`` then only names it in messages; ``texinputs``: more directories TeX searches;
    ``pending``: a run :func:`start` began for this preamble and engine, used if a run is needed.
    """
    preamble = preamble_of(tex) if preamble is None else preamble
    table = LabelTable(cache_dir, preamble, engine)
    todo = [r for r in dict.fromkeys(requests) if r not in table.dims]
    usable = pending is not None and (pending.preamble, pending.engine) == (preamble, engine)
    if pending is not None and (not todo or not usable):
        pending.cancel()
    if not todo:
        return table.dims
    exe, draft = _ENGINES.get(engine, _ENGINES["pdftex"])
    if shutil.which(exe) is None:
        raise NCDError(msg.LATEX_LABELS_NO_ENGINE.format(engine=exe), kind="io")
    rows, log, status = pending.finish(todo) if usable else _run(preamble, todo, exe, draft, root, texinputs)
    if len(rows) != len(todo):
        errors = _tex_errors(log)
        reason = errors[0] if errors else f"{exe} exited with status {status}"
        raise NCDError(msg.LATEX_LABELS_FAILED.format(tex=Path(tex).name, reason=reason), kind="render")
    for error in _tex_errors(log)[:3]:
        if warn is not None:
            warn(msg.LATEX_LABELS_TEX_ERROR.format(tex=Path(tex).name, error=error))
    for req, row in zip(todo, rows):  # as saved (4 decimals): a later run reads the same sizes, same layout
        table.dims[req] = tuple(round(float(v), 4) for v in row.split())
    table.save()
    return table.dims
