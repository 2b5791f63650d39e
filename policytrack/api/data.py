"""Read access for the API and the web page, over the store and the tracker.

The store and the tracker are separate packages with their own return types;
this module turns what they return into the API's models in one place, so the
JSON endpoints and the HTML pages never disagree about a field.  One `Store`
per thread, because SQLite connections must not cross threads.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import re
import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from pydantic import TypeAdapter

from policytrack.models import Commitment, DocMeta, OutlineNode, Progress, Record

from .schemas import (
    Citation,
    CommitmentDetail,
    CommitmentPage,
    DocumentDetail,
    DocumentSummary,
    FailureItem,
    LinkedProgress,
    Span,
    TrackInfo,
    UploadResult,
)

_RECORD = TypeAdapter(Record)


class NotFound(LookupError):
    """An id that names nothing in the store; becomes a 404."""


class Unavailable(RuntimeError):
    """A stage (search, tracking) that is not installed or not built yet; becomes a 503."""


def as_dict(obj: Any) -> dict[str, Any]:
    """Whatever the store hands back (model, row, dataclass, dict) as a plain dict."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return dict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    if isinstance(obj, sqlite3.Row):
        return {k: obj[k] for k in obj.keys()}
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    return dict(vars(obj))


def as_record(obj: Any) -> Commitment | Progress:
    if isinstance(obj, (Commitment, Progress)):
        return obj
    d = as_dict(obj)
    if isinstance(d.get("json"), str):
        d = json.loads(d["json"])
    elif isinstance(d.get("record"), dict):
        d = d["record"]
    return _RECORD.validate_python(d)


