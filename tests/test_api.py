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
    assert 'id="p1"' in html and 'href="#p1"' in html and 'id="o-0"' in html


def test_highlighted_progress_opens_its_commitment():
    text = "2022年达到93.2%。"
    html = str(highlighted_text(text, [Span(id="p1", type="progress", start=0, end=len(text), commitment_ids=["c9", "c2"])]))
    assert 'href="/ui/commitments/c9"' in html and "关联2项承诺" in html


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


def test_serve_help_lists_options():
    from typer.testing import CliRunner

    from policytrack.api.cli_serve import app as serve_app

    r = CliRunner().invoke(serve_app, ["--help"])
    assert r.exit_code == 0
    for opt in ("--host", "--port", "--data-dir", "--demo"):
        assert opt in r.output


# ---------------------------------------------------------------- templates with real model objects


def _render(name: str, ctx: dict) -> str:
    from policytrack.api.web import templates

    return templates.get_template(name).render(ctx)


def _commitment():
    from policytrack.models import Baseline, Commitment, Target, assign_id

    return assign_id(Commitment(doc="d1", quote="学前三年毛入园率达到95%以上", start=0, end=15, indicator="学前三年毛入园率",
                                kind="quantitative", target=Target(value=95, unit="%", op=">="),
                                baseline=Baseline(value=90.1, year=2020), deadline="2025", departments=["县教体局"], region="青禾县"))


@pytest.mark.parametrize(
    "status, label",
    [("met", "已完成"), ("on_track", "进展顺利"), ("at_risk", "存在风险"), ("missed", "未完成"), ("no_data", "无数据"), (None, "未评估")],
)
def test_commitments_table_shows_status_badge(status, label):
    from policytrack.api.schemas import CommitmentPage, CommitmentRow, TrackInfo

    c = _commitment()
    page = CommitmentPage(total=1, page=1, size=100, as_of="2024-06-30",
                          items=[CommitmentRow(commitment=c, track=TrackInfo(status=status, gap=-1.8, gap_unit="个百分点"), doc_title="规划")])
    html = _render("commitments.html", {"data": page, "params": {"sort": "deadline"}, "chips": [], "departments": [], "regions": [],
                                        "sort_links": {f: {"href": "#", "state": "none"} for f in ("deadline", "gap")},
                                        "xlsx": "/export?format=xlsx", "csv": "/export?format=csv", "pages": {"last": 1}})
    assert f'class="badge status-{status or "unknown"}">{label}<' in html
    assert "≥95%" in html and "-1.8个百分点" in html and f'href="/ui/commitments/{c.id}"' in html
    assert "下载 XLSX" in html and "下载 CSV" in html


def test_commitment_page_template_has_chart_and_context():
    from markupsafe import Markup

    from policytrack.api.schemas import Citation, CommitmentDetail, TrackInfo

    c = _commitment()
    det = CommitmentDetail(commitment=c, track=TrackInfo(status="at_risk", explanation="目标：学前三年毛入园率≥95%（2025年）"),
                           as_of="2024-06-30", citation=Citation(doc_id="d1", start=0, end=15, quote=c.quote, section="一、"))
    svg = progress_chart([Point(2020, 90.1, kind="baseline")], target=95, unit="%", deadline="2025")
    html = _render("commitment.html", {"det": det, "c": c, "chart": Markup(svg), "context_html": Markup("<mark>x</mark>")})
    assert '<svg' in html and "存在风险" in html and "县教体局" in html and "尚无关联的进展数据" in html


def test_health(tmp_path):
    r = _client(tmp_path).get("/health")
    try:
        from policytrack.store import Store  # noqa: F401
    except ImportError:
        assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
        return
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["writes_need_token"] is True and body["reads_need_token"] is False


# ---------------------------------------------------------------- over the bundled corpus (real pipeline)


def test_documents_list_and_filters(corpus_client):
    r = corpus_client.get("/documents")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 3 and len(body["items"]) == body["total"]
    plans = corpus_client.get("/documents", params={"doc_type": "plan"}).json()
    assert 1 <= plans["total"] < body["total"]
    assert all(d["doc_type"] == "plan" for d in plans["items"])
    one = corpus_client.get("/documents", params={"size": 1, "page": 2}).json()
    assert len(one["items"]) == 1 and one["items"][0]["id"] == body["items"][1]["id"]


