"""The batch pipeline (`ingest_paths`) on real files, real extractor, real SQLite:
the worker-pool path stores exactly what the one-process path stores, stale
documents are re-extracted through the pool too, and small batches stay in one process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from policytrack.ingest import pipeline
from policytrack.ingest.pipeline import ingest_paths, use_pool
from policytrack.store import Store


def _write_docs(folder: Path, n: int = 4) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        lines = [f"青禾县第{i}学区教育发展实施方案", "一、工作目标"]
        for k in range(12):
            lines.append(f"（{k + 1}）到{2023 + k % 3}年，第{k}类学校学前三年毛入园率达到{80 + (i + k) % 19}%以上。（责任单位：县教育局）")
        lines.append(f"二、工作进展\n2022年全县学前三年毛入园率达到{85 + i}.5%。")
        p = folder / f"plan{i}.txt"
        p.write_text("\n".join(lines), encoding="utf-8")
        out.append(p)
    return out


def _snapshot(db: Path) -> dict:
    with sqlite3.connect(db) as c:
        return {
            "docs": sorted(c.execute("SELECT id, title, n_commitments, n_progress, extract_version FROM documents")),
            "records": sorted(c.execute("SELECT id, doc_id, type, json FROM records")),
            "passages": sorted(c.execute('SELECT doc_id, seq, start, "end", text FROM passages')),
            "fts": c.execute("SELECT COUNT(*) FROM records_fts").fetchone()[0]
            + c.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0],
        }


@pytest.mark.parametrize(
    "sizes, workers, expect",
    [
        ([10], 2, False),                    # one file: nothing to share
        ([1000, 1000], 2, False),            # a few small files: the pool costs more than it saves
        ([200_000, 100_000], 2, True),       # enough work for two cores
        ([200_000, 100_000], 1, False),      # asked for one process
        ([30_000] * 10, 2, True),            # many files adding up
    ],
)
def test_use_pool_rule(tmp_path: Path, sizes, workers, expect):
    files = []
    for i, n in enumerate(sizes):
        p = tmp_path / f"f{i}.txt"
        p.write_bytes(b"x" * n)
        files.append(p)
    assert use_pool(files, workers) is expect


@pytest.fixture
def pooled(monkeypatch):
    """Force the worker pool even for these small files."""
    monkeypatch.setattr(pipeline, "SMALL_BATCH_BYTES", 0)


def test_pool_stores_what_one_process_stores(tmp_path: Path, pooled):
    files = _write_docs(tmp_path / "docs")
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    a = ingest_paths(files, Store(one), workers=1)
    b = ingest_paths(files, Store(two), workers=2)
    assert [o.status for o in a] == [o.status for o in b] == ["ingested"] * len(files)
    sa, sb = _snapshot(one), _snapshot(two)
    assert sa == sb
    assert sum(d[2] for d in sa["docs"]) >= len(files) and sum(d[3] for d in sa["docs"]) >= len(files)


def test_identical_files_in_one_pooled_batch(tmp_path: Path, pooled):
    (src,) = _write_docs(tmp_path / "docs", 1)
    copy = tmp_path / "docs" / "copy.txt"
    copy.write_bytes(src.read_bytes())
    outs = ingest_paths([src, copy], Store(tmp_path / "s.db"), workers=2)
    assert sorted(o.status for o in outs) == ["ingested", "unchanged"]
    assert len({o.doc_id for o in outs}) == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_stale_documents_reextracted_through_the_batch(tmp_path: Path, pooled, workers):
    files = _write_docs(tmp_path / "docs", 3)
    db = tmp_path / "s.db"
    ingest_paths(files, Store(db), workers=workers)
    before = _snapshot(db)
    with sqlite3.connect(db) as c:  # as an older extractor left them: versioned differently, a record short
        c.execute("UPDATE documents SET extract_version = '0-older'")
        rid, doc = c.execute("SELECT rid, doc_id FROM records WHERE type = 'progress' LIMIT 1").fetchone()
        c.execute("DELETE FROM records_fts WHERE rowid = ?", (rid,))
        c.execute("DELETE FROM records WHERE rid = ?", (rid,))
    outs = ingest_paths(files, Store(db), workers=workers)
    assert [o.status for o in outs] == ["re_extracted"] * 3
    assert _snapshot(db)["records"] == before["records"] and _snapshot(db)["docs"] == before["docs"]
    assert _snapshot(db)["fts"] == before["fts"]
    assert [o.status for o in ingest_paths(files, Store(db), workers=workers)] == ["unchanged"] * 3


def test_text_over_the_limit_fails_with_the_reason(tmp_path, monkeypatch):
    """A text longer than POLICYTRACK_MAX_TEXT_CHARS fails alone, naming file and limit; the rest is stored."""
    docs = _write_docs(tmp_path / "in", 2)
    big = tmp_path / "in" / "huge.txt"
    big.write_text("到2025年全县义务教育巩固率达到98%以上" * 60, encoding="utf-8")
    monkeypatch.setenv("POLICYTRACK_MAX_TEXT_CHARS", "1000")
    status, message = pipeline.prepare_file(str(big), None, None)
    assert status == "failed"
    assert message.startswith(str(big)) and "text too long to extract" in message and "1,000" in message
    assert "\n" not in message
    status, _ = pipeline.prepare_file(str(docs[0]), None, None)
    assert status == "ok"
