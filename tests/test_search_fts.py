"""The embedded FTS5 backend against a real store built from the seed documents."""

from __future__ import annotations

import shutil
import sqlite3
import warnings

import pytest

from policytrack.search.backend import SearchError, SearchRequest, open_backend
from policytrack.search.fts import FtsBackend

from search_fixtures import SEEDS, build_store, require_shared

S1, S4 = "001_86e6333c553186a1.txt", "004_ea37bfe10d042d56.txt"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    require_shared()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_store(tmp_path_factory.mktemp("store") / "policytrack.db")


@pytest.fixture(scope="module")
def fts(db):
    b = open_backend("fts", db_path=db)
    yield b
    b.close()


def names(r) -> str:
    return r.file_name or r.doc


def test_big_class_commitments_including_concept_only_ones(fts):
    resp = fts.search(SearchRequest(q="大班额 目标", size=10))
    def shown(r):  # a result shows its record and the other records of the same sentence
        return [r.quote or "", *(a["quote"] or "" for a in r.also)]

    quotes = [q for r in resp.results if r.type == "commitment" for q in shown(r)]
    # none of these say 大班额: they are found through their indicator_id
    for needle in ("小学班额不超过45人", "化解2000人以上大校额", "85%以上的班额达到国家认定标准"):
        assert any(needle in q for q in quotes), needle
    concept_hit = next(r for r in resp.results if any("化解2000人以上大校额" in q for q in shown(r)))
    assert any(w.startswith("concept: 大班额") for w in concept_hit.why)
    assert "化解<mark>2000人以上大校额</mark>" in concept_hit.snippet  # the sentence, related word marked
    assert resp.results[0].type == "commitment"  # 目标 boosts commitments


@pytest.mark.parametrize("text, start, end, sentence", [
    ("甲。到2020年消除大班额;到2022年班额不超过45人。乙", 2, 14, "到2020年消除大班额;到2022年班额不超过45人。"),
    ("第一句\n表格行\t95\n", 4, 7, "表格行\t95\n"),
    ("没有句号的文字", 2, 4, "没有句号的文字"),
])
def test_sentence_span(text, start, end, sentence):
    from policytrack.search.results import sentence_span

    s, e = sentence_span(text, start, end)
    assert text[s:e] == sentence


def test_one_result_per_sentence(fts):
    resp = fts.search(SearchRequest(q="大班额 目标", size=50))
    keys = [(r.doc, r.context) for r in resp.results if r.type == "commitment" and r.context]
    assert len(keys) == len(set(keys))
    assert any(r.also for r in resp.results)


def test_progress_intent(fts):
    resp = fts.search(SearchRequest(q="消除 大班额 进展", size=5))
    assert resp.results[0].type == "progress"
    assert any("188个大班额" in (r.quote or "") for r in resp.results)


@pytest.mark.parametrize("types", [["commitment"], ["progress"], ["passage"], ["commitment", "passage"]])
def test_type_filter(fts, types):
    resp = fts.search(SearchRequest(q="大班额", type=types, size=50))
    assert resp.total > 0 and {r.type for r in resp.results} <= set(types)
    assert {f.value for f in resp.facets["type"]} <= set(types)


def test_type_filter_accepts_comma_string():
    assert SearchRequest(q="x", type="commitment,progress").type == ["commitment", "progress"]


def test_region_and_doc_type_filters(fts):
    all_ = fts.search(SearchRequest(q="巩固率", size=100))
    region = fts.search(SearchRequest(q="巩固率", region="利通区", size=100))
    assert 0 < region.total < all_.total
    assert all(r.region == "利通区" for r in region.results)
    reports = fts.search(SearchRequest(q="巩固率", doc_type="report", size=100))
    assert reports.total > 0 and all(r.doc_type == "report" for r in reports.results)


def test_date_range_filter_covers_whole_year(fts):
    y2022 = fts.search(SearchRequest(q="巩固率", date_from="2022", date_to="2022", size=100))
    assert y2022.total > 0 and all(r.date and r.date.startswith("2022") for r in y2022.results)


