"""One interface, same results: the same queries against every available backend.

The embedded backend always runs; Elasticsearch joins when POLICYTRACK_ES_URL
is set (the store is then indexed into a scratch index first)."""

from __future__ import annotations

import os
import warnings

import pytest

from policytrack.search.backend import SearchRequest, open_backend

from search_fixtures import build_store, require_shared

QUERIES = [
    # (request, a quote/text substring that must be in the top 10, expected type of that hit)
    (dict(q="大班额 目标"), "化解2000人以上大校额", "commitment"),
    (dict(q="学前三年毛入园率", type=["progress"]), "学前三年毛入园率达到93.91%", "progress"),
    (dict(q="县管校聘", type=["passage"]), "县管校聘", "passage"),
    (dict(q="巩固率", region="阳谷县"), "巩固率99.73%", None),
    (dict(q="", department="市财政局", size=50), "逐步实现学校食堂供餐", "commitment"),
]


@pytest.fixture(scope="module")
def backends(tmp_path_factory):
    require_shared()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        db = build_store(tmp_path_factory.mktemp("contract") / "policytrack.db")
    out = {"fts": open_backend("fts", db_path=db)}
    if os.environ.get("POLICYTRACK_ES_URL"):
        from policytrack.config import get_settings
        from policytrack.search.es import EsBackend, index_store

        settings = get_settings()
        index_store(db, settings, index="policytrack-contract")
        out["es"] = EsBackend.from_settings(settings, index="policytrack-contract")
    return out


@pytest.mark.parametrize("req,needle,kind", QUERIES)
def test_same_queries_every_backend(backends, req, needle, kind):
    totals = {}
    for name, b in backends.items():
        resp = b.search(SearchRequest(**{"size": 10, **req}))
        # a result shows its record and the records of the same sentence (`also`)
        hit = [r for r in resp.results if any(needle in t for t in [r.quote or r.text or "", *(a.get("quote") or "" for a in r.also)])
               and (kind is None or r.type == kind)]
        assert hit, (name, req)
        assert hit[0].snippet and hit[0].doc and resp.backend == name
        assert sum(f.count for f in resp.facets["type"]) == resp.total
        totals[name] = resp.total
    assert len(set(totals.values())) == 1, totals  # backends agree on what matches


@pytest.mark.parametrize("q", ["大班额", "大班额 目标", "毛入园率"])
def test_pages_never_repeat_a_commitment_or_its_restatement(backends, q):
    """Restatements are folded into `also_in` over the whole window up to the page, so a
    commitment on page 1 does not come back on page 2 (as itself or as a restatement)."""
    for name, b in backends.items():
        seen: list[str] = []
        for page in (1, 2, 3):
            resp = b.search(SearchRequest(q=q, size=4, page=page))
            for r in resp.results:
                seen.append(r.id)
                seen.extend(str(a.get("id")) for a in r.also_in)
        assert len(seen) == len(set(seen)), (name, q, [i for i in seen if seen.count(i) > 1])
        assert len(seen) > 4, (name, q)  # the pages held something
