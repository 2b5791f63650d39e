"""The real server (uvicorn on 127.0.0.1, a subprocess) under concurrent searches
while uploads and progress imports write to the same SQLite file.

Users must never see "database is locked" or a 500, and no write may be lost:
every upload is in the store afterwards and every imported row is there.  Uploads
(parsed in the server's worker processes, stored by the server) and progress imports
(`POST /progress/import`) are both HTTP writes into the one SQLite file that the
searches read.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

REPO = Path(__file__).resolve().parents[1]
TOKEN = "reliability-token"
SEARCHERS, SEARCHES_EACH = 4, 15
UPLOADERS, UPLOADS_EACH = 2, 4
IMPORTS, IMPORT_ROWS = 6, 50
QUERIES = ["学前三年毛入园率", "普惠性幼儿园覆盖率", "县教育局", "新建幼儿园", "到2025年", "毛入园率 95%", "青禾县", "教师 持证率"]
pytestmark = pytest.mark.slow

SERVER = """
import sys, uvicorn
from pathlib import Path
from policytrack.api.app import create_app
from policytrack.api.security import ApiSettings
from policytrack.config import get_settings
app = create_app(get_settings(Path(sys.argv[1])), ApiSettings(token=sys.argv[3]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, token: str = TOKEN) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(data_dir), str(port), token], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read()[-2000:]}")
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not answer /health within 60 s")


def stop_server(proc: subprocess.Popen) -> str:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    return err


def upload_doc(i: int) -> tuple[str, bytes]:
    """A distinct small work summary, so every upload is a new document."""
    k = i % 30
    text = (f"青禾县第{i}学区{2021 + k % 4}年教育工作总结\n一、主要成绩\n{2021 + k % 4}年，学区学前三年毛入园率达到{60 + k}.{i % 10}%，"
            f"普惠性幼儿园覆盖率达到{50 + k}%。新建幼儿园{k + 1}所。\n二、下一步计划\n到2025年，毛入园率达到95%以上。（责任单位：县教育局）\n"
            f"青禾县第{i}学区\n{2022 + k % 4}年1月{1 + k % 27}日\n")
    return f"学区{i:03d}总结.txt", text.encode("utf-8")


def import_csv(j: int) -> str:
    rows = ["region,indicator,year,value,unit,source"]
    rows += [f"青禾县{j}镇{k}村,学前三年毛入园率,{2000 + k},{60 + k % 40}.5,%,统计公报{j}" for k in range(IMPORT_ROWS)]
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("conc")
    from tests.cli_fixtures import write_corpus

    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    files = write_corpus(data / "seed")
    st = Store(data / "policytrack.db")
    ingest_paths([files["plan"], files["report"]], st, workers=1)
    st.close()
    proc, base = start_server(data)
    yield data, base, proc
    stop_server(proc)


def test_concurrent_searches_uploads_and_imports(server):
    data, base, proc = server
    db = data / "policytrack.db"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    health = httpx.get(base + "/health", timeout=10).json()
    docs_before = health["documents"]
    assert health["modules"]["track"], "the server must take imports over HTTP (tracking wired in)"
    problems: list[str] = []
    counts = {"search": 0, "upload": 0, "import": 0, "read": 0}
    lock = threading.Lock()

    def bad(what: str, r) -> None:
        with lock:
            problems.append(f"{what}: {r.status_code} {r.text[:300]}")

    def searcher(n: int) -> None:
        rnd = random.Random(n)
        with httpx.Client(base_url=base, timeout=60) as c:
            for _ in range(SEARCHES_EACH):
                r = c.get("/search", params={"q": rnd.choice(QUERIES), "size": 10})
                if r.status_code != 200 or "locked" in r.text:
                    bad("search", r)
                r2 = c.get(rnd.choice(["/documents", "/commitments", "/progress", "/health"]))
                if r2.status_code != 200 or "locked" in r2.text:
                    bad("read", r2)
                with lock:
                    counts["search"] += 1
                    counts["read"] += 1

    def uploader(n: int) -> None:
        with httpx.Client(base_url=base, timeout=120, headers=auth) as c:
            for k in range(UPLOADS_EACH):
                name, body = upload_doc(n * 100 + k)
                r = c.post("/documents", files=[("files", (name, body, "text/plain"))])
                if r.status_code != 200 or r.json()["results"][0]["status"] != "ingested":
                    bad("upload", r)
                else:
                    with lock:
                        counts["upload"] += 1

    def importer() -> None:
        with httpx.Client(base_url=base, timeout=120, headers=auth) as c:
            for j in range(IMPORTS):
                r = c.post("/progress/import", files={"file": (f"stats{j}.csv", import_csv(j).encode("utf-8"), "text/csv")})
                if r.status_code != 200 or r.json()["imported"] != IMPORT_ROWS:
                    bad("import", r)
                else:
                    with lock:
                        counts["import"] += 1

    threads = [threading.Thread(target=searcher, args=(i,)) for i in range(SEARCHERS)]
    threads += [threading.Thread(target=uploader, args=(i,)) for i in range(UPLOADERS)]
    threads += [threading.Thread(target=importer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    assert problems == [], problems[:5]
    assert counts == {"search": SEARCHERS * SEARCHES_EACH, "read": SEARCHERS * SEARCHES_EACH,
                      "upload": UPLOADERS * UPLOADS_EACH, "import": IMPORTS}
    # no lost writes: the server and the file agree on every upload and every imported row
    health = httpx.get(base + "/health", timeout=10).json()
    assert health["documents"] == docs_before + UPLOADERS * UPLOADS_EACH
    c = sqlite3.connect(db)
    try:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("SELECT COUNT(*) FROM track_imported_progress").fetchone()[0] == IMPORTS * IMPORT_ROWS
        n_docs = c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    finally:
        c.close()
    assert n_docs == docs_before + UPLOADERS * UPLOADS_EACH
    # every upload is searchable right away
    r = httpx.get(base + "/search", params={"q": "学区", "size": 50, "type": "passage"}, timeout=60)
    assert r.status_code == 200
    assert proc.poll() is None, "the server died under load"


def test_serve_with_several_workers_shares_one_store(tmp_path):
    """`policytrack serve --workers 2`: two server processes behind one port over one SQLite
    file (WAL); a write through one is seen by reads through either."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("POLICYTRACK_API_TOKEN", "POLICYTRACK_DATA")}
    env["POLICYTRACK_API_TOKEN"] = TOKEN
    proc = subprocess.Popen([sys.executable, "-m", "policytrack.api.cli_serve", "--port", str(port), "--data-dir",
                             str(tmp_path / "data"), "--workers", "2"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()[-2000:]
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(kids) >= 2, kids  # uvicorn's workers (plus its own helpers)
        name, body = upload_doc(7)
        r = httpx.post(base + "/documents", files=[("files", (name, body, "text/plain"))],
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "ingested", r.text
        # new connections are spread over the workers: every one of them sees the upload
        for _ in range(8):
            assert httpx.get(base + "/health", timeout=30).json()["documents"] == 1
    finally:
        stop_server(proc)
