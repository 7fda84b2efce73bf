"""The worker warms up on generic models while idle (sphinx_ncd.checking.warmup) and looks sympy's facts up by
an expression's form (sphinx_ncd.checking.alike): the same verdicts as without either, a request during the
warm-up is answered, an interrupted warm-up step runs again, and a fact read by form is sympy's own."""
from __future__ import annotations

import inspect
import itertools
import random
import time

import pytest

from check_specs import MHA, MLP, SDPA, WRONG_HEADS

pytest.importorskip("torch")

LAYER = """\
block Layer(d, h)
width t
sizes b=2 t=6 d=12 h=3
input X: b t d
N = norm[ln] X over d
A = Attn[attn] N : t d -> t d
Y = add X A
output Y
"""
LAYER_CODE = """\
import torch
from torch import nn
class Attn(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.qkv, self.proj = h, nn.Linear(d, 3 * d), nn.Linear(d, d)
    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        s = (q @ k.transpose(-1, -2)).masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), -1e9)
        return self.proj((s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))
class Layer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln, self.attn = nn.LayerNorm(d), Attn(d, h)
    def forward(self, x):
        return x + self.attn(self.ln(x))
"""
CHECKS = [(MHA, "ncd_check_models.attention:MultiHead(m=m, k=k, h=h)"), (MHA, WRONG_HEADS),
          (SDPA, "ncd_check_models.attention:sdpa_transposed"), (MLP, "ncd_check_models.mlp:MLP"),
          (LAYER, LAYER_CODE)]


def _worker(**env):
    from sphinx_ncd.checking.worker import Worker

    w = Worker(memory_mb=2048, env=env)
    w.start()
    return w


def _warm(worker, timeout=300.0) -> dict:
    """The worker's status once its warm-up is done."""
    deadline = time.monotonic() + timeout
    while True:
        status = worker.status()
        if (not status.get("warming") and not status.get("pending")) or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def _verdict(report) -> tuple:
    return report.status, report.summary, report.format()


@pytest.mark.slow
def test_the_warm_up_never_changes_a_verdict_and_a_request_during_it_is_answered(parse):
    from sphinx_ncd.checking.api import check
    from sphinx_ncd.checking.warmup import MODELS as WARM_UP
    from check_specs import MODELS

    plain = _worker(NCD_CHECK_NO_WARMUP="1", NCD_CHECK_NO_ALIKE="1", NCD_CHECK_NO_REPLAY="1")
    warming = _worker()
    try:
        options = dict(use_cache=False, path=(MODELS,), filename="model.py", timeout=120)
        assert warming.status()["warming"] > 0  # asked at once: the warm-up has only begun
        spec, code = CHECKS[0]
        expected = _verdict(check(parse(spec), code, worker=plain, **options))
        assert expected[0] == "proved"
        assert _verdict(check(parse(spec), code, worker=warming, **options)) == expected  # during the warm-up
        status = _warm(warming)
        assert status["warmed"] == len(WARM_UP) and status["alike_forms"] > 0, status
        assert plain.status().get("warmed", 0) == 0 and plain.status()["alike_forms"] == 0
        verdicts = set()
        for spec, code in CHECKS:
            expected = _verdict(check(parse(spec), code, worker=plain, **options))
            fresh = _worker()  # a first check in a warm worker, no earlier check of any model
            try:
                _warm(fresh)
                assert _verdict(check(parse(spec), code, worker=fresh, **options)) == expected, (code, expected)
            finally:
                fresh.close()
            assert _verdict(check(parse(spec), code, worker=warming, **options)) == expected, (code, expected)
            verdicts.add(expected[0])
        assert verdicts >= {"proved", "proved_if", "mismatch"}, verdicts
    finally:
        warming.close()
        plain.close()


def test_every_warm_up_model_is_proved_against_its_diagram(parse, worker):
    from sphinx_ncd.checking.api import check
    from sphinx_ncd.checking.warmup import MODELS as WARM_UP

    for index, (spec, code) in enumerate(WARM_UP):  # a model that failed would warm up nothing
        report = check(parse(spec, f"warm-{index}.ncd"), code, worker=worker, use_cache=False, timeout=120)
        assert report.status in ("proved", "proved_if"), (index, report.format())


@pytest.fixture
def no_alike():
    """Facts read by form (an earlier test in this process may have installed it) answer a question without
    asking sympy, so without the stop that asking gives: off while a test counts those stops."""
    from sphinx_ncd.checking import alike as module

    was = module.installed()
    module.uninstall()
    yield
    if was:
        module.install()


