"""The demo's checked figures (page, spec path, options), for the cost tests."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "demo_docs"
PAGES = sorted(DOCS.glob("gallery/*.rst")) + sorted(DOCS.glob("figures/*.rst"))
DIRECTIVE = re.compile(r"^\.\. ncd:: (\S+)\n((?:   :[^\n]*\n|      [^\n]*\n)*)", re.MULTILINE)
OPTION = re.compile(r"^   :(\w+):(.*(?:\n      .*)*)", re.MULTILINE)


def checked_figures():
    """Every ``.. ncd:: FILE`` with ``:code:`` and no ``:expect:`` (a figure whose check must pass)."""
    found = []
    for page in PAGES:
        for m in DIRECTIVE.finditer(page.read_text(encoding="utf-8")):
            opts = {k: " ".join(v.split()) for k, v in OPTION.findall(m.group(2))}
            if "code" in opts and "expect" not in opts:
                found.append((page.name, (page.parent / m.group(1)).resolve(), opts))
    return found
