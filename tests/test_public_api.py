"""The public API stays callable however the stage modules were imported.

Importing a subpackage sets an attribute of the same name on its parent package;
a stage package named like a public function (``sphinx_ncd.render``,
``sphinx_ncd.check``) would replace that function the first time anything
imported the stage directly.
"""
import subprocess
import sys

import sphinx_ncd

SPEC = "input X: y m\nY = L[lin] X : m -> k\noutput Y\n"


def test_public_functions_survive_importing_every_stage():
    code = (
        "import importlib, pkgutil, sphinx_ncd\n"
        "for mod in pkgutil.walk_packages(sphinx_ncd.__path__, 'sphinx_ncd.'):\n"
        "    if not mod.name.startswith('sphinx_ncd.sphinxext') and not mod.name.endswith('__main__'):\n"
        "        importlib.import_module(mod.name)\n"
        "for name in ('parse', 'render', 'describe', 'check', 'setup'):\n"
        "    value = getattr(sphinx_ncd, name)\n"
        "    assert callable(value) and type(value).__name__ == 'function', (name, value)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_parse_render_describe_through_the_package():
    diagram = sphinx_ncd.parse(SPEC, filename="api.ncd")
    assert diagram.signature == "y m -> y k"
    svg = sphinx_ncd.render(diagram)
    assert svg.startswith("<svg") and "</svg>" in svg
    assert sphinx_ncd.render(diagram, format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert "y m" in sphinx_ncd.describe(diagram)
