"""Connection set-up shared by every reader and writer of the store's file.

Several processes (CLI ingest, the API's worker threads, the tracker) open the
same file at once, so every connection gets the same settings: WAL so readers
never block the single writer, a busy timeout so a second writer waits instead
of failing with "database is locked", foreign keys on, and synchronous=NORMAL
(durable at each WAL checkpoint; a crash loses at most the last transactions,
never consistency).  Transactions are managed explicitly (`isolation_level=None`)
so a document's writes are exactly one `BEGIN IMMEDIATE … COMMIT`.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating the directory if needed) a store connection with the shared settings."""
    p = Path(path)
    if str(p) != ":memory:":
        p.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(p), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` … `COMMIT`, rolled back on any exception.

    IMMEDIATE takes the write lock up front, so two writers queue on the busy
    timeout instead of one failing half-way when it upgrades a read lock."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
