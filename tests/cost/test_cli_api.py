"""``ncd cost``, ``sphinx_ncd.cost`` and the GPU comparison script, as a user runs them."""
import subprocess
import sys

import pytest

import sphinx_ncd
from sphinx_ncd.cli.main import main as ncd

from .gallery import DOCS, ROOT

FIG21 = DOCS / "figures" / "fig21.ncd"


def test_ncd_cost_prints_a_row_per_section(capsys):
    assert ncd(["cost", str(FIG21), "--sizes", "y=1024", "x=1024", "--machine", "h200"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Cost of Multi-head attention at y=1024 x=1024")
    assert lines[1].split()[:3] == ["section", "boxes", "FLOPs"]
    rows = [l for l in lines if l[:1].isdigit()]
    assert len(rows) == 7 and "softmax" in rows[4]
    assert any(l.startswith("total") for l in lines)
    assert 'fence "Scaled Dot-Product Attention"' in out and "streamed" in out
    assert "NVIDIA H200" in out and "softmax 5" in out


def test_ncd_cost_names_boxes_as_written_not_as_tex(capsys):
    """A binding by a repetition's index reads as the reader sees it (``down.λ.conv.0``), never TeX source."""
    assert ncd(["cost", str(DOCS / "figures" / "fig27.ncd"), "--sizes", "c_2=8"]) == 0
    out = capsys.readouterr().out
    assert "[down.λ.conv.0]" in out and "\\" not in out
    assert "c_2=8" in out.splitlines()[0]


def test_ncd_cost_symbolic_without_sizes(tmp_path, capsys):
    spec = tmp_path / "mlp.ncd"
    spec.write_text("input X: a\nY = L X : a -> b\noutput Y\n", encoding="utf-8")
    assert ncd(["cost", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "(symbolic)" in out and "2*a*b" in out


def test_ncd_cost_errors_are_clear(tmp_path, capsys):
    assert ncd(["cost", str(FIG21), "--sizes", "q=3"]) == 1
    err = capsys.readouterr().err
    assert "size 'q' is not a size of this diagram" in err and "h, k, m, x, y" in err
    assert ncd(["cost", str(tmp_path / "missing.ncd")]) == 1
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.ncd"
    bad.write_text("input X: a\nY = softmax X over z\noutput Y\n", encoding="utf-8")
    assert ncd(["cost", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.ncd:2:" in err and "^" in err
    for argv in (["cost", str(FIG21), "--machine", "tpu"], ["cost", str(FIG21), "--sizes", "y=0"]):
        with pytest.raises(SystemExit) as exc:
            ncd(argv)
        assert exc.value.code == 2


def test_the_public_api_returns_the_report():
    d = sphinx_ncd.parse(FIG21.read_text(encoding="utf-8"), filename="fig21.ncd")
    report = sphinx_ncd.cost(d, sizes={"y": 16, "x": 16}, machine="a100")
    assert report.machine.key == "a100" and report.sizes["y"] == 16
    assert "Scaled Dot-Product Attention" in str(report)
    with pytest.raises(sphinx_ncd.NCDError, match="unknown machine 'tpu'"):
        sphinx_ncd.cost(d, machine="tpu")
    with pytest.raises(sphinx_ncd.NCDError, match="positive integers"):
        sphinx_ncd.cost(d, sizes={"y": -1})


def test_gpu_script_says_when_there_is_no_gpu():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the script would time it")
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_attention.py")], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "no CUDA GPU present" in run.stdout
    assert all(f"{n:>6}" in run.stdout for n in (1024, 4096, 16384))
