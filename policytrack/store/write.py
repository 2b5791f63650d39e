"""Writing one document with everything that hangs off it, all or nothing.

A document, its passages, its records and their FTS rows go in one
`BEGIN IMMEDIATE` transaction, so a process killed mid-batch leaves each
document either whole or absent.  The "unchanged" check happens before the
transaction opens and writes nothing at all (not even a timestamp), so
re-running an ingest over the same folder is free and leaves the file as it was.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from policytrack.models import Commitment, DocMeta, IngestOutcome, ParsedDocument, Paragraph, Progress, assign_id

from .db import write_transaction
from .ids import document_id

META_COLUMNS = ("title", "notice_title", "issuer", "date", "doc_number", "index_no", "region",
                "admin_level", "doc_type", "report_year", "source")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def record_tokens_source(rec: Commitment | Progress) -> str:
    """What a record's FTS row indexes (see the FTS contract in schema.py)."""
    parts = [rec.quote, rec.indicator]
    if isinstance(rec, Commitment):
        parts.extend(rec.departments)
    return "\n".join(p for p in parts if p)


def passages_of(parsed: ParsedDocument) -> list[Paragraph]:
    """The parser's paragraphs; when it gave none, one passage per non-empty line."""
    if parsed.paragraphs:
        return [p for p in parsed.paragraphs if parsed.text[p.start:p.end].strip()]
    out, pos = [], 0
    for line in parsed.text.splitlines(keepends=True):
        if line.strip():
            out.append(Paragraph(start=pos, end=pos + len(line.rstrip("\r\n"))))
        pos += len(line)
    return out


@dataclass
class PreparedDocument:
    """A parsed and extracted file, ready to store.

    Token lists may be computed by the (parallel) worker that parsed the file;
    when left None the store segments in the writing process."""

    parsed: ParsedDocument
    records: list[Commitment | Progress]
    source_path: str
    file_sha256: str | None = None
    file_size: int | None = None
    doc_id: str = ""
    passage_tokens: list[str] | None = None
    record_tokens: list[str] | None = None
    passages: list[Paragraph] = field(default_factory=list)
    # False when the worker skipped extraction because the document was already stored
    complete: bool = True

    def __post_init__(self) -> None:
        if not self.doc_id:
            self.doc_id = document_id(self.parsed.text)
        if not self.passages:
            self.passages = passages_of(self.parsed)
        seen: set[str] = set()
        recs = []
        for r in self.records:
            if r.doc != self.doc_id or not r.id:  # ids embed the document id, so name it first
                r.doc = self.doc_id
                assign_id(r)
            if r.id not in seen:
                seen.add(r.id)
                recs.append(r)
        self.records = recs


def _counts(records: list[Commitment | Progress]) -> tuple[int, int]:
    c = sum(1 for r in records if r.type == "commitment")
    return c, len(records) - c


def store_document(
    conn: sqlite3.Connection,
    prep: PreparedDocument,
    tokens: Callable[[str], str],
    *,
    _fail_after: Callable[[str], None] | None = None,
) -> IngestOutcome:
    """Store one prepared document; returns its outcome.  `_fail_after(stage)` is a test hook."""
    meta = prep.parsed.meta
    title = meta.title
    n_c, n_p = _counts(prep.records)

    def outcome(status: str) -> IngestOutcome:
        return IngestOutcome(path=prep.source_path, status=status, doc_id=prep.doc_id, title=title, records=len(prep.records))

    existing = conn.execute("SELECT id, title FROM documents WHERE id = ?", (prep.doc_id,)).fetchone()
    if existing is not None:
        title = existing["title"]
        # a success clears an earlier failure of this path; only then is anything written
        if conn.execute("SELECT 1 FROM failures WHERE path = ? AND resolved_at IS NULL", (prep.source_path,)).fetchone():
            with write_transaction(conn):
                conn.execute("UPDATE failures SET resolved_at = ? WHERE path = ? AND resolved_at IS NULL",
                             (now_iso(), prep.source_path))
        n = conn.execute("SELECT n_commitments + n_progress FROM documents WHERE id = ?", (prep.doc_id,)).fetchone()[0]
        out = outcome("unchanged")
        out.records = int(n)
        return out

    if not prep.complete:
        raise RuntimeError(f"{prep.source_path}: the document was stored when parsing began but is gone now; ingest it again")

    # segmentation is slow: do it before taking the write lock
    p_tokens = prep.passage_tokens
    if p_tokens is None or len(p_tokens) != len(prep.passages):
        p_tokens = [tokens(prep.parsed.text[p.start:p.end]) for p in prep.passages]
    r_tokens = prep.record_tokens
    if r_tokens is None or len(r_tokens) != len(prep.records):
        r_tokens = [tokens(record_tokens_source(r)) for r in prep.records]

    hook = _fail_after or (lambda stage: None)
    try:
        return _insert(conn, prep, meta, n_c, n_p, p_tokens, r_tokens, hook, outcome)
    except _StoredMeanwhile:
        return store_document(conn, prep, tokens)  # another writer stored it first: now "unchanged"


