"""Verdicts are cached by diagram, code, versions, mode and sizes -- in memory and on disk."""
from __future__ import annotations

import pytest

from check_specs import MODELS, SDPA

CODE = "import torch\ndef attend(q, k, v):\n    return (q @ k.T).softmax(-1) @ v\n"


@pytest.fixture
def cached(worker):
    import sphinx_ncd.checking.api as api
    from sphinx_ncd.checking.api import check

    api._CACHES.clear()  # start as a new build process does: earlier tests checked the same pairs

    def _check(diagram, code, **options):
        return check(diagram, code, worker=worker, path=(MODELS,), **options)

    return _check


def test_the_second_check_is_served_from_memory(cached, parse, tmp_path):
    d = parse(SDPA)
    first = cached(d, CODE, cache_dir=tmp_path)
    again = cached(d, CODE, cache_dir=tmp_path)
    assert (first.cached, again.cached) == (False, True)
    assert again.status == first.status == "proved"
    assert again.summary == first.summary


def test_the_disk_cache_survives_a_new_process(cached, parse, tmp_path):
    import sphinx_ncd.checking.api as api

    d = parse(SDPA)
    cached(d, CODE, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 1
    api._CACHES.clear()  # what a new build process starts with
    assert cached(d, CODE, cache_dir=tmp_path).cached


def test_changing_code_mode_or_sizes_misses(cached, parse, tmp_path):
    d = parse(SDPA)
    cached(d, CODE, cache_dir=tmp_path)
    assert not cached(d, CODE + "\n# edited\n", cache_dir=tmp_path).cached
    assert not cached(d, CODE, cache_dir=tmp_path, mode="fake").cached
    assert not cached(d, CODE, cache_dir=tmp_path, sizes={"y": 3}).cached


def test_an_imported_module_is_keyed_by_its_files(tmp_path, parse, worker):
    from sphinx_ncd.checking.api import check

    pkg = tmp_path / "src" / "tmpmodels"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(CODE)
    d = parse(SDPA)
    kw = dict(worker=worker, path=(str(tmp_path / "src"),), cache_dir=tmp_path / "cache")
    assert check(d, "tmpmodels:attend", **kw).status == "proved"
    assert check(d, "tmpmodels:attend", **kw).cached
    (pkg / "__init__.py").write_text(CODE.replace("softmax(-1) @ v", "softmax(-1).T @ v"))
    edited = check(d, "tmpmodels:attend", **kw)
    assert not edited.cached
    assert edited.summary == "proved if y = x"  # the worker re-imported the edited module


def test_a_corrupt_disk_entry_nested_past_the_parser_is_a_miss(tmp_path):
    """A cache file JSON cannot parse for depth is a miss, as a truncated one is, not a RecursionError."""
    from sphinx_ncd.checking.cache import VerdictCache
    from sphinx_ncd.checking.transcript import load

    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    assert VerdictCache(tmp_path).get("deep") is None
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    assert load(str(tmp_path), "deep") is None


def test_verdicts_of_another_version_or_an_edited_copy_are_not_served():
    """The key covers this package's own files: an upgrade or an edit of the checker proves anew."""
    import os

    import sphinx_ncd.checking.cache as cache

    args = dict(source=SDPA, desc={"kind": "source", "text": CODE}, fingerprint="f", mode="shape", sizes={},
                namespace=None)
    before = cache.cache_key(**args)
    module = cache.pathlib.Path(cache.__file__)
    st = module.stat()
    try:
        os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        cache._own_files.cache_clear()
        assert cache.cache_key(**args) != before
    finally:
        os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns))
        cache._own_files.cache_clear()
    assert cache.cache_key(**args) == before
