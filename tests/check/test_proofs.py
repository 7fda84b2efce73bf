"""The checker proves correct code against its diagram, for every size."""
from __future__ import annotations

import pathlib

import pytest

from check_handmade import build
from check_specs import MHA, MLP, RESNET, SDPA

ROOT = pathlib.Path(__file__).resolve().parents[2]

def resnet_diagram():
    """The identity ResNet as drawn: Y is a tandem (2-D) image axis, halved by two strided stages."""
    return build(
        {"X": "b 3 Y"},
        [
            ("X1", "conv", "C", "stem", ["X"], "b n0 Y", "3 Y -> n0 Y"),
            ("X2", "block", "Block", "stages.0", ["X1"], "b n1 Y", "n0 Y -> n1 Y"),
            ("X3", "block", "Block", "stages.1", ["X2"], "b n2 Y/2", "n1 Y -> n2 Y/2"),
            ("X4", "block", "Block", "stages.2", ["X3"], "b n3 Y/4", "n2 Y/2 -> n3 Y/4"),
            ("X5", "function", "N", "final", ["X4"], "b n3 Y/4", "n3 Y/4 -> n3 Y/4"),
            ("X6", "pool", "P", None, ["X5"], "b n3", "n3 Y/4 -> n3"),
            ("Z", "learned", "L", "classify", ["X6"], "b y", "n3 -> y"),
        ],
        ["Z"], params=("n0", "n1", "n2", "n3", "y"), tandem=("Y", "Y/2", "Y/4"), filename="resnet.ncd",
    )


def test_scaled_dot_product_attention_is_proved(run, parse):
    report = run(parse(SDPA), "ncd_check_models.attention:sdpa")
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every y, k, x"
    assert report.method == "symbolic"
    assert report.badge() == "shapes proved"
    assert report.error is None and report.mismatch is None


def test_multi_head_attention_is_proved_with_every_box(run, parse):
    report = run(parse(MHA), "ncd_check_models.attention:MultiHead(m=m, k=k, h=h)")
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every y, m, x, k, h"
    assert [b.binding for b in report.boxes] == ["query", "key", "value", "out"]
    assert all(b.status == "proved" for b in report.boxes)
    # nn.Linear(m, k*h) returns the bound axis (k·h); the diagram draws k h
    assert "k h as (k·h)" in report.boxes[0].detail
    assert report.boxes[0].span.line == 4


def test_constructor_gets_the_block_parameters_by_name(run, parse):
    # no call in the spec: the class's __init__(m, k, h) names the block's parameters
    report = run(parse(MHA), "ncd_check_models.attention:MultiHead")
    assert report.status == "proved", report.format()


def test_sizes_given_in_the_code_are_reported_as_fixed(run, parse):
    report = run(parse(MHA), "ncd_check_models.attention:MultiHead(m=128, k=16, h=4)",
                 sizes={"m": 128, "k": 16, "h": 4})
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every y, x (with m=128, k=16, h=4)"  # the call's numbers


def test_mlp_is_proved(run, parse):
    report = run(parse(MLP), "ncd_check_models.mlp:Classifier()")
    assert report.status == "proved", report.format()
    assert [b.status for b in report.boxes] == ["proved"] * 3
    assert report.boxes[0].expected == "b 784 -> b 512"


def test_identity_resnet_is_proved(run):
    report = run(resnet_diagram(), "ncd_check_models.resnet:IdentityResNet(n=(n0, n1, n2, n3), N=2, classes=y)")
    assert report.status == "proved", report.format()
    assert "Y_1" not in report.summary and ", Y," in report.summary  # the tandem axis as written
    assert "Y_1" not in report.format()
    assert {b.binding: b.status for b in report.boxes} == {
        "stem": "proved", "stages.0": "proved", "stages.1": "proved", "stages.2": "proved",
        "final": "proved", "classify": "proved"}


def test_identity_resnet_spec_is_proved(run, parse):
    report = run(parse(RESNET, "resnet.ncd"),
                 "ncd_check_models.resnet:IdentityResNet(n=(n0, n1, n2, n3), N=2, classes=y)")
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, Y, y, n0, n1, n2, n3"
    pool = next(b for b in report.boxes if b.binding == "pool")
    assert pool.detail == "2 size-1 axes kept by the code"  # AdaptiveAvgPool2d(1) keeps 1 × 1


def test_embedded_source_checks_the_last_module_class(run, parse):
    code = (
        "import torch\n"
        "from torch import nn\n"
        "class Helper(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return x\n"
        "class Attention(nn.Module):\n"
        "    def forward(self, q, k, v):\n"
        "        s = (q @ k.transpose(0, 1)).softmax(-1)\n"
        "        return s @ v\n"
    )
    report = run(parse(SDPA), code, filename="doc.rst")
    assert report.status == "proved", report.format()


@pytest.mark.skipif(not (ROOT / "demo_docs/figures/fig20.ncd").exists(), reason="figure spec not present")
def test_the_gallery_figure_20_spec_is_proved_against_our_attention(run, parse):
    text = (ROOT / "demo_docs/figures/fig20.ncd").read_text()
    report = run(parse(text, "fig20.ncd"), "ncd_check_models.attention:sdpa")
    assert report.status == "proved", report.format()
