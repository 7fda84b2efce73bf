"""Build script for sphinx_ncd (metadata lives in pyproject.toml).

The block libraries in the top-level ``templates/`` directory ship inside the
package as ``sphinx_ncd/templates/*.ncd`` (``use NAME`` finds them there after
a regular install, and in ``templates/`` in a source checkout).

Building writes nothing into the source tree: setuptools' ``build/`` and
``*.egg-info`` directories go to a per-checkout folder under the system's
temporary directory (a read-only checkout builds too).
"""
import hashlib
import shutil
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithTemplates(build_py):
    """build_py that also copies templates/*.ncd into the built package."""

    def run(self):
        super().run()
        source = HERE / "templates"
        if source.is_dir():
            target = Path(self.build_lib) / "sphinx_ncd" / "templates"
            target.mkdir(parents=True, exist_ok=True)
            for path in sorted(source.glob("*.ncd")):
                shutil.copy2(path, target / path.name)


SCRATCH = Path(tempfile.gettempdir()) / ("sphinx_ncd-build-" + hashlib.sha256(str(HERE).encode()).hexdigest()[:12])
SCRATCH.mkdir(parents=True, exist_ok=True)

setup(cmdclass={"build_py": BuildWithTemplates},
      options={"build": {"build_base": str(SCRATCH / "build")},
               "egg_info": {"egg_base": str(SCRATCH)}})
