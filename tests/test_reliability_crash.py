"""kill -9 at random moments during ingest, search indexing, link decisions and
progress import; after every kill the store must be intact.

Starting Python with jieba and the parsers costs ~2 s, so 50 kills of a fresh CLI
process would not fit a CI budget.  Instead a "zygote" subprocess imports everything
once, then forks one child per round; the child runs the real library code of one
phase in a loop (the same functions the CLI calls) and is SIGKILLed after a random
delay.  SIGKILL of a forked child is exactly what `kill -9` of the CLI does to the
SQLite file: no atexit, no rollback, no flush.  (tests/test_crash_safety.py kills the
real `policytrack ingest` command; this test covers the other writers and many more
kill points.)

After each kill: PRAGMA integrity_check, foreign keys, every document whole or absent
(passages, records and both FTS indexes in step), FTS5's own integrity-check, one
current version per file, and every imported file all rows or none.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IMPORT_ROWS = 400
PHASES = [("ingest", 18), ("index", 10), ("decide", 10), ("import", 14)]  # 52 kills
pytestmark = pytest.mark.slow


# ---------------------------------------------------------------- work done by the killed children


def _doc_text(seed: int, n_lines: int = 60) -> str:
    rnd = random.Random(seed)
    lines = [f"青禾县第{seed}号教育发展实施方案", "一、总体目标"]
    for k in range(n_lines):
        lines.append(f"（{k + 1}）到{2023 + k % 5}年，第{k}类学校学前三年毛入园率达到{rnd.randint(60, 99)}%以上。"
                     f"（责任单位：县教育局、县财政局）")
    lines.append(f"2022年，全县学前三年毛入园率达到{rnd.randint(60, 99)}.5%，普惠性幼儿园覆盖率达到{rnd.randint(60, 99)}%。")
    lines += ["青禾县人民政府", "2022年5月5日"]
    return "\n".join(lines) + "\n"


def work_ingest(db: Path, work: Path, rnd_round: int) -> None:
    """A batch of new documents plus a new version of the same file each round."""
    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    folder = work / f"ingest{rnd_round:03d}"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(6):
        f = folder / f"doc{i}.txt"
        f.write_text(_doc_text(rnd_round * 100 + i), encoding="utf-8")
        files.append(f)
    report = folder / "report.txt"  # a work summary: progress figures for the link decisions
    k = rnd_round % 40
    report.write_text(f"青禾县{2020 + k}年第{rnd_round}期教育工作总结\n一、主要成绩\n{2020 + k}年，全县学前三年毛入园率达到{50 + k}.5%，"
                      f"普惠性幼儿园覆盖率达到{40 + k}.2%。新建幼儿园{k + 1}所。\n青禾县教育局\n{2021 + k}年1月10日\n", encoding="utf-8")
    files.append(report)
    versioned = work / "versioned.txt"
    versioned.write_text(_doc_text(90_000 + rnd_round), encoding="utf-8")
    ingest_paths([versioned, *files], Store(db), workers=1)


def work_index(db: Path, work: Path, rnd_round: int) -> None:
    """Alternate new documents (fresh FTS segments) with `policytrack index` (FTS optimize)."""
    from policytrack.api.cli_search import index_cmd
    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    st = Store(db)
    for j in range(1000):
        f = work / f"index{rnd_round:03d}_{j}.txt"
        f.write_text(_doc_text(50_000 + rnd_round * 1000 + j, 20), encoding="utf-8")
        ingest_paths([f], st, workers=1)
        index_cmd(backend="fts", embed=False, es_index="unused", data_dir=db.parent)


def work_decide(db: Path, work: Path, rnd_round: int) -> None:
    """Link decisions (confirm / reject / add) over every commitment-progress pair, in a loop."""
    from policytrack.models import Commitment, Progress
    from policytrack.store import Store
    from policytrack.track import decisions
    from policytrack.track.tables import connect

    recs = Store(db).records()
    cs = [r for r in recs if isinstance(r, Commitment)][:60]
    ps = [r for r in recs if isinstance(r, Progress)][:60]
    conn = connect(db)
    rnd = random.Random(rnd_round)
    for _ in range(100_000):
        decisions.decide(conn, rnd.choice(cs), rnd.choice(ps), rnd.choice(decisions.ACTIONS), note=f"round {rnd_round}")


def work_import(db: Path, work: Path, rnd_round: int) -> None:
    """`progress import` of CSV files of IMPORT_ROWS rows each, one file after another."""
    from policytrack.track import imports
    from policytrack.track.tables import connect

    conn = connect(db)
    for j in range(1000):
        f = work / f"imp{rnd_round:03d}_{j}.csv"
        rows = ["region,indicator,year,value,unit,source"]
        rows += [f"青禾县{k}乡,学前三年毛入园率,{2000 + k % 100},{50 + k % 50}.5,%,统计公报" for k in range(IMPORT_ROWS)]
        f.write_text("\n".join(rows) + "\n", encoding="utf-8")
        res = imports.parse(f)
        assert len(res.imported) == IMPORT_ROWS, res.rejected[:3]
        imports.store(conn, res)


WORK = {"ingest": work_ingest, "index": work_index, "decide": work_decide, "import": work_import}


def zygote(db: Path, work: Path) -> None:
    """Read `PHASE ROUND DELAY` lines; fork a child doing PHASE; SIGKILL it after DELAY s."""
    import policytrack.api.cli_search  # noqa: F401
    import policytrack.extract  # noqa: F401
    import policytrack.ingest.pipeline  # noqa: F401
    import policytrack.ingest.txt  # noqa: F401
    import policytrack.track.decisions  # noqa: F401
    import policytrack.track.imports  # noqa: F401
    from policytrack.lexicons.segment import index_tokens

    index_tokens("青禾县教育局")
    print("ready", flush=True)
    for line in sys.stdin:
        phase, rnd_round, delay = line.split()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                WORK[phase](db, work, int(rnd_round))
            except BaseException:  # noqa: BLE001 - the test shows it
                import traceback

                (work / f"error{rnd_round}.txt").write_text(traceback.format_exc(), encoding="utf-8")
                code = 1
            os._exit(code)
        deadline = time.monotonic() + float(delay)
        done = None
        while time.monotonic() < deadline:
            wpid, status = os.waitpid(pid, os.WNOHANG)
            if wpid:
                done = status
                break
            time.sleep(0.002)
        if done is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            print("killed", flush=True)
        else:
            print(f"finished {os.waitstatus_to_exitcode(done)}", flush=True)


# ---------------------------------------------------------------- invariants


def check_store(db: Path) -> dict[str, int]:
    c = sqlite3.connect(db, timeout=10)
    try:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        for doc_id, n_c, n_p in c.execute("SELECT id, n_commitments, n_progress FROM documents").fetchall():
            n_pass, max_seq = c.execute("SELECT COUNT(*), MAX(seq) FROM passages WHERE doc_id = ?", (doc_id,)).fetchone()
            n_rec = c.execute("SELECT COUNT(*) FROM records WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            assert n_pass > 0 and max_seq == n_pass - 1, f"{doc_id}: passages cut short"
            assert n_rec == n_c + n_p, f"{doc_id}: {n_rec} records stored, {n_c + n_p} expected"
        for table, fts, key in (("passages", "passages_fts", "id"), ("records", "records_fts", "rid")):
            rows = [r[0] for r in c.execute(f"SELECT {key} FROM {table} ORDER BY {key}")]
            assert rows == [r[0] for r in c.execute(f"SELECT rowid FROM {fts} ORDER BY rowid")], f"{fts} out of step"
            c.execute(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')")  # raises when the index is corrupt
        assert c.execute("SELECT COUNT(*) FROM passages WHERE doc_id NOT IN (SELECT id FROM documents)").fetchone()[0] == 0
        assert c.execute("SELECT COUNT(*) FROM records WHERE doc_id NOT IN (SELECT id FROM documents)").fetchone()[0] == 0
        dup = c.execute("SELECT source_path, COUNT(*) FROM documents WHERE status = 'current' "
                        "GROUP BY source_path HAVING COUNT(*) > 1").fetchall()
        assert dup == [], f"two current versions of one file: {dup}"
        assert c.execute("SELECT COUNT(*) FROM documents WHERE status = 'superseded' AND superseded_by IS NULL").fetchone()[0] == 0
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        n_imp = n_dec = 0
        if "track_imported_progress" in tables:
            for src, n in c.execute("SELECT source_file, COUNT(*) FROM track_imported_progress GROUP BY source_file"):
                assert n == IMPORT_ROWS, f"{src}: {n} of {IMPORT_ROWS} rows imported (a partial import survived)"
                n_imp += 1
        if "track_link_decisions" in tables:
            n_dec = c.execute("SELECT COUNT(*) FROM track_link_decisions").fetchone()[0]
            bad = c.execute("SELECT COUNT(*) FROM track_link_decisions WHERE commitment_key IS NULL OR progress_key IS NULL "
                            "OR action NOT IN ('confirm', 'reject', 'add')").fetchone()[0]
            assert bad == 0
        return {"documents": c.execute("SELECT COUNT(*) FROM documents").fetchone()[0], "imported_files": n_imp,
                "decisions": n_dec}
    finally:
        c.close()


def test_kill_9_at_random_points_leaves_a_consistent_store(tmp_path: Path):
    db, work = tmp_path / "data" / "policytrack.db", tmp_path / "work"
    work.mkdir()
    proc = subprocess.Popen([sys.executable, __file__, str(db), str(work)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True)
    rnd = random.Random(int(os.environ.get("CRASH_SEED", "7")))
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()[-2000:]

        def run(phase: str, rnd_round: int, delay: float) -> str:
            proc.stdin.write(f"{phase} {rnd_round} {delay:.3f}\n")
            proc.stdin.flush()
            return proc.stdout.readline().strip()

        # a store with documents to decide links on, written without interruption
        assert run("ingest", 0, 120) == "finished 0"
        seen = check_store(db)
        assert seen["documents"] >= 7
        kills = 0
        rounds = 1
        for phase, n in PHASES:
            phase_kills = 0
            while phase_kills < n:
                # short delays hit the start of the work, long ones land among the transactions
                outcome = run(phase, rounds, rnd.uniform(0.02, 0.9))
                rounds += 1
                err = work / f"error{rounds - 1}.txt"
                assert outcome in ("killed", "finished 0"), (phase, outcome, err.read_text() if err.exists() else "")
                state = check_store(db)
                assert state["documents"] >= seen["documents"], "a document stored before the kill disappeared"
                assert state["imported_files"] >= seen["imported_files"]
                seen = state
                if outcome == "killed":
                    phase_kills += 1
                    kills += 1
        assert kills >= 50
        assert seen["imported_files"] > 0 and seen["decisions"] > 0
        # after all that, work still completes normally on the same file
        assert run("ingest", 9999, 120) == "finished 0"
        check_store(db)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    zygote(Path(sys.argv[1]), Path(sys.argv[2]))
