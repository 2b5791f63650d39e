"""Assemble format-specific blocks into one ParsedDocument.

Every reader (PDF, DOCX, HTML, TXT) produces the same simple blocks (a paragraph of
text or a table, with its page), and this module does everything after that in one
place: cleaning, rendering tables as TAB rows, recording where pages and tables start
in the clean text, the outline, paragraphs and metadata.  So all formats give the same
text for the same content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from policytrack.extract.outline import build_outline
from policytrack.ingest.clean import clean_lines, normalize_chars, normalize_line
from policytrack.ingest.meta import apply_overrides, detect_meta
from policytrack.ingest.paragraphs import split_paragraphs
from policytrack.models import DocMeta, ParsedDocument, Table

_CJK_JOIN = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\n(?=[\u3000-\u9fff\uff00-\uffef0-9])")


@dataclass
class Block:
    text: str = ""
    page: int | None = None
    rows: list[list[str]] | None = None  # set for a table
    extra: dict = field(default_factory=dict)


def clean_cell(cell: str | None) -> str:
    """A cell's wrapped lines are one value: join CJK-to-CJK breaks without a space."""
    if not cell:
        return ""
    s = normalize_chars(cell)
    s = _CJK_JOIN.sub("", s)
    return normalize_line(s.replace("\n", " ").replace("\t", " "))


def assemble(
    blocks: list[Block],
    *,
    fmt: str,
    path: str | Path,
    web: bool,
    pages: int | None = None,
    overrides: DocMeta | dict | None = None,
) -> ParsedDocument:
    parts: list[str] = []
    page_starts: list[tuple[int, int]] = []
    tables: list[Table] = []
    pos = 0

    def add(line: str, page: int | None) -> int:
        nonlocal pos
        start = pos
        if page is not None and (not page_starts or page_starts[-1][1] != page):
            page_starts.append((start, page))
        parts.append(line)
        pos += len(line) + 1
        return start

    # consecutive text blocks of one page are cleaned in one call (cleaning is line by
    # line, so the result is the same; the per-call overhead is not, on pages made of
    # thousands of short <p>)
    pending: list[str] = []
    pending_page: int | None = None

    def flush() -> None:
        if pending:
            for line in clean_lines(normalize_chars("\n".join(pending)).split("\n"), web=web):
                add(line, pending_page)
            pending.clear()

    for b in blocks:
        if b.rows is None:
            if pending and b.page != pending_page:
                flush()
            pending.append(b.text)
            pending_page = b.page
            continue
        flush()
        if b.rows is not None:
            rows = [[clean_cell(c) for c in r] for r in b.rows]
            rows = [r for r in rows if any(r)]
            if not rows:
                continue
            t_start = None
            for r in rows:
                s = add("\t".join(r), b.page)
                t_start = s if t_start is None else t_start
            tables.append(Table(start=t_start, end=pos - 1, page=b.page, rows=rows))
    flush()
    text = "\n".join(parts)
    outline = build_outline(text)
    # a source URL given with the file (API uploads, --source) dates an undated web page
    source = overrides.source if isinstance(overrides, DocMeta) else (overrides or {}).get("source")
    meta = detect_meta(text, outline_titles=[n.title for n in outline], source=source)
    meta.source = Path(path).name
    meta = apply_overrides(meta, overrides)
    paragraphs = split_paragraphs(text, outline, page_starts=page_starts or None, tables=tables)
    return ParsedDocument(
        text=text, meta=meta, format=fmt, pages=pages, paragraphs=paragraphs, outline=outline, tables=tables
    )
