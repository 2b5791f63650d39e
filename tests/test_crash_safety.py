"""Kill -9 a real `policytrack ingest` at random moments; the store must hold only
whole documents: integrity_check ok, each document with all its passages,
records and FTS rows or none of them, and a final run completes the set."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli_fixtures import PLAN, cli_cmd, env_with_repo

N_DOCS = 30
MAX_KILLS = 3
KILL_PHASE_S = 20
pytestmark = pytest.mark.slow


def _write_docs(folder: Path) -> None:
    folder.mkdir()
    rnd = random.Random(7)
    for i in range(N_DOCS):
        lines = [f"第{i}号文件 青禾县第{i}乡镇教育发展实施方案", ""]
        for k in range(120):  # enough passages and records that a write takes a while
            pct = rnd.randint(60, 99)
            lines.append(f"（{k + 1}）到{2023 + k % 5}年，第{k}类学校入学率达到{pct}%以上。（责任单位：县教育局）")
        lines.append(PLAN)
        (folder / f"doc{i:02d}.txt").write_text("\n".join(lines), encoding="utf-8")


def _start(folder: Path, data: Path) -> subprocess.Popen:
    return subprocess.Popen(cli_cmd("ingest", str(folder), "--data-dir", str(data), "--json"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env_with_repo(),
                            start_new_session=True)


def _group_gone(pgid: int, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.killpg(pgid, signal.SIGKILL)  # do not leave them behind either way
    return False


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:  # not created yet
        return 0


def _check(db: Path) -> dict[str, tuple[int, int]]:
    """Whole-or-absent invariants; returns {doc_id: (passages, records)}."""
    c = sqlite3.connect(db)
    try:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        docs = {}
        for doc_id, n_c, n_p in c.execute("SELECT id, n_commitments, n_progress FROM documents"):
            n_pass, max_seq = c.execute("SELECT COUNT(*), MAX(seq) FROM passages WHERE doc_id = ?", (doc_id,)).fetchone()
            n_rec = c.execute("SELECT COUNT(*) FROM records WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            assert n_pass > 0 and max_seq == n_pass - 1, f"{doc_id}: passages cut short"
            assert n_rec == n_c + n_p, f"{doc_id}: {n_rec} records stored, {n_c + n_p} expected"
            docs[doc_id] = (n_pass, n_rec)
        for table, fts, key in (("passages", "passages_fts", "id"), ("records", "records_fts", "rid")):
            rows = [r[0] for r in c.execute(f"SELECT {key} FROM {table} ORDER BY {key}")]
            assert rows == [r[0] for r in c.execute(f"SELECT rowid FROM {fts} ORDER BY rowid")], f"{fts} out of step"
        orphans = c.execute("SELECT COUNT(*) FROM passages WHERE doc_id NOT IN (SELECT id FROM documents)").fetchone()[0]
        assert orphans == 0
        return docs
    finally:
        c.close()


def test_kill_during_ingest_leaves_whole_documents(tmp_path: Path):
    folder, data = tmp_path / "in", tmp_path / "data"
    _write_docs(folder)
    db = data / "policytrack.db"
    rnd = random.Random(int(os.environ.get("CRASH_SEED", "1")))
    deadline = time.monotonic() + KILL_PHASE_S
    kills = 0
    stored = 0
    while kills < MAX_KILLS and time.monotonic() < deadline and stored < N_DOCS - 2:
        # kill once the batch has stored a random number more documents, plus jitter, so the
        # kill lands among the writes (inside a transaction or between two)
        target = rnd.randint(stored + 1, min(stored + 4, N_DOCS - 2))
        proc = _start(folder, data)
        while proc.poll() is None and _stored(db) < target and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rnd.uniform(0, 0.05))
        if proc.poll() is not None:  # finished before we could kill it
            break
        if kills == 0:
            # the batch process alone (as the OOM killer would): its workers must exit by themselves
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            assert _group_gone(proc.pid, within=5.0), "worker processes outlived the killed batch"
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        kills += 1
        docs = _check(db)
        stored = len(docs)
        print(f"kill {kills} aiming at {target}: {stored}/{N_DOCS} documents stored, all whole")
    # a final uninterrupted run completes the batch, and only adds what is missing
    proc = _start(folder, data)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-2000:]
    docs = _check(db)
    assert len(docs) == N_DOCS
    assert kills >= 1, "ingest finished before the first kill: make the documents bigger"
    # every document holds exactly the passages a clean parse of its file gives
    from policytrack.ingest import parse_file
    from policytrack.store import PreparedDocument

    expected = {}
    for f in sorted(folder.iterdir()):
        prep = PreparedDocument(parsed=parse_file(f), records=[], source_path=str(f))
        expected[prep.doc_id] = len(prep.passages)
    assert {d: n for d, (n, _) in docs.items()} == expected
