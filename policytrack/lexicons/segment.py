"""Chinese word segmentation shared by extraction, the store's FTS index and search.

Index time and query time must segment identically, so there is exactly one
segmenter: jieba, with every indicator name/synonym and department name from
the data files added to its dictionary so domain terms stay whole
(学前三年毛入园率 must not become 学前/三年/毛/入园率).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from math import log

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


# jieba's own block split (jieba.re_han_default / re_skip_default): words() must cut where it does
_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_SKIP = re.compile("(\\r\\n|\\s)")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ABSENT = object()


@lru_cache(maxsize=1)
def _log_probs() -> tuple[dict[str, float | None], float]:
    """jieba's prefix dictionary with each word's log-probability worked out once (None for a
    prefix that is no word), and the log-probability of an unknown character.

    Why: jieba's cut recomputes log(freq) for every candidate word of every character and
    builds a dict of lists per sentence; with the table `words()` runs the same search
    about twice as fast (+~40 MB, built on first use)."""
    tk = tokenizer()
    with _lock:
        total = log(tk.total)
        return {w: (log(f) - total if f else None) for w, f in tk.FREQ.items()}, -total


def _best_path(block: str, probs: dict[str, float | None], unknown: float) -> list[int]:
    """jieba's max-probability path through the block's word graph (get_DAG + calc fused):
    the same sums in the same order, ties to the longer word as max() over (score, end)
    gives them.  stop[i] is where the word starting at i ends."""
    n = len(block)
    score = [0.0] * (n + 1)
    stop = [0] * (n + 1)
    get = probs.get
    for i in range(n - 1, -1, -1):
        best = None
        j = i
        p = get(block[i], _ABSENT)
        while p is not _ABSENT:
            if p is not None:
                s = p + score[j + 1]
                if best is None or s >= best:
                    best, end = s, j
            j += 1
            if j >= n:
                break
            p = get(block[i:j + 1], _ABSENT)
        if best is None:
            best, end = unknown + score[i + 1], i
        score[i] = best
        stop[i] = end + 1
    return stop


def _walk_plain(block: str, stop: list[int], out: list[str]) -> None:
    """jieba's __cut_DAG_NO_HMM walk: lone ASCII letters/digits joined."""
    i, buf, n = 0, "", len(block)
    while i < n:
        j = stop[i]
        w = block[i:j]
        if j - i == 1 and w in _ASCII_ALNUM:
            buf += w
        else:
            if buf:
                out.append(buf)
                buf = ""
            out.append(w)
        i = j
    if buf:
        out.append(buf)


def _walk_hmm(block: str, stop: list[int], out: list[str], freq: dict[str, int], hmm_cut) -> None:
    """jieba's __cut_DAG walk: a run of single characters that is no dictionary word goes
    to jieba's HMM (`hmm_cut`, jieba.finalseg.cut), which may join unknown words."""

    def flush(buf: str) -> None:
        if len(buf) == 1:
            out.append(buf)
        elif not freq.get(buf):
            out.extend(hmm_cut(buf))
        else:
            out.extend(buf)

    i, buf, n = 0, "", len(block)
    while i < n:
        j = stop[i]
        if j - i == 1:
            buf += block[i]
        else:
            if buf:
                flush(buf)
                buf = ""
            out.append(block[i:j])
        i = j
    if buf:
        flush(buf)


def _cut(text: str, hmm: bool) -> list[str]:
    probs, unknown = _log_probs()
    if hmm:
        from jieba import finalseg

        freq = tokenizer().FREQ
    out: list[str] = []
    for blk in _HAN.split(text):
        if not blk:
            continue
        if _HAN.match(blk):
            stop = _best_path(blk, probs, unknown)
            if hmm:
                _walk_hmm(blk, stop, out, freq, finalseg.cut)
            else:
                _walk_plain(blk, stop, out)
        else:
            for x in _SKIP.split(blk):
                if _SKIP.match(x):
                    out.append(x)
                else:
                    out.extend(x)
    return out


def words(text: str) -> list[str]:
    """The words `tokenizer().cut(text, HMM=False)` yields (tests compare the two on real
    and generated text), about twice as fast: the extractor's spaCy Doc is built from them
    for every character of every document, so jieba's per-call overhead was a third of
    extraction time."""
    return _cut(text, False)


def cut(text: str) -> list[str]:
    """Segment text into words (whitespace and punctuation tokens included): the words
    `tokenizer().cut(text, HMM=True)` yields, by the same faster search as `words`."""
    return _cut(text, True)


def index_tokens(text: str) -> str:
    """Space-joined searchable words (no whitespace/punctuation), lower-cased.

    This is what goes into FTS5 (unicode61 over pre-segmented words) and into
    Elasticsearch's whitespace-analysed fields, so both backends see the same
    tokens; queries pass through the same function.
    """
    out = []
    for w in cut(text):
        w = w.strip()
        if w and any(ch.isalnum() for ch in w):
            out.append(w.lower())
    return " ".join(out)
