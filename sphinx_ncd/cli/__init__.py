"""Command line (integration): the ``ncd`` and ``ncd-latex`` commands; see ``main``."""
