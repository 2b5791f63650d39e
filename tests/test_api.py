"""HTTP API over a real store: every endpoint, auth, every error code.

The store is built by ingesting the bundled corpus through the real pipeline
into tmp_path (once per module; the write tests use their own store).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policytrack.api.app import create_app
from policytrack.api.chart import Point, progress_chart
from policytrack.api.cli_serve import decide_host
from policytrack.api.schemas import Span
from policytrack.api.security import ApiSettings, token_ok
from policytrack.api.web import highlighted_text
from policytrack.config import get_settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
TOKEN = "s3cret-token"


def _have_pipeline() -> str | None:
    try:
        import policytrack.ingest.pipeline  # noqa: F401
        import policytrack.store  # noqa: F401
        from policytrack.store import Store  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return f"store/ingest pipeline not available yet: {exc}"
    if not any(p.suffix in (".pdf", ".docx", ".html", ".txt") for p in CORPUS.glob("*")):
        return "bundled corpus/ has no documents yet"
    return None


def _client(tmp: Path, **api_kw) -> TestClient:
    settings = get_settings(tmp)
    api = ApiSettings(**{"token": TOKEN, **api_kw})
    return TestClient(create_app(settings, api))


@pytest.fixture(scope="module")
def corpus_client(tmp_path_factory) -> TestClient:
    why = _have_pipeline()
    if why:
        pytest.skip(why)
    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    tmp = tmp_path_factory.mktemp("api")
    settings = get_settings(tmp)
    tmp.mkdir(exist_ok=True)
    store = Store(settings.db_path)
    files = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".pdf", ".docx", ".html", ".htm", ".txt"))
    outcomes = ingest_paths(files, store, workers=1) if "workers" in ingest_paths.__code__.co_varnames else ingest_paths(files, store)
    assert any(o.status == "ingested" for o in outcomes), [o.error for o in outcomes]
    return TestClient(create_app(settings, ApiSettings(token=TOKEN)))


# ---------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    "expected, header, ok",
    [
        ("abc", "Bearer abc", True),
        ("abc", "bearer abc", True),
        ("abc", "Bearer abd", False),
        ("abc", "Basic abc", False),
        ("abc", None, False),
        ("abc", "Bearer ", False),
        (None, None, True),
    ],
)
def test_token_ok(expected, header, ok):
    assert token_ok(expected, header) is ok


@pytest.mark.parametrize(
    "host, token, bound, warns",
    [
        ("0.0.0.0", None, "127.0.0.1", True),
        ("127.0.0.1", None, "127.0.0.1", True),
        ("0.0.0.0", "t", "0.0.0.0", False),
    ],
)
def test_serve_binds_locally_without_token(host, token, bound, warns):
    b, note = decide_host(host, token)
    assert b == bound
    assert (note is not None) is warns


def test_chart_has_target_line_deadline_and_points():
    svg = progress_chart([Point(2020, 93.2, kind="baseline"), Point(2022, 94.0), Point(2023, 94.5)],
                         target=95, unit="%", deadline="2025", title="学前三年毛入园率")
    assert svg.startswith("<svg") and svg.count("<circle") == 3
    assert 'class="target"' in svg and 'class="deadline"' in svg and "期限 2025" in svg
    assert "<desc" in svg and "2023年94.5%" in svg


def test_chart_without_data_says_so():
    svg = progress_chart([], target=None, deadline=None)
    assert "尚无报告数据" in svg


def test_highlighted_text_escapes_and_links():
    text = "一、目标\n到2025年<b>毛入园率</b>达到95%。2022年达到93.2%。"
    spans = [Span(id="c1", type="commitment", start=5, end=text.index("。") + 1, indicator="毛入园率", status="at_risk"),
             Span(id="p1", type="progress", start=text.index("2022"), end=len(text), indicator="毛入园率")]
    html = str(highlighted_text(text, spans, [0]))
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert 'href="/ui/commitments/c1"' in html and "status-at_risk" in html
    assert 'id="p1"' in html and 'id="o-0"' in html


# ---------------------------------------------------------------- errors and auth (no data needed)


@pytest.fixture()
def empty_client(tmp_path) -> TestClient:
    return _client(tmp_path)


def test_unknown_endpoint_is_json_404(empty_client):
    r = empty_client.get("/no/such/thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_validation_error_shape(empty_client):
    r = empty_client.get("/documents", params={"page": 0})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error" and "page" in err["message"]


def test_page_size_limit(empty_client):
    r = empty_client.get("/documents", params={"size": 10_000})
    assert r.status_code == 422 and "limit" in r.json()["error"]["message"]


def test_bad_as_of_is_422(empty_client):
    r = empty_client.get("/commitments", params={"as_of": "2024-13-40"})
    assert r.status_code == 422 and "as_of" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "method, path, kw",
    [
        ("post", "/documents", {"files": {"files": ("a.txt", b"x", "text/plain")}}),
        ("post", "/commitments/c123/links", {"json": {"action": "confirm", "progress_id": "p1"}}),
        ("post", "/progress/import", {"files": {"file": ("a.csv", b"region\n", "text/csv")}}),
    ],
)
@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic " + TOKEN])
def test_writes_need_token(empty_client, method, path, kw, auth):
    headers = {"Authorization": auth} if auth else {}
    r = getattr(empty_client, method)(path, headers=headers, **kw)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"


def test_reads_open_by_default_and_closable(tmp_path):
    closed = _client(tmp_path, reads_need_token=True)
    assert closed.get("/schema/commitment").status_code == 401
    assert closed.get("/schema/commitment", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert _client(tmp_path).get("/schema/commitment").status_code == 200


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def test_upload_over_limit_by_content_length_is_413(tmp_path):
    c = _client(tmp_path, max_upload_bytes=1000)
    r = c.post("/documents", headers=_auth(), files={"files": ("big.txt", b"x" * 5000, "text/plain")})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert not list((tmp_path / "uploads").glob("*/*")) if (tmp_path / "uploads").exists() else True


def test_upload_over_limit_while_streaming_is_413(tmp_path):
    """No Content-Length (chunked): the server counts bytes as they arrive."""
    c = _client(tmp_path, max_upload_bytes=1000)
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + b"y" * 5000 + f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        for i in range(0, len(body), 512):
            yield body[i : i + 512]

    r = c.post("/documents", headers={**_auth(), "Content-Type": f"multipart/form-data; boundary={boundary}"}, content=chunks())
    assert r.status_code == 413


@pytest.mark.parametrize(
    "files, code",
    [
        ({"files": ("evil.exe", b"MZ", "application/octet-stream")}, 415),
        ({"files": ("noext", b"abc", "application/octet-stream")}, 415),
        ({"other": ("a.txt", b"abc", "text/plain")}, 422),
    ],
)
def test_upload_rejects_bad_files(tmp_path, files, code):
    r = _client(tmp_path).post("/documents", headers=_auth(), files=files)
    assert r.status_code == code, r.text
    assert r.json()["error"]["code"] == {415: "unsupported_media_type", 422: "validation_error"}[code]


def test_upload_needs_multipart(tmp_path):
    r = _client(tmp_path).post("/documents", headers={**_auth(), "Content-Type": "application/json"}, content=b"{}")
    assert r.status_code == 415


def test_import_rejects_unsupported_type(tmp_path):
    r = _client(tmp_path).post("/progress/import", headers=_auth(), files={"file": ("x.pdf", b"%PDF", "application/pdf")})
    assert r.status_code == 415


def test_link_body_validated(tmp_path):
    r = _client(tmp_path).post("/commitments/c1/links", headers=_auth(), json={"action": "delete", "progress_id": "p1"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("rtype", ["commitment", "progress"])
def test_schema_endpoint(empty_client, rtype):
    r = empty_client.get(f"/schema/{rtype}")
    assert r.status_code == 200
    schema = r.json()
    assert "properties" in schema and "quote" in schema["properties"]


def test_schema_unknown_is_404(empty_client):
    r = empty_client.get("/schema/nonsense")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_openapi_documents_every_endpoint(empty_client):
    paths = empty_client.get("/openapi.json").json()["paths"]
    for p in ["/health", "/documents", "/documents/{doc_id}", "/search", "/commitments", "/commitments/{commitment_id}",
              "/commitments/{commitment_id}/links", "/progress", "/progress/import", "/export", "/schema/{record_type}"]:
        assert p in paths, p
    assert "multipart/form-data" in paths["/documents"]["post"]["requestBody"]["content"]


def test_html_pages_get_html_errors(empty_client):
    r = empty_client.get("/ui/nothing-here", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "出错了" in r.text
