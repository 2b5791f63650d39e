"""Embedded search: SQLite FTS5 over the store's pre-segmented tokens, BM25.

The store fills `passages_fts(tokens)` and `records_fts(tokens)` with
`index_tokens(text)` in the same transaction as each document, so this backend
needs no index of its own and is never stale.  A query becomes one FTS5 MATCH
expression per kind of hit (quoted token sequences, so FTS5's tokenizer sees the
same words jieba produced); records additionally match by `indicator_id` for
concept words, which FTS cannot express, so for them each query group is
resolved separately and the groups intersected.

One cache per backend (documents, passage → document, all record fields),
shared by every thread of a server and keyed on a cheap signature of the store,
which a thread checks whenever its own connection's `PRAGMA data_version` moves,
so a new ingest is seen by the next query without a restart.

Results are one per source sentence (`results.collapse_unranked`): the records
extracted from one sentence come as one hit carrying the others in `also`, with
the sentence as `context`; a related indicator's words (班额, 大校额 for 大班额)
reach records at a lower score; passages match the named indicator's words only.
"""

from __future__ import annotations

import gc
import heapq
import sqlite3
import threading
from collections import Counter, OrderedDict
from functools import cached_property
import time
from pathlib import Path
from typing import Any, Iterable

from .backend import SearchError, SearchRequest, SearchResponse
from .query import Group, ParsedQuery, parse_query
from .results import CONCEPT_SCORE, LITERAL_SCORE, RELATED_FACTOR, RELATED_SCORE, Hit, normalise, StatusProvider, apply_status, boost, build_result, doc_filter, facets
from .results import collapse_restatements, collapse_unranked, rank_prior, demote_covered, hit_passes, rank, sentence_span, top
from .storeview import DocInfo, StoreView, _q


def _fts_str(tok: str) -> str:
    return '"' + tok.replace('"', '""') + '"'


def group_match(g: Group) -> str:
    """FTS5 expression for one group: OR of alternatives, each an AND of phrases."""
    alts = []
    for alt in g.alternatives:
        parts = [_fts_str(" ".join(ph)) for ph in alt if ph]
        if parts:
            alts.append(parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")")
    if not alts:
        return ""
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def match_expression(pq: ParsedQuery) -> str:
    """The whole query as one FTS5 MATCH string (groups are ANDed)."""
    return " AND ".join(e for g in pq.groups if (e := group_match(g)))


class _Cache:
    """What search reads on every query, loaded once per database version."""

    def __init__(self) -> None:
        self.version: tuple | None = None
        self.view: StoreView | None = None
        self.docs: dict[str, DocInfo] = {}
        self.passage_doc: dict[int, str] = {}
        self.records: dict[int, dict[str, Any]] = {}
        self.by_indicator: dict[str, list[int]] = {}
        self.by_department: dict[str, list[int]] = {}
        self.texts: OrderedDict[str, str] = OrderedDict()  # document texts, for record sentences
        # texts of the documents records come from (read anyway to find their sentences;
        # ~16 MB at 100k passages, where a small LRU meant a document fetch per result)
        self.record_texts: dict[str, str] = {}
        self.sentence_keys: dict[int, tuple[int, int] | None] = {}  # record rowid -> its sentence span
        self.status_day: Any = None
        self.status_memo: dict[str, str | None] = {}  # commitment id -> tracking status (per day)

    @cached_property
    def all_current(self) -> bool:
        """No document superseded: unfiltered queries skip the per-document filter (asked on
        every query; a cache's documents never change, a new version makes a new cache)."""
        return all(d.current for d in self.docs.values())