class StoreAccess:
    """Thread-local `Store` handles over one database file."""

    def __init__(self, db_path: Path, settings: Any = None):
        self.db_path = Path(db_path)
        self.settings = settings
        self._local = threading.local()
        self._doc_cache: dict[str, dict[str, Any]] = {}
        self._snap_lock = threading.Lock()
        self._snap: tuple[int, Any] | None = None
        self._key_lock = threading.Lock()
        self._tracking_writes = 0  # link decisions and imports made through this server
        self._tracking_built = 0  # ... of which the current snapshot has seen
        self._watch: sqlite3.Connection | None = None
        self._search_backend: Any = None
        self._evals: tuple[Any, dict[date, dict[str, Any]]] | None = None
        self._refreshing = False  # a background snapshot build is running

    @property
    def store(self) -> Any:
        st = getattr(self._local, "store", None)
        if st is None:
            try:
                from policytrack.store import Store
            except ImportError as exc:
                raise Unavailable(f"the store is not available in this build: {exc}") from exc

            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            st = Store(self.db_path)
            self._local.store = st
        return st

    # ------------------------------------------------------------ documents

    def documents(self, *, all_versions: bool = False) -> list[dict[str, Any]]:
        rows = self.store.list_documents(current_only=not all_versions)
        return [as_dict(r) for r in rows]

    def document(self, doc_id: str) -> dict[str, Any]:
        doc = self.store.get_document(doc_id)
        if doc is None:
            raise NotFound(f"no document with id {doc_id!r}")
        return as_dict(doc)

    def doc_title(self, doc_id: str) -> str | None:
        """Titles are shown next to every record; cache them (documents never change in place)."""
        if doc_id not in self._doc_cache:
            try:
                d = self.document(doc_id)
            except Exception:  # noqa: BLE001 - an import pseudo-document has no row
                d = {}
            self._doc_cache[doc_id] = {"title": meta_of(d).title or d.get("file_name"), "source": meta_of(d).source or d.get("source_path")}
        return self._doc_cache[doc_id]["title"]

    def doc_source(self, doc_id: str) -> str | None:
        self.doc_title(doc_id)
        return self._doc_cache[doc_id]["source"]

    def failures(self) -> list[FailureItem]:
        out = []
        for r in self.store.failures():
            d = as_dict(r)
            out.append(
                FailureItem(
                    path=d.get("path"),
                    file_name=d.get("file_name"),
                    reason=str(d.get("reason") or d.get("error") or ""),
                    at=str(d["at"]) if d.get("at") is not None else None,
                )
            )
        return out

    # ------------------------------------------------------------ records

    def records(self, type_: str | None = None, doc_id: str | None = None) -> list[Commitment | Progress]:
        kw: dict[str, Any] = {}
        if type_:
            kw["type"] = type_
        if doc_id:
            kw["doc_id"] = doc_id
        return [as_record(r) for r in self.store.records(**kw)]

    def record(self, rec_id: str) -> Commitment | Progress:
        r = self.store.get_record(rec_id)
        if r is None:
            raise NotFound(f"no record with id {rec_id!r}")
        return as_record(r)

    def stats(self) -> dict[str, Any]:
        return as_dict(self.store.stats())

    # ------------------------------------------------------------ tracking

    def _db_key(self) -> int:
        """SQLite's data_version on a connection that never writes: it changes whenever any
        other connection (this server's writes, a CLI ingest in another process) commits."""
        with self._key_lock:
            if self._watch is None:
                self.db_path.parent.mkdir(parents=True, exist_ok=True)
                self._watch = sqlite3.connect(str(self.db_path), check_same_thread=False, timeout=10.0)
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def tracking_written(self) -> None:
        """A link decision or import by this server: the next read waits for a snapshot that
        has it (the client that just wrote will look at it next)."""
        with self._key_lock:
            self._tracking_writes += 1

    def snapshot(self, background: bool = False) -> Any:
        """The tracker's snapshot (links, decisions, imports), rebuilt only after a write.

        Building one reads every record and runs the linker (~0.1 s on the bundled
        corpus); a page view needs it several times, so it is kept until the
        database file changes.  While one thread rebuilds after an upload, the others
        answer from the previous snapshot instead of queueing behind the rebuild (under
        bench/load.py every upload made all concurrent reads wait); after a tracking
        write of this server they wait, so a decision is visible to the next read.
        """
        try:
            from policytrack.track.tracker import Tracker
        except ImportError as exc:
            raise Unavailable(f"tracking is not available in this build: {exc}") from exc
        held = self._snap
        if held is not None and held[0] == self._db_key():
            return held[1]
        must_wait = held is None or self._tracking_writes > self._tracking_built
        if background and not must_wait:
            # search's status facets after an upload: the next snapshot (and today's
            # statuses for it) is built in the background and swapped in when complete;
            # meanwhile search answers from the previous one (at 100k passages a build
            # takes seconds: the search that noticed used to wait for it, and every search
            # touching status then waited for the re-evaluation)
            self._refresh_in_background()
            return held[1]  # type: ignore[index]
        if not self._snap_lock.acquire(blocking=must_wait):
            return held[1]  # type: ignore[index] - another thread is building the next one
        try:
            return self._build_locked(Tracker)
        finally:
            self._snap_lock.release()

    def _build_locked(self, tracker_cls: Any) -> Any:
        writes = self._tracking_writes
        key = self._db_key()  # read before building: a commit during the build forces a rebuild next time
        if self._snap is not None and self._snap[0] == key:
            self._tracking_built = max(self._tracking_built, writes)
            return self._snap[1]
        tr = tracker_cls(self.db_path)
        try:
            snap = tr.snapshot()
        finally:
            tr.close()
        # today's evaluations, before anyone can see the snapshot
        day = date.today()
        results = snap.evaluate_all(day)
        self._evals = (snap, {day: dict(results)})  # search's status facets read them too (status_provider)
        gc.freeze()  # tens of thousands of records: kept out of the cyclic GC's full passes (see search.fts)
        self._snap = (key, snap)
        self._tracking_built = writes
        return snap

    def _refresh_in_background(self) -> None:
        """Start one builder thread unless one is running (uploads during a build coalesce
        into the next build rather than one build each)."""
        from policytrack.track.tracker import Tracker

        with self._key_lock:
            if self._refreshing:
                return
            self._refreshing = True

        def run() -> None:
            try:
                with self._snap_lock:
                    self._build_locked(Tracker)
            except Exception:  # noqa: BLE001 - the next request retries; readers keep the old one
                pass
            finally:
                with self._key_lock:
                    self._refreshing = False

        threading.Thread(target=run, name="policytrack-snapshot", daemon=True).start()

    def evaluate(self, commitments: Iterable[Commitment], day: date, snap: Any = None) -> dict[str, Any]:
        """Tracking results per commitment id, remembered per snapshot and day.

        Every commitments page, document page and commitment page evaluated its
        commitments again (a profile under bench/load.py: ~14 % of the server's time in
        `_track_infos`); the answer only changes when the store (hence the snapshot) or
        the day does."""
        snap = snap if snap is not None else self.snapshot()
        held = self._evals
        if held is None or held[0] is not snap:
            held = (snap, {})
            self._evals = held
        memo = held[1].setdefault(day, {})
        if len(held[1]) > 8:  # as_of is client-chosen: keep a few days, not one per request
            for old in list(held[1])[:-8]:
                held[1].pop(old, None)
        out: dict[str, Any] = {}
        for c in commitments:
            r = memo.get(c.id)
            if r is None:
                r = memo[c.id] = snap.evaluate(c, day)
            out[c.id] = r
        return out

    def tracker(self) -> Any:
        """A Tracker for writes; the caller closes it."""
        from policytrack.track.tracker import Tracker

        return Tracker(self.db_path)

    def search_backend(self) -> Any:
        """One embedded search backend per app (it keeps a connection and caches per thread)."""
        if self._search_backend is None:
            from policytrack.search.backend import open_backend

            self._search_backend = open_backend("fts", db_path=self.db_path, settings=self.settings,
                                                status_provider=self.status_provider())
        return self._search_backend

    def status_provider(self) -> Any:
        """Commitment status as of today for the search filters and facets (search may not import track)."""
        if not tracker_available():
            return None

        memo: list[Any] = [None, None, {}]  # (snapshot, day, status by commitment id)
        lock = threading.Lock()

        def provide(ids: list[str]) -> dict[str, str]:
            """Every commitment's status, evaluated in one pass per snapshot and day (under a
            second for 16k commitments): evaluated per query, a search touching thousands of
            commitments (大班额 at 100k passages) paid for each one."""
            snap = self.snapshot(background=True)
            day = date.today()
            with lock:
                if memo[0] is not snap or memo[1] != day:
                    # the evaluations the commitments pages use: those of the snapshot's build
                    # (today's, made before it was swapped in), else one pass per snapshot and day
                    memo[:] = [snap, day, {i: r.status for i, r in self.evaluate(snap.commitments, day, snap).items()}]
                st = memo[2]
            return {i: st[i] for i in ids if st.get(i) is not None}

        return provide


