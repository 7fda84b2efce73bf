"""The checker catches wrong code, says where, and survives code that misbehaves."""
from __future__ import annotations

import pathlib
import textwrap

import pytest

from check_specs import MHA, MLP, SDPA

MODELS = pathlib.Path(__file__).resolve().parent / "models" / "ncd_check_models"


def line_of(path: pathlib.Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_transposed_attention_is_proved_only_if_y_equals_x(run, parse):
    report = run(parse(SDPA), "ncd_check_models.attention:sdpa_transposed")
    assert report.status == "proved_if", report.format()
    assert report.assumptions == ("y = x",)
    assert report.summary == "proved if y = x"
    assert report.badge() == "shapes proved if y = x"


def test_transposed_attention_at_sizes_that_differ_is_a_mismatch(run, parse):
    report = run(parse(SDPA), "ncd_check_models.attention:sdpa_transposed", {"y": 20, "x": 22})
    assert report.status == "mismatch", report.format()
    assert "y = x" in report.mismatch.detail and "y=20" in report.mismatch.detail
    assert report.error.span.line == 7  # where the diagram defines its output


def test_einops_head_split_yields_its_divisibility_assumption(run, parse):
    spec = "block SelfAttention(d, h)\ninput X: t d\nY = A X : d -> d\noutput Y\n"
    report = run(parse(spec), "ncd_check_models.attention:SelfAttention(d=d, h=h)", {"d": 48, "h": 4})
    assert report.status == "proved_if", report.format()
    assert report.assumptions == ("d divisible by h",)


def test_a_split_the_diagram_draws_is_proved_for_its_multiples(run):
    from check_handmade import build

    diagram = build({"X": "t d"}, [("H", "view", "split", None, ["X"], "h t d/h", "t d -> h t d/h")], ["H"],
                    params=("h",))
    report = run(diagram, "ncd_check_models.attention:HeadSplit(h=h)")
    assert report.status == "proved", report.format()


def test_wrong_linear_size_is_a_mismatch_at_that_box(run, parse):
    report = run(parse(MLP, "mlp.ncd"), "ncd_check_models.mlp:WideFirst()")
    assert report.status == "mismatch", report.format()
    box = report.mismatch
    assert box.binding == "layers.0"
    assert (box.expected, box.got) == ("b 512", "b 500")
    assert "wire '512'" in box.detail
    # located at the box's statement in the spec
    assert (report.error.span.file, report.error.span.line) == ("mlp.ncd", 3)
    assert report.error.span.text.strip().startswith("X = L+[layers.0] X")
    assert report.highlights() == ((box.op_id, "expected b 512, got b 500"),)
    assert report.badge() == "shape mismatch"


def test_softmax_module_instead_of_softmax_is_caught(run, parse):
    report = run(parse(MLP), "ncd_check_models.mlp:SoftmaxSlip()")
    assert report.status == "mismatch", report.format()
    assert report.mismatch.op_id is None  # the whole diagram's output
    assert "expected 1 tensor(s), got 0" in report.mismatch.detail
    # the figure highlights the box that writes the output (the softmax)
    softmax = parse(MLP).operations[-1]
    assert report.highlights() == ((softmax.id, "expected b 10, got no tensor"),)


def test_binding_to_a_missing_submodule_lists_what_exists(run, parse):
    spec = MHA.replace("L^K[key]", "L^K[keys]")
    report = run(parse(spec, "mha.ncd"), "ncd_check_models.attention:MultiHead(m=m, k=k, h=h)")
    assert report.status == "error", report.format()
    err = report.error
    assert err.message == "no submodule or function 'keys' in MultiHead"
    assert (err.span.line, err.span.column, err.span.length) == (5, 8, 6)  # the "[keys]" of the statement
    assert err.hint.startswith("it has: query, key, value, out; functions: sdpa, sdpa_transposed, ")
    assert err.hint.endswith("; did you mean 'key'?")
    assert "mha.ncd:5:8: no submodule" in err.format()


def test_user_code_that_raises_is_reported_at_the_users_line(run, parse):
    spec = "input X: a b\nY = F X : b -> b\noutput Y\n"
    report = run(parse(spec), "ncd_check_models.broken:Raises()")
    assert report.status == "error", report.format()
    err = report.error
    assert err.span.file == str(MODELS / "broken.py")
    assert err.span.line == line_of(MODELS / "broken.py", "len(x) // 0")
    assert "ZeroDivisionError" in err.message
    assert "spec.ncd:1" in err.message  # and the diagram's location
    assert report.code_location.endswith(f"broken.py:{err.span.line}")


def test_embedded_code_that_raises_names_the_embedding_file(run, parse):
    code = textwrap.dedent("""\
        import torch
        def f(x):
            y = x * 2
            raise ValueError("not today")
    """)
    report = run(parse("input X: a\noutput X\n"), code, filename="guide.rst")
    assert report.status == "error"
    assert (report.error.span.file, report.error.span.line) == ("guide.rst", 4)
    assert "ValueError: not today" in report.summary


@pytest.mark.slow
def test_an_endless_loop_times_out_and_the_worker_recovers(run, parse, worker):
    starts = worker.starts
    report = run(parse("input X: a\noutput X\n"), "ncd_check_models.broken:Forever()", timeout=3)
    assert report.status == "error"
    assert "did not finish within 3 s" in report.summary
    after = run(parse(SDPA), "ncd_check_models.attention:sdpa")
    assert after.status == "proved"
    assert worker.starts == starts + 1


@pytest.mark.slow
def test_unbounded_allocation_hits_the_limit_and_the_worker_recovers(run, parse, worker):
    report = run(parse("input X: a\noutput X\n"), "ncd_check_models.broken:Hungry()", timeout=60)
    assert report.status == "error", report.format()
    assert "ran out of memory" in report.summary
    after = run(parse(SDPA), "ncd_check_models.attention:sdpa")
    assert after.status == "proved"


def test_code_that_kills_the_worker_is_reported_and_the_worker_restarts(run, parse, worker):
    starts = worker.starts
    report = run(parse("input X: a\noutput X\n"), "ncd_check_models.broken:Exits()")
    assert report.status == "error"
    assert report.summary == "check failed: the check worker stopped unexpectedly (exit status 3); it was restarted"
    assert run(parse(SDPA), "ncd_check_models.attention:sdpa").status == "proved"
    assert worker.starts == starts + 1


def test_reading_tensor_values_gets_a_fallback_verdict(run, parse):
    spec = "input X: a b\noutput X\n"
    report = run(parse(spec), "ncd_check_models.broken:reads_value")
    assert report.status == "not_checked", report.format()
    assert ".item()" in report.summary and "broken.py" in report.summary
    real = run(parse(spec), "ncd_check_models.broken:reads_value", mode="real")
    assert real.status in ("checked", "mismatch")
    assert real.method == "real"


def test_values_read_without_changing_shapes_still_prove(run, parse):
    code = "import torch\ndef f(x):\n    return x / x.abs().max().item()\n"
    report = run(parse("input X: a b\noutput X\n"), code)
    assert report.status == "proved", report.format()


def test_without_torch_nothing_is_checked(tmp_path, parse):
    from sphinx_ncd.checking.api import check
    from sphinx_ncd.checking.worker import Worker

    shim = tmp_path / "shim" / "torch"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n")
    worker = Worker(env={"PYTHONPATH": str(tmp_path / "shim")})
    try:
        report = check(parse(SDPA), "ncd_check_models.attention:sdpa", worker=worker, use_cache=False)
    finally:
        worker.close()
    assert report.status == "not_checked"
    assert report.summary == "not checked: torch is not installed"
    assert report.badge() == "shapes not checked"
