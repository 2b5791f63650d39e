"""Writing one document with everything that hangs off it, all or nothing.

A document, its passages, its records and their FTS rows go in one
`BEGIN IMMEDIATE` transaction, so a process killed mid-batch leaves each
document either whole or absent.  The "unchanged" check happens before the
transaction opens and writes nothing at all (not even a timestamp), so
re-running an ingest over the same folder is free and leaves the file as it was.

Re-extraction (a newer extractor, same text) swaps a document's records and their
FTS rows in one transaction too, and carries manual link decisions over to the
new record ids, so what a person checked is never lost to an extractor upgrade.
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
    # policytrack.ingest.extraction.extraction_version() of the extractor that made `records`;
    # None = unknown (never triggers a re-extraction of a stored document)
    extract_version: str | None = None

    def __post_init__(self) -> None:
        if not self.doc_id:
            self.doc_id = document_id(self.parsed.text)
        if not self.passages:
            self.passages = passages_of(self.parsed)
        self.records = name_records(self.records, self.doc_id)


def name_records(records: list[Commitment | Progress], doc_id: str) -> list[Commitment | Progress]:
    """Records with ids that embed the document id, duplicates (same id) dropped."""
    seen: set[str] = set()
    recs = []
    for r in records:
        if r.doc != doc_id or not r.id:  # ids embed the document id, so name it first
            r.doc = doc_id
            assign_id(r)
        if r.id not in seen:
            seen.add(r.id)
            recs.append(r)
    return recs


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

    existing = conn.execute("SELECT id, title, extract_version FROM documents WHERE id = ?", (prep.doc_id,)).fetchone()
    if existing is not None:
        title = existing["title"]
        if prep.complete and prep.extract_version is not None and existing["extract_version"] != prep.extract_version:
            replace_records(conn, prep.doc_id, prep.records, tokens, prep.extract_version,
                            record_tokens=prep.record_tokens, _fail_after=_fail_after)
            if conn.execute("SELECT 1 FROM failures WHERE path = ? AND resolved_at IS NULL", (prep.source_path,)).fetchone():
                with write_transaction(conn):
                    conn.execute("UPDATE failures SET resolved_at = ? WHERE path = ? AND resolved_at IS NULL",
                                 (now_iso(), prep.source_path))
            return outcome("re_extracted")
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
            "extract_version": prep.extract_version,
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
        _insert_records(conn, prep.doc_id, prep.records, r_tokens, meta.region)
        hook("records")
        conn.execute("UPDATE failures SET resolved_at = ? WHERE path = ? AND resolved_at IS NULL", (at, prep.source_path))
    return outcome("new_version" if prev else "ingested")


def _insert_records(conn: sqlite3.Connection, doc_id: str, records: list[Commitment | Progress],
                    r_tokens: list[str], doc_region: str | None, first_rid: int | None = None) -> None:
    """`first_rid`: number the rows from here instead of SQLite's max+1, so replaced
    records never reuse the rowids of the ones they replace (readers such as the search
    cache notice a change by the highest rowid)."""
    for k, (rec, tok) in enumerate(zip(records, r_tokens)):
        if isinstance(rec, Commitment):
            value = rec.target.value if rec.target else None
            deadline, year = rec.deadline, None
        else:
            value, deadline, year = rec.value, None, rec.year
        cur = conn.execute(
            "INSERT INTO records (rid, id, doc_id, type, indicator_id, region, deadline, year, value, json)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (None if first_rid is None else first_rid + k, rec.id, doc_id, rec.type, rec.indicator_id,
             rec.region or doc_region, deadline, year, value, rec.model_dump_json()),
        )
        conn.execute("INSERT INTO records_fts (rowid, tokens) VALUES (?, ?)", (cur.lastrowid, tok))


def _match_key(rec: Commitment | Progress) -> tuple:
    """What a record says, without where it sits: a re-extracted record with the same
    key is the same promise or figure even when its offsets (hence its id) moved."""
    ind = rec.indicator_id or "".join(rec.indicator.split())
    if isinstance(rec, Commitment):
        t = rec.target
        return ("commitment", ind, t.value if t else None, t.unit if t else None, rec.deadline, rec.region)
    return ("progress", ind, rec.value, rec.unit, rec.year, rec.region)


def _carry_decisions(conn: sqlite3.Connection, old: list[sqlite3.Row], new: list[Commitment | Progress]) -> int:
    """Point manual link decisions at the new ids of records that only moved.

    An old id still produced by the new extractor needs nothing; an old id that is
    gone is matched to the new record with the same `_match_key` (nearest start
    offset when several).  Decisions whose record has no counterpart are left as
    they are: their fallback keys (track/decisions.py) may still find it later."""
    new_ids = {r.id for r in new}
    by_key: dict[tuple, list[Commitment | Progress]] = {}
    for r in new:
        by_key.setdefault(_match_key(r), []).append(r)
    moved = 0
    for row in old:
        if row["id"] in new_ids:
            continue
        col = "commitment_id" if row["type"] == "commitment" else "progress_id"
        if not conn.execute(f"SELECT 1 FROM track_link_decisions WHERE {col} = ? LIMIT 1", (row["id"],)).fetchone():
            continue
        rec = (Commitment if row["type"] == "commitment" else Progress).model_validate_json(row["json"])
        cands = by_key.get(_match_key(rec))
        if not cands:
            continue
        target = min(cands, key=lambda r: abs(r.start - rec.start))
        # OR IGNORE: a decision already made on the new pair is newer and wins
        moved += conn.execute(f"UPDATE OR IGNORE track_link_decisions SET {col} = ? WHERE {col} = ?",
                              (target.id, row["id"])).rowcount
    return moved


def replace_records(
    conn: sqlite3.Connection,
    doc_id: str,
    records: list[Commitment | Progress],
    tokens: Callable[[str], str],
    extract_version: str | None,
    *,
    record_tokens: list[str] | None = None,
    _fail_after: Callable[[str], None] | None = None,
) -> tuple[int, int]:
    """Swap a stored document's records (and their FTS rows) for a new extraction of
    the same text, in one transaction; returns (commitments, progress)."""
    records = name_records(list(records), doc_id)
    r_tokens = record_tokens
    if r_tokens is None or len(r_tokens) != len(records):
        r_tokens = [tokens(record_tokens_source(r)) for r in records]  # before taking the write lock
    n_c, n_p = _counts(records)
    hook = _fail_after or (lambda stage: None)
    with write_transaction(conn):
        doc = conn.execute("SELECT region FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if doc is None:
            raise LookupError(f"no stored document {doc_id}")
        old = conn.execute("SELECT rid, id, type, json FROM records WHERE doc_id = ?", (doc_id,)).fetchall()
        top = conn.execute("SELECT COALESCE(MAX(rid), 0) FROM records").fetchone()[0]
        conn.executemany("DELETE FROM records_fts WHERE rowid = ?", [(r["rid"],) for r in old])
        conn.execute("DELETE FROM records WHERE doc_id = ?", (doc_id,))
        hook("deleted")
        _insert_records(conn, doc_id, records, r_tokens, doc["region"], first_rid=top + 1)
        hook("records")
        _carry_decisions(conn, old, records)
        conn.execute("UPDATE documents SET n_commitments = ?, n_progress = ?, extract_version = ? WHERE id = ?",
                     (n_c, n_p, extract_version, doc_id))
    return n_c, n_p


def record_failure(conn: sqlite3.Connection, path: str, reason: str) -> None:
    """Remember a failed file (one row per attempt; the latest unresolved one is shown)."""
    with write_transaction(conn):
        conn.execute("INSERT INTO failures (path, file_name, reason, at) VALUES (?,?,?,?)",
                     (path, Path(path).name, reason, now_iso()))