class _StoredMeanwhile(Exception):
    """The document appeared between the unchanged check and the write lock."""


def _insert(conn: sqlite3.Connection, prep: PreparedDocument, meta: DocMeta, n_c: int, n_p: int,
            p_tokens: list[str], r_tokens: list[str], hook: Callable[[str], None],
            outcome: Callable[[str], IngestOutcome]) -> IngestOutcome:
    with write_transaction(conn):
        if conn.execute("SELECT 1 FROM documents WHERE id = ?", (prep.doc_id,)).fetchone():
            raise _StoredMeanwhile
        prev = conn.execute(
            "SELECT id, version FROM documents WHERE source_path = ? AND status = 'current' ORDER BY version DESC",
            (prep.source_path,),
        ).fetchall()
        version = (max(r["version"] for r in prev) + 1) if prev else 1
        at = now_iso()
        cols = {
            "id": prep.doc_id,
            "source_path": prep.source_path,
            "file_name": Path(prep.source_path).name,
            "format": prep.parsed.format,
            "file_sha256": prep.file_sha256,
            "file_size": prep.file_size,
            **{k: getattr(meta, k) for k in META_COLUMNS},
            "source": meta.source or Path(prep.source_path).name,  # what listings cite when the parser knew no URL
            "pages": prep.parsed.pages,
            "text": prep.parsed.text,
            "outline": json.dumps([n.model_dump() for n in prep.parsed.outline], ensure_ascii=False),
            "tables": json.dumps([t.model_dump() for t in prep.parsed.tables], ensure_ascii=False),
            "meta": meta.model_dump_json(),
            "version": version,
            "status": "current",
            "n_commitments": n_c,
            "n_progress": n_p,
            "ingested_at": at,
        }
        conn.execute(
            f"INSERT INTO documents ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", list(cols.values())
        )
        hook("document")
        for old in prev:
            conn.execute("UPDATE documents SET status = 'superseded', superseded_by = ? WHERE id = ?",
                         (prep.doc_id, old["id"]))
        for seq, (p, tok) in enumerate(zip(prep.passages, p_tokens)):
            cur = conn.execute(
                'INSERT INTO passages (doc_id, seq, start, "end", page, section, kind, text) VALUES (?,?,?,?,?,?,?,?)',
                (prep.doc_id, seq, p.start, p.end, p.page, p.section, p.kind, prep.parsed.text[p.start:p.end]),
            )
            conn.execute("INSERT INTO passages_fts (rowid, tokens) VALUES (?, ?)", (cur.lastrowid, tok))
        hook("passages")
        for rec, tok in zip(prep.records, r_tokens):
            if isinstance(rec, Commitment):
                value = rec.target.value if rec.target else None
                deadline, year = rec.deadline, None
            else:
                value, deadline, year = rec.value, None, rec.year
            cur = conn.execute(
                "INSERT INTO records (id, doc_id, type, indicator_id, region, deadline, year, value, json)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (rec.id, prep.doc_id, rec.type, rec.indicator_id, rec.region or meta.region, deadline, year, value,
                 rec.model_dump_json()),
            )
            conn.execute("INSERT INTO records_fts (rowid, tokens) VALUES (?, ?)", (cur.lastrowid, tok))
        hook("records")
        conn.execute("UPDATE failures SET resolved_at = ? WHERE path = ? AND resolved_at IS NULL", (at, prep.source_path))
    return outcome("new_version" if prev else "ingested")


def record_failure(conn: sqlite3.Connection, path: str, reason: str) -> None:
    """Remember a failed file (one row per attempt; the latest unresolved one is shown)."""
    with write_transaction(conn):
        conn.execute("INSERT INTO failures (path, file_name, reason, at) VALUES (?,?,?,?)",
                     (path, Path(path).name, reason, now_iso()))
