"""The gallery pages: every directive's spec parses, every code reference exists,
every figure of the paper is present, the cost tables are computed, and (slow) every
checked figure passes its check while every reproduced mistake is caught (the
mistakes page states, with ``:expect:``, the verdict each of its checks must give;
the site's build fails when one differs)."""
import importlib
import re
import sys
from pathlib import Path

import pytest

import sphinx_ncd

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "demo_docs"
GALLERY = DOCS / "gallery"
PAGES = sorted(GALLERY.glob("*.rst"))

DIRECTIVE = re.compile(r"^\.\. ncd:: (\S+)\n((?:   :[^\n]*\n|      [^\n]*\n)*)", re.MULTILINE)
OPTION = re.compile(r"^   :(\w+):(.*(?:\n      .*)*)", re.MULTILINE)


def directives():
    """(page, spec path, options) for every ``.. ncd::`` in the gallery."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in DIRECTIVE.finditer(text):
            opts = {k: " ".join(v.split()) for k, v in OPTION.findall(m.group(2))}
            found.append((page.name, (page.parent / m.group(1)).resolve(), opts))
    return found


ALL = directives()
CHECKED = [d for d in ALL if "code" in d[2] and "expect" not in d[2]]
EXPECTED = [d for d in ALL if "code" in d[2] and "expect" in d[2]]


def test_pages_exist_in_the_papers_order():
    index = (GALLERY / "index.rst").read_text(encoding="utf-8")
    order = ["tuples", "tensors", "linearity", "mlp", "transformer", "convolution", "vision",
             "vision-transformer", "differentiation", "mistakes", "departures"]
    positions = [index.index(f"   {name}\n") for name in order]
    assert positions == sorted(positions)
    assert {p.stem for p in PAGES} == set(order) | {"index"}


def test_every_figure_of_the_gallery_list_is_drawn():
    captions = " ".join(opts.get("caption", "") for _, _, opts in ALL)
    for n in range(4, 37):
        assert re.search(rf"the paper's figure {n}\b", captions), f"figure {n} missing"
    # figures 33 and 36 carry their time and memory (legend), with the reasoning beside them
    text = (GALLERY / "differentiation.rst").read_text(encoding="utf-8")
    assert "Figure 33 of the paper" in text and "**time**" in text and "**memory**" in text
    for n in ("33", "36"):
        diagram = sphinx_ncd.parse((GALLERY / "figures" / f"fig{n}.ncd").read_text(encoding="utf-8"))
        spec = (GALLERY / "figures" / f"fig{n}.ncd").read_text(encoding="utf-8")
        assert "let time =" in spec and "let memory =" in spec and diagram.signature


def test_equalities_are_drawn_as_equalities():
    for n in ("04", "09", "13-additivity", "13-homogeneity", "14", "18-transpose", "18-snake", "18-outer",
              "23", "29", "30", "30-composite", "31", "34", "35", "36-rearrangement"):
        text = (GALLERY / "figures" / f"fig{n}.ncd").read_text(encoding="utf-8")
        assert re.search(r"^=\s*$", text, re.MULTILINE), n
        assert len(sphinx_ncd.parse(text, filename=f"fig{n}.ncd").panels) >= 2


@pytest.mark.parametrize("page,spec,opts", ALL, ids=[f"{p}:{s.name}" for p, s, _ in ALL])
def test_every_directive_spec_parses(page, spec, opts):
    assert spec.is_file(), spec
    assert DOCS in spec.parents                      # the directive refuses files outside the docs
    diagram = sphinx_ncd.parse(spec.read_text(encoding="utf-8"), filename=spec.name,
                               search_path=[str(ROOT / "templates")])
    assert diagram.signature
    assert opts.get("caption") and opts.get("name", "").startswith(("gallery-fig-", "mistake-"))


def test_names_are_unique():
    names = [opts["name"] for _, _, opts in ALL]
    assert len(names) == len(set(names))


def test_every_spec_file_is_used():
    used = {spec for _, spec, _ in ALL}
    for spec in list((GALLERY / "figures").glob("*.ncd")) + list((GALLERY / "mistakes").glob("*.ncd")):
        assert spec.resolve() in used, spec.name


def test_code_references_resolve():
    sys.path.insert(0, str(DOCS / "code"))
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for path, obj in re.findall(r"literalinclude:: (\S+\.py)\n\s+:pyobject: (\S+)", text):
            module = Path(path).stem
            mod = importlib.import_module(f"ncd_gallery.{module}")
            assert hasattr(mod, obj), f"{page.name}: {module}.{obj}"
            assert (page.parent / path).resolve().is_file()
        for path in re.findall(r"literalinclude:: (\S+\.txt)", text):
            assert (page.parent / path).is_file(), path
    for _, _, opts in CHECKED + EXPECTED:
        module, _, call = opts["code"].partition(":")
        mod = importlib.import_module(module)
        assert hasattr(mod, call.split("(")[0]), opts["code"]


def test_the_cost_tables_are_computed_not_written():
    """Figures 33 and 36 carry ``:cost:`` (the table the cost model computes); no hand-written table."""
    text = (GALLERY / "differentiation.rst").read_text(encoding="utf-8")
    costed = [spec.name for page, spec, opts in ALL if page == "differentiation.rst" and "cost" in opts]
    assert costed == ["fig33.ncd", "fig36.ncd"]
    assert "list-table" not in text


@pytest.mark.slow
@pytest.mark.parametrize("page,spec,opts", CHECKED, ids=[f"{p}:{s.name}" for p, s, _ in CHECKED])
def test_checked_figures_pass(page, spec, opts):
    from sphinx_ncd.checking.api import check
    diagram = sphinx_ncd.parse(spec.read_text(encoding="utf-8"), filename=spec.name,
                               search_path=[str(ROOT / "templates")])
    sizes = dict((k, int(v)) for k, v in (kv.split("=") for kv in opts.get("sizes", "").split()))
    report = check(diagram, opts["code"], sizes=sizes or None, path=[str(DOCS / "code")])
    assert report.status in ("proved", "proved_if", "checked"), (report.status, report.summary)


@pytest.mark.slow
def test_fig22_shape_verdict_is_unconditional_at_its_sizes():
    """Its bindings reach L^Q, whose nn.Linear(m, k*h) is (32, 32) at the figure's sizes: the relation
    k·h = 32 is the given sizes' own, so the verdict states them and no condition ("proved if k·h = 32")."""
    from sphinx_ncd.checking.api import check
    page, spec, opts = next(d for d in CHECKED if d[1].name == "fig22.ncd")
    diagram = sphinx_ncd.parse(spec.read_text(encoding="utf-8"), filename=spec.name,
                               search_path=[str(ROOT / "templates")])
    report = check(diagram, opts["code"], path=[str(DOCS / "code")])
    assert report.status == "proved", (report.status, report.summary)
    assert report.summary == "proved for every y, x (with m=32, t=100, k=8, h=4, f=64, N=2)", report.summary


