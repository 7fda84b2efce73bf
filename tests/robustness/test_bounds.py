"""Robustness: each escape and each runaway input of the break-it campaign is now a located error."""
from __future__ import annotations

import pytest

from sphinx_ncd import NCDError, parse, render

pytestmark = pytest.mark.timeout(60)  # these used to take minutes: a hang fails, it does not wait

CASES = {  # name -> (spec, expected words, (line, column))
    "symbolic stride power": ("input X: c x\nY = maxpool X over x kernel 2 stride x^99999999\noutput Y\n",
                              "x^99999999", (2, 38)),
    "expansion of a power of a sum": ("input X: c\nU = unit (a+b+c+d)^60\noutput X, U\n", "(a+b+c+d)^60", (2, 10)),
    "20,000 axes on one wire": ("input X: " + " ".join(f"a{i}" for i in range(20000)) + "\noutput X\n",
                                "too many axes", (1, 1180)),
    "superscript two as an axis": ("input X: \u00b2\noutput X\n", "\u00b2", (1, 10)),
    "x to the superscript two": ("input X: x^\u00b2\noutput X\n", "x^\u00b2", (1, 10)),
    "5,000 digits in an axis": ("input X: " + "9" * 5000 + "\noutput X\n", "5000 digits", (1, 10)),
    "5,000 digits in a size": ("input X: x\nY = L X : x -> " + "9" * 5000 + "*x\noutput Y\n", "5000 digits", (2, 16)),
    "5,000 digits in sizes": ("sizes a=" + "9" * 5000 + "\ninput X: a\noutput X\n", "5000 digits", (1, 9)),
    "fences 400 deep": ("input X: x\n" + 'fence "F" {\n' * 400 + "X = relu X\n" + "}\n" * 400 + "output X\n",
                        "nested too deeply", (34, 11)),
    "repetitions 400 deep": ("input X: x\n" + "repeat 2 {\n" * 400 + "X = relu X\n" + "}\n" * 400 + "output X\n",
                             "nested too deeply", (34, 10)),
    "a block that uses itself": ("block B {\n input X: x\n Y = B X\n output Y\n}\ninput X: x\nY = B X\noutput Y\n",
                                 "uses itself", (3, 6)),
    "two blocks that use each other": ("block A {\n input X: x\n Y = B X\n output Y\n}\nblock B {\n input X: x\n"
                                       " Y = A X\n output Y\n}\ninput X: x\nY = A X\noutput Y\n",
                                       "through", (8, 6)),
    "a block parameter named like a huge power (found by the campaign)": (
        "block B(x^99999999, c) {\n input X: c\n Y = relu X\n output Y\n}\ninput X: c\nY = B(2, c) X\noutput Y\n",
        "x^99999999", (1, 9)),
    "a lone surrogate in the title": ('title "a\udc80b"\ninput X: x\noutput X\n', "surrogate", (1, 9)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_runaway_and_escaping_specs_are_located_errors(name):
    spec, words, (line, column) = CASES[name]
    with pytest.raises(NCDError) as info:
        parse(spec, filename="bad.ncd")
    err = info.value
    assert words in err.format(), err.format()
    assert (err.span.file, err.span.line, err.span.column) == ("bad.ncd", line, column), err.format()


def test_limits_leave_real_sizes_alone():
    diagram = parse("sizes a=123456789012345678\ninput X: a x^16 (a+b)^4\nY = L X : a -> 2^60\noutput Y\n")
    assert render(diagram).rstrip().endswith("</svg>")


def test_the_cli_prints_no_traceback_for_an_internal_error(monkeypatch, capsys):
    from sphinx_ncd.cli import main as cli

    real = cli.build_parser

    def build():  # every verb's function raises a bug
        parser = real()
        for action in parser._subparsers._group_actions:
            for sub in action.choices.values():
                sub.set_defaults(func=lambda args: (_ for _ in ()).throw(RuntimeError("a bug")))
        return parser

    monkeypatch.setattr(cli, "build_parser", build)
    assert cli.main(["render", "x.ncd", "-o", "x.svg"]) == 2
    err = capsys.readouterr().err
    assert "internal error (RuntimeError: a bug)" in err and "Traceback" not in err
