"""The relevance floor (issue 4): lexical + concept recall@10 >= 0.95 on the relevance set,
and `大班额 目标` returns every 大班额 commitment of the seeds in its top 10."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

from search_fixtures import build_store, require_shared

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import relevance  # noqa: E402


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    require_shared()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_store(tmp_path_factory.mktemp("rel") / "policytrack.db")


def test_relevance_set_is_well_formed():
    qs = relevance.load_queries()
    assert len(qs) >= 25
    for q in qs:
        assert q.q and q.must


def test_relevance_items_exist_in_their_documents():
    """A must-item that is not in its document could never be found: catch typos in the set."""
    require_shared()
    from search_fixtures import SEEDS

    for q in relevance.load_queries():
        for it in q.must:
            p = SEEDS / it.doc
            if p.exists():
                assert it.text in p.read_text(encoding="utf-8"), (q.q, it.text)


def test_lexical_recall_floor(db, capsys):
    out = relevance.run(db, ["fts"], ["lexical"])
    s = out["fts/lexical"]
    assert s["queries"] >= 25
    assert s["recall@10"] >= 0.95, capsys.readouterr().out


def test_big_class_target_finds_every_big_class_commitment(db):
    from policytrack.search.backend import open_backend

    qs = [q for q in relevance.load_queries() if q.q == "大班额 目标"]
    rows = relevance.evaluate(open_backend("fts", db_path=db), qs, "lexical", relevance.store_doc_names(db))
    assert rows and rows[0]["recall"] == 1.0, rows[0]["missed"]
