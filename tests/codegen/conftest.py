"""Fixtures for the code generator and the value check: the session's warm ``worker`` (tests/conftest.py),
the gallery's code importable."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "demo_docs" / "code"
if str(CODE) not in sys.path:
    sys.path.insert(0, str(CODE))


def gallery_cases():
    """(spec path, code, sizes, expect) for every ``.. ncd::`` with ``:code:`` in the demo docs."""
    out = []
    for rst in sorted((ROOT / "demo_docs").rglob("*.rst")):
        text = rst.read_text(encoding="utf-8")
        for m in re.finditer(r"^\.\. ncd:: (\S+)\n((?:   .*\n|\n)*)", text, re.M):
            opts = dict(re.findall(r"^   :([\w-]+):\s*(.*)$", m.group(2), re.M))
            if "code" not in opts:
                continue
            spec = (rst.parent / m.group(1)).resolve()
            sizes = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", opts.get("sizes", ""))}
            out.append((spec, opts["code"], sizes, opts.get("expect")))
    return out


def gallery_specs():
    """Every spec file of the demo docs (figures, gallery figures, mistakes)."""
    base = ROOT / "demo_docs"
    return sorted(list((base / "figures").glob("*.ncd")) + list((base / "gallery").rglob("*.ncd")))


@pytest.fixture
def values(worker):
    """``values(diagram, code, sizes=None, **options)``: a value check with the shared worker, no cache."""
    from sphinx_ncd.checking.values import check_values

    def _run(diagram, code, sizes=None, **options):
        options.setdefault("worker", worker)
        options.setdefault("use_cache", False)
        options.setdefault("path", (str(CODE),))
        return check_values(diagram, code, sizes, **options)

    return _run


def parse_file(path):
    import sphinx_ncd

    return sphinx_ncd.parse(Path(path).read_text(encoding="utf-8"), filename=str(path),
                            search_path=(str(ROOT / "templates"),))


@pytest.fixture
def run_check(worker):
    """``run_check(diagram, code, sizes=None)``: a shape check with the shared worker, no cache."""
    from sphinx_ncd.checking.api import check

    def _run(diagram, code, sizes=None, **options):
        options.setdefault("worker", worker)
        options.setdefault("use_cache", False)
        return check(diagram, code, sizes, **options)

    return _run
