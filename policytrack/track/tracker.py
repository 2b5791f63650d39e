"""Tracking over the store: gather commitments, figures, links and decisions,
and compute every commitment's status as of a date.

The pure pieces (link, status, decisions.apply) take lists of models; this
module is the one place that reads the SQLite file, so the CLI, the audit list
and the API all see the same links and statuses.  It reads the store's
documented tables (`documents`, `records`, `passages`) with plain SQL and
keeps its own tables (see tables.py).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from policytrack.models import Commitment, Progress

from . import decisions as D
from . import imports as I
from .link import Link, completion_statements, inherit_names, link_all, refine_region, resolve_indicator
from .status import COMPLETION_UNIT, Evidence, TrackResult, evaluate
from .tables import connect


@dataclass
class DocInfo:
    id: str
    title: str | None = None
    file_name: str | None = None
    date: date | None = None
    region: str | None = None
    doc_type: str | None = None
    report_year: int | None = None
    pages: list[tuple[int, int, int | None]] = field(default_factory=list)  # (start, end, page)
    sections: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, section)

    def section_at(self, offset: int) -> str | None:
        for s, e, sec in self.sections:
            if s <= offset < e:
                return sec
        return None

    def page_at(self, offset: int) -> int | None:
        for s, e, p in self.pages:
            if s <= offset < e:
                return p
        return None


def parse_date(s: Any) -> date | None:
    if not s:
        return None
    parts = str(s)[:10].split("-")
    try:
        y = int(parts[0])
        m = int(parts[1]) if len(parts) > 1 else 12
        d = int(parts[2]) if len(parts) > 2 else 28
        return date(y, m, d)
    except (ValueError, IndexError):
        return None


def catalogue_info(indicator_id: str | None) -> tuple[str | None, str | None]:
    """(name, direction) from the indicator catalogue; (None, None) when unknown/unavailable."""
    if not indicator_id:
        return None, None
    try:
        from policytrack.extract import indicators  # type: ignore[attr-defined]

        e = indicators.get(indicator_id)
    except Exception:  # noqa: BLE001 - catalogue not built yet, or unknown id
        return None, None
    if e is None:
        return None, None
    d = e if isinstance(e, dict) else (e.model_dump() if hasattr(e, "model_dump") else dict(vars(e)))
    return d.get("name"), d.get("direction")


@dataclass
class Snapshot:
    """Everything tracking needs, read once."""

    commitments: list[Commitment]
    progress: list[Progress]
    docs: dict[str, DocInfo]
    links: list[Link]
    sources: dict[str, str] = field(default_factory=dict)  # imported progress id → source column
    history: list[Link] = field(default_factory=list)  # figures before a baseline: trend only (link.history_links)

    def __post_init__(self) -> None:
        self._progress_by_id = {p.id: p for p in self.progress}
        self._links_by_c: dict[str, list[Link]] = {}
        for l in self.links:
            self._links_by_c.setdefault(l.commitment_id, []).append(l)
        self._history_by_c: dict[str, list[Link]] = {}
        for l in self.history:
            self._history_by_c.setdefault(l.commitment_id, []).append(l)

    def links_of(self, commitment_id: str) -> list[Link]:
        """Every link of a commitment, rejected ones included (to show them)."""
        return list(self._links_by_c.get(commitment_id, ()))

    def evidence_for(self, c: Commitment, *, history: bool = False) -> list[Evidence]:
        return self.evidence_of_links((self._history_by_c if history else self._links_by_c).get(c.id, ()))

    def history_of(self, commitment_id: str) -> list[Link]:
        return list(self._history_by_c.get(commitment_id, ()))

    def evidence_of_links(self, links: Any) -> list[Evidence]:
        """Evidence for links (rejected ones left out); a group's status reads its members' links."""
        by_id = self._progress_by_id
        out = []
        for l in links:
            if l.origin == "rejected" or l.progress_id not in by_id:
                continue
            p = by_id[l.progress_id]
            d = self.docs.get(p.doc)
            title = self.sources.get(p.id) or (d.title if d else None)
            out.append(Evidence(progress=p, origin=l.origin, source_title=title,
                                page=d.page_at(p.start) if d else None,
                                published=d.date if d and d.doc_type == "report" else None))
        return out

    def evaluate(self, c: Commitment, as_of: date) -> TrackResult:
        return self.evaluate_links(c, self._links_by_c.get(c.id, ()), self._history_by_c.get(c.id, ()), as_of)

    def evaluate_links(self, c: Commitment, links: Any, history: Any, as_of: date) -> TrackResult:
        """Status of `c` over the given links: its own (evaluate), or a group's union of its
        members' links (groups.evaluate_group), so both read the catalogue and the plan's
        issue date the same way."""
        name, dirn = catalogue_info(c.indicator_id)
        d = self.docs.get(c.doc)
        return evaluate(c, self.evidence_of_links(links), as_of, issued=d.date if d else None, catalogue_direction=dirn,
                        indicator_name=c.indicator or name, history=self.evidence_of_links(history))

    def evaluate_all(self, as_of: date) -> dict[str, TrackResult]:
        return {c.id: self.evaluate(c, as_of) for c in self.commitments}

    def groups(self) -> list[Any]:
        """The commitments grouped by what they promise (groups.py), computed once per snapshot."""
        held = self.__dict__.get("_groups")
        if held is None:
            from .groups import group_commitments

            held = self.__dict__["_groups"] = group_commitments(self)
        return held

    def group_of(self, commitment_id: str) -> Any:
        """The group a commitment belongs to (None for an unknown id)."""
        held = self.__dict__.get("_group_by_member")
        if held is None:
            held = self.__dict__["_group_by_member"] = {m.id: g for g in self.groups() for m in g.members}
        return held.get(commitment_id)

    def group_links(self, commitment_id: str) -> list[Link]:
        """A group's representative: the union of its members' links (what its status reads);
        any other commitment: its own links."""
        g = self.group_of(commitment_id)
        if g is None or g.id != commitment_id or len(g.members) == 1:
            return self.links_of(commitment_id)
        from .groups import union_links

        return union_links([l for m in g.members for l in self.links_of(m.id)])

    def evaluate_groups(self, as_of: date) -> dict[str, TrackResult]:
        """Status of every group (keyed by its representative's id), over the union of its
        members' links; remembered for a few days (the API asks once per page view)."""
        memo: dict[date, dict[str, TrackResult]] = self.__dict__.get("_group_evals") or {}
        out = memo.get(as_of)
        if out is None:
            from .groups import evaluate_group

            out = {g.id: evaluate_group(self, g, as_of) for g in self.groups()}
            # a new dict, never one changed in place: API threads read it concurrently
            self.__dict__["_group_evals"] = {**dict(list(memo.items())[-7:]), as_of: out}
        return out


def build_snapshot(commitments: list[Commitment], progress: list[Progress], docs: dict[str, DocInfo],
                   decisions: list[D.Decision] | None = None, sources: dict[str, str] | None = None) -> Snapshot:
    names = {k: v.file_name or v.title or k for k, v in docs.items()}
    by_c = {c.id: c for c in commitments}
    by_p = {p.id: p for p in progress}

    def after_promise(link: Link) -> bool:
        """A statement published before the promise was made cannot report on it."""
        p, c = by_p[link.progress_id], by_c[link.commitment_id]
        if p.unit != COMPLETION_UNIT:
            return True
        dp, dc = docs.get(p.doc), docs.get(c.doc)
        return not (dp and dc and dp.date and dc.date and dp.date < dc.date)

    auto, history = link_all(commitments, progress)
    auto = [l for l in auto if after_promise(l)]
    links = D.apply(auto, decisions or [], commitments, progress, doc_names=names)
    return Snapshot(commitments, progress, docs, links, sources or {}, history)


def inherit_names_by_doc(progress: list[Progress], texts: dict[str, str]) -> list[Progress]:
    """link.inherit_names over each document's figures with its text (a figure names its
    indicator from the sentences of its own document only); figures come back grouped by
    document, in order of each document's first figure.  bench/linking.py makes the same
    repair on extracted records."""
    by_doc: dict[str, list[Progress]] = {}
    for p in progress:
        by_doc.setdefault(p.doc, []).append(p)
    return [q for doc, ps in by_doc.items() for q in inherit_names(ps, texts.get(doc, ""))]


def _with_region(p: Progress, text: str, doc_region: str | None, regions: set[str]) -> Progress:
    r = refine_region(p, text, doc_region, regions)
    return p if r == p.region else p.model_copy(update={"region": r})


class Tracker:
    """Reads the store's SQLite file; one per thread (SQLite connections do not cross threads)."""

    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path)
        self.conn: sqlite3.Connection = connect(self.db_path)

    def close(self) -> None:
        self.conn.close()

    def _has(self, table: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone() is not None

    def documents(self) -> tuple[dict[str, DocInfo], dict[str, str]]:
        """Current documents: info, and their texts."""
        docs: dict[str, DocInfo] = {}
        texts: dict[str, str] = {}
        if not self._has("documents"):
            return docs, texts
        for r in self.conn.execute("SELECT * FROM documents"):
            row = dict(r)
            if row.get("status") not in (None, "current"):
                continue
            meta: dict[str, Any] = {}
            raw = row.get("meta") or row.get("meta_json")
            if isinstance(raw, str):
                try:
                    meta = json.loads(raw) or {}
                except ValueError:
                    meta = {}
            get = lambda k: row.get(k) if row.get(k) is not None else meta.get(k)  # noqa: E731
            src = row.get("source_path") or row.get("source") or row.get("path") or meta.get("source")
            fname = row.get("file_name") or row.get("filename") or (Path(str(src)).name if src else None)
            docs[row["id"]] = DocInfo(id=row["id"], title=get("title"), file_name=fname, date=parse_date(get("date")),
                                      region=get("region"), doc_type=get("doc_type"), report_year=get("report_year"))
            if row.get("text"):
                texts[row["id"]] = row["text"]
        if self._has("passages") and docs:
            cols = {r[1] for r in self.conn.execute("PRAGMA table_info(passages)")}
            sec = "section" if "section" in cols else "NULL"
            for r in self.conn.execute(f'SELECT doc_id, start, "end", page, {sec} FROM passages ORDER BY doc_id, start'):
                if r[0] in docs:
                    if r[3] is not None:
                        docs[r[0]].pages.append((r[1], r[2], r[3]))
                    if r[4]:
                        docs[r[0]].sections.append((r[1], r[2], r[4]))
        return docs, texts

    def snapshot(self) -> Snapshot:
        docs, texts = self.documents()
        commitments: list[Commitment] = []
        progress: list[Progress] = []
        if self._has("records"):
            for r in self.conn.execute("SELECT doc_id, json FROM records"):
                if r[0] not in docs:
                    continue  # superseded version
                rec = json.loads(r[1])
                (commitments if rec.get("type") == "commitment" else progress).append(
                    Commitment.model_validate(rec) if rec.get("type") == "commitment" else Progress.model_validate(rec))
        for doc_id, text in texts.items():
            d = docs[doc_id]
            if d.doc_type == "report":
                # a statement is cited like a figure: document and section
                progress.extend(p if p.section else p.model_copy(update={"section": d.section_at(p.start)})
                                for p in completion_statements(doc_id, text, region=d.region, report_year=d.report_year))
        commitments = [resolve_indicator(c) for c in commitments]  # type: ignore[misc]
        progress = [resolve_indicator(p) for p in progress]  # type: ignore[misc]
        regions = {d.region for d in docs.values() if d.region} | {c.region for c in commitments if c.region}
        progress = [_with_region(p, texts.get(p.doc, ""), docs[p.doc].region if p.doc in docs else None, regions)
                    for p in progress]
        progress = inherit_names_by_doc(progress, texts)
        sources: dict[str, str] = {}
        for p, src in I.load(self.conn):
            progress.append(p)
            if src:
                sources[p.id] = src
        return build_snapshot(commitments, progress, docs, D.load(self.conn), sources)

    def decide(self, commitment_id: str, progress_id: str, action: str, note: str | None = None) -> D.Decision:
        """Store a manual decision; ids may be unique prefixes.  Raises LookupError for an unknown id."""
        snap = self.snapshot()
        cs = [c for c in snap.commitments if c.id.startswith(commitment_id)]
        ps = [p for p in snap.progress if p.id.startswith(progress_id)]
        if len(cs) != 1:
            raise LookupError(f"{commitment_id}: {'no' if not cs else 'more than one'} commitment with this id")
        if len(ps) != 1:
            raise LookupError(f"{progress_id}: {'no' if not ps else 'more than one'} progress figure with this id")

        def name(doc: str) -> str | None:
            d = snap.docs.get(doc)
            return (d.file_name or d.title) if d else None

        return D.decide(self.conn, cs[0], ps[0], action, note, c_doc_name=name(cs[0].doc), p_doc_name=name(ps[0].doc))
