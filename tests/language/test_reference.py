"""Language tests: every spec example in the language reference parses."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import sphinx_ncd

REFERENCE = Path(__file__).resolve().parents[2] / "demo_docs" / "reference" / "language.rst"


def examples():
    text = REFERENCE.read_text(encoding="utf-8")
    found = []
    for m in re.finditer(r"^\.\. code-block:: none\n\n((?:   .*\n|\n)+)", text, re.M):
        line = text.count("\n", 0, m.start()) + 3
        found.append((line, textwrap.dedent(m.group(1))))
    return found


EXAMPLES = examples()


def test_reference_has_many_examples():
    assert len(EXAMPLES) >= 25


@pytest.mark.parametrize("line, spec", EXAMPLES, ids=[f"line{l}" for l, _ in EXAMPLES])
def test_reference_example_parses(line, spec):
    d = sphinx_ncd.parse(spec, filename=f"language.rst:{line}")
    assert d.panels and d.signature