def test_department_filter(fts):
    resp = fts.search(SearchRequest(q="", department="市财政局", size=200))
    assert resp.total > 0
    assert all(r.type != "passage" and any("市财政局" in d for d in r.departments) for r in resp.results)
    assert any(f.value == "市财政局" for f in resp.facets["department"])


@pytest.mark.parametrize("ind", ["preschool_gross_enrollment", "学前教育毛入园率"])
def test_indicator_filter_by_id_or_name(fts, ind):
    resp = fts.search(SearchRequest(q="", indicator=ind, size=100))
    assert resp.total >= 3 and {r.indicator_id for r in resp.results} == {"preschool_gross_enrollment"}


def test_unknown_indicator_is_a_clear_error(fts):
    with pytest.raises(SearchError, match="unknown indicator"):
        fts.search(SearchRequest(q="", indicator="no_such_thing"))


def test_facets_count_every_hit_not_just_the_page(fts):
    resp = fts.search(SearchRequest(q="教师", size=5))
    assert resp.total > 5
    assert sum(f.count for f in resp.facets["type"]) == resp.total
    assert set(resp.facets) >= {"type", "region", "issuer", "doc_type", "year", "department", "indicator", "status"}


def test_pagination_is_stable_and_total_constant(fts):
    big = fts.search(SearchRequest(q="教育", size=20))
    p1 = fts.search(SearchRequest(q="教育", size=10, page=1))
    p2 = fts.search(SearchRequest(q="教育", size=10, page=2))
    assert big.total == p1.total == p2.total > 20
    assert [r.id for r in p1.results + p2.results] == [r.id for r in big.results]
    beyond = fts.search(SearchRequest(q="教育", size=10, page=10_000))
    assert beyond.results == [] and beyond.total == big.total


def test_phrase_query_requires_adjacency(fts):
    resp = fts.search(SearchRequest(q='"县管校聘"', size=50))
    assert resp.total > 0
    for r in resp.results:
        assert "县管校聘" in (r.text or r.quote or "")
        assert "<mark>县管校聘</mark>" in r.snippet


def test_snippet_marks_matched_words_and_why(fts):
    r = fts.search(SearchRequest(q="营养改善计划", type=["passage"], size=1)).results[0]
    assert "<mark>营养改善计划</mark>" in r.snippet and "word: 营养改善计划" in r.why
    assert r.text and r.doc_title and r.start is not None


def test_record_fields_in_results(fts):
    resp = fts.search(SearchRequest(q="学前三年毛入园率", type=["commitment"], size=10))
    r = next(x for x in resp.results if x.quote and "达到95%" in x.quote)
    assert r.target and r.target["value"] == 95 and r.deadline and r.indicator_id == "preschool_gross_enrollment"
    assert names(r) == S1


def test_cli_json_shape(fts):
    out = fts.search(SearchRequest(q="县管校聘", size=3)).cli_json()
    assert set(out) == {"total", "results"} and out["results"]
    first = out["results"][0]
    assert {"type", "doc", "snippet", "score", "why"} <= set(first)
    assert ("quote" if first["type"] != "passage" else "text") in first


def test_status_filter_with_a_provider(db):
    """Tracking computes status; the caller injects it (search does not import tracking)."""
    seen = {}

    def provider(ids):
        seen["n"] = len(ids)
        return {i: ("met" if n % 2 else "missed") for n, i in enumerate(sorted(ids))}

    b = FtsBackend(db, status_provider=provider)
    met = b.search(SearchRequest(q="", type=["commitment"], status="met", size=200))
    assert seen["n"] > 0 and met.total > 0 and all(r.status == "met" for r in met.results)
    assert {f.value for f in met.facets["status"]} == {"met"}
    # a status filter without any status source finds nothing rather than everything
    assert FtsBackend(db).search(SearchRequest(q="", status="met")).total == 0


