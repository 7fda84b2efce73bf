"""Robustness tests (helper): spec inputs built from the language's own grammar.

Shared by the hypothesis tests in this directory and by the long fuzz campaign
(``scripts/fuzz_campaign.py``).  Everything is driven by a ``random.Random`` so an
input is reproducible from its seed and index.  Four families:

* **mutants** of the real specs (``demo_docs/figures`` and ``templates``): tokens
  and lines deleted, duplicated, swapped, replaced by words of the grammar
  (keywords, operations, clauses, punctuation) or by hostile values;
* **grammar** specs assembled statement by statement from the language's constructs;
* **deep** nesting of fences, repetitions, parentheses and groups;
* **self-using** blocks, directly or through a chain of other blocks.
"""
from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

from sphinx_ncd.syntax.lexer import tokenize
from sphinx_ncd.syntax.parser import CLAUSES, OPERATIONS, STATEMENTS

ROOT = Path(__file__).resolve().parents[2]

#: numbers a spec should refuse or survive: huge, non-ASCII digits, zero, fractions
HOSTILE_NUMBERS = ("0", "00", "1", "2", "7", "9" * 25, "9" * 5000, "1" + "0" * 400, "٣", "²", "x^²",
                   "x^99999999", "2^4096", "9^9^9", "(a+b+c+d)^60", "(a+b)^17", "1/0", "0.5", "1e12",
                   "-1", "x/0", "sqrt(-1)", "floor(x/0)", "c_{\\lambda+99999999999999999999}")
#: names: Unicode letters, commands, scripts, primes, a lone surrogate
HOSTILE_NAMES = ("λ", "\\lambda", "x_0", "x_{\\lambda+1}", "C_{5-\\lambda}", "a'", "a''", "Ω", "東",
                 "x\udc80", "\\bar{x}", "L^{Q}", "_", "x" * 300, "é", "\u0301a", "ǅ")
PUNCTUATION = ("=", ":", ",", "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "^", "'", ".", "..",
               "->", ";", "#", '"', "\\", "%")
AXES = ("a", "b", "c", "x", "y", "m", "k", "h", "n", "2", "3", "x/2", "4*n", "c_\\lambda")


@lru_cache(maxsize=1)
def seeds() -> tuple[str, ...]:
    """The real specs this project ships: the paper's figures and the templates."""
    paths = sorted((ROOT / "demo_docs" / "figures").glob("*.ncd")) + sorted((ROOT / "templates").glob("*.ncd"))
    return tuple(p.read_text(encoding="utf-8") for p in paths)


def vocabulary() -> tuple[str, ...]:
    return (*STATEMENTS, *OPERATIONS, *sorted(CLAUSES), *PUNCTUATION, *HOSTILE_NUMBERS, *HOSTILE_NAMES,
            *AXES, "use attention", "use transformer", '"title"', "#ffe2bb", "λ", "\\lambda")


def _token_texts(line: str) -> list[str]:
    try:
        lines = tokenize(line, "<seed>")
    except Exception:  # noqa: BLE001 - a seed line the lexer refuses is split on blanks
        return line.split()
    return [tok.text for ln in lines for tok in ln.tokens]


def _edit(rng: random.Random, items: list, edits) -> None:
    """One of ``edits``, chosen at random, applied in place at a random index of ``items``."""
    i = rng.randrange(len(items))
    edits[rng.randrange(len(edits))](rng, items, i)


def _set(items: list, i: int, value) -> None:
    items[i] = value


def _swap(rng: random.Random, items: list, i: int) -> None:
    j = rng.randrange(len(items))
    items[i], items[j] = items[j], items[i]


#: token edits: delete, duplicate, swap, replace by a grammar word, insert one, replace by a hostile value
TOKEN_EDITS = (
    lambda rng, toks, i: toks.pop(i),
    lambda rng, toks, i: toks.insert(i, toks[i]),
    _swap,
    lambda rng, toks, i: _set(toks, i, rng.choice(vocabulary())),
    lambda rng, toks, i: toks.insert(i, rng.choice(vocabulary())),
    lambda rng, toks, i: _set(toks, i, rng.choice(HOSTILE_NUMBERS + HOSTILE_NAMES)),
)


def _line_from_another_seed(rng: random.Random, lines: list, i: int) -> None:
    lines.insert(i, rng.choice(rng.choice(seeds()).splitlines() or [""]))


def _wrap(rng: random.Random, lines: list, i: int) -> None:
    j = rng.randint(i, len(lines))
    wrap = rng.choice(('fence "F" {', "repeat 3 {", "repeat \\lambda = 1..3 {", "block Q {"))
    lines[i:j] = [wrap, *lines[i:j], "}"]


def _mutate_at(rng: random.Random, lines: list, i: int) -> None:
    lines[i] = mutate_line(rng, lines[i])


