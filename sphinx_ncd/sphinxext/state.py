"""Sphinx extension (integration): per-document records kept in the build environment.

Tables live on ``env`` (and nowhere else: no module-global state), each keyed
by docname: documents whose shape checks executed user code, documents whose
checks could not run because torch is missing (counts), named diagrams without
a caption (``{name: location}``) and the targets of ``:numref:`` roles in each
document -- a ``:numref:`` to an uncaptioned diagram can get no number, which
is reported at the diagram with the fix.  They are
purged when a document is re-read and merged back from parallel readers, and
after reading the main process logs one summary line each -- so "torch is not
installed" is said once per build, however many diagrams asked for a check.
"""
from __future__ import annotations

import importlib.util

from sphinx.util import logging

from .. import messages as msg
from . import compat

__all__ = ["TABLES", "record", "purge", "merge", "before_read", "summarize", "torch_available"]

logger = logging.getLogger("sphinx_ncd")

TABLES = ("ncd_executed", "ncd_no_torch", "ncd_uncaptioned", "ncd_numrefs")


def _table(env, name: str) -> dict:
    table = getattr(env, name, None)
    if table is None:
        table = {}
        setattr(env, name, table)
    return table


def record(env, table: str, docname: str) -> None:
    t = _table(env, table)
    t[docname] = t.get(docname, 0) + 1


def purge(app, env, docname: str) -> None:
    for name in TABLES:
        _table(env, name).pop(docname, None)


def merge(app, env, docnames, other) -> None:
    for name in TABLES:
        mine, theirs = _table(env, name), _table(other, name)
        for docname in docnames:
            if docname in theirs:
                mine[docname] = theirs[docname]


def before_read(app, env, docnames) -> None:
    """Remember which documents this build reads (the summary covers only those)."""
    app.ncd_reading = frozenset(docnames)


def summarize(app, env):
    reading = getattr(app, "ncd_reading", frozenset())
    executed = sorted(d for d in _table(env, "ncd_executed") if d in reading)
    if executed:
        logger.info(msg.SPHINX_EXECUTED_CODE.format(docs=", ".join(executed)))
    missing = {d: n for d, n in _table(env, "ncd_no_torch").items() if d in reading}
    if missing and app.config.ncd_check != "strict":
        logger.info(msg.SPHINX_CHECK_NO_TORCH.format(count=sum(missing.values())), color="darkred")
    return []


def note_uncaptioned(env, docname: str, name: str, location: str) -> None:
    _table(env, "ncd_uncaptioned").setdefault(docname, {})[name] = location


def collect_numrefs(app, doctree) -> None:
    """``doctree-read``: remember which labels this document's :numref: roles target."""
    from sphinx import addnodes

    targets = {node.get("reftarget", "") for node in doctree.findall(addnodes.pending_xref)
               if node.get("reftype") == "numref"}
    if targets:
        _table(app.env, "ncd_numrefs")[compat.docname(app.env)] = sorted(targets)


def check_numrefs(app, env) -> None:
    """``env-check-consistency``: a :numref: to a diagram without a caption, at the diagram."""
    wanted = {t.lower() for targets in _table(env, "ncd_numrefs").values() for t in targets}
    for docname, names in sorted(_table(env, "ncd_uncaptioned").items()):
        for name, location in sorted(names.items()):
            if name.lower() in wanted:
                logger.warning(msg.SPHINX_NAME_WITHOUT_CAPTION.format(name=name), location=location,
                               type="ncd", subtype="config")


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None
