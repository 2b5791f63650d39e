"""Chinese word segmentation shared by extraction, the store's FTS index and search.

Index time and query time must segment identically, so there is exactly one
segmenter: jieba, with every indicator name/synonym and department name from
the data files added to its dictionary so domain terms stay whole
(学前三年毛入园率 must not become 学前/三年/毛/入园率).
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache

from . import load_yaml

_lock = threading.Lock()


def domain_terms() -> list[str]:
    """Every term the data files want kept whole by the segmenter."""
    terms: set[str] = set()
    try:
        for ind in load_yaml("indicators.yaml").get("indicators", []):
            terms.add(ind["name"])
            terms.update(ind.get("synonyms", []) or [])
    except FileNotFoundError:
        pass
    try:
        deps = load_yaml("departments.yaml")
        terms.update(deps.get("names", []) or [])
    except FileNotFoundError:
        pass
    return sorted(t for t in terms if t and len(t) >= 2)


@lru_cache(maxsize=1)
def tokenizer():
    """The process-wide jieba tokenizer with the domain dictionary loaded."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _lock:
        tk = jieba.Tokenizer()
        tk.initialize()
        for term in domain_terms():
            tk.add_word(term, freq=max(2000, 400 * len(term)))
    return tk


def cut(text: str) -> list[str]:
    """Segment text into words (whitespace and punctuation tokens included)."""
    return list(tokenizer().cut(text, HMM=True))


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Words with their character offsets in `text`."""
    return [(w, s, e) for w, s, e in tokenizer().tokenize(text, HMM=True)]


def index_tokens(text: str) -> str:
    """Space-joined searchable words (no whitespace/punctuation), lower-cased.

    This is what goes into FTS5 (unicode61 over pre-segmented words) and into
    Elasticsearch's whitespace-analysed fields, so both backends see the same
    tokens; queries pass through the same function.
    """
    out = []
    for w in tokenizer().cut(text, HMM=True):
        w = w.strip()
        if w and any(ch.isalnum() for ch in w):
            out.append(w.lower())
    return " ".join(out)