#: line edits: a token edit (three chances in seven), delete, duplicate another line, a line of another
#: seed, wrap a run of lines in a fence, repetition or block
LINE_EDITS = (_mutate_at, _mutate_at, _mutate_at, lambda rng, lines, i: lines.pop(i),
              lambda rng, lines, i: lines.insert(i, lines[rng.randrange(len(lines))]),
              _line_from_another_seed, _wrap)


def mutate_line(rng: random.Random, line: str) -> str:
    toks = _token_texts(line)
    if not toks:
        return rng.choice(vocabulary())
    _edit(rng, toks, TOKEN_EDITS)
    sep = "" if rng.random() < 0.1 else " "
    return sep.join(toks)


def mutant(rng: random.Random, rounds: int | None = None) -> str:
    """A real spec with a few line- and token-level mutations."""
    lines = rng.choice(seeds()).splitlines()
    for _ in range(rounds if rounds is not None else rng.choice((1, 1, 1, 2, 3, 4))):
        if not lines:
            lines.append(rng.choice(vocabulary()))
            continue
        _edit(rng, lines, LINE_EDITS)
    return "\n".join(lines) + "\n"


def _axes(rng: random.Random, n: int | None = None) -> str:
    return " ".join(rng.choice(AXES) for _ in range(n if n is not None else rng.randint(1, 3)))


def grammar_spec(rng: random.Random) -> str:
    """A spec assembled from the grammar's constructs (most are valid, some are not)."""
    out = []
    if rng.random() < 0.3:
        out.append(f'title "{rng.choice(HOSTILE_NAMES)}"')
    if rng.random() < 0.3:
        out.append(f"sizes a={rng.choice(HOSTILE_NUMBERS[:8])} b=2")
    if rng.random() < 0.2:
        out.append(f"width {_axes(rng)}")
    if rng.random() < 0.2:
        out.append(f"tandem {rng.choice(AXES)}")
    out.append(f"input X: {_axes(rng)}")
    value = "X"
    for k in range(rng.randint(1, 6)):
        out.append(f"V{k} = " + _operation(rng, value))
        value = f"V{k}"
    out.append(f"output {value}")
    return "\n".join(out) + "\n"


def _operation(rng: random.Random, value: str) -> str:
    choice = rng.randrange(8)
    if choice == 0:
        return f"relu {value}"
    if choice == 1:
        return f"L {value} : {_axes(rng)} -> {_axes(rng)}"
    if choice == 2:
        return f"softmax {value} over {rng.choice(AXES)}"
    if choice == 3:
        return f"maxpool {value} over {rng.choice(AXES)} kernel {rng.choice(HOSTILE_NUMBERS[:6])} stride 2"
    if choice == 4:
        return f"einsum {value} {value} : {_axes(rng)}, {_axes(rng)} -> {_axes(rng)}"
    if choice == 5:
        return f"view {value} : {_axes(rng)} -> ({_axes(rng)})"
    if choice == 6:
        return f"scale {value} by 1/sqrt({rng.choice(AXES)})"
    return f"unit {rng.choice(HOSTILE_NUMBERS + AXES)}"


def deep_spec(rng: random.Random, depth: int | None = None) -> str:
    """Fences, repetitions, groups or parentheses nested ``depth`` deep (sometimes past every limit)."""
    depth = depth if depth is not None else rng.choice((5, 31, 33, 400, 2000))
    kind = rng.randrange(4)
    if kind == 0:
        opener = rng.choice(('fence "F" {', "repeat 2 {", "repeat \\lambda = 1..2 {"))
        return "input X: x\n" + f"{opener}\n" * depth + "X = relu X\n" + "}\n" * depth + "output X\n"
    if kind == 1:
        return "input X: " + "(" * depth + "x" + ")" * depth + "\nY = relu X\noutput Y\n"
    if kind == 2:
        return "input X: x\nY = L X : x -> " + "(" * depth + "x" + ")" * depth + "\noutput Y\n"
    return "input X: " + " ".join(f"a{i}" for i in range(depth * 10)) + "\nY = relu X\noutput Y\n"


def self_using_spec(rng: random.Random, chain: int | None = None) -> str:
    """Blocks B0 .. Bn where the last uses the first: a cycle of length ``chain``."""
    chain = chain if chain is not None else rng.randint(1, 4)
    parts = ["block B%d {\n input X: x\n Y = B%d X\n output Y\n}\n" % (i, (i + 1) % chain) for i in range(chain)]
    if rng.random() < 0.5:
        return "".join(parts) + "input X: x\nY = B0 X\noutput Y\n"
    return "".join(parts)


def any_spec(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.70:
        return mutant(rng)
    if r < 0.88:
        return grammar_spec(rng)
    if r < 0.95:
        return deep_spec(rng)
    return self_using_spec(rng)
