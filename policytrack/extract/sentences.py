"""Sentences and clauses with offsets into the document text.

Records quote the clause that states them (gold quotes are clause-sized), and
context such as 到2025年 or a 责任单位 tag applies to a whole sentence or task
paragraph, so the extractor works on these three granularities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# a web copy that lost its full stops runs a figure into the next sentence's year
# (…提高到80%2021年推进…): a boundary between them
_GLUED = r"|(?<=[%％])(?=(?:19|20)\d\d\s*年)"
_SENT_END = re.compile(r"[。！？!?；;\n|●■▲◆]+" + _GLUED)
_CLAUSE_END = re.compile(r"[，,：:\t。！？!?；;\n|●■▲◆]+" + _GLUED)


@dataclass
class Piece:
    start: int
    end: int


def _split(text: str, rx: re.Pattern[str], start: int, end: int) -> list[Piece]:
    out: list[Piece] = []
    pos = start
    for m in rx.finditer(text, start, end):
        if m.start() > pos:
            out.append(Piece(pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append(Piece(pos, end))
    return [p for p in (_strip(text, p) for p in out) if p.end > p.start]


def _strip(text: str, p: Piece) -> Piece:
    s, e = p.start, p.end
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return Piece(s, e)


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Piece]:
    return _split(text, _SENT_END, start, len(text) if end is None else end)


def clauses(text: str, start: int, end: int) -> list[Piece]:
    return _split(text, _CLAUSE_END, start, end)


def lines(text: str) -> list[Piece]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append(Piece(pos, pos + len(line)))
        pos += len(line) + 1
    return out
