"""Problems with the code (not the diagram) are located at the code, and say how to fix them."""
from __future__ import annotations

import textwrap

import pytest

from check_specs import MLP

PAIR = textwrap.dedent("""\
    import torch
    from torch import nn

    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj1 = nn.Linear(4, 4)
            self.proj2 = nn.Linear(4, 4)

        def forward(self, x):
            return self.proj2(self.proj1(x))
""")


def test_no_such_object_is_located_at_the_module_not_the_spec(run, parse):
    report = run(parse(MLP, "mlp.ncd"), "ncd_check_models.mlp:Clasifier()")
    assert report.status == "error"
    err = report.error
    assert err.span is not None and err.span.file.endswith("ncd_check_models/mlp.py")
    assert err.span.line == 1 and err.span.text == ""  # the module, no caret under a spec line
    assert err.hint == "did you mean 'Classifier'?"
    assert "(code 'ncd_check_models.mlp:Clasifier()')" in err.message
    assert report.location is None


def test_no_close_object_lists_what_the_module_defines(run, parse):
    report = run(parse(MLP, "mlp.ncd"), "ncd_check_models.mlp:Zebra()")
    assert report.error.hint == "it defines: Classifier, SoftmaxSlip, WideFirst"


def test_no_such_module_is_unlocated_and_names_the_code(run, parse):
    report = run(parse(MLP, "mlp.ncd"), "ncd_gallery_nowhere.models:MLP()")
    err = report.error
    assert err.span is None
    assert err.message == ("cannot import 'ncd_gallery_nowhere.models': No module named 'ncd_gallery_nowhere' "
                           "(code 'ncd_gallery_nowhere.models:MLP()')")
    assert err.hint == "add its directory with --code-path DIR (or ncd_check_path in conf.py)"
    assert "mlp.ncd" not in err.format()


def test_a_module_importing_something_missing_points_at_its_import_line(run, parse, tmp_path):
    pkg = tmp_path / "ncd_check_missing_dep"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "m.py").write_text("import torch\nimport ncd_surely_not_installed\n")
    report = run(parse(MLP, "mlp.ncd"), "ncd_check_missing_dep.m:M()", path=(str(tmp_path),))
    err = report.error
    assert err.span is not None and err.span.file == str(pkg / "m.py") and err.span.line == 2
    assert "ncd_surely_not_installed" in err.message


def test_embedded_code_without_the_named_object_is_located_at_its_file(run, parse):
    report = run(parse("input X: a 4\noutput X\n"), "\n# the model\n" + PAIR, filename="guide.rst", name="Piar")
    err = report.error
    assert (err.span.file, err.span.line, err.span.text) == ("guide.rst", 3, "import torch")  # its first line
    assert "guide.rst:3:1: " in err.format() and "^^^^^^^^^^^^" in err.format()
    assert err.hint == "did you mean 'Pair'?"


def test_a_missing_file_is_no_such_file(run, parse, tmp_path, monkeypatch):
    from sphinx_ncd.errors import NCDError

    monkeypatch.chdir(tmp_path)
    for value in ("nothere.py", "models/nothere", str(tmp_path / "gone.py")):
        with pytest.raises(NCDError, match=r"^no such file: ") as info:
            run(parse(MLP), value)
        assert info.value.span is None
    # one-line Python that happens to contain a slash is still code
    report = run(parse("input X: a\noutput X\n"), "halve = lambda x: x / 2")
    assert report.status == "proved", report.format()


def test_binding_suggestions_prefer_submodules_no_other_box_binds(run, parse):
    spec = "input X: b 4\nY = L+[proj2] X : 4 -> 4\nZ = L+[proj] Y : 4 -> 4\noutput Z\n"
    report = run(parse(spec, "pair.ncd"), PAIR)
    err = report.error
    assert err.message == "no submodule or function 'proj' in Pair"
    assert err.hint.endswith("did you mean 'proj1'?"), err.hint  # proj2 is bound by the first box
    assert (err.span.file, err.span.line, err.span.column) == ("pair.ncd", 3, 7)  # still at the [binding]


def test_a_bound_submodule_is_still_suggested_when_nothing_free_is_close(run, parse):
    spec = "input X: b 4\nY = L+[proj1] X : 4 -> 4\nZ = L+[proj] Y : 4 -> 4\nW = L+[proj2] Z : 4 -> 4\noutput W\n"
    report = run(parse(spec), PAIR)
    assert report.error.hint.endswith("did you mean 'proj2'?") or report.error.hint.endswith("'proj1'?")


@pytest.mark.slow
def test_a_timeout_is_about_the_code_not_a_line_of_the_spec(run, parse, worker):
    report = run(parse("input X: a\noutput X\n", "loop.ncd"), "ncd_check_models.broken:Forever()", timeout=2)
    err = report.error
    assert err.span is None
    assert "did not finish within 2 s" in err.message
    assert "(code 'ncd_check_models.broken:Forever()')" in err.message
    assert "loop.ncd" not in err.format()
    # embedded code: at the file (and first line) the caller says the code came from
    code = "import torch\ndef f(x):\n    while True:\n        pass\n"
    report = run(parse("input X: a\noutput X\n", "loop.ncd"), code, filename="guide.rst", timeout=2)
    assert (report.error.span.file, report.error.span.line) == ("guide.rst", 1)
    assert run(parse("input X: a\noutput X\n"), "import torch\ndef f(x):\n    return x\n").status == "proved"


def test_a_directory_given_as_code_is_a_clear_error(run, parse, tmp_path):
    from sphinx_ncd.errors import NCDError

    (tmp_path / "models").mkdir()
    with pytest.raises(NCDError, match=r"^cannot read the code file .*models: "):
        run(parse(MLP), str(tmp_path / "models"))
