"""Property test: random well-typed specs lay out cleanly and give well-formed SVG.

Specs are generated statement by statement over a pool of values whose shapes
are tracked, using the constructs of the language (learned maps, functions,
element-wise maps, softmax, norms, indexes, additions, einsums, copies by
reuse).  A spec the language refuses is discarded; any accepted one must pass
the same geometry checks as the paper's figures.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import sphinx_ncd
from sphinx_ncd.rendering.api import render, scene

from render_helpers import geometry_problems

AXES = ["a", "b", "c", "d", "e"]


@st.composite
def specs(draw):
    n_inputs = draw(st.integers(1, 3))
    env: dict[str, list[str]] = {}
    decl = []
    for i in range(n_inputs):
        shape = draw(st.lists(st.sampled_from(AXES), min_size=1, max_size=3, unique=True))
        env[f"X{i}"] = shape
        decl.append(f"X{i}: {' '.join(shape)}")
    lines = ["input " + ", ".join(decl)]
    for k in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(sorted(env)))
        shape = env[name]
        out = f"V{k}"
        kind = draw(st.sampled_from(["learned", "function", "relu", "softmax", "norm", "scale", "index", "add",
                                     "einsum"]))
        if kind == "learned":
            new = draw(st.sampled_from([a for a in AXES if a not in shape[:-1]]))
            lines.append(f"{out} = L {name} : {shape[-1]} -> {new}")
            env[out] = shape[:-1] + [new]
        elif kind == "function":
            new = draw(st.sampled_from([a for a in AXES if a not in shape[:-1]]))
            lines.append(f"{out} = G{k} {name} : {shape[-1]} -> {new}")
            env[out] = shape[:-1] + [new]
        elif kind == "relu":
            lines.append(f"{out} = relu {name}")
            env[out] = shape
        elif kind in ("softmax", "norm"):
            ax = draw(st.sampled_from(shape))
            lines.append(f"{out} = {kind} {name} over {ax}")
            env[out] = shape
        elif kind == "scale":
            lines.append(f"{out} = scale {name} by 1/sqrt({shape[-1]})")
            env[out] = shape
        elif kind == "index":
            if len(shape) < 2:
                continue
            ax = draw(st.sampled_from(shape))
            lines.append(f"{out} = index {name} at 2 on {ax}")
            env[out] = [a for a in shape if a != ax]
        elif kind == "add":
            same = [n for n, s in env.items() if s == shape]
            other = draw(st.sampled_from(sorted(same)))
            lines.append(f"{out} = add {name} {other}")
            env[out] = shape
        else:
            other = draw(st.sampled_from(sorted(env)))
            s2 = env[other]
            shared = [a for a in shape if a in s2]
            keep = [a for a in shape if a not in shared] + [a for a in s2 if a not in shape]
            merged = [a for a in shared if draw(st.booleans())]
            res = keep + merged
            if not res:
                continue
            lines.append(f"{out} = einsum {name} {other} : {' '.join(shape)}, {' '.join(s2)} -> {' '.join(res)}")
            env[out] = res
    last = sorted(env, key=lambda n: (n[0] != "V", int(n[1:]) if n[1:].isdigit() else 0))[-1]
    lines.append(f"output {last}")
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(specs())
def test_random_specs_lay_out_cleanly(text):
    try:
        d = sphinx_ncd.parse(text)
    except sphinx_ncd.NCDError:
        assume(False)
        return
    assert geometry_problems(scene(d)) == [], text
    ET.fromstring(render(d))
