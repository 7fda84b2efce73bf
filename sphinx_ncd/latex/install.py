"""LaTeX integration: where ``ncd.sty`` is, and putting it where TeX finds it.

``ncd.sty`` ships inside this package (``sphinx_ncd/latex/ncd.sty``) with the
parts it loads (:data:`STY_FILES`), so a wheel and an editable install both have
them; every installation or copy places all of them together.  Three ways to make TeX see it:
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

__all__ = ["sty_path", "sty_paths", "sty_dir", "latexmkrc_path", "texmfhome", "install_texmfhome", "copy_to",
           "STY_FILES"]

HERE = Path(__file__).resolve().parent
#: the LaTeX package: ncd.sty and the parts it loads (one job each)
STY_FILES = ("ncd.sty", "ncd-capture.sty", "ncd-manifest.sty", "ncd-labels.sty")


def sty_paths() -> list[Path]:
    """Every file of the LaTeX package (NCDError when one is missing from the installation)."""
    paths = [HERE / name for name in STY_FILES]
    for path in paths:
        if not path.is_file():
            raise NCDError(msg.LATEX_NO_STY.format(path=path), kind="io")
    return paths


def sty_path() -> Path:
    return sty_paths()[0]


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


def _checked(force: bool, directory: Path) -> list[Path]:
    """The package's files, after checking that none would overwrite a different file (unless ``force``):
    all are placed or none."""
    sources = sty_paths()
    if not force:
        for src in sources:
            dest = directory / src.name
            if dest.exists() and not (dest.is_file() and dest.read_bytes() == src.read_bytes()):
                raise NCDError(msg.LATEX_COPY_EXISTS.format(path=dest), kind="io")
    return sources


def install_texmfhome(root: Path | None = None, *, force: bool = False) -> tuple[Path, bool]:
    """Install the package into ``root/tex/latex/ncd``; returns (ncd.sty's path, whether any file changed)."""
    root = texmfhome() if root is None else Path(root)
    dest = root / "tex" / "latex" / "ncd"
    done = [_place(src, dest / src.name, force) for src in _checked(force, dest)]
    return done[0][0], any(changed for _, changed in done)


def copy_to(directory, *, force: bool = False, latexmkrc: bool = False) -> list[tuple[Path, bool]]:
    directory = Path(directory)
    done = [_place(src, directory / src.name, force) for src in _checked(force, directory)]
    if latexmkrc:
        done.append(_place(latexmkrc_path(), directory / "latexmkrc", force))
    return done
