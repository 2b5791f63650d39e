"""API security and robustness: schemathesis over the app's own OpenAPI spec (no
500s), upload limits enforced before the body is read whole, the token compared
in constant time, no client-given paths, formula injection neutralised in exports.
"""

from __future__ import annotations

import ast
import asyncio
import csv
import io
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from policytrack.api.app import create_app
from policytrack.api.security import ApiSettings
from policytrack.config import get_settings

schemathesis = pytest.importorskip("schemathesis")

REPO = Path(__file__).resolve().parents[1]
TOKEN = "fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PLAN = ("青禾县学前教育发展提升行动计划（2021—2025年）\n一、总体目标\n到2025年，全县学前三年毛入园率达到95%以上。"
        "（责任单位：县教育局）\n青禾县人民政府\n2021年3月15日\n")
REPORT = "青禾县2022年教育工作总结\n2022年，全县学前三年毛入园率达到93.5%。\n青禾县教育局\n2023年1月10日\n"

# the app is built at import: schemathesis reads its spec when tests are collected
_DATA = Path(tempfile.mkdtemp(prefix="policytrack-fuzz-"))
APP = create_app(get_settings(_DATA), ApiSettings(token=TOKEN, max_upload_bytes=64 * 1024))
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def seeded_store():
    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    (_DATA / "seed").mkdir(exist_ok=True)
    for name, text in (("plan.txt", PLAN), ("report.txt", REPORT)):
        (_DATA / "seed" / name).write_text(text, encoding="utf-8")
    st = Store(get_settings(_DATA).db_path)
    ingest_paths(sorted((_DATA / "seed").iterdir()), st, workers=1)
    st.close()
    yield
    import shutil

    shutil.rmtree(_DATA, ignore_errors=True)


@SCHEMA.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    """Every operation, generated inputs (valid and not): never a 5xx except the
    documented 503 of a stage that is not built in."""
    from schemathesis.checks import not_a_server_error

    response = case.call(headers=AUTH)
    if response.status_code == 503:
        assert response.json()["error"]["code"] == "unavailable"
        return
    case.validate_response(response, checks=[not_a_server_error])


# ---------------------------------------------------------------- upload limits


def test_oversized_upload_refused_from_content_length_before_reading():
    """A declared length over the limit is refused without touching the body: the body
    iterator would raise if anything pulled from it."""
    from fastapi.testclient import TestClient

    client = TestClient(APP)
    pulled = []

    def body():
        pulled.append(1)
        raise AssertionError("the server read the body of an oversized upload")
        yield b""  # pragma: no cover

    r = client.post("/documents", headers={**AUTH, "Content-Type": "multipart/form-data; boundary=x",
                                           "Content-Length": str(10 * 1024 * 1024)}, content=body())
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_streamed_upload_stops_at_the_limit():
    """No Content-Length (chunked): the server stops reading once past the limit."""
    sent = []

    async def run() -> dict:
        chunk = b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\n" + b"A" * 8192

        async def receive():
            sent.append(len(chunk))
            if sum(sent) > 2 * 1024 * 1024:
                raise AssertionError("server kept reading past the limit")
            return {"type": "http.request", "body": chunk, "more_body": True}

        out: dict = {}

        async def send(msg):
            if msg["type"] == "http.response.start":
                out["status"] = msg["status"]

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": "/documents", "raw_path": b"/documents", "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"test"), (b"authorization", f"Bearer {TOKEN}".encode()),
                             (b"content-type", b"multipart/form-data; boundary=x"), (b"transfer-encoding", b"chunked")],
                 "client": ("127.0.0.1", 1), "server": ("test", 80)}
        await APP(scope, receive, send)
        return out

    out = asyncio.run(run())
    assert out["status"] == 413
    assert sum(sent) <= 64 * 1024 + 2 * 8300, f"read {sum(sent)} bytes for a 64 KiB limit"


# ---------------------------------------------------------------- token