def test_an_interrupted_warm_up_step_runs_again(no_alike):
    import sympy

    from sphinx_ncd.checking import facts

    assert facts.install()
    names = itertools.count()
    ran = []

    def step():  # asks sympy about fresh expressions until it is stopped
        ran.append(1)
        for _ in range(50):
            a, b = (sympy.Symbol(f"w{next(names)}", positive=True, integer=True) for _ in range(2))
            (3 * a * b - a).is_zero  # noqa: B018 - asks sympy to derive it
        return "done"

    replay = facts.Replay(steps=[step])
    asked = []
    assert not replay.run(lambda: len(asked) >= 3 or asked.append(1), interruptible=True)
    assert replay.interrupted == 1 and replay.warmed == 0 and replay.warming() and len(ran) == 1
    assert replay.run(lambda: False, interruptible=True)
    assert replay.warmed == 1 and not replay.warming() and replay.idle() and len(ran) == 2
    assert facts._state["stop"] is None

    def importing():  # an import is a place to stop too
        ran.append(2)
        import importlib

        importlib.import_module("ncd_no_such_module_for_this_test")

    replay = facts.Replay(steps=[importing])
    assert not replay.run(lambda: 2 in ran, interruptible=True)
    assert replay.interrupted == 1 and replay.warming()
    # a product of fresh symbols: sympy shares one fact base among all symbols of the same assumptions (one an
    # earlier test asked about would answer without a question), but a new product asks afresh
    product = ["F", "sympy.core.mul:Mul", [3, ["S", "y_interrupted", {"integer": True}], ["S", "z_interrupted", {}]]]
    entry = ["facts", product, ["zero"]]
    replay, calls = facts.Replay(), []
    replay.add([entry])
    assert not replay.run(lambda: len(calls) >= 1 or calls.append(1), interruptible=True)
    assert replay.queue == [entry] and replay.done == 0 and len(calls) == 1  # stopped inside: kept for later


@pytest.fixture
def alike():
    from sphinx_ncd.checking import alike as module

    was = module.installed()
    assert module.install()
    yield module
    if not was:
        module.uninstall()


def _symbols(prefix, count, rng):
    kinds = [dict(positive=True, integer=True), dict(integer=True), dict(nonnegative=True, real=True), {}]
    chosen = [rng.choice(kinds) for _ in range(count)]
    return chosen, [sympy_symbol(f"{prefix}{i}", **kind) for i, kind in enumerate(chosen)]


def sympy_symbol(name, **kind):
    import sympy

    return sympy.Symbol(name, **kind)


def _expression(rng, symbols, depth=0):
    import sympy
    from torch.utils._sympy.functions import FloorDiv, Mod

    if depth > 2 or rng.random() < 0.3:
        return rng.choice(symbols + [sympy.Integer(rng.choice([1, 2, 3])), sympy.Rational(1, 2)])
    a, b = _expression(rng, symbols, depth + 1), _expression(rng, symbols, depth + 1)
    kind = rng.choice(["add", "mul", "sub", "pow", "max", "floordiv", "mod"])
    if kind in ("floordiv", "mod"):
        a, b = rng.choice(symbols), rng.choice(symbols)
        if not (a.is_integer and a.is_positive and b.is_integer and b.is_positive):
            return a * b
        return FloorDiv(a, b) if kind == "floordiv" else Mod(a, b)
    return {"add": lambda: a + b, "mul": lambda: a * b, "sub": lambda: a - b, "pow": lambda: a ** 2,
            "max": lambda: sympy.Max(a, b)}[kind]()


def test_a_fact_read_by_form_is_the_one_sympy_derives(alike):
    import sys

    known = sorted(sys.modules["sympy.core.assumptions"]._assume_defined)
    rng = random.Random(5)
    read = 0
    for round_ in range(40):
        kinds, first = _symbols(f"p{round_}_", 3, rng)
        expression = _expression(rng, first)
        renamed = {s: sympy_symbol(f"q{round_}_{i}", **kinds[i]) for i, s in enumerate(first)}
        plain = {s: sympy_symbol(f"r{round_}_{i}", **kinds[i]) for i, s in enumerate(first)}
        facts_first = {f: getattr(expression, "is_" + f) for f in known}  # derived, and kept by form
        twin = expression.xreplace(renamed)
        hits = alike.stats()["alike_hits"]
        facts_twin = {f: getattr(twin, "is_" + f) for f in known}  # read by form
        read += alike.stats()["alike_hits"] - hits
        alike.uninstall()
        try:
            reference = expression.xreplace(plain)
            facts_plain = {f: getattr(reference, "is_" + f) for f in known}  # sympy alone
        finally:
            alike.install()
        assert facts_twin == facts_plain == facts_first, (expression, twin)
    assert read > 10, read  # the twins' facts were read by form, not derived again


