"""ncd-latex's rendering pass on manifests written here (no TeX needed): cache files, errors, processes."""
from __future__ import annotations

import io

from sphinx_ncd.latex.build import build_manifest
from sphinx_ncd.latex.manifest import parse_manifest, spec_md5

SPECS = [
    "input X: m\nY = relu X\noutput Y",
    "input X: 28 28\nX = view X : 28 28 -> 784\nX = L+ X : 784 -> 10\noutput X",
    "width y x\ninput Q: y k, K: x k\nS = einsum Q K : y k, x k -> y x\nA = softmax S over x\noutput A",
    "input X: c\nR = norm X over c\nX = add X R\noutput X",
    "input A: a b\nB = softmax A over b\noutput B",
    "input X: m\nY = sigmoid X\noutput Y",
    "input X: m\nY = nope X\noutput Y",  # an error: located at the spec line in the .tex file
]


def manifest_for(specs, first_line=10):
    out = [b"ncd-manifest 1", b"cache=ncd-cache"]
    line = first_line
    for spec in specs:
        data = spec.encode()
        out.append(f"@ md5={spec_md5(data)} line={line} kind=env status=missing from={line} file=paper.tex".encode())
        out += [b"|" + row for row in data.split(b"\n")]
        out.append(b".")
        line += spec.count("\n") + 3
    return b"\n".join(out) + b"\n"


def test_rendering_in_processes_writes_the_same_files(tmp_path):
    data = manifest_for(SPECS)
    trees = []
    for workers in (1, 2):
        root = tmp_path / f"w{workers}"
        root.mkdir()
        (root / "paper.ncd").write_bytes(data)
        err = io.StringIO()
        result = build_manifest(parse_manifest(data, root / "paper.ncd"), workers=workers, stream=err)
        assert len(result.rendered) == 6 and len(result.failed) == 1
        assert err.getvalue().startswith("paper.tex:")
        trees.append({p.name: p.read_bytes() for p in sorted((root / "ncd-cache").iterdir())})
    assert trees[0] == trees[1]
    assert len([n for n in trees[0] if n.endswith(".pdf")]) == 6


def test_error_line_is_the_spec_line_in_the_tex_file(tmp_path):
    data = manifest_for(SPECS[-1:], first_line=42)
    (tmp_path / "paper.ncd").write_bytes(data)
    err = io.StringIO()
    result = build_manifest(parse_manifest(data, tmp_path / "paper.ncd"), stream=err)
    (md5, text) = result.failed[0]
    assert text.splitlines()[0].startswith("paper.tex:43: ncd: ")
    assert (tmp_path / "ncd-cache" / f"{md5}.err").read_text().splitlines()[0] == text.splitlines()[0]
    # fixing the renderer's input is a new hash; a later success removes a stale error of the same hash
    from sphinx_ncd.latex.cache import Cache
    from sphinx_ncd.latex.build import render_entry

    good = parse_manifest(manifest_for(SPECS[:1]), tmp_path / "paper.ncd").entries[0]
    Cache(tmp_path / "ncd-cache").store(md5, render_entry(good)[0], None)
    assert not (tmp_path / "ncd-cache" / f"{md5}.err").exists()
    assert build_manifest(parse_manifest(data, tmp_path / "paper.ncd"), stream=err).cached == [md5]


def test_a_cache_path_that_is_a_file_is_a_clear_error(tmp_path):
    import pytest

    from sphinx_ncd.errors import NCDError

    data = manifest_for(SPECS[:1])
    (tmp_path / "ncd-cache").write_text("not a directory")
    with pytest.raises(NCDError, match="is not a directory"):
        build_manifest(parse_manifest(data, tmp_path / "paper.ncd"), stream=io.StringIO())
    assert (tmp_path / "ncd-cache").read_text() == "not a directory"


def test_ncd_latex_render_verb_is_the_same_command(tmp_path, capsys):
    from sphinx_ncd.cli.main import main as ncd_main

    (tmp_path / "paper.ncd").write_bytes(manifest_for(SPECS[:2]))
    assert ncd_main(["latex", "render", str(tmp_path / "paper"), "-j", "1"]) == 0
    assert "2 rendered, 0 already cached, 0 failed" in capsys.readouterr().out
    assert ncd_main(["latex", "render", str(tmp_path / "paper.tex")]) == 0  # paper.tex names the job too
    assert "0 rendered, 2 already cached" in capsys.readouterr().out
    (tmp_path / "other.ncd").write_text("input X: m\n")  # a spec, not a manifest: refused, not touched
    assert ncd_main(["latex", "render", str(tmp_path / "other")]) == 1
    assert "not an ncd manifest" in capsys.readouterr().err
    assert (tmp_path / "other.ncd").read_text() == "input X: m\n"


def test_a_manifest_older_than_its_tex_file_is_named_stale(tmp_path, capsys):
    import os

    from sphinx_ncd.cli.latex_cmd import main as ncd_latex

    manifest = tmp_path / "paper.ncd"
    manifest.write_bytes(manifest_for(SPECS[:1]))
    tex = tmp_path / "paper.tex"
    tex.write_text("\\documentclass{article}\n")
    os.utime(manifest, (1_000_000, 1_000_000))  # LaTeX ran, then the paper was edited
    assert ncd_latex([str(tmp_path / "paper"), "-j", "1"]) == 0
    assert "paper.tex changed after LaTeX wrote paper.ncd" in capsys.readouterr().err
    os.utime(tex, (500_000, 500_000))  # the manifest is the newer: nothing to say
    assert ncd_latex([str(tmp_path / "paper"), "-j", "1"]) == 0
    assert "changed after" not in capsys.readouterr().err
