"""Language tests: the paper's figures as specs infer the paper's signatures; the block libraries load."""
from __future__ import annotations

from pathlib import Path

import pytest

import sphinx_ncd
from sphinx_ncd.model import OpKind

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "demo_docs" / "figures"

SIGNATURES = {
    "fig10.ncd": ["4 3 -> 4 2"],
    "fig11.ncd": ["c a, d -> c b"],
    "fig12.ncd": ["a -> a"],
    "fig15.ncd": ["p n, n q -> p q"],
    "fig17.ncd": ["y k h, x k h -> y x h", "y k h, x k h -> y x h"],
    "fig19.ncd": ["x y -> k"],  # the paper's x = 28, y = 28, k = 10: let lines, written on the wires
    "fig20.ncd": ["y k, x k, x k -> y k"],
    "fig21.ncd": ["y m, x m -> y m"],
    "fig21-drafted.ncd": ["y m, x m -> y m"],  # ncd draft of the same module (figures/drafted.rst)
    "fig21-notes.ncd": ["y m, x m -> y m"],  # fig 21 with the paper's names and notes (figures/fig21.rst)
    "fig26.ncd": ["b 3 Y -> b y"],
    "fig27.ncd": ["b c_0 x_0 -> b y x_0"],
    "fig27-notes.ncd": ["b c_0 x_0 -> b y x_0"],  # fig 27 with the paper's notes (gallery/vision.rst)
    "fig28.ncd": ["b c Y, b c X -> b c Y"],
    # beyond the paper (figures/decoders.rst): issue 12's key axis, mask, chunk, rotary, mul
    "decoder-attention.ncd": ["t m -> t m"],
    "decoder-gqa.ncd": ["t d, t e, t e -> t d"],
    "decoder-mlp.ncd": ["t d -> t d"],
}


def parse(name):
    path = FIGURES / name
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=name)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_figure_signature(name):
    assert [p.signature for p in parse(name).panels] == SIGNATURES[name]


def test_every_figure_is_in_the_table():
    assert sorted(p.name for p in FIGURES.glob("*.ncd")) == sorted(SIGNATURES)


def test_fig21_structure():
    d = parse("fig21.ncd")
    learned = [o for o in d.operations if o.kind == OpKind.LEARNED]
    assert [(o.label, o.binding, o.signature) for o in learned] == [
        ("L^Q", "Lq", "m -> k h"), ("L^K", "Lk", "m -> k h"), ("L^V", "Lv", "m -> k h"), ("L^O", "Lo", "k h -> m")]
    assert [g.title for g in d.main.groups] == ["Multi-Head Attention", "Scaled Dot-Product Attention"]
    assert d.main.header.name == "MultiHeadAttention" and d.main.header.params == ("m", "k", "h")
    assert [a.kind for a in d.main.inputs[0].axes] == ["width", "plain"]


def test_fig19_mlp_layers():
    d = parse("fig19.ncd")
    assert [(o.kind, o.signature) for o in d.operations if o.kind == OpKind.LEARNED] == [
        ("learned", "28^2 -> 512"), ("learned", "512 -> 512"), ("learned", "512 -> k")]
    assert d.main.legend == (("x", "28"), ("y", "28"), ("k", "10"))
    assert all(o.params.bias for o in d.operations if o.kind == OpKind.LEARNED)
    # the flattened image is written 28² as the paper writes it, and is 784 wide for the checks
    (flat,) = [o for o in d.operations if o.kind == OpKind.VIEW]
    (ax,) = flat.outputs[0].axes
    assert ax.label == "28^2" and ax.size == 784


def test_fig26_block_and_residuals():
    d = parse("fig26.ncd")
    blocks = [o for o in d.operations if o.kind == OpKind.BLOCK]
    assert [o.signature for o in blocks] == ["b n_0 Y -> b n_1 Y", "b n_1 Y -> b n_2 Y/2", "b n_2 Y/2 -> b n_3 Y/4"]
    body = dict(d.blocks)["Block"]
    assert body.signature == "b n0 Y -> b n1 Y/s"
    assert [g.kind for g in body.groups].count("repeat") == 1
    assert sum(o.kind == OpKind.ADD for o in body.operations) == 2
    assert d.main.legend == (("n_b", "n1/4"),)  # the paper's n_b: a declared subscript