class FtsBackend:
    """The default backend (see module docstring)."""

    name = "fts"

    def __init__(self, db_path: str | Path, *, settings: Any = None, status_provider: StatusProvider | None = None,
                 encoder: Any = None) -> None:
        self.db_path = Path(db_path)
        self.settings = settings
        self.status_provider = status_provider
        self._encoder = encoder
        self._local = threading.local()
        self._lock = threading.Lock()
        self._shared: _Cache | None = None

    # ------------------------------------------------------------ connection and caches

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if not self.db_path.exists():
                raise SearchError(f"{self.db_path}: no store database here; run `policytrack ingest` first")
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, check_same_thread=False, timeout=10.0)
            # index pages through the OS page cache, shared by every thread's connection,
            # instead of a private 2 MB cache each (measured: ~5 % less CPU per FTS query)
            conn.execute("PRAGMA mmap_size = 1073741824")
            self._local.conn = conn
            self._local.seen = None
        return conn

    def _signature(self, conn: sqlite3.Connection) -> tuple:
        """What the store holds, cheaply: changes when a document is added, replaced or superseded."""
        sql = ("SELECT (SELECT count(*) FROM documents), (SELECT max(rowid) FROM passages), "
               "(SELECT max(rowid) FROM records), (SELECT count(*) FROM records)")
        try:
            sig = tuple(conn.execute(sql).fetchone())
        except sqlite3.OperationalError:  # not a store: let discover() say what is missing
            try:
                StoreView.discover(conn)
            except LookupError as exc:
                raise SearchError(f"{self.db_path}: {exc}") from None
            raise
        # the same terms whether or not a cache exists yet: the first signature once lacked
        # them, so the second thread to search reloaded everything (seconds at 100k passages)
        view = self._shared.view if self._shared is not None and self._shared.view is not None else None
        if view is None:
            try:
                view = StoreView.discover(conn)
            except LookupError as exc:
                raise SearchError(f"{self.db_path}: {exc}") from None
        if view.doc_superseded:
            col = _q(view.doc_superseded)
            sig += tuple(conn.execute(f"SELECT count(*) FROM documents WHERE {col} IS NOT NULL").fetchone())
        if view.status_sql:
            sig += (hash(tuple(conn.execute(view.status_sql).fetchall())),)
        return sig

    def _cache(self) -> _Cache:
        """The cache shared by every thread (a server's thread pool must not load 100k rows per
        thread); each thread notices a write through its own connection's data_version and
        then compares the store's signature, reloading once for everyone when it changed."""
        conn = self._conn()
        seen = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        shared = self._shared
        if shared is not None and self._local.seen == (seen, shared.version):
            return shared
        sig = self._signature(conn)
        with self._lock:
            if self._shared is None or self._shared.version != sig:
                # one read transaction: the signature and the rows loaded for it come from
                # the same snapshot (an upload committing between them made the new rows
                # disagree with the counts, and every concurrent upload a full reload)
                conn.execute("BEGIN")
                try:
                    sig = self._signature(conn)
                    if self._shared is None or self._shared.version != sig:
                        old = self._shared
                        self._shared = (self._extend(conn, old, sig) if old is not None else None) or \
                            self._load(conn, sig)
                finally:
                    conn.execute("COMMIT")
                # the cache is ~10^6 long-lived objects at 100k passages: without this every
                # full collection of the cyclic GC walks them all (~0.1 s with the GIL held,
                # stalling every request in flight; the p99 of the HTTP bench).  Frozen objects
                # are still freed by reference counting when a newer cache replaces them.
                gc.freeze()
            self._local.seen = (seen, self._shared.version)
            return self._shared

    def _extend(self, conn: sqlite3.Connection, old: _Cache, sig: tuple) -> _Cache | None:
        """The cache after documents were only added (an upload, an ingest): the old one
        plus the new rows, or None when something else changed (records deleted by a
        re-extraction, tracking status) and a full load is needed.

        Why: a full load reads and parses every record and every record document's text
        (seconds at 100k passages) while the searches behind the lock wait; under
        bench/load.py's 10 % uploads that was once per upload.  The old cache is copied,
        never changed, because other threads may be reading it."""
        view, old_sig = old.view, old.version
        if view is None or old_sig is None or len(old_sig) != len(sig) or len(sig) < 4:
            return None
        n_docs, max_p, max_r, n_r = sig[:4]
        o_docs, o_max_p, o_max_r, o_n_r = old_sig[:4]
        if view.status_sql and sig[-1] != old_sig[-1]:
            return None  # tracking status changed: every record's status is read again
        if n_docs < o_docs or (max_p or 0) < (o_max_p or 0):
            return None  # documents or passages removed
        new_rows = conn.execute(f"SELECT {view.record_select('r')} FROM records r WHERE r.rowid > ?",
                                (o_max_r or 0,)).fetchall()
        if (n_r or 0) - (o_n_r or 0) != len(new_rows):
            return None  # records were deleted (re-extraction): reload
        cache = _Cache()
        cache.view = view
        cache.docs = view.load_docs(conn)  # a new version supersedes an old one: flags change
        cache.passage_doc = dict(old.passage_doc)
        cache.passage_doc.update((r[0], str(r[1])) for r in conn.execute(
            f"SELECT rowid, {_q(view.p_doc)} FROM passages WHERE rowid > ?", (o_max_p or 0,)))
        cache.records = dict(old.records)
        cache.by_indicator = dict(old.by_indicator)
        cache.by_department = dict(old.by_department)
        cache.record_texts = dict(old.record_texts)
        cache.sentence_keys = dict(old.sentence_keys)
        self._add_records(conn, cache, new_rows, extending=True)
        cache.version = sig
        return cache

    def _load(self, conn: sqlite3.Connection, sig: tuple) -> _Cache:
        cache = _Cache()
        try:
            view = StoreView.discover(conn)
        except LookupError as exc:
            raise SearchError(f"{self.db_path}: {exc}") from None
        cache.view = view
        cache.docs = view.load_docs(conn)
        cache.passage_doc = {r[0]: str(r[1]) for r in conn.execute(f"SELECT rowid, {_q(view.p_doc)} FROM passages")}
        self._add_records(conn, cache, conn.execute(f"SELECT {view.record_select('r')} FROM records r"))
        cache.version = sig
        return cache

    def _add_records(self, conn: sqlite3.Connection, cache: _Cache, rows: Iterable[tuple], *,
                     extending: bool = False) -> None:
        """Put record rows into the cache: the record itself, its indicator and department index
        entries, its sentence, and its tracking status.  One path for a full load and an
        extension, so the two caches cannot disagree on what a record carries.

        `extending`: the index lists came from an older cache that other threads may be
        reading, so each list touched is copied once and then appended to in place (copying
        it per record made an upload to a big store quadratic in its records), and only the
        new records' documents are read for their sentences."""
        view = cache.view
        assert view is not None
        copied: set[tuple[str, str]] = set()

        def append(index: dict[str, list[int]], kind: str, key: str, rowid: int) -> None:
            if extending and (kind, key) not in copied:
                copied.add((kind, key))
                index[key] = list(index.get(key, ()))
            index.setdefault(key, []).append(rowid)

        added: list[int] = []
        for row in rows:
            rec = view.record_row(row)
            cache.records[rec["rowid"]] = rec
            added.append(rec["rowid"])
            if rec.get("indicator_id"):
                append(cache.by_indicator, "i", str(rec["indicator_id"]), rec["rowid"])
            for dep in set(rec.get("departments") or ()):
                append(cache.by_department, "d", dep, rec["rowid"])
        self._load_sentences(conn, cache, added if extending else None)
        if view.status_sql and added:
            st = dict(conn.execute(view.status_sql).fetchall())
            for k in added:
                rec = cache.records[k]
                if st.get(rec["id"]) is not None:
                    rec["status"] = st[rec["id"]]

    @staticmethod
    def _load_sentences(conn: sqlite3.Connection, cache: _Cache, only: list[int] | None = None) -> None:
        """Every record's sentence, found once per store version with each document's text
        read once: computed per query it cost a document fetch per record hit (the query
        mix touches hundreds of documents at 100k passages, more than any text cache holds)."""
        view = cache.view
        assert view is not None
        per_doc: dict[str, list[int]] = {}
        for k in (cache.records if only is None else only):
            r = cache.records[k]
            if isinstance(r.get("start"), int):
                per_doc.setdefault(str(r["doc"]), []).append(k)
        if not per_doc or "text" not in view.all_doc_cols:
            return
        keys = cache.sentence_keys
        sql = f"SELECT {_q(view.doc_id)}, text FROM documents"
        if only is not None:  # the documents of the new records only
            sql += f" WHERE {_q(view.doc_id)} IN ({','.join('?' * len(per_doc))})"
        for doc, text in conn.execute(sql, list(per_doc) if only is not None else ()):
            ks = per_doc.get(str(doc))
            if not ks:
                continue
            text = str(text or "")
            cache.record_texts[str(doc)] = text  # the page's record sentences come from here
            for k in ks:
                r = cache.records[k]
                st, en = r["start"], r.get("end") or r["start"]
                if not text or text[st:en] != r.get("quote"):
                    keys[k] = None  # offsets from another text version: not grouped (as in ES)
                else:
                    keys[k] = span = sentence_span(text, st, en)
                    rank_prior(r, str(r.get("type")), text[span[0]:span[1]])  # memoised: what it states

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ------------------------------------------------------------ retrieval

    def _fts(self, table: str, expr: str) -> dict[int, float]:
        """rowid -> positive BM25 score for an FTS5 expression."""
        try:
            rows = self._conn().execute(
                f"SELECT rowid, bm25({table}) FROM {table} WHERE {table} MATCH ?", (expr,)
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise SearchError(f"query cannot be run on the full-text index: {exc}") from None
        return {r: -s for r, s in rows}

    def _fts_rowids(self, table: str, expr: str) -> set[int]:
        """The rowids an FTS5 expression matches, without BM25: for membership tests (is a
        hit direct or only related?) BM25 is wasted work, about 3/4 of such a query's time."""
        try:
            return {r for (r,) in self._conn().execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (expr,))}
        except sqlite3.OperationalError as exc:
            raise SearchError(f"query cannot be run on the full-text index: {exc}") from None

    def _related_scored(self, table: str, pq: ParsedQuery) -> dict[int, float]:
        """BM25 over all alternatives; hits found only through a related indicator's
        words (大校额 for 大班额) keep RELATED_FACTOR of their score, so direct matches lead."""
        scores = self._fts(table, match_expression(pq))
        if not pq.has_related or not scores:
            return scores
        direct = self._fts_rowids(table, match_expression(pq.direct_only()))
        return {k: (v if k in direct else v * RELATED_FACTOR) for k, v in scores.items()}

    def passage_hits(self, pq: ParsedQuery, cache: _Cache, doc_ok=None) -> list[Hit]:
        if pq.empty:  # browsing: filter before building hits (100k passages)
            return [Hit("passage", k, d, 0.0) for k, d in cache.passage_doc.items() if doc_ok is None or doc_ok(d)]
        # passages match the words of the named indicator only: a related indicator's words
        # (班额 for 大班额) reach records, whose sentence the result shows, and keep the
        # passage list precise (and one FTS query cheaper over the largest table)
        scores = normalise(self._fts("passages_fts", match_expression(pq.direct_only() if pq.has_related else pq)))
        return [Hit("passage", k, cache.passage_doc.get(k, ""), s) for k, s in scores.items() if k in cache.passage_doc]

    def _passage_top(self, pq: ParsedQuery, cache: _Cache, doc_ok, req: SearchRequest,
                     n: int) -> tuple[list[Hit], Counter]:
        """The n best passages passing the filters, and how many pass per document."""
        pd = cache.passage_doc
        if pq.empty:
            raw: dict[int, float] = dict.fromkeys(pd, 0.0)
        else:
            raw = self._fts("passages_fts", match_expression(pq.direct_only() if pq.has_related else pq))
        if doc_ok is None and not req.region:  # no filter: every passage found counts
            keys = [k for k in raw if k in pd]
        else:
            verdict: dict[str, bool] = {}  # per document: the filters are all document-level

            def ok(d: str) -> bool:
                v = verdict.get(d)
                if v is None:
                    v = verdict[d] = (doc_ok is None or doc_ok(d)) and \
                        hit_passes(Hit("passage", 0, d), req, cache.docs, None)
                return v

            keys = [k for k in raw if (d := pd.get(k)) is not None and ok(d)]
        per_doc = Counter(pd[k] for k in keys)
        top_score = max(raw.values(), default=0.0) or 1.0
        best_n = heapq.nsmallest(n, keys, key=lambda k: (-raw[k], pd[k], k))
        return [Hit("passage", k, pd[k], raw[k] / top_score) for k in best_n], per_doc

    def record_hits(self, pq: ParsedQuery, cache: _Cache, rec_ok=None, dept: str | None = None) -> list[Hit]:
        if pq.empty:  # browsing: filter before building hits
            items = cache.records.items()
            if dept:  # the department index narrows 45k records to a few hundred
                keys = sorted({k for name, ks in cache.by_department.items() if dept in name for k in ks})
                items = [(k, cache.records[k]) for k in keys]
            return [Hit(str(r.get("type")), k, r["doc"], 0.0, rec=r) for k, r in items
                    if rec_ok is None or rec_ok(r)]
        if not pq.concept_ids:
            scores = normalise(self._related_scored("records_fts", pq))
            concepts: dict[int, list[str]] = {}
        else:
            scores, concepts = self._concept_groups(pq, cache)
        out = []
        for k, s in scores.items():
            r = cache.records.get(k)
            # filter before building hits: a concept can bring thousands of records a type,
            # document or department filter then drops
            if r is not None and (rec_ok is None or rec_ok(r)):
                out.append(Hit(str(r.get("type") or "commitment"), k, r["doc"], s, concepts.get(k, []), rec=r))
        return out

    def _concept_groups(self, pq: ParsedQuery, cache: _Cache) -> tuple[dict[int, float], dict[int, list[str]]]:
        """Records satisfying every group, by words or (for concept groups) by indicator_id."""
        from .concepts import concept_index

        names = concept_index().names
        lexical: dict[int, float] | None = None
        bonus: dict[int, float] = {}
        concepts: dict[int, list[str]] = {}
        for g in pq.groups:
            expr = group_match(g)
            got = self._fts("records_fts", expr) if expr else {}
            level: dict[int, float] = {}  # how directly this group matched each record
            if got and g.concept_ids:
                direct = self._fts_rowids("records_fts", group_match(Group(g.label, g.direct_alternatives()))) \
                    if g.has_related else got
                for k in got:
                    level[k] = CONCEPT_SCORE if k in direct else RELATED_SCORE
                    if k not in direct:
                        got[k] *= RELATED_FACTOR
            for iid in sorted(g.concept_ids):
                by_id = CONCEPT_SCORE if iid in g.direct_ids else RELATED_SCORE
                why = f"{g.label} → {names.get(iid, iid)}"
                for k in cache.by_indicator.get(iid, ()):
                    if k not in got:
                        got[k] = 0.0
                    if level.get(k, 0.0) < by_id:
                        level[k] = by_id
                    if k in concepts:
                        concepts[k].append(why)
                    else:
                        concepts[k] = [why]
            if got and g.concept_ids and len(g.alternatives) > 1:
                for k in self._fts_rowids("records_fts", group_match(Group(g.label, g.alternatives[:1]))):
                    level[k] = level.get(k, 0.0) + LITERAL_SCORE
            for k, v in level.items():
                bonus[k] = bonus.get(k, 0.0) + v
            lexical = got if lexical is None else {k: lexical[k] + s for k, s in got.items() if k in lexical}
        scores = normalise(lexical or {})
        return {k: s + bonus.get(k, 0.0) for k, s in scores.items()}, concepts

    # ------------------------------------------------------------ the interface

    def search(self, req: SearchRequest) -> SearchResponse:
        t0 = time.perf_counter()
        pq = parse_query(req.q)
        cache = self._cache()
        docs = cache.docs
        allowed_docs = doc_filter(req, docs, cache.all_current)
        types = set(req.type or ("commitment", "progress", "passage"))
        ind_ids = _indicator_ids(req.indicator)
        want_passages = "passage" in types and not any(getattr(req, f) for f in ("department", "indicator", "status"))

        def doc_ok(d: str) -> bool:
            return allowed_docs is None or d in allowed_docs

        def rec_ok(r: dict) -> bool:  # cheap pre-filter for browsing (no query words)
            if (r.get("type") or "commitment") not in types or not doc_ok(r["doc"]):
                return False
            if req.department and not any(req.department in x for x in r.get("departments") or ()):
                return False
            return ind_ids is None or r.get("indicator_id") in ind_ids

        start = (req.page - 1) * req.size
        want = start + req.size + 50  # only the top of the list is shown
        hits: list[Hit] = []
        if types & {"commitment", "progress"}:
            hits += [h for h in self.record_hits(pq, cache, rec_ok, req.department) if h.type in types]
        # lexical passages are counted per document and only the best `want` become hits:
        # their filters and facets are all document-level, and a common word matches
        # thousands of the 100k passages (semantic fusion needs them all)
        p_docs: Counter | None = None
        top_p: list[Hit] = []
        if want_passages and (req.mode == "lexical" or pq.empty):
            top_p, p_docs = self._passage_top(pq, cache, None if allowed_docs is None else doc_ok, req, want)
        elif want_passages:
            hits += self.passage_hits(pq, cache, doc_ok)
        if allowed_docs is not None:
            hits = [h for h in hits if h.doc in allowed_docs]
        apply_status(hits, self._memo_status(cache))
        hits = [h for h in hits if hit_passes(h, req, docs, ind_ids)]

        notes: list[str] = []
        semantic_used = False
        if req.mode != "lexical" and not pq.empty:
            hits, semantic_used, note = self._semantic(req, pq, hits, cache, allowed_docs, types, ind_ids)
            if note:
                notes.append(note)
        else:
            boost(hits, pq)
        heads = collapse_unranked(hits, self._sentence_keys(hits, cache))
        total = len(heads) + (sum(p_docs.values()) if p_docs else 0)
        ranked = top(heads + top_p, want)
        if not pq.empty:
            ranked = demote_covered(ranked, self._spans([h.key for h in ranked if h.rec is None]))
            ranked = collapse_restatements(ranked, docs)
        page = ranked[start:start + req.size]
        for h in page:
            if h.rec is not None and h.context is None:
                h.context = self._context(h, cache)
        passages = self._passages([h.key for h in page if h.rec is None])
        results = [build_result(h, pq, docs, passages.get(h.key)) for h in page]
        understood = pq.describe()
        if notes:
            understood["notes"] = notes
        return SearchResponse(
            total=total, page=req.page, size=req.size, results=results, facets=facets(heads, docs, passage_docs=p_docs),
            semantic_used=semantic_used, mode=req.mode, backend=self.name, query=understood,
            took_ms=round((time.perf_counter() - t0) * 1000, 2),
        )

    def _spans(self, keys: list[int]) -> dict[int, tuple[int, int]]:
        view = self._cache().view
        if not keys or view is None or "start" not in view.p_cols or "end" not in view.p_cols:
            return {}
        sql = (f"SELECT rowid, {_q(view.p_cols['start'])}, {_q(view.p_cols['end'])} FROM passages "
               f"WHERE rowid IN ({','.join('?' * len(keys))})")
        return {r[0]: (r[1], r[2]) for r in self._conn().execute(sql, keys) if r[1] is not None and r[2] is not None}

    def _memo_status(self, cache: _Cache) -> StatusProvider | None:
        """The status provider, remembered per store version and day: tracking evaluates a
        commitment against the same snapshot on every query until the store changes."""
        provider = self.status_provider
        if provider is None:
            return None
        import datetime

        day = datetime.date.today()
        if cache.status_day != day:
            cache.status_day, cache.status_memo = day, {}
        memo = cache.status_memo

        def provide(ids: list[str]) -> dict[str, str]:
            todo = [i for i in ids if i not in memo]
            if todo:
                got = provider(todo)
                for i in todo:
                    memo[i] = got.get(i)
            return {i: memo[i] for i in ids if memo.get(i) is not None}

        return provide

    def _doc_text(self, doc: str, cache: _Cache) -> str:
        t = cache.record_texts.get(doc)
        if t is not None:
            return t
        texts = cache.texts
        with self._lock:
            t = texts.get(doc)
            if t is not None:
                texts.move_to_end(doc)
                return t
        view = cache.view
        assert view is not None
        row = self._conn().execute(f"SELECT text FROM documents WHERE {_q(view.doc_id)} = ?", (doc,)).fetchone() \
            if "text" in view.all_doc_cols else None
        t = str(row[0] or "") if row else ""
        with self._lock:
            texts[doc] = t
            if len(texts) > 64:
                texts.popitem(last=False)
        return t

    def _sentence_keys(self, hits: list[Hit], cache: _Cache):
        """Key (doc, type, sentence start) for records that share a document with another record hit."""
        per_doc: dict[str, int] = {}
        for h in hits:
            if h.rec is not None and isinstance(h.rec.get("start"), int):
                per_doc[h.doc] = per_doc.get(h.doc, 0) + 1
        spans = cache.sentence_keys

        def key_of(h: Hit):
            if per_doc.get(h.doc, 0) < 2:
                return None
            span = spans.get(h.key)
            # a commitment and a progress figure of one sentence stay apart
            return None if span is None else (h.doc, h.type, span[0])

        return key_of

    def _context(self, h: Hit, cache: _Cache, max_chars: int = 400) -> str | None:
        """The record's sentence (trimmed to a window around the quote when very long)."""
        r = h.rec or {}
        st, en = r.get("start"), r.get("end")
        if not isinstance(st, int) or not isinstance(en, int):
            return None
        text = self._doc_text(h.doc, cache)
        if text[st:en] != r.get("quote"):
            return None
        s0, e0 = sentence_span(text, st, en)
        if e0 - s0 > max_chars:
            pad = max(0, (max_chars - (en - st)) // 2)
            s0, e0 = max(s0, st - pad), min(e0, en + pad)
        return text[s0:e0].strip() or None

    def _passages(self, keys: list[int]) -> dict[int, dict[str, Any]]:
        if not keys:
            return {}
        view = self._cache().view
        assert view is not None
        sql = f"SELECT {view.passage_select('p')} FROM passages p WHERE p.rowid IN ({','.join('?' * len(keys))})"
        return {r[0]: view.passage_row(r) for r in self._conn().execute(sql, keys)}

    # ------------------------------------------------------------ semantic / hybrid

    def _semantic(self, req, pq, lexical, cache, allowed_docs, types, ind_ids):
        """Vector ranking of passages (and records), fused with the lexical list by RRF."""
        from . import embed
        from .rrf import rrf

        try:
            enc = self._encoder or embed.load_encoder(getattr(self.settings, "embed_model", None))
        except embed.EmbedError as exc:
            boost(lexical, pq)
            return lexical, False, f"semantic ranking unavailable, lexical used: {exc}"
        conn = self._conn()
        qv = enc.encode([req.q])[0]
        vec_hits: list[Hit] = []
        for kind, table in (("passage", "passages"), ("record", "records")):
            try:
                mat = embed.VectorMatrix.load(conn, kind, enc.name)
            except sqlite3.OperationalError:
                continue
            for rowid, sim in mat.top(qv, 200):
                if kind == "passage":
                    d = cache.passage_doc.get(rowid)
                    if d is not None and "passage" in types:
                        vec_hits.append(Hit("passage", rowid, d, sim))
                else:
                    r = cache.records.get(rowid)
                    if r is not None and r.get("type") in types:
                        vec_hits.append(Hit(str(r["type"]), rowid, r["doc"], sim, rec=r))
        if allowed_docs is not None:
            vec_hits = [h for h in vec_hits if h.doc in allowed_docs]
        vec_hits = [h for h in vec_hits if hit_passes(h, req, cache.docs, ind_ids)]
        if not vec_hits:
            boost(lexical, pq)
            return lexical, False, f"no stored vectors for model {enc.name}; run `policytrack index --embed`"
        boost(lexical, pq)
        by_key = {(h.type == "passage", h.key): h for h in [*vec_hits, *lexical]}
        lex_ids = [(h.type == "passage", h.key) for h in rank(lexical)]
        vec_ids = [(h.type == "passage", h.key) for h in sorted(vec_hits, key=lambda h: -h.score)]
        lists = [vec_ids] if req.mode == "semantic" else [lex_ids, vec_ids]
        fused = []
        for key, score in rrf(lists):
            h = by_key[key]
            fused.append(Hit(h.type, h.key, h.doc, score, h.concepts, h.rec))
        return fused, True, None


def _indicator_ids(indicator: str | None) -> set[str] | None:
    """An indicator filter given as an id or as a name/synonym of one."""
    if not indicator:
        return None
    from .concepts import concept_index

    ci = concept_index()
    if indicator in ci.terms_by_id:
        return {indicator}
    ids = set(ci.ids_by_term.get(indicator.strip().lower(), ()))
    if not ids:
        raise SearchError(f"unknown indicator {indicator!r} (give a catalogue id or one of its names)")
    return ids
