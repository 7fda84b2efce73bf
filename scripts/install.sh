#!/usr/bin/env bash
# Install everything sphinx_ncd needs on a fresh Debian machine: system packages
# (TeX Live, latexmk, Graphviz for benchmark comparisons, Chromium for browser
# tests, poppler for PDF-to-PNG, epubcheck for the EPUB test), then the Python
# package with all its extras into the virtual environment .venv (Debian's own
# Python refuses `pip install` outside one: "externally-managed-environment").
# The venv sees the base Python's packages (--system-site-packages), so what is
# already installed there is not downloaded again.  PYTHON=/path/to/python
# installs into that interpreter instead (a venv or conda you already use).
# Safe to run again: each step is skipped when its result is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  texlive-latex-base texlive-latex-recommended texlive-latex-extra
  texlive-fonts-recommended latexmk lmodern fonts-lmodern
  graphviz chromium poppler-utils
  dvisvgm
  epubcheck
  python3-venv
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install: apt packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -n "${PYTHON:-}" ]; then
  PY="$PYTHON"
else
  if [ ! -x .venv/bin/python ]; then
    echo "install: creating the virtual environment .venv"
    python3 -m venv --system-site-packages .venv
  fi
  PY=.venv/bin/python
fi
# torch is pinned here (the package itself accepts a range): this version has a
# CPU build available locally; any other request pulls several GB of CUDA packages.
if ! "$PY" -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' 2>/dev/null; then
  "$PY" -m pip install -q torch==2.13.0
fi
# ".[all]" holds the test extra: pytest-xdist there runs the suite on every core (pyproject.toml addopts)
"$PY" -m pip install -q -e ".[all]"
# axe-core (npm) for the accessibility test of interactive diagrams, under .node/ (skipped without npm)
if [ ! -f .node/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null; then
    npm install --silent --no-audit --no-fund --prefix .node axe-core@4.14 >/dev/null
  else
    echo "install: npm not found: the axe-core accessibility test will be skipped"
  fi
fi
echo "install: done ($("$PY" -c 'import sys; print(sys.prefix)'))"
