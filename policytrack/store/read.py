"""Queries behind `Store`'s read methods, returning plain dicts and models.

Listings leave out the heavy columns (text, outline, tables) and decode the JSON
columns, so the CLI's `--json` and the API serialise them as they are.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from policytrack.models import Commitment, Progress

LIST_COLUMNS = (
    "id", "source_path", "file_name", "format", "file_sha256", "file_size", "title", "notice_title", "issuer",
    "date", "doc_number", "index_no", "region", "admin_level", "doc_type", "report_year", "source", "pages",
    "meta", "version", "status", "superseded_by", "n_commitments", "n_progress", "ingested_at", "extract_version",
)
DOC_FILTERS = ("region", "doc_type", "issuer", "admin_level", "format", "report_year", "source_path")
_JSON_COLS = ("meta", "outline", "tables")


class AmbiguousId(LookupError):
    """An id prefix that matches more than one row."""


def _doc_dict(row: sqlite3.Row) -> dict[str, Any]:
    d = {k: row[k] for k in row.keys()}
    for k in _JSON_COLS:
        if isinstance(d.get(k), str):
            d[k] = json.loads(d[k])
    return d


def resolve_doc_id(conn: sqlite3.Connection, id_or_prefix: str) -> str | None:
    """Exact id, else the one document whose id starts with the prefix."""
    if conn.execute("SELECT 1 FROM documents WHERE id = ?", (id_or_prefix,)).fetchone():
        return id_or_prefix
    if not id_or_prefix or not all(c in "0123456789abcdef" for c in id_or_prefix.lower()):
        return None
    rows = conn.execute("SELECT id FROM documents WHERE id LIKE ? LIMIT 2", (id_or_prefix.lower() + "%",)).fetchall()
    if len(rows) > 1:
        raise AmbiguousId(f"document id prefix {id_or_prefix!r} matches several documents; give more characters")
    return rows[0]["id"] if rows else None


def get_document(conn: sqlite3.Connection, id_or_prefix: str) -> dict[str, Any] | None:
    doc_id = resolve_doc_id(conn, id_or_prefix)
    if doc_id is None:
        return None
    return _doc_dict(conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone())


def list_documents(conn: sqlite3.Connection, *, current_only: bool = True, date_from: str | None = None,
                   date_to: str | None = None, **filters: Any) -> list[dict[str, Any]]:
    unknown = set(filters) - set(DOC_FILTERS)
    if unknown:
        raise TypeError(f"unknown document filter(s): {', '.join(sorted(unknown))}")
    where, args = [], []
    if current_only:
        where.append("status = 'current'")
    for k, v in filters.items():
        if v is not None:
            where.append(f"{k} = ?")
            args.append(v)
    if date_from:
        where.append("date >= ?")
        args.append(date_from)
    if date_to:
        where.append("date <= ?")
        args.append(date_to + "\uffff")
    sql = f"SELECT {', '.join(LIST_COLUMNS)} FROM documents"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY ingested_at, source_path, version"
    return [_doc_dict(r) for r in conn.execute(sql, args)]


def _record(js: str) -> Commitment | Progress:
    d = json.loads(js)
    return Commitment.model_validate(d) if d.get("type") == "commitment" else Progress.model_validate(d)


def records(conn: sqlite3.Connection, *, type: str | None = None, doc_id: str | None = None,
            indicator_id: str | None = None, region: str | None = None, current_only: bool = True,
            limit: int | None = None) -> list[Commitment | Progress]:
    """Records in document order; superseded versions' records only when asked by doc_id or current_only=False."""
    where, args = [], []
    if type is not None:
        if type not in ("commitment", "progress"):
            raise ValueError(f"record type must be 'commitment' or 'progress', not {type!r}")
        where.append("r.type = ?")
        args.append(type)
    if doc_id is not None:
        where.append("r.doc_id = ?")
        args.append(doc_id)
    elif current_only:
        where.append("d.status = 'current'")
    if indicator_id is not None:
        where.append("r.indicator_id = ?")
        args.append(indicator_id)
    if region is not None:
        where.append("r.region = ?")
        args.append(region)
    sql = "SELECT r.json FROM records r JOIN documents d ON d.id = r.doc_id"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY r.rid"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_record(r[0]) for r in conn.execute(sql, args)]


def get_record(conn: sqlite3.Connection, rec_id: str) -> Commitment | Progress | None:
    row = conn.execute("SELECT json FROM records WHERE id = ?", (rec_id,)).fetchone()
    if row is None and len(rec_id) >= 4:
        rows = conn.execute("SELECT json FROM records WHERE id LIKE ? LIMIT 2", (rec_id + "%",)).fetchall()
        if len(rows) > 1:
            raise AmbiguousId(f"record id prefix {rec_id!r} matches several records; give more characters")
        row = rows[0] if rows else None
    return _record(row[0]) if row else None


def failures(conn: sqlite3.Connection, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    """The latest failure per path (unresolved only unless asked)."""
    sql = ("SELECT path, file_name, reason, at, resolved_at FROM failures f WHERE id = "
           "(SELECT MAX(id) FROM failures g WHERE g.path = f.path)")
    if not include_resolved:
        sql += " AND resolved_at IS NULL"
    sql += " ORDER BY at, path"
    return [dict(r) for r in conn.execute(sql)]


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    by = lambda col: {(r[0] or "unknown"): r[1] for r in conn.execute(  # noqa: E731
        f"SELECT {col}, COUNT(*) FROM documents WHERE status = 'current' GROUP BY {col} ORDER BY {col}")}
    rec = {r[0]: r[1] for r in conn.execute(
        "SELECT r.type, COUNT(*) FROM records r JOIN documents d ON d.id = r.doc_id"
        " WHERE d.status = 'current' GROUP BY r.type")}
    return {
        "documents": one("SELECT COUNT(*) FROM documents WHERE status = 'current'"),
        "superseded": one("SELECT COUNT(*) FROM documents WHERE status = 'superseded'"),
        "failed": one("SELECT COUNT(*) FROM failures f WHERE resolved_at IS NULL AND id = "
                      "(SELECT MAX(id) FROM failures g WHERE g.path = f.path)"),
        "passages": one("SELECT COUNT(*) FROM passages p JOIN documents d ON d.id = p.doc_id WHERE d.status = 'current'"),
        "commitments": rec.get("commitment", 0),
        "progress": rec.get("progress", 0),
        "pages": one("SELECT COALESCE(SUM(pages), 0) FROM documents WHERE status = 'current'"),
        "characters": one("SELECT COALESCE(SUM(LENGTH(text)), 0) FROM documents WHERE status = 'current'"),
        "by_format": by("format"),
        "by_doc_type": by("doc_type"),
        "by_region": by("region"),
    }