def test_token_compared_in_constant_time():
    """The comparison is hmac.compare_digest, not ==, and a wrong token is refused."""
    src = (REPO / "policytrack" / "api" / "security.py").read_text(encoding="utf-8")
    fn = next(n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef) and n.name == "token_ok")
    calls = {ast.unparse(n.func) for n in ast.walk(fn) if isinstance(n, ast.Call)}
    assert "hmac.compare_digest" in calls
    assert not any(isinstance(n, ast.Compare) and any(isinstance(o, (ast.Eq, ast.NotEq)) for o in n.ops)
                   and "expected" in ast.unparse(n) for n in ast.walk(fn)), "token compared with =="
    client = TestClient(APP)
    for header in ("Bearer fuzz-tokem", "Bearer fuzz-token-and-more", "Bearer ", "fuzz-token", "Basic fuzz-token"):
        r = client.post("/documents", headers={"Authorization": header}, files={"files": ("a.txt", b"x")})
        assert r.status_code == 401, header


# ---------------------------------------------------------------- paths


@pytest.mark.parametrize("filename", ["../../etc/passwd.txt", "..\\..\\x.txt", "/etc/cron.d/evil.txt", "a\x00b.txt",
                                      "....//....//x.txt", "%2e%2e%2fx.txt"])
def test_upload_names_never_become_paths(filename, tmp_path):
    """The client's name is shown back but the file is stored under a server name
    inside the data directory; nothing is written elsewhere."""
    client = TestClient(APP)
    r = client.post("/documents", headers=AUTH, files={"files": (filename, PLAN.replace("青禾", "白水").encode("utf-8"), "text/plain")})
    assert r.status_code == 200, r.text
    res = r.json()["results"][0]
    assert "/" not in res["filename"] and "\\" not in res["filename"] and "\x00" not in res["filename"]
    assert not Path("/etc/passwd.txt").exists() and not Path("/etc/cron.d/evil.txt").exists()
    uploads = _DATA / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []  # temporary copies removed
    # the stored source is the display name, never a path outside the data directory
    docs = client.get("/documents", params={"q": "白水", "size": 50}).json()["items"]
    for d in docs:
        src = str(d.get("source") or d.get("source_path") or "")
        assert not src.startswith("/etc"), src


def test_no_endpoint_takes_a_path_parameter():
    """No query, path or body field of the spec names a file on the server."""
    spec = APP.openapi()
    suspicious = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                if any(w in p["name"].lower() for w in ("path", "file", "dir", "output")):
                    suspicious.append(f"{method.upper()} {path} {p['name']}")
    assert suspicious == []


@pytest.mark.parametrize("url", ["/documents/..%2F..%2Fetc%2Fpasswd", "/schema/..%2F..%2Fpyproject", "/schema/../../pyproject",
                                 "/static/..%2F..%2F..%2Fetc%2Fpasswd", "/ui/documents/..%2Fpolicytrack.db"])
def test_traversal_urls_do_not_read_files(url):
    r = TestClient(APP).get(url)
    assert r.status_code in (404, 422), (url, r.status_code)
    assert "root:x:0:0" not in r.text and "[project]" not in r.text


# ---------------------------------------------------------------- formula injection


EVIL = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]


def _injected_records():
    from policytrack.models import Commitment, Progress

    out = []
    for i, evil in enumerate(EVIL):
        out.append(Commitment(kind="qualitative", doc=evil, quote=evil, start=0, end=len(evil), indicator=evil, departments=[evil], region=evil,
                              section=evil, id=f"c{i}"))
        out.append(Progress(doc=evil, quote=evil, start=0, end=len(evil), indicator=evil, value=1.0, unit="%", year=2022,
                            region=evil, id=f"p{i}"))
    return out


