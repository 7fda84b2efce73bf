"""Sphinx extension: option converters, cache keys, atomic writes, inline SVG preparation."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from sphinx_ncd.sphinxext import cache, options
from sphinx_ncd.sphinxext.write_html import inline_svg


@pytest.mark.parametrize("text, value", [("1.5", 1.5), ("150%", 1.5), ("150", 1.5), ("0.5", 0.5)])
def test_scale(text, value):
    assert options.scale(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "big", "-1", "0"])
def test_bad_scale(text):
    with pytest.raises(ValueError):
        options.scale(text)


def test_sizes():
    assert options.sizes("y=20 x=22, m=128") == (("y", 20), ("x", 22), ("m", 128))
    for bad in ("", "y=", "y=2.5", "y 20", "=3"):
        with pytest.raises(ValueError, match="NAME=INTEGER"):
            options.sizes(bad)


def test_choices():
    assert options.output_format("img") == "svg"
    assert options.on_off("off") is False and options.on_off("on") is True
    with pytest.raises(ValueError):
        options.theme("sepia")
    with pytest.raises(ValueError):
        options.align("middle")


def test_key_is_stable_and_sensitive():
    a = cache.make_key("0.1", "input X: c", {"scale": 1.0})
    assert a == cache.make_key("0.1", "input X: c", {"scale": 1.0})
    assert a != cache.make_key("0.1", "input X: c ", {"scale": 1.0})
    assert a != cache.make_key("0.2", "input X: c", {"scale": 1.0})
    assert len(a) == cache.KEY_LENGTH


def test_atomic_write_and_publish(tmp_path):
    target = tmp_path / "sub" / "ncd-x.svg"
    cache.atomic_write(target, "<svg/>")
    assert target.read_text() == "<svg/>"
    assert [p.name for p in target.parent.iterdir()] == ["ncd-x.svg"]
    out = tmp_path / "out" / "ncd-x.svg"
    assert cache.publish(target, out) is True
    mtime = out.stat().st_mtime_ns
    assert cache.publish(target, out) is False  # identical: left untouched
    assert out.stat().st_mtime_ns == mtime


def test_atomic_write_leaves_no_temp_file_on_failure(tmp_path, monkeypatch):
    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        cache.atomic_write(tmp_path / "a.svg", "x")
    assert list(tmp_path.iterdir()) == []


def test_inline_svg_labels_and_strips_prologue():
    svg = ('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" '
           'aria-label="old"><title>old</title></svg>')
    out = inline_svg(svg, 'a "quoted" <alt>')
    assert out.startswith("<svg ")
    assert 'aria-label="a &quot;quoted&quot; &lt;alt&gt;"' in out and 'role="img"' in out
    assert "<title>a \"quoted\" &lt;alt&gt;</title>" in out
