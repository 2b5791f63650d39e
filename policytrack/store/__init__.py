"""The SQLite system of record: documents, passages, records, failures, FTS.

`Store(path)` is cheap to create and safe to share between threads: each
thread (and each process after a fork) gets its own connection, because an
sqlite3 connection must not cross threads.  Writes of one document are one
transaction (see `write.py`); the schema and the FTS contract are in `schema.py`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

from policytrack.models import Commitment, IngestOutcome, Progress

from . import read
from .db import connect
from .ids import document_id, file_digest, normalise_text
from .read import AmbiguousId
from .schema import SCHEMA_VERSION, current_version, migrate
from .write import PreparedDocument, record_failure, replace_records, store_document

__all__ = ["Store", "PreparedDocument", "AmbiguousId", "document_id", "normalise_text", "file_digest", "SCHEMA_VERSION"]


def _default_tokens(text: str) -> str:
    from policytrack.lexicons.segment import index_tokens

    return index_tokens(text)


class StoreError(RuntimeError):
    """The database file cannot be used (newer schema, not a database …)."""


class Store:
    def __init__(self, path: str | os.PathLike, *, tokens: Callable[[str], str] | None = None):
        self.path = Path(path)
        self._local = threading.local()
        self._tokens = tokens or _default_tokens
        self.conn  # open and migrate now, so a bad file fails here with a clear message

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened and migrated on first use)."""
        c = getattr(self._local, "conn", None)
        if c is None or getattr(self._local, "pid", None) != os.getpid():
            try:
                c = connect(self.path)
                v = current_version(c)
                if v > SCHEMA_VERSION:
                    raise StoreError(f"{self.path}: database schema v{v} is newer than this policytrack (v{SCHEMA_VERSION}); upgrade policytrack")
                migrate(c)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: cannot open the store: {exc}") from None
            self._local.conn, self._local.pid = c, os.getpid()
        return c

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    # ------------------------------------------------------------ writes

    def add_document(self, prepared: PreparedDocument) -> IngestOutcome:
        """Store a parsed + extracted document: ingested / unchanged (no write) / new_version /
        re_extracted (same text, records from another extractor version swapped in)."""
        return store_document(self.conn, prepared, self._tokens)

    def replace_records(self, doc_id: str, records: list[Commitment | Progress], extract_version: str | None,
                        *, record_tokens: list[str] | None = None) -> tuple[int, int]:
        """Re-extraction of a stored document: its records and their FTS rows swapped in one
        transaction, manual link decisions carried to the new ids; returns (commitments, progress)."""
        return replace_records(self.conn, doc_id, records, self._tokens, extract_version, record_tokens=record_tokens)

    def extract_versions(self, current_only: bool = False) -> dict[str, str | None]:
        """{document id: version of the extractor that made its stored records (None = before versions)}."""
        sql = "SELECT id, extract_version FROM documents" + (" WHERE status = 'current'" if current_only else "")
        return {r["id"]: r["extract_version"] for r in self.conn.execute(sql + " ORDER BY ingested_at, id")}

    def record_failure(self, path: str | os.PathLike, reason: str) -> None:
        record_failure(self.conn, str(path), reason)

    # ------------------------------------------------------------ reads

    def get_document(self, doc_id: str) -> dict[str, Any] | None:
        """A document with all columns (JSON decoded); a unique id prefix works too."""
        return read.get_document(self.conn, doc_id)

    def resolve_doc_id(self, id_or_prefix: str) -> str | None:
        return read.resolve_doc_id(self.conn, id_or_prefix)

    def list_documents(self, current_only: bool = True, failed: bool = False, **filters: Any) -> list[dict[str, Any]]:
        """Documents without their text (current versions unless current_only=False);
        failed=True lists the failed files instead."""
        if failed:
            return self.failures()
        return read.list_documents(self.conn, current_only=current_only, **filters)

    def records(self, type: str | None = None, doc_id: str | None = None, **kw: Any) -> list[Commitment | Progress]:
        return read.records(self.conn, type=type, doc_id=doc_id, **kw)

    def get_record(self, rec_id: str) -> Commitment | Progress | None:
        return read.get_record(self.conn, rec_id)

    def failures(self, include_resolved: bool = False) -> list[dict[str, Any]]:
        return read.failures(self.conn, include_resolved=include_resolved)

    def passages(self, doc_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(
            'SELECT id, doc_id, seq, start, "end", page, section, kind, text FROM passages WHERE doc_id = ? ORDER BY seq',
            (doc_id,))]

    def stats(self) -> dict[str, Any]:
        return read.stats(self.conn)
