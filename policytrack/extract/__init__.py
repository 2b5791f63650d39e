"""Extraction: document text in, commitments and progress figures out.

Pure (no I/O beyond the data files).  The heavy imports (spaCy, jieba) happen
inside `extract_text`, so commands that only read the store never load them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policytrack.models import Commitment, DocMeta, Progress

# Bump by hand whenever a code change alters what extract_text returns for the same
# text: stored documents extracted by an older version are then re-extracted on the
# next ingest (the lexicon data files are hashed in separately, see
# policytrack/ingest/extraction.py).
EXTRACTOR_VERSION = 3


def extract_text(text: str, doc_meta: "DocMeta | dict | None" = None, *, doc: str = "") -> "list[Commitment | Progress]":
    """Every commitment and progress figure in text, sorted by start offset."""
    from .pipeline import run

    return run(text or "", doc_meta, doc=doc)