def test_csv_and_xlsx_exports_neutralise_formulas(tmp_path):
    from openpyxl import load_workbook

    from policytrack.api.record_table import to_csv, to_xlsx

    recs = _injected_records()
    rows = list(csv.reader(io.StringIO(to_csv(recs))))
    cells = [c for row in rows[1:] for c in row]
    assert cells and not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not _number(c))]
    to_xlsx(recs, tmp_path / "x.xlsx")
    wb = load_workbook(tmp_path / "x.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_tracker_exports_neutralise_formulas(tmp_path):
    """The tracker's own CSV/XLSX writers (export and audit) over a store whose text starts with =."""
    try:
        from policytrack.track import export as E
        from policytrack.track.tracker import Tracker
    except ImportError as exc:
        pytest.skip(f"tracker not available: {exc}")
    from openpyxl import load_workbook

    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    data = tmp_path / "d"
    (tmp_path / "in").mkdir()
    f = tmp_path / "in" / "evil.txt"
    f.write_text("=HYPERLINK(\"http://evil\")青禾县学前教育计划\n@SUM(1)到2025年，全县学前三年毛入园率达到95%以上。（责任单位：+县教育局）\n"
                 "-2022年，全县学前三年毛入园率达到93.5%。\n", encoding="utf-8")
    ingest_paths([f], Store(data / "policytrack.db"), workers=1)
    tr = Tracker(data / "policytrack.db")
    try:
        snap = tr.snapshot()
        text = E.to_csv(snap)
        xlsx = tmp_path / "e.xlsx"
        E.to_xlsx(snap, xlsx)
    finally:
        tr.close()
    cells = [c for row in list(csv.reader(io.StringIO(text)))[1:] for c in row]
    assert cells
    bad = [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not _number(c))]
    assert bad == []
    for ws in load_workbook(xlsx).worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def _number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------- uploads parsed outside the server


def _memory_hog() -> bytes:
    """~12 MB of ordinary report lines: fine under the default limit, far over a 48 MB one."""
    lines = (f"{2020 + k % 5}年，第{k}学区学前三年毛入园率达到{60 + k % 40}.{k % 10}%，新建幼儿园{k % 9 + 1}所。\n"
             for k in range(100_000))
    return "".join(lines).encode("utf-8")


def _cpu_hog() -> bytes:
    """One sentence packed with figures: the extractor is quadratic on it (docs/RELIABILITY.md)."""
    return ("95%" * 4000).encode("utf-8")


@pytest.mark.parametrize(
    "name, body, limits",
    [
        ("memory_hog.txt", _memory_hog, {"worker_memory_mb": 48}),
        ("cpu_hog.txt", _cpu_hog, {"worker_cpu_seconds": 1}),
    ],
    ids=["memory", "cpu"],
)
def test_upload_over_worker_limit_fails_alone_and_server_survives(name, body, limits, tmp_path):
    """A file that takes its parse worker past a (test-lowered) limit fails with a one-line
    413 result naming it; the other file of the same upload is stored, the server
    process neither parsed it (its peak memory stays) nor stops answering."""
    import resource

    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    seed = tmp_path / "seed.txt"
    seed.write_text(PLAN, encoding="utf-8")
    st = Store(get_settings(tmp_path).db_path)
    ingest_paths([seed], st, workers=1)  # loads the extractor here, so the peak below is the upload's
    st.close()
    client = TestClient(create_app(get_settings(tmp_path), ApiSettings(token=TOKEN, **limits)))
    before = client.get("/health").json()["documents"]
    hog = body()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB
    r = client.post("/documents", headers=AUTH, files=[("files", (name, hog, "text/plain")),
                                                         ("files", ("ok.txt", REPORT.encode("utf-8"), "text/plain"))])
    assert r.status_code == 200, r.text
    bad, good = r.json()["results"]
    assert bad["status"] == "failed" and bad["code"] == 413, bad
    assert bad["error"].startswith(f"{name}: ") and "\n" not in bad["error"]
    assert "resource limit" in bad["error"]
    assert good["status"] == "ingested", good
    if name == "memory_hog.txt":  # parsing 12 MB in this process would have cost it far more than 60 MB
        assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 60 * 1024
    assert client.get("/health").json()["documents"] == before + 1
    assert client.get("/search", params={"q": "毛入园率"}).status_code == 200
    reasons = [f["reason"] for f in client.get("/documents/failures").json()["items"]]
    assert any("resource limit" in x for x in reasons), reasons
