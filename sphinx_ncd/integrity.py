"""Shared by the integrations (Sphinx, LaTeX): a cached file proves itself before it is served.

Every rendered file a cache keeps is stored with a SHA-256 of its bytes (the
integration decides where: a comment line in an SVG, a sidecar beside a PDF),
and a reader serves it only when the digest matches *and* the bytes have the
shape of their format (an SVG that ends in ``</svg>``, a PDF from ``%PDF-`` to
``%%EOF``, a PNG from its signature to ``IEND``).  Random bytes, bad UTF-8, a
truncated or zeroed file, a corrupt PDF: each fails one of the two, and the
caller renders the diagram again (with a warning) instead of crashing or
serving a broken drawing forever.
"""
from __future__ import annotations

import hashlib

__all__ = ["digest", "format_problem", "DIGEST_LENGTH"]

DIGEST_LENGTH = 64  # hex digits of SHA-256 kept (all of them: a checksum, not a name)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


def digest(*parts: bytes) -> str:
    """The hex SHA-256 over ``parts`` (each length-prefixed, so the split is part of the digest)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def format_problem(data: bytes, fmt: str) -> str | None:
    """Why ``data`` is not a plausible ``fmt`` file (svg, pdf, png), or None when it is."""
    if not data or not data.strip(b"\0"):
        return "empty or zeroed"
    if fmt == "svg":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return "not UTF-8"
        if "<svg" not in text[:4096] or not text.rstrip().endswith("</svg>"):
            return "not a complete SVG"
        return None
    if fmt == "pdf":
        tail = data[-1024:].rstrip()
        if not data.startswith(b"%PDF-") or not tail.endswith(b"%%EOF") or b"startxref" not in tail:
            return "not a complete PDF"
        return None
    if fmt == "png":
        if not data.startswith(_PNG_SIGNATURE) or not data.endswith(_PNG_END):
            return "not a complete PNG"
        return None
    return None
