"""Robustness (property based): specs built from the language's own grammar never escape NCDError.

Strategies wrap ``specgen`` (mutants of the shipped figures and templates, grammar-built
specs, deep nesting, self-using blocks) with hypothesis-controlled randomness, and
every input goes through parse, SVG and PDF.  The long campaign is
``scripts/fuzz_campaign.py``; this keeps a few hundred inputs in the suite.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specgen
from sphinx_ncd.errors import NCDError
from sphinx_ncd.model.build import parse
from sphinx_ncd.rendering.api import render

pytestmark = pytest.mark.timeout(600)

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

mutants = st.builds(specgen.mutant, st.randoms(use_true_random=False))
grammar_specs = st.builds(specgen.grammar_spec, st.randoms(use_true_random=False))
deep_specs = st.builds(specgen.deep_spec, st.randoms(use_true_random=False),
                       st.sampled_from([1, 8, 31, 32, 33, 64, 400, 3000]))
self_using = st.builds(specgen.self_using_spec, st.randoms(use_true_random=False), st.integers(1, 5))
numbers = st.one_of(st.sampled_from(specgen.HOSTILE_NUMBERS), st.integers(-10, 10**30).map(str),
                    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=8))


def pipeline(text: str) -> str:
    """'ok' or 'error'; any exception other than a located NCDError fails the test."""
    try:
        diagram = parse(text, filename="fuzz.ncd")
    except NCDError as err:
        assert err.span is not None or err.kind == "io", err.message
        err.format()
        return "error"
    svg = render(diagram, format="svg")
    pdf = render(diagram, format="pdf")
    assert svg.rstrip().endswith("</svg>") and bytes(pdf).startswith(b"%PDF-")
    return "ok"


@FUZZ
@given(mutants)
def test_mutants_of_real_specs(text):
    pipeline(text)


@FUZZ
@given(grammar_specs)
def test_specs_built_from_the_grammar(text):
    pipeline(text)


@settings(FUZZ, max_examples=24)
@given(deep_specs)
def test_deep_nesting(text):
    pipeline(text)


@settings(FUZZ, max_examples=12)
@given(self_using)
def test_blocks_that_use_themselves(text):
    assert pipeline(text) == "error" or "Y = B0 X" not in text


@FUZZ
@given(numbers, st.sampled_from(["input X: {n}\n", "input X: x^{n}\n", "input X: a\nY = L X : a -> {n}*a\n",
                                 "sizes a={n}\ninput X: a\n", "input X: c x\nY = maxpool X over x kernel {n}\n",
                                 "input X: c\nU = unit (a+b)^{n}\n"]))
def test_huge_and_unicode_numbers(number, template):
    text = template.format(n=number)
    if "Y =" not in text and "U =" not in text:
        text += "Y = relu X\n"
    pipeline(text + "output X\n")