# ---------------------------------------------------------------- documents


def meta_of(d: dict[str, Any]) -> DocMeta:
    """DocMeta from a stored document, whether the store keeps it as JSON or as columns."""
    raw = d.get("meta")
    if isinstance(raw, str):
        raw = json.loads(raw)
    if isinstance(raw, dict):
        return DocMeta.model_validate({k: v for k, v in raw.items() if k in DocMeta.model_fields})
    if raw is not None and hasattr(raw, "model_dump"):
        return DocMeta.model_validate(raw.model_dump())
    return DocMeta.model_validate({k: d[k] for k in DocMeta.model_fields if d.get(k) is not None and k != "attachments"})


def outline_of(d: dict[str, Any]) -> list[OutlineNode]:
    raw = d.get("outline") or d.get("outline_json") or []
    if isinstance(raw, str):
        raw = json.loads(raw)
    return [n if isinstance(n, OutlineNode) else OutlineNode.model_validate(n) for n in raw]


def summary_of(d: dict[str, Any]) -> DocumentSummary:
    m = meta_of(d)
    ingested = d.get("ingested_at")
    return DocumentSummary(
        id=str(d.get("id")),
        title=m.title or d.get("file_name"),
        issuer=m.issuer,
        date=m.date,
        doc_number=m.doc_number,
        region=m.region,
        admin_level=m.admin_level,
        doc_type=m.doc_type,
        report_year=m.report_year,
        format=d.get("format"),
        source=d.get("file_name") or m.source,
        pages=d.get("pages"),
        version=d.get("version"),
        status=d.get("status"),
        ingested_at=str(ingested) if ingested is not None else None,
    )


