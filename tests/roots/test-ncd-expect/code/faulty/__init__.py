"""Models for the expected-failure test root (a package, as a project keeps its code)."""
