"""Which extractor produced a document's stored records.

Document identity is the hash of its text, so an unchanged file is skipped; but
when the extractor improves, records stored by the older one would stay stale
forever.  Each stored document therefore carries the version that extracted it,
and an unchanged document whose version differs is re-extracted.  The version is
the hand-bumped `EXTRACTOR_VERSION` (code changes) plus a hash of the lexicon data
files (catalogue and cue edits, which change output without any code change).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

# Lexicon files other layers own (search and track read them; extract cannot import those layers),
# so editing them must not force every document to be re-extracted.
_NOT_EXTRACTION = ("search_", "track_")
_DATA_SUFFIXES = (".yaml", ".yml", ".json", ".txt", ".tsv", ".csv")


def lexicon_files() -> list[str]:
    """Names of the data files whose content feeds the version, sorted."""
    root = resources.files("policytrack.lexicons")
    return sorted(
        f.name for f in root.iterdir()
        if f.is_file() and f.name.endswith(_DATA_SUFFIXES) and not f.name.startswith(_NOT_EXTRACTION)
    )


@lru_cache(maxsize=1)
def extraction_version() -> str:
    """"<EXTRACTOR_VERSION>-<12 hex of the lexicon files' sha256>", computed once per process."""
    from policytrack.extract import EXTRACTOR_VERSION

    root = resources.files("policytrack.lexicons")
    h = hashlib.sha256()
    for name in lexicon_files():
        h.update(name.encode("utf-8") + b"\0")
        h.update(root.joinpath(name).read_bytes())
        h.update(b"\0")
    return f"{EXTRACTOR_VERSION}-{h.hexdigest()[:12]}"
