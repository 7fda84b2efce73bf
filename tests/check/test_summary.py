"""The one-line summary names as free only the sizes the proof really holds for."""
from __future__ import annotations

import re

SPEC = """let e = d/h
input X: b t d
Y = L+[proj] X : d -> h e
output Y
"""

INTS_ONLY = '''import torch
from torch import nn


class M(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        if not isinstance(h, int):
            raise TypeError("h must be an int")
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        return self.proj(x)
'''


def test_a_size_given_by_sizes_and_built_as_a_plain_int_is_not_listed_as_free(run, parse):
    report = run(parse(SPEC), INTS_ONLY, {"d": 35, "h": 5})
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, t (with d=35, h=5)"  # was "for every b, t, h (with d=35)"
    assert any("d, h are fixed" in n for n in report.notes)



CONCRETE_ONLY = '''import torch
from torch import nn


class M(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        if not isinstance(x.shape[-1], int):
            raise ValueError(f"needs a concrete width, got {x.shape[-1]}")
        return self.proj(x)
'''


def test_a_note_about_a_failed_symbolic_run_names_sizes_as_the_diagram_does(run, parse):
    # (this test used INTS_ONLY with h sampled as 11, which made d/h not whole: samples divide d now)
    report = run(parse(SPEC), CONCRETE_ONLY, {"d": 35})
    notes = " ".join(report.notes)
    assert "symbolic run failed" in notes, report.format()
    assert re.search(r"\bs\d+\b", notes) is None, notes  # never the checker's own symbols (s60*s65)
    assert "h*d/h" not in notes, notes  # a size that is a quotient is parenthesised: h*(d/h)


MLP = '''import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.up = nn.Linear(d, f)
        self.down = nn.Linear(f, d)

    def forward(self, x):
        return self.down(torch.relu(self.up(x)))
'''


def test_numbers_in_the_call_are_shown_as_the_sizes_the_proof_holds_at(run, parse, tmp_path):
    (tmp_path / "ncd_summary_mlp.py").write_text(MLP)
    report = run(parse("block MLP(d, f)\ninput X: b d\noutput X\n"), "ncd_summary_mlp:MLP(d=12, f=20)",
                 path=(str(tmp_path),))
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b (with d=12, f=20)"  # f was dropped: "(with d=12)"
    assert not any("not covered" in n for n in report.notes), report.notes
