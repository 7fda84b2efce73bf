"""Shared by the model and render stages: pause Python's cyclic garbage collector.

Parsing and layout allocate many small acyclic records and free them all at
once; generational collections would rescan the growing heap again and again
and make long specs superlinear.  Reference counting still frees everything,
and the collector's previous state is restored afterwards.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
