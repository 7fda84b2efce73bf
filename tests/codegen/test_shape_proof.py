"""The generated module of every gallery figure passes a shape proof against its own diagram."""
from __future__ import annotations

import pytest

from sphinx_ncd.codegen import generate
from sphinx_ncd.errors import NCDError

from .conftest import gallery_specs, parse_file


def _generated():
    out = []
    for spec in gallery_specs():
        try:
            g = generate(parse_file(spec))
        except NCDError:
            continue  # refused with a location: tested in test_codegen
        if not g.functions:
            out.append(spec)
    return out


GENERATED = _generated()


def test_most_figures_generate_without_user_functions():
    assert len(GENERATED) >= 20


@pytest.mark.parametrize("spec", GENERATED, ids=lambda p: p.name)
def test_generated_module_is_proved_against_its_diagram(run_check, spec):
    diagram = parse_file(spec)
    report = run_check(diagram, generate(diagram).source)
    assert report.status in ("proved", "proved_if"), report.format()
    if report.status == "proved_if":  # only what the operations themselves need: an image at least
        # the kernel, a size that halves and doubles back whole
        assert all("≥" in a or "divisible" in a for a in report.assumptions), report.assumptions