def test_document_detail_has_outline_text_and_spans(corpus_client):
    docs = corpus_client.get("/documents", params={"doc_type": "plan"}).json()["items"]
    d = corpus_client.get(f"/documents/{docs[0]['id']}").json()
    assert d["text"] and d["outline"]
    assert d["spans"], "a plan must have commitment spans"
    for s in d["spans"]:
        assert 0 <= s["start"] < s["end"] <= len(d["text"])
    reports = corpus_client.get("/documents", params={"doc_type": "report"}).json()["items"]
    linked = [s for r in reports for s in corpus_client.get(f"/documents/{r['id']}").json()["spans"]
              if s["type"] == "progress" and s["commitment_ids"]]
    assert linked, "figures in reports are linked to commitments"
    cid = linked[0]["commitment_ids"][0]
    links = corpus_client.get(f"/commitments/{cid}").json()["links"]
    assert linked[0]["id"] in {l["progress"]["id"] for l in links}


def test_unknown_document_is_404(corpus_client):
    r = corpus_client.get("/documents/" + "0" * 64)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_search_big_class_target(corpus_client):
    r = corpus_client.get("/search", params={"q": "大班额 目标"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] >= 1
    assert any(hit["type"] == "commitment" for hit in body["results"])
    assert any("<mark>" in hit["snippet"] for hit in body["results"])
    assert "type" in body["facets"]


def test_commitments_list_filters_and_sort(corpus_client):
    body = corpus_client.get("/commitments", params={"size": 200}).json()
    assert body["total"] >= 5
    deadlines = [row["commitment"]["deadline"] for row in body["items"] if row["commitment"]["deadline"]]
    assert deadlines == sorted(deadlines)
    desc = corpus_client.get("/commitments", params={"size": 200, "sort": "-deadline"}).json()
    got = [row["commitment"]["deadline"] for row in desc["items"] if row["commitment"]["deadline"]]
    assert got == sorted(got, reverse=True)
    dept = next(d for row in body["items"] for d in row["commitment"]["departments"])
    only = corpus_client.get("/commitments", params={"department": dept, "size": 200}).json()
    assert 1 <= only["total"] <= body["total"]
    assert all(any(dept in d for d in row["commitment"]["departments"]) for row in only["items"])
    status = next(iter(body["facets"]["status"]))
    by_status = corpus_client.get("/commitments", params={"status": status, "size": 200}).json()
    assert by_status["total"] == body["facets"]["status"][status]


def test_commitment_detail_and_404(corpus_client):
    row = corpus_client.get("/commitments", params={"size": 1}).json()["items"][0]
    cid = row["commitment"]["id"]
    d = corpus_client.get(f"/commitments/{cid}").json()
    assert d["commitment"]["id"] == cid
    assert d["citation"]["quote"] == d["commitment"]["quote"] and d["commitment"]["quote"] in d["citation"]["context"]
    assert corpus_client.get("/commitments/cdoesnotexist").status_code == 404


def test_progress_list(corpus_client):
    body = corpus_client.get("/progress", params={"size": 200}).json()
    assert body["total"] >= 1
    year = next(row["progress"]["year"] for row in body["items"] if row["progress"]["year"])
    only = corpus_client.get("/progress", params={"year": year, "size": 200}).json()
    assert only["total"] >= 1 and all(row["progress"]["year"] == year for row in only["items"])


def test_web_pages_render(corpus_client):
    assert "承诺清单" in corpus_client.get("/ui/commitments").text
    r = corpus_client.get("/", params={"q": "大班额 目标"})
    assert r.status_code == 200 and "<mark>" in r.text
    docs = corpus_client.get("/documents").json()["items"]
    assert "doctext" in corpus_client.get(f"/ui/documents/{docs[0]['id']}").text
    cid = corpus_client.get("/commitments", params={"size": 1}).json()["items"][0]["commitment"]["id"]
    assert "原文出处" in corpus_client.get(f"/ui/commitments/{cid}").text


def test_upload_ingests_and_reports_failures(tmp_path):
    why = _have_pipeline()
    if why:
        pytest.skip(why)
    c = _client(tmp_path)
    good = "青禾县测试学校建设方案\n一、目标\n到2025年，新建学校2所（责任单位：县教体局）。\n".encode("utf-8")
    files = [("files", ("../../etc/计划.txt", good, "text/plain")), ("files", ("empty.txt", b"", "text/plain"))]
    r = c.post("/documents", headers=_auth(), files=files)
    assert r.status_code == 200, r.text
    res = {x["filename"]: x for x in r.json()["results"]}
    assert res["计划.txt"]["status"] == "ingested" and res["计划.txt"]["doc_id"]
    assert res["empty.txt"]["status"] == "failed" and "empty.txt" in res["empty.txt"]["error"]
    assert not list((tmp_path / "uploads").rglob("*.txt")), "temporary upload files are removed"
    again = c.post("/documents", headers=_auth(), files=[("files", ("again.txt", good, "text/plain"))]).json()
    assert again["results"][0]["status"] == "unchanged"


# ---------------------------------------------------------------- tracking over the bundled corpus


def _writable_copy(corpus_client, tmp: Path) -> TestClient:
    """A private copy of the corpus store (SQLite backup API), so writes do not leak into other tests."""
    import sqlite3

    src_path = corpus_client.app.state.settings.db_path
    dst = get_settings(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    src, out = sqlite3.connect(src_path), sqlite3.connect(dst.db_path)
    with out:
        src.backup(out)
    src.close()
    out.close()
    return TestClient(create_app(dst, ApiSettings(token=TOKEN)))


def test_health_reports_modules(corpus_client):
    body = corpus_client.get("/health").json()
    assert body["documents"] >= 5 and body["commitments"] >= 50 and body["progress"] >= 10
    assert body["modules"] == {"search": True, "track": True}


@pytest.mark.parametrize(
    "as_of, expect_any",
    [
        ("2026-12-31", {"met", "missed"}),  # every deadline of the plan has passed
        ("2023-06-30", {"on_track", "at_risk", "not_due", "met"}),  # mid-plan: deadlines ahead
    ],
)
def test_commitment_statuses_come_from_tracking(corpus_client, as_of, expect_any):
    body = corpus_client.get("/commitments", params={"size": 200, "as_of": as_of}).json()
    assert body["as_of"] == as_of
    statuses = body["facets"]["status"]
    assert "unknown" not in statuses, "every commitment gets a status from policytrack.track"
    assert sum(statuses.values()) == body["total"]
    assert expect_any & set(statuses), statuses
    for row in body["items"]:
        assert row["track"]["status"] and row["track"]["explanation"]


def test_commitments_sorted_by_gap(corpus_client):
    body = corpus_client.get("/commitments", params={"size": 200, "sort": "gap", "as_of": "2026-12-31"}).json()
    gaps = [abs(r["track"]["gap"]) for r in body["items"] if r["track"]["gap"] is not None]
    assert len(gaps) >= 3 and gaps == sorted(gaps)


@pytest.mark.parametrize("path", ["/commitments", "/export", "/search"])
def test_unknown_status_is_422(corpus_client, path):
    r = corpus_client.get(path, params={"status": "finished", "q": "大班额"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error" and "finished" in err["message"] and "met" in err["message"]


def test_commitment_detail_has_links_and_explanation(corpus_client):
    rows = corpus_client.get("/commitments", params={"size": 200, "status": "met,missed", "as_of": "2026-12-31"}).json()["items"]
    row = next(r for r in rows if r["track"]["latest_value"] is not None)
    d = corpus_client.get(f"/commitments/{row['commitment']['id']}", params={"as_of": "2026-12-31"}).json()
    assert d["track"] == row["track"]
    assert d["links"], "a commitment with a latest value has linked figures"
    assert {l["origin"] for l in d["links"]} <= {"auto", "confirmed", "added", "rejected"}
    assert any(l["progress"]["value"] == row["track"]["latest_value"] for l in d["links"])
    assert all(l["doc_title"] for l in d["links"])


def test_search_status_filter_and_facet(corpus_client):
    every = corpus_client.get("/search", params={"q": "大班额 目标", "size": 50}).json()
    facet = {f["value"]: f["count"] for f in every["facets"]["status"]}
    assert facet, "status facet is filled from tracking"
    status, count = max(facet.items(), key=lambda kv: kv[1])
    only = corpus_client.get("/search", params={"q": "大班额 目标", "status": status, "size": 50}).json()
    assert only["total"] == count
    assert all(r["type"] == "commitment" and r["status"] == status for r in only["results"])


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
@pytest.mark.parametrize("kind", ["all", "audit"])
def test_export_formats(corpus_client, fmt, kind):
    r = corpus_client.get("/export", params={"format": fmt, "kind": kind, "as_of": "2026-12-31"})
    assert r.status_code == 200, r.text
    assert f"policytrack-{kind}-2026-12-31.{fmt}" in r.headers["content-disposition"]
    n_commitments = corpus_client.get("/health").json()["commitments"]
    if fmt == "jsonl":
        rows = [json.loads(line) for line in r.text.splitlines()]
        if kind == "all":
            types = {x["type"] for x in rows}
            assert types == {"commitment", "progress", "link"}
        else:
            # one row per commitment however often restated: every record in exactly one row
            assert sum(1 + len(x["merged_ids"].split()) for x in rows) == n_commitments
            assert all(x["status"] and x["explanation"] for x in rows)
    elif fmt == "csv":
        import csv as _csv

        rows = list(_csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows and ("status" in rows[0] if kind == "audit" else "type" in rows[0])
    else:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        if kind == "all":
            assert wb.sheetnames == ["commitment", "progress", "link"]
        else:
            assert wb.sheetnames[0] == "汇总" and len(wb.sheetnames) >= 2


def test_export_audit_filters(corpus_client):
    rows = [json.loads(x) for x in corpus_client.get(
        "/export", params={"format": "jsonl", "kind": "audit", "status": "missed", "as_of": "2026-12-31"}).text.splitlines()]
    assert rows and all(x["status"] == "missed" for x in rows)


def test_export_bad_format_is_422(corpus_client):
    r = corpus_client.get("/export", params={"format": "pdf"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("rtype", ["commitment", "progress", "link"])
def test_committed_schemas_served(corpus_client, rtype):
    schema = corpus_client.get(f"/schema/{rtype}").json()
    assert schema["$id"].endswith(f"{rtype}.json") and "properties" in schema


def test_link_decisions_change_tracking(corpus_client, tmp_path):
    c = _writable_copy(corpus_client, tmp_path / "links")
    rows = c.get("/commitments", params={"size": 200, "as_of": "2026-12-31"}).json()["items"]
    row = next(r for r in rows if r["track"]["latest_value"] is not None)
    cid = row["commitment"]["id"]
    before = c.get(f"/commitments/{cid}", params={"as_of": "2026-12-31"}).json()
    auto = [l for l in before["links"] if l["origin"] == "auto"]
    # reject every automatic link: nothing is left to judge, so the status becomes no_data
    for l in auto:
        r = c.post(f"/commitments/{cid}/links", headers=_auth(), json={"action": "reject", "progress_id": l["progress"]["id"], "note": "复核"})
        assert r.status_code == 200, r.text
        assert r.json() == {"commitment_id": cid, "progress_id": l["progress"]["id"], "action": "reject", "stored": True}
    after = c.get(f"/commitments/{cid}", params={"as_of": "2026-12-31"}).json()
    assert {l["origin"] for l in after["links"]} == {"rejected"}
    assert after["track"]["status"] == "no_data" and after["track"]["latest_value"] is None
    # confirm the figure that was the latest back: it counts again (a figure from before the
    # baseline would only feed the trend, so it is not the one to pick)
    latest = next(l for l in auto if l["progress"]["value"] == before["track"]["latest_value"])
    r = c.post(f"/commitments/{cid}/links", headers=_auth(), json={"action": "confirm", "progress_id": latest["progress"]["id"]})
    assert r.status_code == 200
    again = c.get(f"/commitments/{cid}", params={"as_of": "2026-12-31"}).json()
    assert again["track"]["latest_value"] == latest["progress"]["value"]
    assert "confirmed" in {l["origin"] for l in again["links"]}
    # the export carries the decisions
    links = [json.loads(x) for x in c.get("/export", params={"format": "jsonl"}).text.splitlines()]
    mine = {(x["progress_id"], x["origin"]) for x in links if x["type"] == "link" and x["commitment_id"] == cid}
    assert (latest["progress"]["id"], "confirmed") in mine


def test_link_add_a_figure_the_linker_missed(corpus_client, tmp_path):
    c = _writable_copy(corpus_client, tmp_path / "add")
    rows = c.get("/commitments", params={"size": 200, "status": "no_data"}).json()["items"]
    cid = rows[0]["commitment"]["id"]
    pid = c.get("/progress", params={"size": 1}).json()["items"][0]["progress"]["id"]
    r = c.post(f"/commitments/{cid}/links", headers=_auth(), json={"action": "add", "progress_id": pid})
    assert r.status_code == 200
    d = c.get(f"/commitments/{cid}").json()
    assert any(l["progress"]["id"] == pid and l["origin"] == "added" for l in d["links"])


@pytest.mark.parametrize(
    "which, code",
    [
        ("unknown-commitment", 404),
        ("unknown-progress", 404),
        ("progress-as-commitment", 422),
        ("commitment-as-progress", 422),
    ],
)
def test_link_errors(corpus_client, which, code):
    cid = corpus_client.get("/commitments", params={"size": 1}).json()["items"][0]["commitment"]["id"]
    pid = corpus_client.get("/progress", params={"size": 1}).json()["items"][0]["progress"]["id"]
    c_, p_ = {"unknown-commitment": ("cnope", pid), "unknown-progress": (cid, "pnope"),
              "progress-as-commitment": (pid, pid), "commitment-as-progress": (cid, cid)}[which]
    r = corpus_client.post(f"/commitments/{c_}/links", headers=_auth(), json={"action": "confirm", "progress_id": p_})
    assert r.status_code == code, r.text
    assert r.json()["error"]["code"] == {404: "not_found", 422: "validation_error"}[code]


_STATS_CSV = ("region,indicator,year,value,unit,source\n"
              "青禾县,学前三年毛入园率,2024,96.1,%,2024年青禾县统计公报\n"
              "青禾县,没有这个指标,2024,1,%,x\n"
              "青禾县,学前三年毛入园率,二〇二四,96,%,x\n")


def test_progress_import_and_reimport(corpus_client, tmp_path):
    c = _writable_copy(corpus_client, tmp_path / "import")
    before = c.get("/progress", params={"size": 1}).json()["total"]
    r = c.post("/progress/import", headers=_auth(), files={"file": ("统计.csv", _STATS_CSV.encode("utf-8"), "text/csv")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["imported"] == 1
    assert [x["row"] for x in body["rejected"]] == [3, 4]
    assert "没有这个指标" in body["rejected"][0]["reason"] and "year" in body["rejected"][1]["reason"]
    rows = c.get("/progress", params={"size": 200, "year": 2024, "region": "青禾县"}).json()["items"]
    mine = [x for x in rows if x["progress"]["doc"] == "import:统计.csv"]
    assert len(mine) == 1 and mine[0]["progress"]["value"] == 96.1 and mine[0]["doc_title"] == "2024年青禾县统计公报"
    # the same file again updates, never duplicates
    c.post("/progress/import", headers=_auth(), files={"file": ("统计.csv", _STATS_CSV.encode("utf-8"), "text/csv")})
    assert c.get("/progress", params={"size": 1}).json()["total"] == before + 1
    assert not list((tmp_path / "import" / "uploads").rglob("*.csv"))


def test_progress_import_xlsx(corpus_client, tmp_path):
    import openpyxl

    c = _writable_copy(corpus_client, tmp_path / "xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [("地区", "指标", "年份", "数值", "单位", "来源"), ("青禾县", "学前三年毛入园率", 2024, 96.5, "%", "年鉴")]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    r = c.post("/progress/import", headers=_auth(), files={"file": ("stats.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 200 and r.json() == {"imported": 1, "rejected": []}


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"foo,bar\n1,2\n", "missing column"),
        (b"", "empty"),
    ],
)
def test_progress_import_unreadable_file_is_422(corpus_client, tmp_path, content, needle):
    c = _writable_copy(corpus_client, tmp_path / "bad")
    r = c.post("/progress/import", headers=_auth(), files={"file": ("bad.csv", content, "text/csv")})
    assert r.status_code == 422
    msg = r.json()["error"]["message"]
    assert msg.startswith("bad.csv:") and needle in msg and "/" not in msg.split(":")[0]


def test_progress_import_over_limit_is_413(tmp_path):
    c = _client(tmp_path, max_upload_bytes=500)
    r = c.post("/progress/import", headers=_auth(), files={"file": ("big.csv", _STATS_CSV.encode() * 20, "text/csv")})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_progress_lists_import_and_filters(corpus_client):
    body = corpus_client.get("/progress", params={"size": 200, "indicator": "学前三年毛入园率"}).json()
    assert body["total"] >= 2 and all("学前三年毛入园率" in r["progress"]["indicator"] or
                                      r["progress"]["indicator_id"] == "学前三年毛入园率" for r in body["items"])


# ---------------------------------------------------------------- serve --demo


def test_demo_ingest_is_idempotent_and_summarised(tmp_path):
    why = _have_pipeline()
    if why:
        pytest.skip(why)
    from policytrack.api.cli_serve import ingest_demo, summary_lines

    first = ingest_demo(tmp_path, CORPUS)
    n_files = sum(first["outcomes"].values())
    assert first["outcomes"]["ingested"] == n_files >= 5 and not first["errors"]
    second = ingest_demo(tmp_path, CORPUS)
    assert second["outcomes"] == {"unchanged": n_files}
    assert (second["documents"], second["commitments"], second["progress"]) == (
        first["documents"], first["commitments"], first["progress"])
    text = "\n".join(summary_lines(second))
    assert f"{second['documents']} documents" in text and f"{second['commitments']} commitments" in text
    assert "status today:" in text and sum(second["statuses"].values()) == second["commitments"]


def test_demo_without_corpus_is_a_clear_error(tmp_path):
    from policytrack.api.cli_serve import bundled_corpus

    with pytest.raises(FileNotFoundError) as e:
        bundled_corpus([tmp_path / "nowhere", tmp_path])
    assert "bundled corpus not found" in str(e.value) and str(tmp_path / "nowhere") in str(e.value)


def test_demo_corpus_found_in_checkout(monkeypatch):
    from policytrack.api.cli_serve import bundled_corpus

    if not CORPUS.is_dir():
        pytest.skip("not a source checkout")
    monkeypatch.delenv("POLICYTRACK_CORPUS", raising=False)
    assert bundled_corpus() == CORPUS


def test_demo_corpus_env_is_not_silently_ignored(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from policytrack.api.cli_serve import app as serve_app

    monkeypatch.setenv("POLICYTRACK_CORPUS", str(tmp_path / "missing"))
    r = CliRunner().invoke(serve_app, ["--demo", "--data-dir", str(tmp_path / "data")])
    assert r.exit_code == 2
    assert "bundled corpus not found" in r.output and str(tmp_path / "missing") in r.output


def test_chart_same_year_figures_do_not_overlap():
    """Two documents reporting different values for one year: both drawn, labels apart, one line point."""
    import re

    svg = progress_chart([Point(2022, 93.4), Point(2023, 94.3), Point(2023, 94.1)], target=91.5, unit="%", deadline="2020")
    labels = {t: float(y) for y, t in re.findall(r'<text x="[\d.]+" y="([\d.]+)" class="value"[^>]*>([\d.]+)<', svg)}
    assert abs(labels["94.3"] - labels["94.1"]) >= 14
    assert svg.count("<circle") == 3
    path = re.search(r'<path d="([^"]+)" class="series"', svg).group(1)
    assert path.count("L") == 1  # 2022 → 2023, not a vertical jump inside 2023


@pytest.mark.parametrize("path", ["/search?q=大班额", "/commitments", "/progress", "/export?format=jsonl"])
def test_fresh_data_dir_answers_empty_not_error(tmp_path, path):
    why = _have_pipeline()
    if why:
        pytest.skip(why)
    r = _client(tmp_path / "fresh").get(path)
    assert r.status_code == 200, r.text
    if "export" not in path:
        assert r.json()["total"] == 0
