"""``ncd render``: formats by suffix, themes, atomic output, located errors."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from sphinx_ncd.cli.main import main

from render_helpers import ROOT

FIG20 = ROOT / "demo_docs" / "figures" / "fig20.ncd"


def test_render_svg_pdf_png(tmp_path):
    for suffix, magic in ((".svg", b"<svg"), (".pdf", b"%PDF"), (".png", b"\x89PNG")):
        out = tmp_path / f"fig{suffix}"
        assert main(["render", str(FIG20), "-o", str(out), "--theme", "light", "--scale", "2"]) == 0
        assert out.read_bytes().startswith(magic)
    root = ET.fromstring((tmp_path / "fig.svg").read_text())
    assert root.get("role") == "img"
    assert list(tmp_path.glob(".*tmp")) == []


def test_located_error_and_nothing_written(tmp_path, capsys):
    spec = tmp_path / "bad.ncd"
    spec.write_text("input X: a\nY = softmax X over z\n")
    out = tmp_path / "bad.svg"
    out.write_text("keep me")
    assert main(["render", str(spec), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{spec}:2:" in err and "^" in err
    assert out.read_text() == "keep me"  # a failed render never overwrites


def test_unknown_suffix_and_missing_file(tmp_path, capsys):
    assert main(["render", str(FIG20), "-o", str(tmp_path / "x.gif")]) == 1
    assert "svg, .pdf or .png" in capsys.readouterr().err
    assert main(["render", str(tmp_path / "nope.ncd"), "-o", str(tmp_path / "x.svg")]) == 1
    assert "nope.ncd" in capsys.readouterr().err


def test_render_to_stdout(capsys):
    assert main(["render", str(FIG20), "-o", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<svg") and out.rstrip().endswith("</svg>")


def test_max_width_folds_and_none_never(tmp_path, capsys):
    spec = tmp_path / "chain.ncd"
    spec.write_text("input X: a b\n" + "X = relu X\nX = L X : b -> b\n" * 10 + "output X\n")
    widths = {}
    for arg in ("300", "none"):
        out = tmp_path / f"chain-{arg}.svg"
        assert main(["render", str(spec), "-o", str(out), "--max-width", arg]) == 0
        widths[arg] = float(ET.fromstring(out.read_text()).get("width"))
    assert widths["300"] <= 300 < widths["none"]
    try:
        code = main(["render", str(spec), "-o", str(tmp_path / "x.svg"), "--max-width", "wide"])
    except SystemExit as stop:  # argparse's usage error
        code = stop.code
    assert code == 2 and "max-width" in capsys.readouterr().err
