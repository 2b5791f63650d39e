"""Read-side view of the store's tables, as search needs them.

The store (policytrack.store) owns the schema and writes the FTS tables in the
same transaction as each document; search only reads.  This module is the one
place that knows which columns hold what, discovered with PRAGMA table_info so
search keeps working when the store adds columns, and it flattens a passage or
record row plus its document into the dict every backend indexes and returns.

Expected (see docs/ARCHITECTURE.md): tables `documents`, `passages`, `records`,
and FTS5 tables `passages_fts(tokens)` / `records_fts(tokens)` whose rowid is
the rowid of the passage / record.  Commitment status, when tracking has run,
comes from a status table (see `STATUS_TABLES`) or a `status` column.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

# candidate column names, first present wins
_DOC_ID = ("id", "doc_id", "document_id")
_FK_DOC = ("doc_id", "document_id", "doc")
_DOC_COLS = {
    "title": ("title",),
    "issuer": ("issuer",),
    "date": ("date", "issue_date"),
    "region": ("region",),
    "doc_type": ("doc_type", "type"),
    "source": ("source", "source_path", "path", "file_name", "filename"),
    "file_name": ("file_name", "filename"),
}
_META_JSON = ("meta", "meta_json", "metadata")
_SUPERSEDED = ("superseded_by", "superseded", "superseded_at", "status")
_P_COLS = {
    "text": ("text", "body"),
    "section": ("section",),
    "page": ("page",),
    "start": ("start", "start_offset"),
    "end": ("end", "end_offset"),
}
_R_JSON = ("data", "json", "record", "record_json", "payload")
_R_FIELDS = (
    "id", "type", "quote", "start", "end", "section", "region", "indicator", "indicator_id",
    "confidence", "kind", "target", "baseline", "deadline", "start_date", "departments",
    "level", "value", "unit", "year",
)
# tracking's status, if present: (table, record-id column candidates, status column)
STATUS_TABLES = ("commitment_status", "record_status", "statuses", "status")


def _cols(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _pick(cols: list[str], cands: tuple[str, ...]) -> str | None:
    return next((c for c in cands if c in cols), None)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class DocInfo:
    id: str
    title: str | None = None
    issuer: str | None = None
    date: str | None = None
    region: str | None = None
    doc_type: str | None = None
    source: str | None = None
    file_name: str | None = None
    current: bool = True

    @property
    def year(self) -> str | None:
        return self.date[:4] if self.date and self.date[:4].isdigit() else None


@dataclass
class StoreView:
    """Column names of the store's tables as found in this database."""

    doc_id: str
    doc_cols: dict[str, str]
    doc_meta: str | None
    doc_superseded: str | None
    p_doc: str
    p_cols: dict[str, str]
    r_doc: str
    r_cols: list[str]
    r_json: str | None
    status_sql: str | None = None  # SELECT <id>, <status> … when tracking provides status
    all_doc_cols: list[str] = field(default_factory=list)
    tables: set[str] = field(default_factory=set)

    @classmethod
    def discover(cls, conn: sqlite3.Connection) -> StoreView:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")}
        missing = {"documents", "passages", "records", "passages_fts", "records_fts"} - tables
        if missing:
            raise LookupError(f"store has no {', '.join(sorted(missing))} table(s); ingest documents first")
        dcols, pcols, rcols = _cols(conn, "documents"), _cols(conn, "passages"), _cols(conn, "records")
        doc_id = _pick(dcols, _DOC_ID) or "rowid"
        p_doc = _pick(pcols, _FK_DOC)
        r_doc = _pick(rcols, _FK_DOC)
        if not p_doc or not r_doc:
            raise LookupError("store's passages/records tables have no document id column")
        view = cls(
            doc_id=doc_id,
            doc_cols={k: c for k, cands in _DOC_COLS.items() if (c := _pick(dcols, cands))},
            doc_meta=_pick(dcols, _META_JSON),
            doc_superseded=_pick(dcols, _SUPERSEDED),
            p_doc=p_doc,
            p_cols={k: c for k, cands in _P_COLS.items() if (c := _pick(pcols, cands))},
            r_doc=r_doc,
            r_cols=rcols,
            r_json=_pick(rcols, _R_JSON),
            tables=tables,
            all_doc_cols=dcols,
        )
        view.status_sql = _status_sql(conn, tables, rcols)
        return view

    # ------------------------------------------------------------ documents

    def load_docs(self, conn: sqlite3.Connection) -> dict[str, DocInfo]:
        sel = [f"{_q(self.doc_id)} AS id"] + [f"{_q(c)} AS {k}" for k, c in self.doc_cols.items()]
        if self.doc_meta:
            sel.append(f"{_q(self.doc_meta)} AS meta")
        if self.doc_superseded:
            sel.append(f"{_q(self.doc_superseded)} AS sup")
        out: dict[str, DocInfo] = {}
        for row in conn.execute(f"SELECT {', '.join(sel)} FROM documents"):
            d = dict(zip([c.split(" AS ")[-1] for c in sel], row))
            meta = _json(d.pop("meta", None)) or {}
            sup = d.pop("sup", None)
            info = DocInfo(id=str(d["id"]))
            for k in ("title", "issuer", "date", "region", "doc_type", "source", "file_name"):
                v = d.get(k)
                if v is None and isinstance(meta, dict):
                    v = meta.get(k)
                setattr(info, k, str(v) if v is not None else None)

            if not info.file_name and info.source:
                info.file_name = info.source.replace("\\", "/").rsplit("/", 1)[-1]
            info.current = (sup in (None, "", 0, "current")) if self.doc_superseded == "status" else not sup
            out[info.id] = info
        return out

    # ------------------------------------------------------------ rows → dicts

    def passage_select(self, alias: str = "p") -> str:
        cols = [f"{alias}.rowid", f"{alias}.{_q(self.p_doc)}"]
        cols += [f"{alias}.{_q(self.p_cols[k])}" if k in self.p_cols else "NULL" for k in _P_COLS]
        return ", ".join(cols)

    @staticmethod
    def passage_row(row: tuple) -> dict[str, Any]:
        rowid, doc, text, section, page, start, end = row
        return {
            "rowid": rowid, "type": "passage", "id": f"p{rowid}", "doc": str(doc), "text": text or "",
            "section": section, "page": page, "start": start, "end": end,
        }

    def record_select(self, alias: str = "r") -> str:
        return ", ".join([f"{alias}.rowid"] + [f"{alias}.{_q(c)}" for c in self.r_cols])

    def record_row(self, row: tuple) -> dict[str, Any]:
        d = dict(zip(["rowid", *self.r_cols], row))
        rec: dict[str, Any] = {}
        if self.r_json:
            j = _json(d.get(self.r_json))
            if isinstance(j, dict):
                rec.update(j)
        for f in _R_FIELDS:
            if f in d and d[f] is not None and (f not in rec or rec[f] is None):
                rec[f] = d[f]
        for f in ("target", "baseline", "departments"):
            if isinstance(rec.get(f), str):
                rec[f] = _json(rec[f])
        rec["departments"] = [str(x) for x in (rec.get("departments") or [])]
        rec["rowid"] = d["rowid"]
        rec["doc"] = str(d[self.r_doc])
        rec.setdefault("type", "commitment")
        rec["id"] = str(rec.get("id") or f"r{d['rowid']}")
        if "status" in d and d["status"] is not None:
            rec["status"] = d["status"]
        return rec

    def departments_sql(self, alias: str = "r") -> str:
        """SQL expression for the JSON array of a record's departments."""
        if "departments" in self.r_cols:
            return f"{alias}.departments"
        if self.r_json:
            return f"json_extract({alias}.{_q(self.r_json)}, '$.departments')"
        return "'[]'"

    def field_sql(self, name: str, alias: str = "r") -> str:
        if name in self.r_cols:
            return f"{alias}.{_q(name)}"
        if self.r_json:
            return f"json_extract({alias}.{_q(self.r_json)}, '$.{name}')"
        return "NULL"


def _status_sql(conn: sqlite3.Connection, tables: set[str], rcols: list[str]) -> str | None:
    """SELECT record_id, status for tracking's status, whichever form it took."""
    for t in STATUS_TABLES:
        if t in tables:
            cols = _cols(conn, t)
            rid = _pick(cols, ("record_id", "commitment_id", "id"))
            st = _pick(cols, ("status",))
            if rid and st:
                return f"SELECT {_q(rid)} AS record_id, {_q(st)} AS status FROM {_q(t)}"
    if "status" in rcols and "id" in rcols:
        return "SELECT id AS record_id, status FROM records WHERE status IS NOT NULL"
    return None


def _json(v: Any) -> Any:
    if v is None or isinstance(v, (dict, list)):
        return v
    try:
        return json.loads(v)
    except (TypeError, ValueError):
        return None