def test_forms_tell_expressions_apart_unless_one_is_the_other_renamed(alike):
    import sympy
    from torch.utils._sympy.functions import FloorDiv

    a, b, x, y = (sympy.Symbol(n, positive=True, integer=True) for n in "abxy")
    r = sympy.Symbol("r", integer=True)
    assert alike.key_of(a * FloorDiv(b, a)) == alike.key_of(y * FloorDiv(x, y))
    assert alike.key_of(3 * a * b + a) == alike.key_of(3 * x * y + x)
    assert alike.key_of(a * FloorDiv(b, a)) != alike.key_of(a * FloorDiv(a, b))
    assert alike.key_of(a * b) != alike.key_of(a * r)  # another symbol's assumptions: another form
    assert alike.key_of(a + b) != alike.key_of(a * b) and alike.key_of(a + 2) != alike.key_of(a + 3)
    assert alike.key_of(sympy.Eq(a * FloorDiv(b, a), b)) != alike.key_of(sympy.Eq(a * FloorDiv(b, a), a))


def test_a_static_evaluation_read_by_form_is_torchs_own(alike):
    import sympy
    from torch.fx.experimental import symbolic_shapes as shapes
    from torch.utils._sympy.functions import FloorDiv
    from torch.utils._sympy.value_ranges import ValueRanges

    from torch.utils._sympy.numbers import int_oo

    if alike._state.get("static_wrapper") is None:
        pytest.skip("another torch: static evaluations are not kept by form")
    original = inspect.unwrap(alike._state["static_evaluate"])  # torch's own, uncached

    def info(symbols, lower=2):
        return tuple(shapes._SymbolInfo(s, ValueRanges(lower, int_oo), sympy.Integer(7), False)
                     for s in sorted(symbols, key=str))

    for n in range(6):
        a, b, c = (sympy.Symbol(f"t{n}_{i}", positive=True, integer=True) for i in range(3))
        x, y, z = (sympy.Symbol(f"u{n}_{i}", positive=True, integer=True) for i in range(3))
        cases = [(sympy.Eq(a * FloorDiv(b, a), b), sympy.Eq(x * FloorDiv(y, x), y)),
                 (sympy.Lt(a * b * c, 2), sympy.Lt(z * x * y, 2)), (sympy.Ne(3 * a, FloorDiv(b, a)),
                                                                    sympy.Ne(3 * y, FloorDiv(x, y)))]
        for first, twin in cases:
            got = shapes._maybe_evaluate_static_worker(first, info(first.free_symbols, 2 + n % 2), False, False)
            assert got == original(first, info(first.free_symbols, 2 + n % 2), False, False)
            again = shapes._maybe_evaluate_static_worker(twin, info(twin.free_symbols, 2 + n % 2), False, False)
            assert again == original(twin, info(twin.free_symbols, 2 + n % 2), False, False), (twin, again)
    assert alike._state["static"], "no evaluation was kept by form"


def test_non_commuting_factors_keep_their_order(alike):
    import sympy

    a, b = sympy.symbols("a b", commutative=False)
    assert alike.key_of(a * b ** 2) != alike.key_of(b ** 2 * a)
    assert alike.key_of(a * b ** 2) == alike.key_of(b * a ** 2)  # the same, renamed


def test_a_one_shot_check_from_the_command_line_starts_its_worker_without_the_warm_up(monkeypatch):
    from sphinx_ncd.checking import cli, worker as worker_module

    launched = []

    class Recorder:
        warm_up = True

        def launch(self):
            launched.append(self.warm_up)

    monkeypatch.setattr(worker_module, "default_worker", lambda: Recorder())
    cli._launch_worker()
    assert launched == [False]
    quiet = worker_module.Worker(memory_mb=2048)
    quiet.warm_up = False
    try:
        quiet.start()
        status = quiet.status()
        assert status["warming"] == 0 and status["warmed"] == 0, status
    finally:
        quiet.close()