def test_superseded_documents_and_new_writes_are_seen(db, tmp_path):
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    b = FtsBackend(copy)
    before = b.search(SearchRequest(q="营养改善计划", size=100))
    assert any(names(r) == S1 for r in before.results)
    conn = sqlite3.connect(copy)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(documents)")]
    sets = ["status='superseded'"] + (["superseded_by=id"] if "superseded_by" in cols else [])
    where = "file_name=?" if "file_name" in cols else "id=?"
    conn.execute(f"UPDATE documents SET {', '.join(sets)} WHERE {where}", (S1,))
    conn.commit()
    conn.close()
    after = b.search(SearchRequest(q="营养改善计划", size=100))  # same backend: cache must notice
    assert after.total < before.total and not any(names(r) == S1 for r in after.results)


def test_missing_database_is_one_clear_line(tmp_path):
    with pytest.raises(SearchError) as e:
        FtsBackend(tmp_path / "nope.db").search(SearchRequest(q="x"))
    assert "nope.db" in str(e.value) and "\n" not in str(e.value)


def test_database_without_store_tables(tmp_path):
    p = tmp_path / "empty.db"
    sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(SearchError, match="ingest documents first"):
        FtsBackend(p).search(SearchRequest(q="x"))


def test_seed_dir_present():
    require_shared()
    assert SEEDS.is_dir()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_unranked_collapse_equals_ranked_collapse(seed):
    """The O(n) collapse used for speed picks the same head per sentence as sorting first."""
    import random

    from policytrack.search.results import Hit, collapse_sentences, collapse_unranked, rank

    def hits():
        r2 = random.Random(seed)
        out = []
        for k in range(200):
            rec = None if r2.random() < 0.3 else {"id": str(k), "start": 0}
            out.append(Hit("passage" if rec is None else "commitment", k, f"d{k % 7}", round(r2.random(), 2), rec=rec))
        return out

    key = lambda h: (h.doc, h.key % 5)  # noqa: E731 - five "sentences" per document
    a = collapse_sentences(rank(hits()), key)
    b = rank(collapse_unranked(hits(), key))
    assert [h.key for h in a] == [h.key for h in b]
    assert [[x.key for x in h.also] for h in a] == [[x.key for x in h.also] for h in b]


def test_a_new_ingest_is_seen_by_every_thread(tmp_path):
    """One cache shared by a server's threads, reloaded once when the store changes."""
    import threading

    from policytrack.store import PreparedDocument, Store
    from search_fixtures import build_with_store, seed_documents

    require_shared()
    db = build_with_store(tmp_path / "s.db")
    b = FtsBackend(db)
    before = b.search(SearchRequest(q="县管校聘")).total
    totals = []
    th = threading.Thread(target=lambda: totals.append(b.search(SearchRequest(q="县管校聘")).total))
    th.start()
    th.join()
    assert totals == [before] and b._shared is not None
    shared = b._shared
    path, parsed, recs = seed_documents()[1]
    text = parsed.text + "\n补充说明：继续深化县管校聘改革。"
    parsed2 = parsed.model_copy(update={"text": text, "paragraphs": [*parsed.paragraphs, type(parsed.paragraphs[0])(
        start=len(parsed.text) + 1, end=len(text))]})
    st = Store(db)
    st.add_document(PreparedDocument(parsed=parsed2, records=[], source_path=str(path) + ".v2"))
    st.close()
    after = b.search(SearchRequest(q="县管校聘")).total
    assert after > before and b._shared is not shared