def test_fig27_saves_and_loads():
    d = parse("fig27.ncd")
    saves = [o for o in d.operations if o.kind == OpKind.SAVE]
    loads = [o for o in d.operations if o.kind == OpKind.LOAD]
    assert [o.params.slot for o in saves] == ["C_\\lambda"]
    assert [o.params.slot for o in loads] == ["C_{4-\\lambda}"]
    assert loads[0].outputs[0].shape == "b c_{5-\\lambda} x_{4-\\lambda}"
    repeats = [g for g in d.main.groups if g.kind == "repeat"]
    assert [(g.index, g.lower, g.upper) for g in repeats] == [("\\lambda", "0", "3"), ("\\lambda", "1", "4")]


def test_fig28_tandem_convolutions():
    d = parse("fig28.ncd")
    convs = [o for o in d.operations if o.kind == OpKind.CONV]
    assert [o.binding for o in convs] == ["Cq", "Ck", "Cv", "Co"]
    assert convs[-1].params.transposed is True
    assert all(not o.params.bias for o in convs)
    y = d.main.inputs[0].axes[2]
    assert (y.kind, y.rank) == ("tandem", 2)


@pytest.mark.parametrize("library, blocks", [
    ("attention", {"ScaledDotProductAttention": "y k, x k, x k -> y k", "MultiHeadAttention": "y m, x m -> y m"}),
    ("resnet", {"NormActivate": "b n Y -> b n Y", "Block": "b n0 Y -> b n1 Y/s"}),
    ("unet", {"DoubleConvolution": "b c0 x -> b c1 x", "DownScale": "b c0 x -> b c1 x/2, b c1 x",
              "UpScale": "b c1 x, b c0 2x -> b c0 2x"}),
    ("transformer", {"TransformerLayer": "t m -> t m", "Transformer": "t v -> t v"}),
])
def test_template_libraries(library, blocks):
    d = sphinx_ncd.parse(f"use {library}\ninput X: a")
    from sphinx_ncd.model.build import _LIBRARY_CACHE  # noqa: F401  (libraries are cached by file)
    found = {}
    for name in blocks:
        spec = f"use {library}\ninput X: a\nY = relu X"
        assert sphinx_ncd.parse(spec)  # the library loads
        found[name] = _block_signature(library, name)
    assert found == blocks
    assert d.signature == "a -> a"


def _block_signature(library, name):
    from sphinx_ncd.model.blocks import BlockInfo  # noqa: F401
    from sphinx_ncd.model.build import _use
    from sphinx_ncd.model.records import Declarations
    from sphinx_ncd.syntax.ast import Name
    from sphinx_ncd.errors import Span
    decl = Declarations()
    _use(Name(library, Span("<t>", 1, 1)), decl, (), ())
    return decl.blocks[name].build().signature


def test_use_prefers_the_users_directory(tmp_path):
    (tmp_path / "attention.ncd").write_text("block MultiHeadAttention {\n  input X: q\n  output X\n}\n")
    d = sphinx_ncd.parse("use attention\ninput X: q\nY = MultiHeadAttention X", search_path=(str(tmp_path),))
    assert d.signature == "q -> q"


def test_parse_is_deterministic_across_processes():
    """The model (and so every drawing of it) does not depend on hash randomisation."""
    import os
    import subprocess
    import sys
    code = ("import sphinx_ncd, sys\n"
            "for name in sys.argv[1:]:\n"
            "    d = sphinx_ncd.parse(open(name).read())\n"
            "    for p in d.panels + tuple(b for _, b in d.blocks):\n"
            "        print([(repr(s), [(o.kind, o.label, o.params) for o in s.ops]) for s in p.sections])\n"
            "        print([(a.label, a.kind, a.rank) for v in p.inputs + p.outputs for a in v.axes])\n")
    files = [str(p) for p in sorted(FIGURES.glob("*.ncd"))]
    outs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-c", code, *files], capture_output=True, text=True, env=env,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