def filter_documents(
    docs: Iterable[DocumentSummary],
    *,
    q: str | None = None,
    region: str | None = None,
    doc_type: str | None = None,
    issuer: str | None = None,
    year: int | None = None,
) -> list[DocumentSummary]:
    out = []
    for s in docs:
        if region and (s.region or "") != region:
            continue
        if doc_type and (s.doc_type or "") != doc_type:
            continue
        if issuer and issuer not in (s.issuer or ""):
            continue
        if year and not (s.date or "").startswith(str(year)):
            continue
        if q and q not in f"{s.title or ''} {s.source or ''} {s.doc_number or ''}":
            continue
        out.append(s)
    out.sort(key=lambda s: (s.date or "", s.title or ""), reverse=True)
    return out


def context_of(text: str, start: int, end: int, width: int = 120) -> str:
    """The quote with some text either side, cut at sentence ends where possible."""
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    head = text[lo:start]
    for sep in ("。", "\n"):
        i = head.rfind(sep)
        if i != -1:
            head = head[i + 1 :]
            break
    tail = text[end:hi]
    for sep in ("。", "\n"):
        i = tail.find(sep)
        if i != -1:
            tail = tail[: i + 1]
            break
    return (head + text[start:end] + tail).strip()


# ---------------------------------------------------------------- tracking


def today_iso() -> str:
    return date.today().isoformat()


def tracker_available() -> bool:
    """Whether commitment status/links come from policytrack.track.

    Without it the API still serves documents, records and search, and answers
    the tracking writes with 503 `unavailable` instead of guessing.
    """
    try:
        import policytrack.track.tracker  # noqa: F401
    except Exception:  # noqa: BLE001
        return False
    return True


def parse_day(as_of: str) -> date:
    return date.fromisoformat(as_of)


def check_statuses(status: str | None) -> set[str] | None:
    """A comma-separated status filter; an unknown status is a 422, not an empty list."""
    if not status:
        return None
    wanted = {s.strip() for s in status.split(",") if s.strip()}
    try:
        from policytrack.track.status import STATUSES
    except ImportError:
        return wanted
    bad = sorted(wanted - set(STATUSES) - {"unknown"})
    if bad:
        from .app import ApiError

        raise ApiError(422, "validation_error", f"status {','.join(bad)}: unknown; choose from {','.join(STATUSES)}")
    return wanted


def empty_track() -> TrackInfo:
    return TrackInfo()


def search_available() -> bool:
    try:
        import policytrack.search.fts  # noqa: F401
    except Exception:  # noqa: BLE001
        return False
    return True


# ---------------------------------------------------------------- use cases


