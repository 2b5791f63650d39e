"""Document identity: the hash of the normalised text.

The same document saved as PDF and re-exported, or re-downloaded with different
line wrapping, should count as "unchanged"; so the identity ignores NFKC-level
variants (full-width digits, compatibility characters) and whitespace runs.
Light on purpose: ingest workers import it to name records before storing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def document_id(text: str) -> str:
    """sha256 hex of the normalised text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def file_digest(path: str | Path) -> tuple[str, int]:
    """(sha256 hex, size in bytes) of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size
