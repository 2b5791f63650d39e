"""Column headers of row-style tables (TAB or " | " separated rows).

Why: in a key-work table the same kind of figure is a target in the
"2022年度任务目标" column and an achievement in the "1-9月份工作完成情况" column; a
cell under "资助人数" holds a count of people without writing 人.  The header row
of the table says which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .context import cues

_SPLIT = re.compile(r"\t|\|")
_UNIT_IN_HEADER = re.compile(r"[（(]\s*([^()（）\d]{1,6})\s*[)）]")
_PLAIN_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")


@dataclass
class Cell:
    start: int
    end: int
    header: str | None


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for m in _SPLIT.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    return out


def table_cells(text: str) -> dict[int, list[Cell]]:
    """For each table line (by its start offset): its cells with the header of their column."""
    out: dict[int, list[Cell]] = {}
    header: list[str] | None = None
    pos = 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        if "|" not in line and "\t" not in line:
            if line.strip():
                header = None
            continue
        cells = _cells(text, s, e)
        texts = [text[a:b].strip() for a, b in cells]
        filled = [t for t in texts if t]
        if len(filled) >= 3 and all(len(t) <= 16 and not re.search(r"[。，,]", t) and not re.search(r"\d{3,}", re.sub(r"(?:19|20)\d\d", "", t)) for t in filled):
            header = texts
            continue
        if header is None:
            continue
        # a merged cell (类别 spanning rows) leaves later rows short on the left: align right
        n = len(cells)
        while n and not texts[n - 1]:
            n -= 1
        hn = len(header)
        while hn and not header[hn - 1]:
            hn -= 1
        shift = hn - n if 0 < n < hn else 0
        out[s] = [Cell(a, b, header[k + shift] if k + shift < len(header) else None) for k, (a, b) in enumerate(cells)]
    return out


def cell_at(cells: dict[int, list[Cell]], line_start: int, offset: int) -> Cell | None:
    for c in cells.get(line_start, []):
        if c.start <= offset <= c.end:
            return c
    return None


def header_bias(header: str | None) -> int:
    """+3 under a target column, -3 under a results column, 0 otherwise."""
    if not header:
        return 0
    c = cues()
    if any(w in header for w in c["column_result_words"]):
        return -3
    if any(w in header for w in c["column_target_words"]):
        return 3
    return 0


def header_unit(header: str | None) -> str | None:
    """The unit a header gives its plain-number cells: 资助金额(万元) → 万元, 资助人数 → 人."""
    if not header:
        return None
    m = _UNIT_IN_HEADER.search(header)
    if m:
        return m.group(1).strip()
    for suffix, unit in cues()["column_count_units"].items():
        if header.endswith(suffix):
            return unit
    return None


def plain_number(s: str) -> float | None:
    m = _PLAIN_NUMBER.match(s)
    return float(m.group(1)) if m else None
