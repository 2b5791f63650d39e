"""Highlighted snippets: the part of a hit that shows why it matched.

Marking works on the original text by substring, not by re-segmenting it:
jieba may cut a sentence differently from the isolated query word, and a
reader wants to see 班额 marked inside 大班额 either way.  Output is HTML-safe
(`<mark>` around matches, everything else escaped) so the web page and the
JSON API can show it as is.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


def _phrase_pattern(phrase: tuple[str, ...]) -> str:
    # tokens were split out of running text: allow optional whitespace between them
    return r"\s*".join(re.escape(t) for t in phrase)


@lru_cache(maxsize=256)
def _compile(phrases: tuple[tuple[str, ...], ...]) -> re.Pattern[str] | None:
    pats = sorted({_phrase_pattern(p) for p in phrases if p and "".join(p)}, key=len, reverse=True)
    if not pats:
        return None
    return re.compile("|".join(pats), re.IGNORECASE)


def find_marks(text: str, phrases: tuple[tuple[str, ...], ...]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of the phrases in text, longest alternative first."""
    pat = _compile(tuple(sorted(set(phrases))))
    if pat is None or not text:
        return []
    return [(m.start(), m.end()) for m in pat.finditer(text) if m.end() > m.start()]


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    """HTML-escape text and wrap each span in <mark>."""
    out, pos = [], 0
    for s, e in spans:
        out.append(html.escape(text[pos:s], quote=False))
        out.append(MARK_OPEN + html.escape(text[s:e], quote=False) + MARK_CLOSE)
        pos = e
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def snippet(text: str, phrases: tuple[tuple[str, ...], ...], width: int = 160) -> tuple[str, list[str]]:
    """A window of about `width` characters around the densest matches, marked.

    Returns the HTML snippet and the distinct matched strings (for `why`).
    """
    text = text or ""
    spans = find_marks(text, phrases)
    matched = list(dict.fromkeys(text[s:e] for s, e in spans))
    if len(text) <= width:
        return mark(text, spans), matched
    if not spans:
        return html.escape(text[:width], quote=False) + "…", matched
    # choose the window start that covers the most matches
    best_start, best_n = spans[0][0], 0
    for s, _ in spans:
        n = sum(1 for s2, e2 in spans if s <= s2 and e2 <= s + width)
        if n > best_n:
            best_start, best_n = s, n
    start = max(0, min(best_start - width // 4, len(text) - width))
    end = min(len(text), start + width)
    inner = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]
    body = mark(text[start:end], inner)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else ""), matched
