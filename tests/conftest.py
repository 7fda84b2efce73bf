"""Shared pytest configuration: the Sphinx testing fixtures (``app``, ``make_app``, ...)."""
pytest_plugins = ("sphinx.testing.fixtures",)
