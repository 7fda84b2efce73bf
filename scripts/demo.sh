#!/usr/bin/env bash
# The main job: install everything (into .venv, see install.sh), then build the
# demo documentation (the paper's figures, each checked against its code) as
# HTML and as a PDF.
# Output: demo_docs/_build/html/index.html and demo_docs/_build/latex/*.pdf
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PY="${PYTHON:-.venv/bin/python}"
"$PY" -m sphinx -W -E --keep-going -b html demo_docs demo_docs/_build/html
"$PY" -m sphinx -M latexpdf demo_docs demo_docs/_build -W -E --keep-going   # -M must come first
echo "demo: HTML at demo_docs/_build/html/index.html"
echo "demo: PDF at demo_docs/_build/latex/$(sed -n 's/^ *("index", "\(.*\)\.tex".*/\1/p' demo_docs/conf.py).pdf"
