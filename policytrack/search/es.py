"""Elasticsearch backend (extra `[es]`, official client 8.x or 9.x), for stores too
big or too busy for one SQLite file.

The index holds the *same* tokens as the embedded backend (`index_tokens`
output in a whitespace-analysed field), so no IK/smartcn plugin is needed and
the two backends agree on what matches.  Filters and facets are keyword fields
and terms aggregations; concept matching is a `terms` clause on indicator_id;
hybrid ranking fuses BM25 and kNN lists with RRF here, in policytrack, because
Elasticsearch's own RRF needs a paid licence.  The store stays the system of
record: `policytrack index --backend es` (re)builds the index from it.

Request bodies are built by pure functions (`mappings`, `build_query`,
`build_aggs`, `build_knn`) so they can be checked without a server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .backend import FACET_FIELDS, FacetValue, SearchError, SearchRequest, SearchResponse
from .query import Group, ParsedQuery, intent_boost, parse_query
from .results import CONCEPT_SCORE, LITERAL_SCORE, RELATED_FACTOR, RELATED_SCORE, Hit, build_result
from .results import collapse_restatements, collapse_sentences, rank_prior, sentence_span
from .storeview import DocInfo

DEFAULT_INDEX = "policytrack-search"
# facet name -> keyword field
FACET_FIELD_MAP = {
    "type": "type", "region": "region", "issuer": "issuer", "doc_type": "doc_type", "year": "year",
    "department": "departments", "indicator": "indicator_id", "status": "status",
}
assert set(FACET_FIELD_MAP) == set(FACET_FIELDS)


def mappings(dims: int | None = None) -> dict[str, Any]:
    """Index settings + mappings; `dims` adds a dense_vector field for semantic ranking."""
    props: dict[str, Any] = {
        "tokens": {"type": "text", "analyzer": "pt_tokens", "similarity": "BM25"},
        "type": {"type": "keyword"},
        "doc": {"type": "keyword"},
        "rowid": {"type": "long"},
        "group": {"type": "keyword"},  # one result per source sentence (see results.collapse_sentences)
        "region": {"type": "keyword"},
        "title": {"type": "keyword"},  # a region filter falls back to it for hits with no region
        "issuer": {"type": "keyword"},
        "doc_type": {"type": "keyword"},
        "date": {"type": "keyword"},  # partial ISO dates (2022, 2022-05) compare as strings
        "year": {"type": "keyword"},
        "departments": {"type": "keyword"},
        "indicator_id": {"type": "keyword"},
        "status": {"type": "keyword"},
        "current": {"type": "boolean"},
        "rank_factor": {"type": "float"},  # what a commitment's sentence states (results.STATEMENT_FACTOR)
        "payload": {"type": "object", "enabled": False},  # everything a result shows
    }
    if dims:
        props["vector"] = {"type": "dense_vector", "dims": int(dims), "index": True, "similarity": "cosine"}
    return {
        "settings": {
            "analysis": {"analyzer": {"pt_tokens": {"type": "custom", "tokenizer": "whitespace",
                                                    "filter": ["lowercase"]}}},
        },
        "mappings": {"dynamic": "strict", "properties": props},
    }


def _alt_clause(alt: tuple[tuple[str, ...], ...], boost: float | None = None) -> dict[str, Any]:
    if boost is None:
        phrases = [{"match_phrase": {"tokens": " ".join(ph)}} for ph in alt if ph]
    else:
        phrases = [{"match_phrase": {"tokens": {"query": " ".join(ph), "boost": boost}}} for ph in alt if ph]
    return phrases[0] if len(phrases) == 1 else {"bool": {"must": phrases}}


def group_clause(g: Group) -> dict[str, Any]:
    """One query group: any alternative's words, or (records) an indicator_id of its concept."""
    direct_alts = g.direct_alternatives()
    should: list[dict[str, Any]] = [_alt_clause(a) for a in direct_alts]
    # related indicators' words (大校额 for 大班额) score lower, as in the embedded backend
    # and reach records only (passages stay precise), as in the embedded backend
    related_alts = [_alt_clause(a, RELATED_FACTOR) for a in g.alternatives[len(direct_alts):]]
    if related_alts:
        should.append({"bool": {"should": related_alts, "minimum_should_match": 1,
                                "filter": [{"terms": {"type": ["commitment", "progress"]}}]}})
    direct = sorted(g.direct_ids & g.concept_ids)
    related = sorted(g.concept_ids - g.direct_ids)
    if direct:
        should.append({"constant_score": {"filter": {"terms": {"indicator_id": direct}}, "boost": CONCEPT_SCORE}})
    if related:
        should.append({"constant_score": {"filter": {"terms": {"indicator_id": related}}, "boost": RELATED_SCORE}})
    if g.concept_ids and len(g.alternatives) > 1:
        # a record saying the query word itself, not a synonym, gains LITERAL_SCORE, as in the embedded backend
        should.append({"bool": {"must": [{"constant_score": {"filter": _alt_clause(g.alternatives[0]), "boost": LITERAL_SCORE}}],
                                "filter": [{"terms": {"type": ["commitment", "progress"]}}]}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def build_filters(req: SearchRequest, indicator_ids: set[str] | None) -> list[dict[str, Any]]:
    """The request's filters as ES filter clauses (same meaning as results.doc_filter/hit_passes)."""
    f: list[dict[str, Any]] = [{"term": {"current": True}}]
    types = req.type or ["commitment", "progress", "passage"]
    if any(getattr(req, x) for x in ("department", "indicator", "status")):
        types = [t for t in types if t != "passage"]
    f.append({"terms": {"type": list(types)}})
    if req.region:  # the hit's region, else (no region at all) the document's title names it
        f.append({"bool": {"should": [
            {"wildcard": {"region": {"value": f"*{req.region}*"}}},
            {"bool": {"must_not": [{"exists": {"field": "region"}}],
                      "filter": [{"wildcard": {"title": {"value": f"*{req.region}*"}}}]}},
        ], "minimum_should_match": 1}})
    if req.issuer:
        f.append({"wildcard": {"issuer": {"value": f"*{req.issuer}*"}}})
    if req.doc_type:
        f.append({"term": {"doc_type": req.doc_type}})
    rng: dict[str, str] = {}
    if req.date_from:
        rng["gte"] = req.date_from
    if req.date_to:
        d = req.date_to
        rng["lte"] = d + ("-12-31" if len(d) == 4 else "-31" if len(d) == 7 else "")
    if rng:
        f.append({"range": {"date": rng}})
    if req.department:
        f.append({"wildcard": {"departments": {"value": f"*{req.department}*"}}})
    if indicator_ids is not None:
        f.append({"terms": {"indicator_id": sorted(indicator_ids)}})
    if req.status:
        f.append({"term": {"status": req.status}})
    return f


def ranked(query: dict[str, Any]) -> dict[str, Any]:
    """The query with each hit's BM25 score multiplied by its stored `rank_factor`, as the
    embedded backend multiplies by STATEMENT_FACTOR (table labels and task lists below
    commitments stating an end state and a deadline)."""
    return {"function_score": {"query": query, "boost_mode": "multiply",
                               "field_value_factor": {"field": "rank_factor", "missing": 1.0}}}


def build_query(pq: ParsedQuery, req: SearchRequest, indicator_ids: set[str] | None = None) -> dict[str, Any]:
    """The bool query: every group must match; intent words boost one record type."""
    q: dict[str, Any] = {"filter": build_filters(req, indicator_ids)}
    if pq.groups:
        q["must"] = [group_clause(g) for g in pq.groups]
    else:
        q["must"] = [{"match_all": {}}]
    if pq.intent:
        q["should"] = [{"term": {"type": {"value": pq.intent, "boost": intent_boost()}}}]
    return {"bool": q}


# results are collapsed to one per `group` (a record's sentence; a passage is its own group),
# so totals and facet counts are distinct groups, as in the embedded backend
COLLAPSE = {"field": "group", "inner_hits": {"name": "also", "size": 20, "_source": ["payload"]}}
GROUP_COUNT = {"cardinality": {"field": "group", "precision_threshold": 40000}}


def build_aggs(size: int = 30) -> dict[str, Any]:
    aggs: dict[str, Any] = {name: {"terms": {"field": field, "size": size}, "aggs": {"groups": GROUP_COUNT}}
                            for name, field in FACET_FIELD_MAP.items()}
    aggs["groups"] = GROUP_COUNT
    return aggs


def _facet_count(b: dict[str, Any]) -> int:
    return int((b.get("groups") or {}).get("value", b["doc_count"]))


def build_knn(vector: list[float], req: SearchRequest, indicator_ids: set[str] | None, k: int = 200) -> dict[str, Any]:
    return {"field": "vector", "query_vector": list(map(float, vector)), "k": k, "num_candidates": max(k, 500),
            "filter": build_filters(req, indicator_ids)}


def search_body(pq: ParsedQuery, req: SearchRequest, indicator_ids: set[str] | None = None) -> dict[str, Any]:
    """Keyword arguments of the lexical `es.search` call: query, facets, one hit per sentence.

    The window always starts at the first hit: restatements are folded into `also_in` over
    everything up to the requested page (results.collapse_restatements), so a commitment
    shown on page 1 never comes back on page 2 as its restatement, as in the embedded backend."""
    end = min(req.page * req.size + RESTATEMENT_SLACK, MAX_WINDOW)
    return {"query": ranked(build_query(pq, req, indicator_ids)), "aggs": build_aggs(), "collapse": COLLAPSE,
            "from_": 0, "size": end, "track_total_hits": True}


# extra hits fetched so that restatements collapsed into `also_in` still leave a full page
RESTATEMENT_SLACK = 10
# Elasticsearch's default index.max_result_window: pages beyond it are not served
MAX_WINDOW = 10_000


def rank_factor(rec: dict[str, Any] | None, kind: str) -> float:
    return rank_prior(rec, kind, rec.get("context")) if rec else 1.0


def make_client(settings: Any):
    """The official client from settings (POLICYTRACK_ES_URL, _API_KEY, _CA_CERTS)."""
    try:
        from elasticsearch import Elasticsearch
    except ImportError as exc:
        raise SearchError("the Elasticsearch backend needs the client: pip install 'policytrack[es]'") from exc
    url = getattr(settings, "es_url", None)
    if not url:
        raise SearchError("no Elasticsearch configured: set POLICYTRACK_ES_URL")
    kw: dict[str, Any] = {"request_timeout": 30}
    if getattr(settings, "es_api_key", None):
        kw["api_key"] = settings.es_api_key
    if getattr(settings, "es_ca_certs", None):
        kw["ca_certs"] = settings.es_ca_certs
    return Elasticsearch(url, **kw)


# ------------------------------------------------------------------ indexing from the store


def documents_from_store(db_path: str | Path, vectors: dict[tuple[str, int], list[float]] | None = None
                         ) -> Iterator[dict[str, Any]]:
    """One ES document per passage and record of the store, with the store's own FTS tokens."""
    from .fts import FtsBackend

    fb = FtsBackend(db_path)
    cache = fb._cache()
    conn = fb._conn()
    docs = cache.docs
    view = cache.view
    assert view is not None
    for row in conn.execute(f"SELECT {view.passage_select('p')}, f.tokens FROM passages p "
                            f"JOIN passages_fts f ON f.rowid = p.rowid"):
        p = view.passage_row(row[:-1])
        d = docs.get(p["doc"]) or DocInfo(id=p["doc"])
        yield _es_doc("passage", p["rowid"], d, row[-1], p, None, vectors)
    tokens = dict(conn.execute("SELECT rowid, tokens FROM records_fts").fetchall())
    for rowid, rec in cache.records.items():
        d = docs.get(rec["doc"]) or DocInfo(id=rec["doc"])
        rec = dict(rec)
        group = None
        st, en = rec.get("start"), rec.get("end")
        text = fb._doc_text(rec["doc"], cache) if isinstance(st, int) and isinstance(en, int) else ""
        if text and text[st:en] == rec.get("quote"):
            s0, e0 = sentence_span(text, st, en)
            group = f"s:{rec['doc']}:{rec.get('type')}:{s0}"
            rec["context"] = fb._context(Hit(str(rec.get("type")), rowid, rec["doc"], rec=rec), cache)
        yield _es_doc(str(rec.get("type")), rowid, d, tokens.get(rowid, ""), None, rec, vectors, group)
    fb.close()


def _es_doc(kind: str, rowid: int, d: DocInfo, tokens: str, passage: dict | None, rec: dict | None,
            vectors: dict[tuple[str, int], list[float]] | None, group: str | None = None) -> dict[str, Any]:
    rec = rec or {}
    _id = f"{'p' if passage is not None else 'r'}{rowid}"
    body: dict[str, Any] = {
        "_id": _id, "group": group or _id,
        "tokens": tokens, "type": kind, "doc": d.id, "rowid": rowid,
        "region": rec.get("region") or d.region, "title": d.title, "issuer": d.issuer, "doc_type": d.doc_type, "date": d.date,
        "year": d.year, "departments": list(rec.get("departments") or []), "indicator_id": rec.get("indicator_id"),
        "status": rec.get("status"), "current": d.current, "rank_factor": rank_factor(rec, kind),
        "payload": {"passage": passage, "record": rec or None,
                    "docinfo": {k: getattr(d, k) for k in ("id", "title", "issuer", "date", "region", "doc_type",
                                                            "source", "file_name")}},
    }
    vk = ("passage" if passage is not None else "record", rowid)
    if vectors and vk in vectors:
        body["vector"] = vectors[vk]
    return body


def index_store(db_path: str | Path, settings: Any, *, index: str = DEFAULT_INDEX, embed_model: str | None = None,
                client: Any = None) -> dict[str, Any]:
    """(Re)build the ES index from the store; returns counts and the rate."""
    from elasticsearch import helpers

    es = client or make_client(settings)
    vectors = None
    dims = None
    if embed_model:
        vectors, dims = _stored_vectors(db_path, embed_model)
    t0 = time.perf_counter()
    if es.indices.exists(index=index):
        es.indices.delete(index=index)
    m = mappings(dims)
    es.indices.create(index=index, settings=m["settings"], mappings=m["mappings"])
    ok, errors = helpers.bulk(es, ({"_index": index, **doc} for doc in documents_from_store(db_path, vectors)),
                              chunk_size=2000, raise_on_error=False, stats_only=True)
    es.indices.refresh(index=index)
    dt = time.perf_counter() - t0
    return {"indexed": ok, "errors": errors, "seconds": round(dt, 2), "per_second": round(ok / dt, 1) if dt else 0}


def _stored_vectors(db_path: str | Path, model: str) -> tuple[dict[tuple[str, int], list[float]], int | None]:
    import sqlite3

    from . import embed

    conn = sqlite3.connect(str(db_path))
    out: dict[tuple[str, int], list[float]] = {}
    dims = None
    name = Path(model).name if Path(model).exists() else model
    for kind in ("passage", "record"):
        m = embed.VectorMatrix.load(conn, kind, name)
        for rid, v in zip(m.rowids.tolist(), m.matrix):
            out[(kind, int(rid))] = v.tolist()
            dims = len(v)
    conn.close()
    return out, dims


# ------------------------------------------------------------------ searching


class EsBackend:
    name = "es"

    def __init__(self, client: Any, *, index: str = DEFAULT_INDEX, settings: Any = None, encoder: Any = None) -> None:
        self.es = client
        self.index = index
        self.settings = settings
        self._encoder = encoder

    @classmethod
    def from_settings(cls, settings: Any, *, db_path: Any = None, index: str = DEFAULT_INDEX, **kw: Any) -> EsBackend:
        return cls(make_client(settings), index=index, settings=settings, **kw)

    def close(self) -> None:
        self.es.close()

    def search(self, req: SearchRequest) -> SearchResponse:
        from .fts import _indicator_ids

        t0 = time.perf_counter()
        pq = parse_query(req.q)
        ind = _indicator_ids(req.indicator)
        query = build_query(pq, req, ind)
        start = (req.page - 1) * req.size
        notes: list[str] = []
        semantic_used = False
        try:
            if req.mode == "lexical" or pq.empty:
                r = self.es.search(index=self.index, **search_body(pq, req, ind))
                hits = [self._hit(h) for h in r["hits"]["hits"]]
                if not pq.empty:
                    hits = collapse_restatements(hits, {h.doc: h.docinfo for h in hits if h.docinfo is not None})
                hits = hits[start:start + req.size]
                aggs = r.get("aggregations", {})
                total = int(aggs.get("groups", {}).get("value", r["hits"]["total"]["value"]))
            else:
                hits, total, aggs, semantic_used, note = self._hybrid(req, pq, query, ind, start)
                if note:
                    notes.append(note)
        except SearchError:
            raise
        except Exception as exc:  # noqa: BLE001 - transport/API errors become one line
            raise SearchError(f"Elasticsearch search failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                              ) from None
        docs = {h.doc: h.docinfo for h in hits if h.docinfo is not None}
        results = [build_result(h, pq, docs, h.passage) for h in hits]
        facets = {name: [FacetValue(value=str(b["key"]), count=_facet_count(b))
                         for b in aggs.get(name, {}).get("buckets", [])] for name in FACET_FIELD_MAP}
        understood = pq.describe()
        if notes:
            understood["notes"] = notes
        return SearchResponse(total=total, page=req.page, size=req.size, results=results, facets=facets,
                              semantic_used=semantic_used, mode=req.mode, backend=self.name, query=understood,
                              took_ms=round((time.perf_counter() - t0) * 1000, 2))

    def _hybrid(self, req, pq, query, ind, start):
        from . import embed
        from .rrf import rrf

        try:
            enc = self._encoder or embed.load_encoder(getattr(self.settings, "embed_model", None))
        except embed.EmbedError as exc:
            r = self.es.search(index=self.index, query=query, aggs=build_aggs(), from_=start, size=req.size,
                               collapse=COLLAPSE, track_total_hits=True)
            aggs = r.get("aggregations", {})
            return ([self._hit(h) for h in r["hits"]["hits"]], int(aggs.get("groups", {}).get("value", 0)),
                    r.get("aggregations", {}), False, f"semantic ranking unavailable, lexical used: {exc}")
        depth = max(200, start + req.size)
        lex = self.es.search(index=self.index, query=ranked(query), aggs=build_aggs(), size=depth, track_total_hits=True)
        knn = self.es.search(index=self.index, knn=build_knn(enc.encode([req.q])[0].tolist(), req, ind), size=depth)
        by_id = {h["_id"]: h for h in [*knn["hits"]["hits"], *lex["hits"]["hits"]]}
        lists = [[h["_id"] for h in knn["hits"]["hits"]]]
        if req.mode == "hybrid":
            lists.insert(0, [h["_id"] for h in lex["hits"]["hits"]])
        fused = []
        for key, score in rrf(lists):
            h = self._hit(by_id[key])
            h.score = score
            fused.append(h)
        groups = {id(h): by_id[k]["_source"].get("group") for h, (k, _) in zip(fused, rrf(lists))}
        fused = collapse_sentences(fused, lambda h: groups.get(id(h)))
        return fused[start:start + req.size], len(fused), lex.get("aggregations", {}), bool(knn["hits"]["hits"]), None

    @staticmethod
    def _hit(h: dict[str, Any]) -> Hit:
        src = h["_source"]
        pl = src.get("payload") or {}
        d = pl.get("docinfo") or {}
        info = DocInfo(**{k: d.get(k) for k in ("title", "issuer", "date", "region", "doc_type", "source",
                                                 "file_name")}, id=d.get("id") or src["doc"])
        rec = pl.get("record")
        hit = Hit(src["type"], int(src["rowid"]), src["doc"], float(h.get("_score") or 0.0),
                  rec=rec, passage=pl.get("passage"), docinfo=info, context=(rec or {}).get("context"))
        inner = ((h.get("inner_hits") or {}).get("also") or {}).get("hits", {}).get("hits", [])
        for ih in inner:  # the other records of the sentence (the collapsed group)
            r2 = ((ih.get("_source") or {}).get("payload") or {}).get("record")
            if r2 and rec and r2.get("id") != rec.get("id"):
                hit.also.append(Hit(str(r2.get("type")), 0, src["doc"], 0.0, rec=r2))
        return hit
