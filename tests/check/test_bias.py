"""A learned box's ``+`` (bias) is a claim about the code too: compared with the bound module."""
from __future__ import annotations

import textwrap

LINEAR = textwrap.dedent("""\
    import torch
    from torch import nn

    class Proj(nn.Module):
        def __init__(self, m, k, bias=True):
            super().__init__()
            self.Cq = nn.Linear(m, k, bias=bias)

        def forward(self, x):
            return self.Cq(x)

    class NoBias(Proj):
        def __init__(self, m, k):
            super().__init__(m, k, bias=False)
""")

CONV = textwrap.dedent("""\
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self, c, k, bias=True):
            super().__init__()
            self.C1 = nn.Conv2d(c, k, 3, padding=1, bias=bias)

        def forward(self, x):
            return self.C1(x)
""")


def spec(box: str) -> str:
    return f"block Proj(m, k)\ninput X: y m\nQ = {box}[Cq] X : m -> k\noutput Q\n"


def test_a_bias_in_the_code_that_the_diagram_does_not_draw_is_a_mismatch_at_that_box(run, parse):
    report = run(parse(spec("L^Q"), "att.ncd"), LINEAR, name="Proj")
    assert report.status == "mismatch", report.format()
    box = report.mismatch
    assert box.binding == "Cq" and (box.expected, box.got) == ("no bias", "a bias")
    assert box.detail == "the diagram draws L^Q without bias (no +) but Cq has a bias"
    assert report.summary == "mismatch at L^Q[Cq]: expected no bias, got a bias"
    assert (report.error.span.file, report.error.span.line) == ("att.ncd", 3)
    assert report.highlights() == ((box.op_id, "expected no bias, got a bias"),)


def test_a_drawn_bias_the_code_does_not_have_is_a_mismatch(run, parse):
    report = run(parse(spec("L+")), LINEAR, name="NoBias")
    assert report.status == "mismatch", report.format()
    assert report.mismatch.detail == "the diagram draws L with a bias (+) but Cq has none (bias=False)"
    assert (report.mismatch.expected, report.mismatch.got) == ("a bias", "no bias")


def test_agreeing_bias_is_proved(run, parse):
    assert run(parse(spec("L+")), LINEAR, name="Proj").status == "proved"
    assert run(parse(spec("L")), LINEAR, name="NoBias").status == "proved"


def test_convolutions_compare_their_bias_too(run, parse):
    def conv(box):
        return (f"block Net(c, k)\ntandem Y\ninput X: b c Y\n"
                f"Z = {box}[C1] X over Y : c -> k kernel 3 padding 1\noutput Z\n")

    report = run(parse(conv("conv")), CONV)
    assert report.status == "mismatch", report.format()
    assert report.mismatch.detail == "the diagram draws conv without bias (no +) but C1 has a bias"
    assert run(parse(conv("conv+")), CONV).status == "proved"


def test_a_wrong_shape_is_reported_before_the_bias(run, parse):
    report = run(parse(spec("L^Q")), LINEAR.replace("nn.Linear(m, k,", "nn.Linear(m, k + 1,"), name="Proj")
    assert report.status == "mismatch"
    assert report.mismatch.got != "a bias"


def test_boxes_bound_to_functions_or_modules_without_bias_are_not_compared(run, parse):
    code = textwrap.dedent("""\
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.act = nn.ReLU()

            def forward(self, x):
                return self.act(x)
    """)
    report = run(parse("input X: b 4\nY = L[act] X : 4 -> 4\noutput Y\n"), code)
    assert report.status == "proved", report.format()


TWO = textwrap.dedent("""\
    import torch
    from torch import nn

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = nn.Linear(4, 4)            # a bias the diagram does not draw
            self.second = nn.Linear(4, 5, bias=False)

        def forward(self, x):
            return self.second(self.first(x))

    class Raises(Two):
        def forward(self, x):
            y = self.first(x)
            raise RuntimeError("broken after the first box")
""")


def test_a_shape_mismatch_is_the_verdict_even_after_an_earlier_bias_mismatch(run, parse):
    spec = "input X: b 4\nY = L[first] X : 4 -> 4\nZ = L[second] Y : 4 -> 4\noutput Z\n"
    report = run(parse(spec), TWO, name="Two")
    assert report.status == "mismatch"
    assert report.mismatch.binding == "second" and report.mismatch.got == "b 5"
    assert [b.status for b in report.boxes] == ["mismatch", "mismatch"]  # both boxes still say what is wrong


def test_a_bias_mismatch_does_not_hide_an_exception(run, parse):
    spec = "input X: b 4\nY = L[first] X : 4 -> 4\nZ = L[second] Y : 4 -> 5\noutput Z\n"
    report = run(parse(spec), TWO, name="Raises")
    assert report.status == "error", report.format()
    assert "broken after the first box" in report.summary
