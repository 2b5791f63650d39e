"""Manual link decisions: confirm, reject or add a commitment–progress link.

Decisions are what a person checked, so they override the automatic linker and
must survive re-ingest.  Record ids are stable for the same text, but a new
version of a document shifts offsets and changes ids; each decision therefore
also stores a fallback key (file, indicator, value, year/deadline) that finds
the same record again in the new version.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from policytrack.models import Commitment, Progress

from .link import Link, norm_indicator
from .tables import ensure_tables

ACTIONS = ("confirm", "reject", "add")


def record_key(rec: Commitment | Progress, doc_name: str | None = None) -> str:
    """Identity that survives offsets moving: where it is from and what it says."""
    where = doc_name or rec.doc
    ind = rec.indicator_id or norm_indicator(rec.indicator)
    if isinstance(rec, Progress):
        return f"{where}|p|{ind}|{rec.value:g}|{rec.unit}|{rec.year}"
    tv = rec.target.value if rec.target and rec.target.value is not None else ""
    return f"{where}|c|{ind}|{tv}|{rec.deadline}|{rec.region}"


@dataclass
class Decision:
    commitment_id: str
    progress_id: str
    action: str
    commitment_key: str | None = None
    progress_key: str | None = None
    note: str | None = None
    decided_at: str | None = None


def decide(conn: sqlite3.Connection, c: Commitment, p: Progress, action: str, note: str | None = None,
           *, c_doc_name: str | None = None, p_doc_name: str | None = None) -> Decision:
    """Store (or replace) the decision on one pair; the latest decision wins."""
    if action not in ACTIONS:
        raise ValueError(f"unknown link action {action!r}; expected one of {', '.join(ACTIONS)}")
    ensure_tables(conn)
    d = Decision(c.id, p.id, action, record_key(c, c_doc_name), record_key(p, p_doc_name), note)
    with conn:
        conn.execute(
            "INSERT INTO track_link_decisions (commitment_id, progress_id, action, commitment_key, progress_key, note)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (commitment_id, progress_id) DO UPDATE SET action=excluded.action,"
            " commitment_key=excluded.commitment_key, progress_key=excluded.progress_key, note=excluded.note,"
            " decided_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            (d.commitment_id, d.progress_id, d.action, d.commitment_key, d.progress_key, d.note),
        )
    return d


def load(conn: sqlite3.Connection) -> list[Decision]:
    ensure_tables(conn)
    rows = conn.execute(
        "SELECT commitment_id, progress_id, action, commitment_key, progress_key, note, decided_at"
        " FROM track_link_decisions ORDER BY decided_at, rowid"
    ).fetchall()
    return [Decision(*tuple(r)) for r in rows]


def apply(auto: list[Link], decisions: list[Decision], commitments: list[Commitment], progress: list[Progress],
          *, doc_names: dict[str, str] | None = None) -> list[Link]:
    """Automatic links with the manual decisions laid over them.

    A decision whose ids no longer exist is re-attached through its fallback keys.
    Rejected links are returned with origin 'rejected' so callers can show them.
    """
    names = doc_names or {}
    c_ids = {c.id for c in commitments}
    p_ids = {p.id for p in progress}
    c_by_key = {record_key(c, names.get(c.doc)): c.id for c in commitments}
    p_by_key = {record_key(p, names.get(p.doc)): p.id for p in progress}
    links: dict[tuple[str, str], Link] = {(l.commitment_id, l.progress_id): l for l in auto}
    for d in decisions:
        cid = d.commitment_id if d.commitment_id in c_ids else c_by_key.get(d.commitment_key or "")
        pid = d.progress_id if d.progress_id in p_ids else p_by_key.get(d.progress_key or "")
        if not cid or not pid:
            continue  # the record is gone from every current document
        origin = {"confirm": "confirmed", "add": "added", "reject": "rejected"}[d.action]
        links[(cid, pid)] = Link(cid, pid, origin, d.note or f"manual {d.action}")
    return list(links.values())