def document_detail(acc: StoreAccess, doc_id: str, as_of: str) -> "DocumentDetail":
    from .schemas import DocumentDetail

    d = acc.document(doc_id)
    real_id = str(d.get("id") or doc_id)
    recs = acc.records(doc_id=real_id)
    statuses = track_infos(acc, [r for r in recs if isinstance(r, Commitment)], as_of)
    linked: dict[str, list[str]] = {}
    if tracker_available():
        for link in acc.snapshot().links:
            if link.origin != "rejected":
                linked.setdefault(link.progress_id, []).append(link.commitment_id)
    spans = [
        Span(id=r.id, type=r.type, start=r.start, end=r.end, indicator=r.indicator,
             status=statuses[r.id].status if r.id in statuses else None,
             commitment_ids=sorted(set(linked.get(r.id, ()))) if r.type == "progress" else [])
        for r in sorted(recs, key=lambda r: (r.start, r.end))
    ]
    return DocumentDetail(
        id=real_id, meta=meta_of(d), summary=summary_of(d), outline=outline_of(d), text=str(d.get("text") or ""), spans=spans
    )


def ingest_uploads(acc: StoreAccess, saved: list[tuple[Path, str]], max_bytes: int,
                   limits: Any = None) -> list["UploadResult"]:
    """Ingest files saved under server-generated names; report them under the client's names.

    Parsing and extraction run in a worker process under `limits` (the batch pipeline's
    workers, as the CLI uses them); only the store write happens in this process.  A file
    that takes its worker past a limit fails alone with code 413, any other unreadable
    file with 422; the server and the other files go on."""
    from policytrack.ingest.pipeline import RESOURCE_LIMIT, ingest_paths

    from .schemas import UploadResult

    results: list[UploadResult] = []
    for path, name in saved:
        outcomes = ingest_paths([path], acc.store, max_bytes=max_bytes, overrides={"source": name}, workers=1,
                                limits=limits)
        for o in outcomes:
            err = o.error.replace(str(path), name).replace(path.name, name) if o.error else None
            code = None if o.status != "failed" else 413 if err and RESOURCE_LIMIT in err else 422
            results.append(
                UploadResult(filename=name, status=o.status, doc_id=o.doc_id, title=o.title, records=o.records, error=err,
                             code=code)
            )
        if not outcomes:
            results.append(UploadResult(filename=name, status="failed", error=f"{name}: not ingested (unsupported file)", code=415))
    acc._doc_cache.clear()
    return results


def run_search(acc: StoreAccess, settings: Any, params: dict[str, Any]) -> dict[str, Any]:
    return search_response(acc, settings, params).model_dump(mode="json")


def search_response(acc: StoreAccess, settings: Any, params: dict[str, Any]) -> Any:
    """The backend's SearchResponse model: the HTTP route serialises it once with
    `model_dump_json` (a dict went through jsonable_encoder and json.dumps again)."""
    try:
        from policytrack.search.backend import SearchError, SearchRequest
    except ImportError as exc:
        raise Unavailable(f"search is not available: {exc}") from exc
    from pydantic import ValidationError

    try:
        req = SearchRequest(**params)
    except ValidationError as exc:
        from fastapi.exceptions import RequestValidationError

        raise RequestValidationError(exc.errors()) from None
    if req.status:
        check_statuses(req.status)
    acc.store  # noqa: B018 - creates an empty, migrated store on a fresh data dir: no hits, not an error
    try:
        resp = acc.search_backend().search(req)
    except SearchError as exc:
        from .app import ApiError

        raise ApiError(422, "validation_error", str(exc)) from None
    except ImportError as exc:
        raise Unavailable(f"search is not available: {exc}") from exc
    return resp


# ---------------------------------------------------------------- commitments (tracking adapter)

STATUS_ORDER = ("missed", "at_risk", "on_track", "met", "no_data", "not_due")


def track_infos(acc: StoreAccess, commitments: list[Commitment], as_of: str) -> dict[str, TrackInfo]:
    """Status per commitment from policytrack.track; empty TrackInfo when tracking is absent."""
    if not tracker_available() or not commitments:
        return {c.id: TrackInfo() for c in commitments}
    return _track_infos(acc, commitments, as_of)