@pytest.mark.parametrize("q, filters", [
    ("教师", {}),
    ("教育", {"region": "FIRST"}),  # the commonest region of the store
    ("大班额", {"date_from": "2019", "date_to": "2022"}),
    ("", {"doc_type": "plan"}),
])
def test_passages_counted_without_listing_them(fts, db, q, filters):
    """Passages are counted per document and only the best are ranked: the count, the
    facets and the first page must be what listing every passage would give."""
    from policytrack.search.query import parse_query
    from policytrack.search.results import doc_filter, hit_passes, Hit
    from policytrack.search.fts import match_expression

    if filters.get("region") == "FIRST":
        filters = {"region": fts.search(SearchRequest(q=q, type=["passage"])).facets["region"][0].value}
    req = SearchRequest(q=q, type=["passage"], size=10, **filters)
    resp = fts.search(req)
    cache = fts._cache()
    allowed = doc_filter(req, cache.docs)
    conn = sqlite3.connect(db)
    pq = parse_query(q)
    if pq.empty:
        rows = [(k, 0.0) for (k,) in conn.execute("SELECT rowid FROM passages_fts")]
    else:
        expr = match_expression(pq.direct_only() if pq.has_related else pq)
        rows = conn.execute("SELECT rowid, -bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ?",
                            (expr,)).fetchall()
    conn.close()
    every = [(s, k, cache.passage_doc[k]) for k, s in rows if k in cache.passage_doc]
    every = [c for c in every if (allowed is None or c[2] in allowed)
             and hit_passes(Hit("passage", c[1], c[2]), req, cache.docs, None)]
    assert every, "the example must match passages"
    assert resp.total == len(every)
    assert sum(f.count for f in resp.facets["type"] if f.value == "passage") == len(every)
    every.sort(key=lambda c: (-c[0], c[2], c[1]))
    assert [r.id for r in resp.results] == [f"p{k}" for _, k, _ in every[:10]]
    per_year: dict[str, int] = {}
    for _, _, d in every:
        if cache.docs[d].year:
            per_year[cache.docs[d].year] = per_year.get(cache.docs[d].year, 0) + 1
    assert {f.value: f.count for f in resp.facets["year"]} == per_year


_AFTER_UPLOAD = [
    ("大班额 目标", {}),
    ("学前三年毛入园率", {"type": ["commitment", "progress"]}),
    ("县管校聘", {}),
    ("", {"department": "县教育局"}),
    ("营养改善计划", {"region": "青禾县"}),
    ("教师", {"doc_type": "report"}),
]


def _same(a, b) -> None:
    da, db_ = a.model_dump(), b.model_dump()
    da.pop("took_ms"), db_.pop("took_ms")
    assert da == db_


def test_an_upload_extends_the_cache_with_the_same_results_as_a_full_load(tmp_path, monkeypatch):
    """After documents are only added, the cache is the old one plus the new rows (no full
    reload, which takes seconds at 100k passages) and every answer equals a fresh load's."""
    from policytrack.store import PreparedDocument, Store
    from search_fixtures import seed_documents

    require_shared()
    seeds = seed_documents()
    db = tmp_path / "s.db"
    st = Store(db)
    for path, parsed, recs in seeds[:-2]:
        st.add_document(PreparedDocument(parsed=parsed, records=recs, source_path=str(path)))
    st.close()
    b = FtsBackend(db)
    for q, f in _AFTER_UPLOAD:
        b.search(SearchRequest(q=q, **f))
    loads = []
    real_load = FtsBackend._load
    monkeypatch.setattr(FtsBackend, "_load", lambda self, conn, sig: loads.append(sig) or real_load(self, conn, sig))
    st = Store(db)
    for path, parsed, recs in seeds[-2:]:
        st.add_document(PreparedDocument(parsed=parsed, records=recs, source_path=str(path)))
    st.close()
    fresh = FtsBackend(db)
    for q, f in _AFTER_UPLOAD:
        _same(b.search(SearchRequest(q=q, size=20, **f)), fresh.search(SearchRequest(q=q, size=20, **f)))
    assert len(loads) == 1  # the fresh backend's; the running one extended its cache
    # records deleted (a re-extraction): the running backend loads everything again
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM records_fts WHERE rowid IN (SELECT rid FROM records WHERE doc_id = "
                 "(SELECT doc_id FROM records ORDER BY rid LIMIT 1))")
    conn.execute("DELETE FROM records WHERE doc_id = (SELECT doc_id FROM records ORDER BY rid LIMIT 1)")
    conn.commit()
    conn.close()
    fresh2 = FtsBackend(db)
    for q, f in _AFTER_UPLOAD:
        _same(b.search(SearchRequest(q=q, size=20, **f)), fresh2.search(SearchRequest(q=q, size=20, **f)))
    assert len(loads) == 3
    b.close(), fresh.close(), fresh2.close()
