"""Checker features a user relies on: modes, bindings to functions, repeated calls, tuples, names."""
from __future__ import annotations

from check_handmade import build
from check_specs import SDPA


def two_projections(binding_a="project", binding_n="norm"):
    return build({"A": "b m", "B": "c m"}, [
        ("P", "function", "P", binding_a, ["A"], "b k", "m -> k"),
        ("N", "norm", "N", binding_n, ["P"], "b k", "k -> k"),
        ("Q", "function", "P", binding_a, ["B"], "c k", "m -> k"),
        ("M", "norm", "N", binding_n, ["Q"], "c k", "k -> k"),
    ], ["N", "M"], params=("m", "k"))


def test_a_box_can_bind_a_function_and_repeated_calls_are_all_checked(run):
    report = run(two_projections(), "ncd_check_models.attention:Projected(m=m, k=k)")
    assert report.status == "proved", report.format()
    first = report.boxes[0]
    assert first.binding == "project" and first.status == "proved"
    # two boxes bind project (and two bind norm): the calls go to them in the diagram's order
    assert [b.expected for b in report.boxes] == ["b m -> b k", "b k -> b k", "c m -> c k", "c k -> c k"]
    assert [b.got.split()[0] for b in report.boxes] == ["b", "b", "c", "c"]
    assert all(b.status == "proved" for b in report.boxes)
    # the tuple the module returns is matched against the diagram's two outputs
    assert report.summary == "proved for every b, m, c, k"


def test_a_module_called_several_times_checks_every_call(run):
    diagram = build({"X": "b k"}, [("Y", "norm", "N", "norm", ["X"], "b k", "k -> k")], ["Y"], params=("k",))
    code = ("import torch\n"
            "class Twice(torch.nn.Module):\n"
            "    def __init__(self, k):\n"
            "        super().__init__()\n"
            "        self.norm = torch.nn.LayerNorm(k)\n"
            "    def forward(self, x):\n"
            "        return self.norm(self.norm(x))\n")
    report = run(diagram, code)
    assert report.status == "proved", report.format()
    assert report.boxes[0].detail == "called 2 times, every call agrees"


def test_concrete_fake_mode_reports_checked_at_sizes(run, parse):
    report = run(parse(SDPA), "ncd_check_models.attention:sdpa", mode="fake")
    assert report.status == "checked", report.format()
    assert report.method == "fake"
    assert report.summary.startswith("checked at sizes y=") and "(fake tensors)" in report.summary
    assert report.badge().startswith("shapes checked at y=")


def test_real_mode_runs_real_tensors_at_small_sizes(run, parse):
    report = run(parse(SDPA), "ncd_check_models.attention:sdpa", mode="real")
    assert report.status == "checked" and report.method == "real"
    assert all(v < 50 for _, v in report.sizes)


def test_explicit_name_picks_the_object_in_embedded_code(run, parse):
    code = ("import torch\n"
            "def good(q, k, v):\n    return (q @ k.T).softmax(-1) @ v\n"
            "def bad(q, k, v):\n    return k\n")
    assert run(parse(SDPA), code, name="good").status == "proved"
    assert run(parse(SDPA), code).status == "mismatch"  # the last function is the default


def test_namespace_values_reach_embedded_code(run, parse):
    code = "import torch\ndef attend(q, k, v):\n    return (q @ k.T * SCALE).softmax(-1) @ v\n"
    report = run(parse(SDPA), code, namespace={"SCALE": 0.5})
    assert report.status == "proved", report.format()


def test_an_unknown_mode_is_a_clear_error(run, parse):
    import pytest

    from sphinx_ncd.errors import NCDError

    with pytest.raises(NCDError, match="unknown check mode 'fast'"):
        run(parse(SDPA), "ncd_check_models.attention:sdpa", mode="fast")


def test_a_bad_import_spec_is_reported(run, parse):
    report = run(parse(SDPA), "ncd_check_models.nowhere:Model()")
    assert report.status == "error"
    assert "cannot import 'ncd_check_models.nowhere'" in report.summary


def test_axis_names_that_mean_something_to_sympy_or_python_are_just_names(run, parse):
    diagram = parse("block M(N)\ninput X: N E S\noutput X\n")
    code = ("import torch\n"
            "class M(torch.nn.Module):\n"
            "    def __init__(self, N):\n"
            "        super().__init__()\n"
            "        self.n = N\n"
            "    def forward(self, x):\n"
            "        return x.transpose(0, 1) if self.n == 0 else x\n")
    report = run(diagram, code)
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every N, E, S"
    swapped = run(diagram, code.replace("self.n == 0", "True"))
    assert swapped.summary == "mismatch at diagram: expected N E S, got E N S"