def test_every_mistake_is_checked_live_with_its_expected_verdict():
    page = (GALLERY / "mistakes.rst").read_text(encoding="utf-8")
    assert "literalinclude:: mistakes/" not in page and ".. figure::" not in page  # no stored reports
    mistakes = [d for d in ALL if d[0] == "mistakes.rst"]
    codes = {opts.get("code", "").split("(")[0] for _, _, opts in mistakes}
    # every reproduced mistake whose shapes are wrong is on the page, checked
    for name in ("SoftmaxModuleMLP", "DoubleConvolutionTwiceC0", "PaddedPoolingUNet", "ConcatWithoutTuple",
                 "ForwardReturnsNothing", "PythonListOfBlocks", "VisualAttentionWrongSize"):
        assert f"ncd_gallery.mistakes:{name}" in codes, name
    # and every mistake only values show (shapes right), checked with :check: values
    for name in ("WrongAxisAttention", "HeadsSplitHK", "SharedKeyValue", "PartialHeadLoop"):
        assert f"ncd_gallery.mistakes_values:{name}" in codes, name
    for _, spec, opts in mistakes:
        if opts.get("code", "").startswith("ncd_gallery.mistakes_values:"):
            assert opts.get("expect") == "values differ" and opts.get("check") == "values", (spec.name, opts)
        else:
            assert opts.get("expect") in ("mismatch", "error"), (spec.name, opts)
    # and the other pages expect nothing to fail
    assert all(page == "mistakes.rst" for page, _, _ in EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("page,spec,opts", EXPECTED, ids=[f"{p}:{s.name}" for p, s, _ in EXPECTED])
def test_every_mistake_is_caught(page, spec, opts):
    from sphinx_ncd.checking.api import check
    diagram = sphinx_ncd.parse(spec.read_text(encoding="utf-8"), filename=spec.name,
                               search_path=[str(ROOT / "templates")])
    sizes = dict((k, int(v)) for k, v in (kv.split("=") for kv in opts.get("sizes", "").split()))
    report = check(diagram, opts["code"], sizes=sizes or None, path=[str(DOCS / "code")])
    if opts["expect"] == "values differ":  # shapes right, values wrong: the value check catches it
        from sphinx_ncd.checking.values import check_values

        assert report.status in ("proved", "proved_if", "checked"), (report.status, report.summary)
        values = check_values(diagram, opts["code"], sizes or None, path=[str(DOCS / "code")])
        assert values.status == "differ" and values.error.span is not None, values.summary
        return
    assert report.status == opts["expect"], (report.status, report.summary)
    if report.status == "mismatch":
        assert report.mismatch is not None and report.mismatch.span is not None
    else:
        assert report.error is not None and report.error.span is not None
