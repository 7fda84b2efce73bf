import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # toy.py, for autodoc and viewcode
extensions = ["sphinx_ncd", "sphinx.ext.autodoc", "sphinx.ext.linkcode"]  # a test swaps linkcode for viewcode
project = "ncd-interactive"
html_theme = "furo"  # the tests override it (furo, sphinx_rtd_theme)
html_static_path = ["_static"]
html_extra_path = ["extra"]
# lets a test pick furo's explicit light/dark toggle with ?theme=dark / ?theme=light
html_js_files = ["pick-theme.js"]


def linkcode_resolve(domain, info):
    """Only the toy module has a code page (the other diagram falls back to its source line)."""
    if domain == "py" and info.get("module") == "toy":
        return f"code.html#{info['fullname']}"
    return None
