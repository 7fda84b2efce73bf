"""Gallery tests: make the gallery's code package (demo_docs/code) importable."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "demo_docs" / "code"
if str(CODE) not in sys.path:
    sys.path.insert(0, str(CODE))