def _track_infos(acc: StoreAccess, commitments: list[Commitment], as_of: str) -> dict[str, TrackInfo]:
    from policytrack.track.status import info

    return {cid: TrackInfo(**info(r)) for cid, r in acc.evaluate(commitments, parse_day(as_of)).items()}


def _matches(c: Commitment, t: TrackInfo, *, statuses: set[str] | None, department: str | None,
             region: str | None, indicator: str | None, doc_id: str | None) -> bool:
    if statuses and (t.status or "unknown") not in statuses:
        return False
    if department and not any(department in d for d in c.departments):
        return False
    if region and (c.region or "") != region:
        return False
    if indicator and indicator != (c.indicator_id or "") and indicator not in c.indicator:
        return False
    if doc_id and c.doc != doc_id:
        return False
    return True


def _sort_key(sort: str):
    field = sort.lstrip("-")
    if field == "gap":
        return lambda row: (row.track.gap is None, abs(row.track.gap) if row.track.gap is not None else 0.0)
    return lambda row: (row.commitment.deadline is None, row.commitment.deadline or "")


def commitment_page(acc: StoreAccess, *, as_of: str, status: str | None, department: str | None, region: str | None,
                    indicator: str | None, doc_id: str | None, sort: str, page: int, size: int,
                    group: bool = True) -> "CommitmentPage":
    from collections import Counter

    from .schemas import CommitmentPage, CommitmentRow

    # the snapshot's commitments (already read and validated once per store version) rather
    # than every stored record parsed again per request; a commitment restated in several
    # documents is one row (the tracker's groups), except on a document's own list
    grouped = group and doc_id is None and tracker_available()
    if grouped:
        from policytrack.track.status import info

        snap = acc.snapshot()
        commitments = [g.representative for g in snap.groups()]
        infos = {cid: TrackInfo(**info(r)) for cid, r in snap.evaluate_groups(parse_day(as_of)).items()}
    else:
        commitments = (list(acc.snapshot().commitments) if tracker_available()
                       else [c for c in acc.records("commitment") if isinstance(c, Commitment)])
        infos = track_infos(acc, commitments, as_of)
    statuses = check_statuses(status)
    rows = [
        CommitmentRow(commitment=c, track=infos.get(c.id, TrackInfo()), doc_title=acc.doc_title(c.doc))
        for c in commitments
        if _matches(c, infos.get(c.id, TrackInfo()), statuses=statuses, department=department, region=region,
                    indicator=indicator, doc_id=doc_id)
    ]
    # facets count over everything but the facet's own filter, so chips show what a click would give
    facets: dict[str, dict[str, int]] = {}
    for name in ("status", "region", "department"):
        cnt: Counter[str] = Counter()
        for c in commitments:
            t = infos.get(c.id, TrackInfo())
            if not _matches(c, t, statuses=None if name == "status" else statuses,
                            department=None if name == "department" else department,
                            region=None if name == "region" else region, indicator=indicator, doc_id=doc_id):
                continue
            if name == "status":
                cnt[t.status or "unknown"] += 1
            elif name == "region":
                cnt[c.region or "未知"] += 1
            else:
                for d in dict.fromkeys(c.departments):
                    cnt[d] += 1
        facets[name] = dict(cnt.most_common())
    key = _sort_key(sort)
    with_value = [r for r in rows if not key(r)[0]]
    without = [r for r in rows if key(r)[0]]
    with_value.sort(key=key, reverse=sort.startswith("-"))
    rows = with_value + without
    lo = (page - 1) * size
    return CommitmentPage(total=len(rows), page=page, size=size, as_of=as_of, items=rows[lo : lo + size], facets=facets)


