"""Check (stage: Diagram + PyTorch code -> ShapeReport): ``ncd check``'s output kept between runs.

A repeated ``ncd check spec.ncd --code ...`` prints what the same check printed
before, without parsing the spec (no sympy) or starting a worker (no torch):
well under a second.  The key hashes everything the output depends on: the
spec's text, every ``.ncd`` library it could ``use`` (the search path and the
shipped templates), the code (its text, or its package's files / installed
version, as the verdict cache fingerprints it), the options, and the torch and
einops versions.  Only verdicts are kept (proved, proved if, checked, mismatch):
never a timeout or a crash.  No torch here.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import tempfile

__all__ = ["key_for", "load", "store"]

_FORMAT = 1


def key_for(args, text: str, search) -> str | None:
    """The transcript's key, or None when the code cannot be fingerprinted (then it always runs)."""
    from .cache import code_fingerprint, versions
    from .codeload import looks_like_path, parse_spec

    code = args.code
    if looks_like_path(code) and os.path.isfile(code.strip()):
        code = pathlib.Path(code.strip()).read_text(encoding="utf-8", errors="replace") + "\0" + code.strip()
    try:
        desc = parse_spec(code, getattr(args, "name", None))
    except Exception:  # noqa: BLE001 - a bad spec is reported by the real run
        return None
    path = [os.path.abspath(p) for p in getattr(args, "code_path", []) or ()] + [os.getcwd()]
    fingerprint = code_fingerprint(desc, path)
    if fingerprint is None:
        return None
    blob = json.dumps({"format": _FORMAT, "spec": text, "libraries": _libraries(search), "code": code,
                       "fingerprint": fingerprint, "versions": versions(), "sizes": list(args.sizes or ()),
                       "mode": args.mode, "timeout": args.timeout, "name": args.name, "path": path,
                       "quiet": bool(getattr(args, "quiet", False)), "file": args.file}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _libraries(search) -> list:
    """Name and content hash of every spec a ``use`` could read."""
    package = pathlib.Path(__file__).resolve().parent.parent  # the shipped templates, as model.blocks finds them
    dirs = [pathlib.Path(p) for p in search] + [package / "templates", package.parent / "templates"]
    out = []
    for d in dirs:
        for f in sorted(pathlib.Path(d).glob("*.ncd")):
            try:
                out.append([str(f), hashlib.sha256(f.read_bytes()).hexdigest()])
            except OSError:
                continue
    return out


def load(directory: str, key: str | None) -> int | None:
    """Print a kept transcript and return its exit status; None when there is none."""
    if key is None:
        return None
    try:
        kept = json.loads((pathlib.Path(directory) / "cli" / f"{key}.json").read_text(encoding="utf-8"))
        diagram, out, err, status = kept["diagram"], kept["out"], kept["err"], int(kept["status"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    import sys

    print(diagram)
    print(out)
    if err:
        print(err, file=sys.stderr)
    return status


def store(directory: str, key: str, diagram: str, out: str, err: str, status: int) -> None:
    folder = pathlib.Path(directory) / "cli"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"diagram": diagram, "out": out, "err": err, "status": status}, f)
        os.replace(tmp, folder / f"{key}.json")
    except OSError:  # a read-only home: the next check just runs again
        pass
