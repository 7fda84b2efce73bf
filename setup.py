"""Build script for sphinx_ncd (metadata lives in pyproject.toml)."""
from setuptools import setup

setup()
