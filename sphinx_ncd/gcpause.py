"""Shared by the model and render stages: pause Python's cyclic garbage collector.

Parsing and layout allocate many small acyclic records and free them all at
once; generational collections would rescan the growing heap again and again
and make long specs superlinear.  Reference counting still frees everything,
and the collector's previous state is restored afterwards.
"""
from __future__ import annotations

import gc

__all__ = ["paused_gc"]


class paused_gc:  # lower case: used as ``with paused_gc():``, as when it was a generator
    """``with paused_gc():`` runs its body with the collector off, then restores its previous state.  A class,
    not a ``contextmanager`` generator: it is entered once per parse and per render, and the generator's
    machinery cost more than the pause itself."""

    __slots__ = ("enabled",)

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc) -> bool:
        if self.enabled:
            gc.enable()
        return False
