"""Sample sizes never make the checker give a false verdict: quotients stay whole, sizes the code fixes
by a number are learned, and assumptions that the given sizes settle are discharged."""
from __future__ import annotations

SPEC = """let e = d/h
input X: b t d
Y = L+[proj] X : d -> h e
output Y
"""

# the heads must be a plain int (as many real models test): the symbolic run builds with the samples
HEADS = '''import torch
from torch import nn


class Heads(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        if not isinstance(n_head, int):
            raise TypeError("n_head must be an int")
        self.n_head = n_head
        self.proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        b, t, d = x.shape
        return self.proj(x).view(b, t, self.n_head, d // self.n_head)
'''


def test_a_free_divisor_of_a_given_size_is_sampled_as_one_of_its_divisors(parse):
    from sphinx_ncd.checking.plan import make_plan

    for d in (35, 64, 12):
        hints = dict(make_plan(parse(SPEC), {"d": d}).hints)
        assert d % hints["h"] == 0 and d // hints["h"] >= 2, hints  # h was 11 with d=35: d/h not whole
        others = [v for k, v in hints.items() if k != "h"]
        assert hints["h"] not in others, hints


def test_a_quotient_of_a_given_size_is_checked_at_whole_sizes(run, parse, tmp_path):
    (tmp_path / "ncd_samples_heads.py").write_text(HEADS)
    report = run(parse(SPEC), "ncd_samples_heads:Heads(n_embd=d, n_head=h)", {"d": 35},
                 path=(str(tmp_path),))
    assert report.status == "proved", report.format()  # was "the code raised RuntimeError"


ATTN = '''import torch
from torch import nn


class Attn(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_head = n_head
        self.proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        b, t, d = x.shape
        return self.proj(x).view(b, t, self.n_head, d // self.n_head)
'''


def test_assumptions_the_given_sizes_settle_are_discharged(run, parse, tmp_path):
    (tmp_path / "ncd_samples_attn.py").write_text(ATTN)
    report = run(parse(SPEC), "ncd_samples_attn:Attn(n_embd=35, n_head=h)", {"d": 35, "h": 5},
                 path=(str(tmp_path),))
    # was "proved if 35 divisible by h; d·1/h = 35//h": raw sizes, and both hold at d=35, h=5
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, t (with d=35, h=5)", report.summary
    assert "//" not in report.format()


def test_a_number_in_the_call_that_fixes_a_free_size_is_learned(run, parse, tmp_path):
    (tmp_path / "ncd_samples_attn2.py").write_text(ATTN)
    # GPT-2-like: the call fixes d by a number under another name; d was sampled 65 and the code "raised"
    report = run(parse(SPEC), "ncd_samples_attn2:Attn(n_embd=35, n_head=h)", {"h": 5}, path=(str(tmp_path),))
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, t (with h=5; only at d=35: the code uses that value)"
    assert any("n_embd=35 where the diagram has d" in n for n in report.notes), report.notes


def test_a_learned_number_never_hides_a_wrong_diagram(run, parse, tmp_path):
    (tmp_path / "ncd_samples_attn3.py").write_text(ATTN)
    wrong = SPEC.replace("d -> h e", "d -> e h")  # heads and depth swapped: wrong at every d
    report = run(parse(wrong), "ncd_samples_attn3:Attn(n_embd=35, n_head=h)", {"h": 5}, path=(str(tmp_path),))
    assert report.status == "mismatch", report.format()  # at d=35, the output's e; not "the code raised"
    assert "wire 'e': expected e = d/h, got h" in report.format(), report.format()  # was "d·1/h"
