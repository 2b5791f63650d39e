"""Sentences and clauses with offsets into the document text.

Records quote the clause that states them (gold quotes are clause-sized), and
context such as 到2025年 or a 责任单位 tag applies to a whole sentence or task
paragraph, so the extractor works on these three granularities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Sentence and clause boundaries: runs of separators, and the position after a % that a
# year follows (a web copy that lost its full stops runs a figure into the next sentence's
# year: …提高到80%2021年推进…).  Two scans the regex engine runs fast (each opens with a
# character class, so it skips to candidate characters); a glued position never falls
# inside or at the edge of a run (its neighbours are % and a digit).
_SENT_RUN = re.compile(r"[。！？!?；;\n|●■▲◆]+")
_CLAUSE_RUN = re.compile(r"[，,：:\t。！？!?；;\n|●■▲◆]+")
_GLUED_AT = re.compile(r"[%％](?=(?:19|20)\d\d\s*年)")


@dataclass
class Piece:
    start: int
    end: int


def _split(text: str, rx: re.Pattern[str], start: int, end: int) -> list[Piece]:
    # the pieces between separators, trimmed of whitespace, empty ones dropped (built in
    # one pass: this runs for every sentence and clause of every document)
    bounds: list[tuple[int, int]] = []
    pos = start
    cuts = [m.span() for m in rx.finditer(text, start, end)]
    if text.find("%", start, end) >= 0 or text.find("％", start, end) >= 0:
        glued = [(g.end(), g.end()) for g in _GLUED_AT.finditer(text, start, end) if g.end() > start]
        if glued:
            cuts = sorted(cuts + glued)
    for a, b in cuts:
        if a > pos:
            bounds.append((pos, a))
        pos = b
    if pos < end:
        bounds.append((pos, end))
    out: list[Piece] = []
    for s, e in bounds:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append(Piece(s, e))
    return out


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Piece]:
    return _split(text, _SENT_RUN, start, len(text) if end is None else end)


_CLOSE = re.compile(r"[^（(）)，,。；;]{1,30}?[)）]")


def clauses(text: str, start: int, end: int) -> list[Piece]:
    """Clauses of a sentence; a clause that opens inside a parenthesis closed before its own
    text ((责任单位：市教育局，各乡镇)全面消除“大班额”) starts after the closing mark."""
    out = _split(text, _CLAUSE_RUN, start, end)
    for i, c in enumerate(out):
        m = _CLOSE.match(text, c.start, c.end)
        if m is not None and m.end() < c.end:
            out[i] = Piece(m.end(), c.end)
    return out


def lines(text: str) -> list[Piece]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append(Piece(pos, pos + len(line)))
        pos += len(line) + 1
    return out
