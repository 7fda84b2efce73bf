"""The verdict in the user's words: a given size is never listed as free, and a "got" shape or an assumption
shows a size as the diagram writes it (``e``, ``d``), not as the code computed it (``35//h``)."""
from __future__ import annotations

from sphinx_ncd.checking.answer import Answer, BoxAnswer
from sphinx_ncd.checking.plan import make_plan
from sphinx_ncd.checking.wording import in_user_names

SPEC = """let e = d/h
input X: b t d
Y = L+[proj] X : d -> h e
output Y
"""
WRONG = SPEC.replace("d -> h e", "d -> e h")  # heads and depth swapped

ATTN = '''from torch import nn


class Attn(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_head = n_head
        self.proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        b, t, d = x.shape
        return self.proj(x).view(b, t, self.n_head, d // self.n_head)
'''


def _module(tmp_path, name):
    (tmp_path / f"{name}.py").write_text(ATTN)
    return (str(tmp_path),)


def test_a_given_size_the_code_takes_by_name_is_not_listed_as_free(run, parse, tmp_path):
    path = _module(tmp_path, "ncd_wording_a")
    report = run(parse(SPEC), "ncd_wording_a:Attn(n_embd=d, n_head=h)", {"d": 35}, path=path)
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, t, h (with d=35)", report.summary  # was "for every b, t, d, h"


def test_a_got_shape_names_the_sizes_as_the_diagram_does(run, parse, tmp_path):
    path = _module(tmp_path, "ncd_wording_b")
    report = run(parse(WRONG), "ncd_wording_b:Attn(n_embd=35, n_head=h)", {"h": 5}, path=path)
    assert report.status == "mismatch", report.format()
    assert report.summary == "mismatch at diagram: expected b t e h, got b t h e", report.summary  # was 35//h
    assert "35//h" not in report.format()
    report = run(parse(WRONG), "ncd_wording_b:Attn(n_embd=d, n_head=h)", {"d": 35}, path=path)
    assert report.summary == "mismatch at diagram: expected b t e h, got b t h e", report.summary  # was d/h


def test_an_assumption_names_a_given_size_and_drops_what_it_then_says_twice(run, parse, tmp_path):
    path = _module(tmp_path, "ncd_wording_c")
    report = run(parse(SPEC), "ncd_wording_c:Attn(n_embd=35, n_head=h)", {"d": 35}, path=path)
    assert report.status == "proved_if", report.format()
    assert report.summary == "proved if d divisible by h", report.summary  # was "35 divisible by h; d/h = 35//h"


def _names(spec, sizes, answer):
    import sphinx_ncd

    diagram = sphinx_ncd.parse(spec)
    return in_user_names(answer, diagram, make_plan(diagram, sizes))


def test_only_sizes_the_diagram_writes_are_renamed():
    got = lambda text: BoxAnswer.read({"op": None, "status": "mismatch", "got": text})  # noqa: E731
    out = _names(SPEC, {"d": 35}, Answer("mismatch", mismatch=got("b t h (35//h + 1)")))
    assert out.mismatch.got == "b t h (35//h + 1)"  # not a size of the diagram: the code's text
    out = _names(SPEC, {"d": 35}, Answer("mismatch", mismatch=got("b t 35 h·e")))
    assert out.mismatch.got == "b t 35 h·e"  # a plain number stays a number
    # a number the diagram writes itself (a stride 2) is never taken for a given size of that value
    strided = "input X: b x\nY = conv X over x : b -> b kernel 2 stride 2\noutput Y\n"
    out = _names(strided, {"b": 2}, Answer("mismatch", mismatch=got("b x//2")))
    assert out.mismatch.got == "b x/2"
    out = _names(SPEC, {"d": 35}, Answer("proved_if", assumptions=("35 divisible by h", "d/h = 35//h", "t = b")))
    assert out.assumptions == ("d divisible by h", "t = b")


def test_the_sizes_a_call_passes_by_name():
    from sphinx_ncd.checking.wording import passed_by_name

    assert passed_by_name("'m:Attn(n_embd=d, n_head=h)'", ["d", "h", "b"]) == {"d", "h"}
    assert passed_by_name("m:Transformer(N=2, m=32, k=8)", ["m", "N", "k"]) == set()  # numbers, not names
    assert passed_by_name("m:GPT2MLP(f, GPT2Config(n_embd=d))", ["f", "d", "t"]) == {"f", "d"}
    assert passed_by_name("embedded", ["d"]) == set()
