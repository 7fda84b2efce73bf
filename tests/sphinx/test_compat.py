"""Sphinx extension: the shims that let one code base run on Sphinx 7.2 to the newest.

The real check is ``.ci/sphinx-versions`` (a build with the oldest supported
Sphinx and with the newest); these tests pin the shims' behaviour against the
old APIs without installing an old Sphinx.
"""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from sphinx_ncd.sphinxext import compat, config

ROOT = Path(__file__).resolve().parents[2]


class OldApp:
    """``Sphinx.add_config_value`` as Sphinx 7.2 has it (no ``description``)."""

    def __init__(self):
        self.values = {}

    def add_config_value(self, name, default, rebuild, types=()):
        self.values[name] = (default, rebuild, types)


class NewApp(OldApp):
    def add_config_value(self, name, default, rebuild, types=(), description=""):
        self.values[name] = (default, rebuild, types, description)


def test_config_values_register_on_old_and_new_sphinx():
    old, new = OldApp(), NewApp()
    config.register(old)
    config.register(new)
    names = {v.name for v in config.CONFIG_VALUES}
    assert set(old.values) == names == set(new.values)
    assert new.values["ncd_theme"][3].startswith("Colours")


def test_docname_before_and_after_current_document():
    old_env = SimpleNamespace(docname="guide/intro")  # Sphinx < 8.2: env.docname (temp_data)
    assert compat.docname(old_env) == "guide/intro"
    new_env = SimpleNamespace(current_document=SimpleNamespace(docname="index"), docname="stale")
    assert compat.docname(new_env) == "index"


def test_parse_inline_without_the_directive_method():
    calls = []
    state = SimpleNamespace(inline_text=lambda text, line: calls.append((text, line)) or (["n"], []))
    directive = SimpleNamespace(state=state, lineno=7)  # Sphinx < 7.4: no SphinxDirective.parse_inline
    assert compat.parse_inline(directive, "A *caption*") == (["n"], [])
    assert calls == [("A *caption*", 7)]


def test_builder_name_without_the_deprecated_env_app():
    class Html:
        name = "html"

    new_env = SimpleNamespace(_builder_cls=Html)  # Sphinx 9: env.app is deprecated
    assert compat.builder_name(new_env) == "html"
    old_env = SimpleNamespace(app=SimpleNamespace(builder=SimpleNamespace(name="latex")))  # Sphinx 7.2
    assert compat.builder_name(old_env) == "latex"


def test_declared_lower_bound_is_the_tested_one():
    """pyproject.toml's ``sphinx>=`` is the version the CI script builds with."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    bounds = set(re.findall(r'"sphinx>=([0-9.]+)"', text))
    assert bounds == {".".join(map(str, compat.OLDEST_SPHINX))}
    script = (ROOT / ".ci" / "sphinx-versions").read_text(encoding="utf-8")
    assert '"sphinx>=' in script and "newest" in script
    assert "bash .ci/sphinx-versions" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_extension_source_uses_the_shims():
    """No direct use of the version-dependent APIs outside the compat module."""
    for path in (ROOT / "sphinx_ncd" / "sphinxext").glob("*.py"):
        if path.name == "compat.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "current_document" not in text, path.name
        assert "description=" not in text or "add_config_value" not in text, path.name
        assert "self.parse_inline(" not in text, path.name
        assert "env.app." not in text, path.name


def test_ci_runs_the_readme_test_command():
    """The README opens with two commands (set up and build, run the tests); CI runs the same test command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#", 1)[0].strip() for line in first.splitlines() if line.strip()]
    assert len(commands) == 2 and commands[0] == "bash scripts/demo.sh"
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.startswith("#")]
    assert ci[-1] == commands[1]
    assert "bash scripts/install.sh" in ci
