"""Versioned schema: an ordered list of migrations, tracked in `PRAGMA user_version`.

Migration N (1-based) brings the file from version N-1 to N.  Each runs in its
own `BEGIN IMMEDIATE` transaction together with the `user_version` bump, so a
crash mid-migration leaves the previous version intact, and two processes that
open a fresh file at once do not both apply it (the second re-reads the version
after taking the lock).  Never edit a released step: append a new one.

FTS contract (for search): `passages_fts(tokens)` has rowid = `passages.id`,
`records_fts(tokens)` has rowid = `records.rid`.  `tokens` is
`policytrack.lexicons.segment.index_tokens(...)` (space-joined, lower-cased
words), indexed with `unicode61 remove_diacritics 0`, so a query must be passed
through `index_tokens` too.  For a passage the tokens are of its text; for a
record of its quote, indicator and departments.  FTS rows are written and
deleted in the same transaction as the row they index.
"""

from __future__ import annotations

import sqlite3

from .db import write_transaction

MIGRATIONS: list[tuple[str, ...]] = [
    # v1: documents, passages, records, failures, FTS
    (
        """CREATE TABLE documents (
            id TEXT PRIMARY KEY,            -- sha256 of NFKC + whitespace-collapsed text
            source_path TEXT,
            file_name TEXT,
            format TEXT NOT NULL,
            file_sha256 TEXT,
            file_size INTEGER,
            title TEXT, notice_title TEXT, issuer TEXT, date TEXT, doc_number TEXT,
            index_no TEXT, region TEXT, admin_level TEXT, doc_type TEXT, report_year INTEGER,
            source TEXT,
            pages INTEGER,
            text TEXT NOT NULL,
            outline TEXT NOT NULL DEFAULT '[]',
            tables TEXT NOT NULL DEFAULT '[]',
            meta TEXT NOT NULL DEFAULT '{}',
            version INTEGER NOT NULL DEFAULT 1,
            status TEXT NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'superseded')),
            superseded_by TEXT REFERENCES documents(id),
            n_commitments INTEGER NOT NULL DEFAULT 0,
            n_progress INTEGER NOT NULL DEFAULT 0,
            ingested_at TEXT NOT NULL
        )""",
        "CREATE INDEX documents_source_path ON documents(source_path, status)",
        "CREATE INDEX documents_region ON documents(region)",
        "CREATE INDEX documents_date ON documents(date)",
        "CREATE INDEX documents_doc_type ON documents(doc_type)",
        "CREATE INDEX documents_status ON documents(status)",
        """CREATE TABLE passages (
            id INTEGER PRIMARY KEY,
            doc_id TEXT NOT NULL REFERENCES documents(id),
            seq INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            page INTEGER,
            section TEXT,
            kind TEXT NOT NULL DEFAULT 'text',
            text TEXT NOT NULL,
            UNIQUE (doc_id, seq)
        )""",
        """CREATE TABLE records (
            rid INTEGER PRIMARY KEY,         -- rowid of records_fts
            id TEXT NOT NULL UNIQUE,
            doc_id TEXT NOT NULL REFERENCES documents(id),
            type TEXT NOT NULL CHECK (type IN ('commitment', 'progress')),
            indicator_id TEXT,
            region TEXT,
            deadline TEXT,
            year INTEGER,
            value REAL,
            json TEXT NOT NULL
        )""",
        "CREATE INDEX records_doc ON records(doc_id, type)",
        "CREATE INDEX records_type ON records(type)",
        "CREATE INDEX records_indicator ON records(indicator_id)",
        "CREATE INDEX records_region ON records(region)",
        "CREATE INDEX records_deadline ON records(deadline)",
        "CREATE INDEX records_year ON records(year)",
        """CREATE TABLE failures (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            file_name TEXT NOT NULL,
            reason TEXT NOT NULL,
            at TEXT NOT NULL,
            resolved_at TEXT
        )""",
        "CREATE INDEX failures_path ON failures(path, resolved_at)",
        """CREATE VIRTUAL TABLE passages_fts USING fts5(tokens, tokenize="unicode61 remove_diacritics 0")""",
        """CREATE VIRTUAL TABLE records_fts USING fts5(tokens, tokenize="unicode61 remove_diacritics 0")""",
    ),
    # v2: the tracker's tables (manual link decisions, imported progress); policytrack/track/tables.py
    # runs these same statements before use (IF NOT EXISTS: either side may create them first)
    (
        """CREATE TABLE IF NOT EXISTS track_link_decisions (
            commitment_id  TEXT NOT NULL,
            progress_id    TEXT NOT NULL,
            action         TEXT NOT NULL CHECK (action IN ('confirm', 'reject', 'add')),
            commitment_key TEXT,
            progress_key   TEXT,
            note           TEXT,
            decided_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            PRIMARY KEY (commitment_id, progress_id)
        )""",
        "CREATE INDEX IF NOT EXISTS track_link_decisions_ckey ON track_link_decisions (commitment_key)",
        """CREATE TABLE IF NOT EXISTS track_imported_progress (
            id          TEXT PRIMARY KEY,
            doc         TEXT NOT NULL,
            source_file TEXT NOT NULL,
            row_no      INTEGER NOT NULL,
            source      TEXT,
            indicator_id TEXT,
            region      TEXT,
            year        INTEGER,
            value       REAL,
            json        TEXT NOT NULL,
            imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        )""",
    ),
    # v3: search embeddings (policytrack/search/embed.py), one L2-normalised float32 vector per
    # passage/record and model; rows go with their passage/record so a rowid reused after a
    # re-ingest never inherits a stale vector
    (
        """CREATE TABLE IF NOT EXISTS search_vectors (
            kind TEXT NOT NULL CHECK (kind IN ('passage', 'record')),
            item_rowid INTEGER NOT NULL,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vec BLOB NOT NULL,
            PRIMARY KEY (kind, item_rowid, model)
        )""",
        """CREATE TRIGGER IF NOT EXISTS search_vectors_passage_gone AFTER DELETE ON passages BEGIN
            DELETE FROM search_vectors WHERE kind = 'passage' AND item_rowid = old.id; END""",
        """CREATE TRIGGER IF NOT EXISTS search_vectors_record_gone AFTER DELETE ON records BEGIN
            DELETE FROM search_vectors WHERE kind = 'record' AND item_rowid = old.rid; END""",
    ),
    # v4: which extractor produced a document's records (policytrack/ingest/extraction.py); NULL for
    # documents stored before, so they count as stale and are re-extracted on the next ingest
    (
        "ALTER TABLE documents ADD COLUMN extract_version TEXT",
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every pending migration; returns how many were applied (0 when up to date)."""
    if current_version(conn) >= SCHEMA_VERSION:
        return 0
    applied = 0
    for n, steps in enumerate(MIGRATIONS, start=1):
        with write_transaction(conn):
            if current_version(conn) >= n:  # another process got here first
                continue
            for sql in steps:
                conn.execute(sql)
            conn.execute(f"PRAGMA user_version = {n}")
            applied += 1
    return applied
