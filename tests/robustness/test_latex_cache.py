"""Robustness: ncd-latex serves only cache files that prove themselves; corrupt ones heal in one run."""
from __future__ import annotations

import io
import os

import pytest

from sphinx_ncd.cli.latex_cmd import main as ncd_latex
from sphinx_ncd.integrity import format_problem
from sphinx_ncd.latex.manifest import spec_md5

SPECS = [f"input X: m{i}\nY = relu X\noutput Y" for i in range(9)]


def _manifest(specs) -> bytes:
    out = [b"ncd-manifest 1", b"cache=ncd-cache"]
    line = 10
    for spec in specs:
        data = spec.encode()
        out.append(f"@ md5={spec_md5(data)} line={line} kind=env status=cached from={line} file=paper.tex".encode())
        out += [b"|" + row for row in data.split(b"\n")]
        out.append(b".")
        line += spec.count("\n") + 3
    return b"\n".join(out) + b"\n"


CORRUPTIONS = {
    "random": lambda d: os.urandom(len(d)),
    "truncated": lambda d: d[: len(d) // 2],
    "zeroed": lambda d: b"\0" * len(d),
    "empty": lambda d: b"",
    "flipped": lambda d: d[:200] + bytes([d[200] ^ 0xFF]) + d[201:],  # a PDF that still looks whole
}


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_corrupt_cached_pdfs_heal_in_one_run(tmp_path, capsys, how):
    (tmp_path / "paper.ncd").write_bytes(_manifest(SPECS))
    assert ncd_latex([str(tmp_path / "paper"), "-j", "1"]) == 0
    assert "9 rendered" in capsys.readouterr().out
    pdfs = sorted((tmp_path / "ncd-cache").glob("*.pdf"))
    good = {p.name: p.read_bytes() for p in pdfs}
    for p in pdfs:
        p.write_bytes(CORRUPTIONS[how](p.read_bytes()))
    assert ncd_latex([str(tmp_path / "paper"), "-j", "1"]) == 0
    out = capsys.readouterr()
    assert "9 rendered, 0 already cached, 0 failed" in out.out
    assert out.err.count("is corrupt") == 9 and "paper.tex:10: ncd: warning" in out.err
    for p in pdfs:
        assert format_problem(p.read_bytes(), "pdf") is None and p.read_bytes() == good[p.name]
    assert ncd_latex([str(tmp_path / "paper"), "-j", "1"]) == 0
    assert "0 rendered, 9 already cached" in capsys.readouterr().out


def test_a_missing_or_garbled_checksum_is_rendered_again(tmp_path, capsys):
    (tmp_path / "paper.ncd").write_bytes(_manifest(SPECS[:2]))
    assert ncd_latex([str(tmp_path / "paper"), "-j", "1"]) == 0
    sums = sorted((tmp_path / "ncd-cache").glob("*.sum"))
    sums[0].unlink()
    sums[1].write_bytes(b"\xff\xfe not ascii")
    capsys.readouterr()
    assert ncd_latex([str(tmp_path / "paper"), "-j", "1"]) == 0
    assert "2 rendered" in capsys.readouterr().out
    assert all(p.exists() for p in sums)


def test_build_manifest_reports_corrupt_entries_on_its_stream(tmp_path):
    from sphinx_ncd.latex.build import build_manifest
    from sphinx_ncd.latex.manifest import parse_manifest

    data = _manifest(SPECS[:1])
    manifest = parse_manifest(data, tmp_path / "paper.ncd")
    build_manifest(manifest, stream=io.StringIO())
    pdf = next((tmp_path / "ncd-cache").glob("*.pdf"))
    pdf.write_bytes(b"%PDF-1.4\ngarbage")
    err = io.StringIO()
    result = build_manifest(manifest, stream=err)
    assert len(result.rendered) == 1 and "checksum mismatch" in err.getvalue()


def test_corrupt_pdfs_the_manifest_does_not_list_yet_are_removed_too(tmp_path, capsys):
    """LaTeX stopped at the first corrupt PDF, so its manifest lists only that one: all go in one run."""
    (tmp_path / "paper.ncd").write_bytes(_manifest(SPECS))
    assert ncd_latex([str(tmp_path / "paper"), "-j", "1"]) == 0
    for p in sorted((tmp_path / "ncd-cache").glob("*.pdf")):
        p.write_bytes(b"\0" * 100)
    (tmp_path / "paper.ncd").write_bytes(_manifest(SPECS[:1]))
    capsys.readouterr()
    assert ncd_latex([str(tmp_path / "paper"), "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert err.count("is corrupt") == 9
    assert len(list((tmp_path / "ncd-cache").glob("*.pdf"))) == 1  # the listed one, rendered again
