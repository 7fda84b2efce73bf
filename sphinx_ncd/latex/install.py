"""LaTeX integration: where ``ncd.sty`` is, and putting it where TeX finds it.

``ncd.sty`` ships inside this package (``sphinx_ncd/latex/ncd.sty``), so a
wheel and an editable install both have it.  Three ways to make TeX see it:
print its directory for ``TEXINPUTS``, install it into the user's
``TEXMFHOME`` (``kpsewhich -var-value TEXMFHOME``), or copy it next to a paper
(Overleaf and arXiv: upload it with ``ncd-cache/``).  A different file already
at the destination is never overwritten without ``force``.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError
from .cache import atomic_write

__all__ = ["sty_path", "sty_dir", "latexmkrc_path", "texmfhome", "install_texmfhome", "copy_to"]

HERE = Path(__file__).resolve().parent


def sty_path() -> Path:
    path = HERE / "ncd.sty"
    if not path.is_file():
        raise NCDError(msg.LATEX_NO_STY.format(path=path), kind="io")
    return path


def sty_dir() -> Path:
    return sty_path().parent


def latexmkrc_path() -> Path:
    return HERE / "latexmkrc"


def texmfhome() -> Path:
    exe = shutil.which("kpsewhich")
    if exe is None:
        raise NCDError(msg.LATEX_NO_KPSEWHICH, kind="config")
    out = subprocess.run([exe, "-var-value", "TEXMFHOME"], capture_output=True, text=True, check=False)
    value = out.stdout.strip()
    if out.returncode != 0 or not value:
        raise NCDError(msg.LATEX_NO_KPSEWHICH, kind="config")
    return Path(value).expanduser()


def _place(src: Path, dest: Path, force: bool) -> tuple[Path, bool]:
    """Copy ``src`` to ``dest`` unless an identical file is there; returns (dest, changed)."""
    data = src.read_bytes()
    if dest.exists():
        if dest.is_file() and dest.read_bytes() == data:
            return dest, False
        if not force:
            raise NCDError(msg.LATEX_COPY_EXISTS.format(path=dest), kind="io")
    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(dest, data)
    return dest, True


def install_texmfhome(root: Path | None = None, *, force: bool = False) -> tuple[Path, bool]:
    root = texmfhome() if root is None else Path(root)
    return _place(sty_path(), root / "tex" / "latex" / "ncd" / "ncd.sty", force)


def copy_to(directory, *, force: bool = False, latexmkrc: bool = False) -> list[tuple[Path, bool]]:
    directory = Path(directory)
    done = [_place(sty_path(), directory / "ncd.sty", force)]
    if latexmkrc:
        done.append(_place(latexmkrc_path(), directory / "latexmkrc", force))
    return done