def citation_of(acc: StoreAccess, rec: Commitment | Progress) -> "Citation":
    from .schemas import Citation

    text = ""
    page = None
    try:
        d = acc.document(rec.doc)
        text = str(d.get("text") or "")
        for para in (d.get("paragraphs") or []):
            p = as_dict(para)
            if p.get("start", 0) <= rec.start < p.get("end", 0):
                page = p.get("page")
                break
    except NotFound:
        pass
    ctx = context_of(text, rec.start, rec.end) if text[rec.start : rec.end] == rec.quote else rec.quote
    return Citation(doc_id=rec.doc, doc_title=acc.doc_title(rec.doc), source=acc.doc_source(rec.doc), section=rec.section,
                    page=page, start=rec.start, end=rec.end, quote=rec.quote, context=ctx)


def linked_progress(acc: StoreAccess, c: Commitment, as_of: str) -> list["LinkedProgress"]:
    if not tracker_available():
        return []
    return _linked_progress(acc, c, as_of)


def _linked_progress(acc: StoreAccess, c: Commitment, as_of: str) -> list["LinkedProgress"]:
    """Every link of the commitment, rejected ones too (shown struck through), oldest figure first."""
    from .schemas import LinkedProgress

    snap = acc.snapshot()
    by_id = {p.id: p for p in snap.progress}
    out = []
    for link in snap.group_links(c.id):  # a restated commitment: every statement's links
        p = by_id.get(link.progress_id)
        if p is None:
            continue
        out.append(LinkedProgress(progress=p, origin=link.origin, doc_title=progress_source(acc, snap, p)))
    out.sort(key=lambda lp: (lp.progress.year or 0, lp.progress.doc, lp.progress.start))
    return out


def progress_source(acc: StoreAccess, snap: Any, p: Progress) -> str | None:
    """A figure's document title, or for an imported row its source column (统计年鉴…)."""
    if p.id in snap.sources:
        return snap.sources[p.id]
    if p.doc.startswith("import:"):
        return p.doc.split(":", 1)[1]
    return acc.doc_title(p.doc)


def all_progress(acc: StoreAccess) -> list[Progress]:
    """Extracted figures, completion statements and imported statistics: what links can point to."""
    if tracker_available():
        return list(acc.snapshot().progress)
    return [p for p in acc.records("progress") if isinstance(p, Progress)]


def commitment_detail(acc: StoreAccess, cid: str, as_of: str) -> "CommitmentDetail":
    from .schemas import CommitmentDetail

    c = acc.record(cid)
    if not isinstance(c, Commitment):
        raise NotFound(f"{cid} is a progress figure, not a commitment")
    info = track_infos(acc, [c], as_of)[c.id]
    snap = acc.snapshot() if tracker_available() else None
    g = snap.group_of(c.id) if snap is not None else None
    if g is not None and g.id == c.id and len(g.members) > 1:  # a restated commitment: as the list shows it
        from policytrack.track.status import info as track_info

        c, info = g.representative, TrackInfo(**track_info(snap.evaluate_groups(parse_day(as_of))[g.id]))
    return CommitmentDetail(commitment=c, track=info, as_of=as_of, citation=citation_of(acc, c), links=linked_progress(acc, c, as_of))


def decide_link(acc: StoreAccess, commitment_id: str, progress_id: str, action: str, note: str | None) -> tuple[str, str]:
    """Store a manual decision through the tracker (the same call as `policytrack link`)."""
    if not tracker_available():
        raise Unavailable("link decisions need policytrack.track, which is not available in this build")
    from .app import ApiError

    snap = acc.snapshot()
    cs = {c.id for c in snap.commitments}
    ps = {p.id for p in snap.progress}
    if commitment_id not in cs:
        if commitment_id in ps:
            raise ApiError(422, "validation_error", f"{commitment_id} is a progress figure, not a commitment")
        raise NotFound(f"no commitment with id {commitment_id!r}")
    if progress_id not in ps:
        if progress_id in cs:
            raise ApiError(422, "validation_error", f"{progress_id} is a commitment, not a progress figure")
        raise NotFound(f"no progress figure with id {progress_id!r}")
    tr = acc.tracker()
    try:
        d = tr.decide(commitment_id, progress_id, action, note)
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    finally:
        tr.close()
        acc.tracking_written()
    return d.commitment_id, d.progress_id


