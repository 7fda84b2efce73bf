"""What a check child learned about its sizes is replayed in the worker (sphinx_ncd.checking.facts):
the same verdicts, later children inherit it, a request during the replay is answered, and what a child
sends back is data the worker rebuilds only from whitelisted sympy classes."""
from __future__ import annotations

import json
import time

import pytest

from check_specs import MHA, SDPA, WRONG_HEADS

pytest.importorskip("torch")

CHECKS = [(MHA, "ncd_check_models.attention:MultiHead(m=m, k=k, h=h)"),
          (MHA, WRONG_HEADS),
          (SDPA, "ncd_check_models.attention:sdpa_transposed"),
          (SDPA, "ncd_check_models.attention:sdpa")]


def _worker(**env):
    from sphinx_ncd.checking.worker import Worker

    w = Worker(memory_mb=2048, env=env)
    w.start()
    return w


def _verdict(report) -> tuple:
    return report.status, report.summary, report.format()


def _settled(worker, timeout=120.0) -> dict:
    """The worker's status once its replay has nothing left to do."""
    deadline = time.monotonic() + timeout
    while True:
        status = worker.status()
        if status.get("pending") == 0 or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


@pytest.fixture(scope="module")
def workers():
    replaying, plain = _worker(), _worker(NCD_CHECK_NO_REPLAY="1")
    yield replaying, plain
    replaying.close()
    plain.close()


def test_replay_never_changes_a_verdict_and_later_children_inherit_it(workers, parse):
    from sphinx_ncd.checking.api import check
    from check_specs import MODELS

    replaying, plain = workers
    options = dict(use_cache=False, path=(MODELS,), filename="heads.py", timeout=120)
    verdicts, learned_first, learned_again = {}, 0, 0
    for spec, code in CHECKS:
        expected = _verdict(check(parse(spec), code, worker=plain, **options))
        before = _settled(replaying)["replayed"]
        first = _verdict(check(parse(spec), code, worker=replaying, **options))
        after = _settled(replaying)["replayed"]
        again = _verdict(check(parse(spec), code, worker=replaying, **options))  # a child with the facts
        assert first == expected and again == expected, (code, first, again, expected)
        verdicts[code] = expected[0]
        learned_first += after - before
        learned_again += _settled(replaying)["replayed"] - after
    assert set(verdicts.values()) >= {"proved", "mismatch"}, verdicts  # right and wrong code both replayed
    # a second run of each check derived a small part of what its first run had to (it inherited the rest)
    assert learned_first > 0 and learned_again < learned_first / 4, (learned_first, learned_again)
    assert plain.status().get("replayed", 0) == 0


def test_a_request_during_the_replay_is_answered(parse):
    from sphinx_ncd.checking.api import check
    from check_specs import MODELS

    worker = _worker()
    try:
        options = dict(use_cache=False, path=(MODELS,), timeout=120, worker=worker)
        spec, code = CHECKS[0]
        assert check(parse(spec), code, **options).status == "proved"
        assert worker.status()["pending"] > 0  # asked at once: the replay has only begun
        report = check(parse(SDPA), "ncd_check_models.attention:sdpa_transposed", **options)
        assert report.status != "proved" and "x" in report.summary, report.summary
        assert check(parse(spec), code, **options).status == "proved"
        assert _settled(worker)["pending"] == 0
    finally:
        worker.close()


def test_what_a_child_learns_is_plain_data_that_rebuilds_equal_expressions():
    import sympy

    from sphinx_ncd.checking import facts
    from torch.utils._sympy.functions import FloorDiv

    assert facts.install()
    d, h, t = (sympy.Symbol(n, positive=True, integer=True) for n in ("s40", "s39", "s60"))
    facts.record()
    expressions = [3 * d * t - FloorDiv(d, h), h * FloorDiv(d, h) - d, (d + 1) ** 2 - sympy.Rational(1, 2)]
    for e in expressions:
        e.is_zero, e.is_nonnegative  # noqa: B018 - asks sympy to derive them
    learned = facts.learned()
    assert learned and json.loads(json.dumps(learned)) == learned
    rebuilt = [facts._decode(item[1], [0]) for item in learned if item[0] == "facts"]
    assert all(any(r == e for r in rebuilt) for e in expressions), rebuilt
    replay = facts.Replay()
    replay.add(learned)
    assert replay.run(lambda: False) and replay.done == len(learned) and not replay.queue


def test_hostile_entries_are_skipped_and_a_replay_stops_when_asked():
    from sphinx_ncd.checking import facts

    facts.install()
    hostile = [
        ["facts", ["F", "builtins:eval", ["I", 1]], ["zero"]],
        ["facts", ["F", "os:system", [["S", "x", {}]]], ["zero"]],
        ["facts", ["F", "sympy.core.power:Pow", [2, 10 ** 6]], ["zero"]],  # would take the worker's time
        ["facts", 10 ** 30, ["zero"]],
        ["facts", ["S", "x" * 1000, {}], ["zero"]],
        ["facts", ["K", "__class__"], ["zero"]],
        ["static", ["S", "x", {}], "not a list", True, False],
        "text", None, 7, [],
    ]
    nested = ["S", "x", {"positive": True}]
    for _ in range(500):  # deeper than an entry may be
        nested = ["F", "sympy.core.add:Add", [nested, 1]]
    hostile.append(["facts", nested, ["zero"]])
    sums = [["F", "sympy.core.add:Add", [["S", f"s{i}", {"positive": True}], 1]] for i in range(12)]
    product = ["F", "sympy.core.mul:Mul", sums]  # 4096 terms once expanded: torch's evaluation would hang on more
    hostile.append(["static", product, [], False, False])
    hostile.append(["static", ["F", "sympy.core.power:Pow", [sums[0], 60]], [], False, False])
    replay = facts.Replay()
    replay.add(hostile)
    assert replay.run(lambda: False) and replay.done == 0 and not replay.queue

    asked = []
    replay.add([["facts", ["S", "y", {"integer": True}], ["zero", "__class__", "positive"]]] * 5)
    ok = replay.run(lambda: len(asked) >= 2 or asked.append(1))
    assert not ok and replay.done == 2 and len(replay.queue) == 3  # stopped between entries, the rest kept
