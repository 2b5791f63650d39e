"""Elasticsearch backend: mappings and request bodies (no server needed); the
integration part runs only against a real server given by POLICYTRACK_ES_URL."""

from __future__ import annotations

import json
import os

import pytest

from policytrack.search.backend import SearchRequest
from policytrack.search.es import FACET_FIELD_MAP, build_aggs, build_filters, build_knn, build_query, mappings
from policytrack.search.query import intent_boost, parse_query


def test_mapping_uses_whitespace_analysed_tokens_and_keywords():
    m = mappings()
    props = m["mappings"]["properties"]
    assert props["tokens"]["analyzer"] == "pt_tokens"
    assert m["settings"]["analysis"]["analyzer"]["pt_tokens"]["tokenizer"] == "whitespace"
    for f in FACET_FIELD_MAP.values():
        assert props[f]["type"] == "keyword", f
    assert "vector" not in props
    json.dumps(m)  # serialisable as sent


def test_mapping_dense_vector_when_embeddings_enabled():
    v = mappings(384)["mappings"]["properties"]["vector"]
    assert v == {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine"}


def test_query_groups_phrases_and_concepts():
    pq = parse_query("大班额 目标")
    q = build_query(pq, SearchRequest(q="大班额 目标"))["bool"]
    assert len(q["must"]) == 1  # the intent word is not required
    should = q["must"][0]["bool"]["should"]
    assert {"match_phrase": {"tokens": "大班额"}} in should
    concept = [c for c in should if "constant_score" in c]
    ids = {i for c in concept for i in c["constant_score"]["filter"]["terms"]["indicator_id"]}
    assert {"large_class", "large_school", "class_size_primary"} <= ids
    assert q["should"] == [{"term": {"type": {"value": "commitment", "boost": intent_boost()}}}]


def test_query_tokens_are_the_index_tokens():
    from policytrack.lexicons.segment import index_tokens

    pq = parse_query('"县管校聘改革"')
    phrase = build_query(pq, SearchRequest(q="x"))["bool"]["must"][0]["bool"]["should"][0]["match_phrase"]["tokens"]
    assert phrase == index_tokens("县管校聘改革")


def test_filters_body():
    req = SearchRequest(q="x", region="利通区", doc_type="plan", date_from="2021", date_to="2022",
                        department="市财政局", status="met", type=["commitment", "passage"])
    f = build_filters(req, {"large_class"})
    assert {"term": {"current": True}} in f
    assert {"terms": {"type": ["commitment"]}} in f  # passages have no department/status
    assert {"range": {"date": {"gte": "2021", "lte": "2022-12-31"}}} in f
    assert {"terms": {"indicator_id": ["large_class"]}} in f
    assert {"term": {"status": "met"}} in f
    assert {"wildcard": {"departments": {"value": "*市财政局*"}}} in f


def test_aggs_and_knn_bodies():
    aggs = build_aggs()
    assert set(aggs) == set(FACET_FIELD_MAP) | {"groups"} and aggs["department"]["terms"]["field"] == "departments"
    knn = build_knn([0.1, 0.2], SearchRequest(q="x"), None, k=50)
    assert knn["field"] == "vector" and knn["k"] == 50 and knn["num_candidates"] >= 50 and knn["filter"]


def test_missing_url_is_a_clear_error():
    from policytrack.config import Settings
    from policytrack.search.backend import SearchError
    from policytrack.search.es import make_client

    with pytest.raises(SearchError, match="POLICYTRACK_ES_URL"):
        make_client(Settings(data_dir=__import__("pathlib").Path(".")))


@pytest.mark.skipif(not os.environ.get("POLICYTRACK_ES_URL"), reason="POLICYTRACK_ES_URL not set: no Elasticsearch server")
def test_es_integration_index_and_search(tmp_path):
    import warnings

    from policytrack.config import get_settings
    from policytrack.search.es import EsBackend, index_store

    from search_fixtures import build_store

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        db = build_store(tmp_path / "policytrack.db")
    settings = get_settings(tmp_path)
    out = index_store(db, settings, index="policytrack-test")
    assert out["indexed"] > 0 and out["errors"] == 0
    es = EsBackend.from_settings(settings, index="policytrack-test")
    resp = es.search(SearchRequest(q="大班额 目标"))
    assert resp.total > 0 and resp.results[0].type == "commitment"
    es.es.indices.delete(index="policytrack-test")


def test_search_body_collapses_to_one_hit_per_sentence():
    from policytrack.search.es import MAX_WINDOW, RESTATEMENT_SLACK, search_body

    body = search_body(parse_query("大班额 目标"), SearchRequest(q="大班额 目标", page=2, size=10))
    assert body["collapse"]["field"] == "group" and body["collapse"]["inner_hits"]["name"] == "also"
    # the window runs from the first hit to the page, with room for restatements folded into also_in
    assert body["from_"] == 0 and body["size"] == 20 + RESTATEMENT_SLACK and body["track_total_hits"] is True
    deep = search_body(parse_query("大班额"), SearchRequest(q="大班额", page=5000, size=50))
    assert deep["size"] == MAX_WINDOW  # never past Elasticsearch's max_result_window
    # BM25 times the stored statement factor (as the embedded backend ranks)
    fs = body["query"]["function_score"]
    assert fs["field_value_factor"] == {"field": "rank_factor", "missing": 1.0} and fs["boost_mode"] == "multiply"
    assert "bool" in fs["query"] and mappings()["mappings"]["properties"]["rank_factor"] == {"type": "float"}
    assert body["aggs"]["groups"] == {"cardinality": {"field": "group", "precision_threshold": 40000}}
    assert body["aggs"]["type"]["aggs"]["groups"]["cardinality"]["field"] == "group"  # facet counts are groups
    assert mappings()["mappings"]["properties"]["group"] == {"type": "keyword"}
    json.dumps(body)


@pytest.mark.parametrize("word, related_phrase", [("大班额", "大校额"), ("大班额", "班额")])
def test_related_indicator_words_score_lower(word, related_phrase):
    from policytrack.search.results import RELATED_FACTOR

    should = build_query(parse_query(word), SearchRequest(q=word))["bool"]["must"][0]["bool"]["should"]
    assert {"match_phrase": {"tokens": word}} in should
    related = next(c["bool"] for c in should if "bool" in c and "filter" in c["bool"])
    assert related["filter"] == [{"terms": {"type": ["commitment", "progress"]}}]  # records only
    assert {"match_phrase": {"tokens": {"query": related_phrase, "boost": RELATED_FACTOR}}} in related["should"]


def test_region_filter_falls_back_to_the_title_of_region_less_hits():
    f = build_filters(SearchRequest(q="x", region="青禾县"), None)
    region = next(c for c in f if "bool" in c and "should" in c["bool"])["bool"]["should"]
    assert {"wildcard": {"region": {"value": "*青禾县*"}}} in region
    assert region[1]["bool"]["must_not"] == [{"exists": {"field": "region"}}]
    assert region[1]["bool"]["filter"] == [{"wildcard": {"title": {"value": "*青禾县*"}}}]


def test_documents_from_store_carry_sentence_groups(tmp_path):
    """The bulk documents: records of one sentence share a group and carry the sentence."""
    import warnings

    from policytrack.search.es import documents_from_store
    from search_fixtures import build_store, require_shared

    require_shared()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        db = build_store(tmp_path / "es.db")
    docs = list(documents_from_store(db))
    props = mappings()["mappings"]["properties"]
    assert all(set(d) - {"_id"} <= set(props) for d in docs)  # dynamic: strict accepts them
    recs = [d for d in docs if d["type"] != "passage"]
    groups: dict[str, list[dict]] = {}
    for d in recs:
        groups.setdefault(d["group"], []).append(d)
    shared = [g for g in groups.values() if len(g) > 1]
    assert shared, "some sentence yields several records"
    for g in shared:
        assert len({(d["doc"], d["type"]) for d in g}) == 1
        assert all(d["payload"]["record"]["quote"] in d["payload"]["record"]["context"] for d in g)
    assert all(d["group"] == d["_id"] for d in docs if d["type"] == "passage")


def test_query_gives_the_literal_word_the_embedded_backends_bonus():
    from policytrack.search.results import LITERAL_SCORE

    pq = parse_query("公办园在园幼儿占比")
    should = build_query(pq, SearchRequest(q="公办园在园幼儿占比"))["bool"]["must"][0]["bool"]["should"]
    literal = [c["bool"] for c in should if "bool" in c and "must" in c["bool"]]
    assert literal == [{"must": [{"constant_score": {"filter": {"match_phrase": {"tokens": "公办园在园幼儿占比"}},
                                                     "boost": LITERAL_SCORE}}],
                        "filter": [{"terms": {"type": ["commitment", "progress"]}}]}]
