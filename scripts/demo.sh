#!/usr/bin/env bash
# The main job: install everything, then build the demo documentation (the
# paper's figures, each checked against its code) as HTML and as a PDF.
# Output: demo_docs/_build/html/index.html and demo_docs/_build/latex/*.pdf
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PY="${PYTHON:-python3}"
"$PY" -m sphinx -W -E --keep-going -b html demo_docs demo_docs/_build/html
"$PY" -m sphinx -M latexpdf demo_docs demo_docs/_build -W -E --keep-going   # -M must come first
echo "demo: HTML at demo_docs/_build/html/index.html"
ls demo_docs/_build/latex/*.pdf | grep -v '/ncd-[0-9a-f]*\.pdf$' | sed 's/^/demo: PDF at /'  # not the per-diagram PDFs
