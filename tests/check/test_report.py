"""ShapeReport: what integrations read (badge, highlights, the printed report)."""
from __future__ import annotations

from sphinx_ncd.checking.report import EXIT_STATUS, STATUSES, BoxVerdict, ShapeReport
from sphinx_ncd.errors import Span


def test_badges_never_call_an_unchecked_diagram_proved():
    assert ShapeReport("not_checked", "not checked: torch is not installed").badge() == "shapes not checked"
    assert ShapeReport("proved", "proved for every y").badge() == "shapes proved"
    assert ShapeReport("checked", "", sizes=(("a", 5), ("b", 7))).badge() == "shapes checked at a=5 b=7"
    assert ShapeReport("proved_if", "", assumptions=("y = x",)).badge() == "shapes proved if y = x"
    long = ShapeReport("proved_if", "", assumptions=tuple(f"a{i} = b{i}" for i in range(20))).badge()
    assert len(long) == 60 and long.endswith("...")


def test_highlights_name_each_mismatching_box():
    span = Span("m.ncd", 3, 1, 5, "X = L[l] X : 784 -> 512")
    bad = BoxVerdict(2, "l", "L", "mismatch", "b 512", "b 500", "output, wire '512'", span)
    good = BoxVerdict(4, "m", "L", "proved", "b 512 -> b 10")
    report = ShapeReport("mismatch", "mismatch at L[l]", boxes=(bad, good), mismatch=bad)
    assert report.highlights() == ((2, "expected b 512, got b 500"),)
    assert "L[l]: mismatch: expected b 512, got b 500; output, wire '512'" in report.format()
    assert not report.ok


def test_every_status_has_an_exit_status():
    assert set(EXIT_STATUS) == set(STATUSES)
    assert [EXIT_STATUS[s] for s in ("proved", "proved_if", "checked", "mismatch", "error", "not_checked")] == \
        [0, 0, 0, 1, 1, 2]
