"""Language tests (property based): any text either parses or raises NCDError inside the input."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sphinx_ncd
from sphinx_ncd import NCDError

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "demo_docs" / "figures").glob("*.ncd")) + sorted((ROOT / "templates").glob("*.ncd"))
SEEDS = [p.read_text(encoding="utf-8") for p in SPECS]

ALPHABET = st.sampled_from(list("abcxyzkhmLGXY0123456789 _^{}()[]:,=+-*/'.#\"\\\n\t") + [
    "input ", "output ", " -> ", "einsum ", "view ", "softmax ", " over ", "relu ", "L[", "conv ",
    " kernel ", " stride ", "fence ", "repeat ", "{\n", "}\n", "block ", "use ", "save ", " to ",
    "load ", "unit ", "concat ", "add ", "scale ", " by ", "index ", " at ", " on ", "\\lambda",
    "let ", "sizes ", "width ", "tandem ", "def ", "order ", "=\n", "expand ", "maxpool ", "convT "])

FAST = settings(max_examples=150, deadline=10000, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str) -> None:
    try:
        diagram = sphinx_ncd.parse(text, filename="prop.ncd", search_path=(str(ROOT / "templates"),))
    except NCDError as err:
        lines = text.splitlines()
        assert err.span is not None, err.message
        assert err.span.file in ("prop.ncd",) or err.span.file.endswith(".ncd")
        if err.span.file == "prop.ncd":
            assert 1 <= err.span.line <= max(1, len(lines)), (err.span, text)
            line = lines[err.span.line - 1] if lines else ""
            assert err.span.text == line
            assert 1 <= err.span.column <= len(line) + 1, (err.span, line)
        assert err.format()
        return
    # a successful parse gives a coherent diagram
    for panel in diagram.panels:
        check_sections(panel)
        assert isinstance(panel.signature, str)
    repr(diagram)
    sphinx_ncd.describe(diagram)


def check_sections(panel):
    """States alternate with steps; every step turns the state before it into the state after it."""
    kinds = [s.kind for s in panel.sections]
    assert kinds[0] == "state" and kinds[-1] == "state"
    assert all(a != b for a, b in zip(kinds, kinds[1:]))
    assert [v.id for v in panel.sections[0].values] == [v.id for v in panel.inputs]
    assert [v.id for v in panel.sections[-1].values] == [v.id for v in panel.outputs]
    for before, step, after in zip(panel.sections[::2], panel.sections[1::2], panel.sections[2::2]):
        consumed = [v.id for op in step.ops for v in op.inputs]
        produced = [v.id for op in step.ops for v in op.outputs]
        passing = [v.id for v in step.values]
        assert sorted(consumed + passing) == sorted(v.id for v in before.values)
        assert sorted(produced + passing) == sorted(v.id for v in after.values)
    ops = [op.id for s in panel.sections[1::2] for op in s.ops]
    assert ops == [op.id for op in panel.operations]


@FAST
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_random_text_parses_or_fails_located(text):
    _check(text)


@FAST
@given(st.text(max_size=200))
def test_arbitrary_unicode_parses_or_fails_located(text):
    _check(text)


@FAST
@given(st.sampled_from(range(len(SEEDS))), st.data())
def test_mutated_specs_parse_or_fail_located(index, data):
    text = SEEDS[index]
    for _ in range(data.draw(st.integers(1, 4))):
        if not text:
            break
        pos = data.draw(st.integers(0, len(text) - 1))
        action = data.draw(st.sampled_from(["delete", "insert", "replace", "swap-lines", "dup-line"]))
        if action == "delete":
            end = pos + data.draw(st.integers(1, 6))
            text = text[:pos] + text[end:]
        elif action == "insert":
            text = text[:pos] + data.draw(ALPHABET) + text[pos:]
        elif action == "replace":
            text = text[:pos] + data.draw(ALPHABET) + text[pos + 1:]
        else:
            lines = text.splitlines()
            if len(lines) > 1:
                i = data.draw(st.integers(0, len(lines) - 2))
                if action == "swap-lines":
                    lines[i], lines[i + 1] = lines[i + 1], lines[i]
                else:
                    lines.insert(i, lines[i])
                text = "\n".join(lines)
    _check(text)


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_spec_sections_are_consistent(path):
    diagram = sphinx_ncd.parse(path.read_text(encoding="utf-8"), search_path=(str(ROOT / "templates"),))
    for panel in diagram.panels + tuple(p for _, p in diagram.blocks):
        check_sections(panel)


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_every_prefix_of_a_spec_parses_or_fails_located(path):
    """Cutting a valid spec after any line never crashes (unclosed braces, missing outputs ...)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for n in range(len(lines) + 1):
        _check("\n".join(lines[:n]))


# --- random valid specs against an independent shape oracle ---------------------------------------

@st.composite
def programs(draw):
    """A random chain of operations on one value, with the shape each step must give."""
    fresh = iter(f"a{i}" for i in range(1000))
    shape = [next(fresh) for _ in range(draw(st.integers(1, 4)))]
    lines = [f"input X: {' '.join(shape)}"]
    defined: set = set()  # axes given a size by a let (each at most once)
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(["relu", "learned", "softmax", "index", "merge", "transpose", "scale", "split"]))
        if op == "relu":
            lines.append("X = relu X")
        elif op == "scale":
            lines.append("X = scale X by 1/sqrt(k)")
        elif op == "learned":
            i = draw(st.integers(0, len(shape) - 1))
            j = draw(st.integers(i, min(len(shape) - 1, i + 1)))
            new = [next(fresh) for _ in range(draw(st.integers(1, 2)))]
            lines.append(f"X = L X : {' '.join(shape[i:j + 1])} -> {' '.join(new)}")
            shape = shape[:i] + new + shape[j + 1:]
        elif op == "softmax":
            lines.append(f"X = softmax X over {draw(st.sampled_from(shape))}")
        elif op == "index" and len(shape) > 1:
            axis = draw(st.sampled_from(shape))
            lines.append(f"X = index X at 0 on {axis}")
            shape = [a for a in shape if a != axis]
        elif op == "merge" and len(shape) > 1:
            i = draw(st.integers(0, len(shape) - 2))
            a, b = shape[i], shape[i + 1]
            merged = next(fresh)
            defined.add(merged)
            lines.append(f"X = view X : {a} {b} -> {merged}")
            lines.insert(0, f"let {merged} = {a}*{b}")
            shape = shape[:i] + [merged] + shape[i + 2:]
        elif op == "split" and any(a not in defined for a in shape):
            i = shape.index(draw(st.sampled_from([a for a in shape if a not in defined])))
            p, q = next(fresh), next(fresh)
            defined.add(shape[i])
            lines.append(f"X = view X : ({p} {q}) -> {p} {q}")
            lines.insert(0, f"let {shape[i]} = {p}*{q}")
            shape = shape[:i] + [p, q] + shape[i + 1:]
        elif op == "transpose":
            perm = draw(st.permutations(shape))
            lines.append(f"X = einsum X : {' '.join(shape)} -> {' '.join(perm)}")
            shape = list(perm)
    lines.append("output X")
    return "\n".join(lines), " ".join(shape)


@FAST
@given(programs())
def test_random_programs_infer_the_oracle_shape(program):
    text, expected = program
    diagram = sphinx_ncd.parse(text)
    assert diagram.main.outputs[0].shape == expected, text
    check_sections(diagram.main)
