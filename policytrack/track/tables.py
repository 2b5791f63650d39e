"""The tracker's own tables, in the store's SQLite file.

They are defined once, as the store's migration v2; the tracker also creates them before use
(idempotently) so it works on a file the store has not opened yet.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from policytrack.store.schema import MIGRATIONS

# The statements are the store's migration v2 (one definition of the tables); they are all
# IF NOT EXISTS, so running them on a store that is already migrated changes nothing.
TRACK_SCHEMA = ";\n".join(MIGRATIONS[1]) + ";\n"


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