def import_progress(acc: StoreAccess, path: Path, display_name: str) -> tuple[int, list[tuple[int, str]]]:
    """Import a CSV/XLSX of statistics (the same parse + store as `policytrack progress import`).

    `path` carries the client's (sanitised) file name, because imported ids and the
    'import:<file>' pseudo-document are derived from it: importing the same file again
    updates its rows instead of duplicating them."""
    if not tracker_available():
        raise Unavailable(f"{display_name}: progress import needs policytrack.track, which is not available in this build")
    from policytrack.track import imports as I
    from policytrack.track.tables import connect

    from .app import ApiError

    try:
        res = I.parse(path)
    except I.ImportFileError as exc:
        raise ApiError(422, "validation_error", str(exc).replace(str(path), display_name)) from None
    conn = connect(acc.db_path)
    try:
        n = I.store(conn, res)
    finally:
        conn.close()
        acc.tracking_written()
    return n, list(res.rejected)


_CHUNK = 64 * 1024


def _text_chunks(lines: Iterable[str]) -> Iterable[bytes]:
    buf: list[str] = []
    size = 0
    for line in lines:
        buf.append(line)
        size += len(line)
        if size >= _CHUNK // 3:
            yield "".join(buf).encode("utf-8")
            buf, size = [], 0
    if buf:
        yield "".join(buf).encode("utf-8")


def export_chunks(acc: StoreAccess, fmt: str, *, kind: str, as_of: str, status: str | None, region: str | None,
                  department: str | None, group: bool = True) -> Iterable[bytes]:
    """The CLI's export (kind=all: records and links) or audit list (kind=audit), as byte chunks.

    Everything that can fail (tracking missing, a bad filter) fails here, before
    the response starts, so an error is still a JSON error and not a cut-off file."""
    if not tracker_available():
        raise Unavailable("export needs policytrack.track, which is not available in this build")
    import io

    from policytrack.track import audit as A
    from policytrack.track import export as E

    statuses = check_statuses(status)
    snap = acc.snapshot()
    if kind == "audit":
        rows = A.rows(snap, parse_day(as_of), region=region, department=department, statuses=statuses, group=group)
        if fmt == "xlsx":
            buf = io.BytesIO()
            A.to_xlsx(rows, buf, as_of=parse_day(as_of))
            data = buf.getvalue()
        elif fmt == "csv":
            data = ("\ufeff" + A.to_csv(rows)).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly
        else:
            return _text_chunks(json.dumps(dataclasses.asdict(r), ensure_ascii=False) + "\n" for r in rows)
    elif fmt == "xlsx":
        buf = io.BytesIO()
        E.to_xlsx(snap, buf)
        data = buf.getvalue()
    elif fmt == "csv":
        data = ("\ufeff" + E.to_csv(snap)).encode("utf-8")
    else:
        return _text_chunks(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in E.iter_records(snap))
    return (data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK))


def json_schema(record_type: str) -> dict[str, Any]:
    """The committed schema file when tracking ships one, else generated from the shared models."""
    if not re.fullmatch(r"[a-z_]{1,40}", record_type):
        raise NotFound(f"no JSON Schema for record type {record_type!r}")
    committed = Path(__file__).resolve().parents[1] / "schemas" / f"{record_type}.json"
    if committed.is_file():
        return json.loads(committed.read_text(encoding="utf-8"))
    models = {"commitment": Commitment, "progress": Progress}
    if record_type in models:
        return models[record_type].model_json_schema()
    known = sorted(p.stem for p in committed.parent.glob("*.json")) or ["commitment", "progress"]
    raise NotFound(f"no JSON Schema for record type {record_type!r} (known: {', '.join(known)})")
