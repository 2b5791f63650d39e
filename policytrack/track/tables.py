"""The tracker's own tables, in the store's SQLite file.

Until the store's migration list takes them over, they are created with
CREATE TABLE IF NOT EXISTS before use; the statements are idempotent so the
store can move them into a numbered migration verbatim.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

TRACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS track_link_decisions (
    commitment_id  TEXT NOT NULL,
    progress_id    TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('confirm', 'reject', 'add')),
    commitment_key TEXT,   -- fallback identity when re-extraction changes the id
    progress_key   TEXT,
    note           TEXT,
    decided_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (commitment_id, progress_id)
);
CREATE INDEX IF NOT EXISTS track_link_decisions_ckey ON track_link_decisions (commitment_key);
CREATE TABLE IF NOT EXISTS track_imported_progress (
    id          TEXT PRIMARY KEY,
    doc         TEXT NOT NULL,      -- 'import:<file name>'
    source_file TEXT NOT NULL,
    row_no      INTEGER NOT NULL,
    source      TEXT,               -- the row's source column (统计年鉴…)
    indicator_id TEXT,
    region      TEXT,
    year        INTEGER,
    value       REAL,
    json        TEXT NOT NULL,
    imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
"""


def ensure_tables(conn: sqlite3.Connection) -> None:
    conn.executescript(TRACK_SCHEMA)


def connect(db_path: str | Path) -> sqlite3.Connection:
    """A connection for the tracker: same settings the store uses (WAL, busy timeout)."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(db_path), timeout=10.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=10000")
    ensure_tables(conn)
    return conn
