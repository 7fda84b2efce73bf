"""LaTeX integration: the manifest format ncd.sty writes, read by ncd-latex (no TeX needed)."""
from __future__ import annotations

import hashlib

import pytest

from sphinx_ncd.errors import NCDError
from sphinx_ncd.latex.manifest import parse_manifest, spec_md5


def block(md5, line, lines, *, kind="env", status="missing", frm=None, file="paper.tex"):
    head = f"@ md5={md5} line={line} kind={kind} status={status} from={frm or line} file={file}"
    return [head.encode(), *[b"|" + s for s in lines], b"."]


def test_entries_keep_bytes_lines_and_file_names():
    spec = [b"input X: m   # 50% ~ #1 _^ \\x{y}", b"  Y = relu X", b"", b"output Y"]
    md5 = hashlib.md5(b"\n".join(spec)).hexdigest()
    data = b"\n".join([b"ncd-manifest 1", b"cache=my cache", *block(md5, 12, spec, file="chapter one.tex")]) + b"\n"
    m = parse_manifest(data, "paper.ncd")
    assert m.cache == "my cache"
    (e,) = m.entries
    assert e.lines == tuple(spec)  # trailing and leading spaces, empty lines, TeX specials intact
    assert e.file == "chapter one.tex" and e.line == 12 and e.kind == "env"
    assert e.python_md5() == e.md5 == spec_md5(b"\n".join(spec))
    assert e.text().splitlines()[0].endswith("\\x{y}")


def test_a_spec_line_that_looks_like_manifest_syntax_is_still_spec():
    spec = [b"@ md5=0 line=1", b".", b"|x"]
    md5 = spec_md5(b"\n".join(spec))
    m = parse_manifest(b"\n".join([b"ncd-manifest 1", *block(md5, 3, spec)]))
    assert m.entries[0].lines == tuple(spec)


def test_duplicates_are_rendered_once():
    a = block("a" * 32, 3, [b"input X: m"])
    b = block("b" * 32, 9, [b"input X: n"])
    m = parse_manifest(b"\n".join([b"ncd-manifest 1", *a, *b, *block("a" * 32, 20, [b"input X: m"])]))
    assert [e.md5 for e in m.unique()] == ["a" * 32, "b" * 32]
    assert len(m.entries) == 3


def test_unfinished_last_block_is_skipped():
    """A LaTeX run stopped by a fatal error can leave the last block half written."""
    data = b"\n".join([b"ncd-manifest 1", *block("a" * 32, 3, [b"input X: m"]),
                       b"@ md5=" + b"b" * 32 + b" line=5 kind=env status=missing from=5 file=p.tex", b"|input"])
    assert [e.md5 for e in parse_manifest(data).entries] == ["a" * 32]


def test_a_file_that_is_not_a_manifest_is_refused():
    with pytest.raises(NCDError, match="not an ncd manifest"):
        parse_manifest(b"input X: m\nY = relu X\n", "paper.ncd")


def test_malformed_header_is_located():
    with pytest.raises(NCDError, match=r"paper.ncd:3: malformed manifest line"):
        parse_manifest(b"ncd-manifest 1\ncache=ncd-cache\n@ md5=zz line=1\n", "paper.ncd")


def test_spec_that_is_not_utf8_is_a_located_error():
    spec = [b"input X: m", b"Y = L\xe9 X : m -> m"]
    m = parse_manifest(b"\n".join([b"ncd-manifest 1", *block(spec_md5(b"\n".join(spec)), 7, spec)]))
    with pytest.raises(NCDError) as info:
        m.entries[0].text()
    assert info.value.span.file == "paper.tex" and info.value.span.line == 8
    assert "UTF-8" in info.value.message
