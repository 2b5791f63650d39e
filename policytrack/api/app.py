"""The HTTP service: one FastAPI app for other tools (JSON) and for people (web page).

`create_app()` builds everything from settings so tests can run the real app
over a temporary data directory.  Errors always come back as
`{"error": {"code": …, "message": …}}` so clients can branch on the code and
show the message; writes need the bearer token when one is configured.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import uuid
from datetime import date
from pathlib import Path
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, AsyncIterator, Iterator

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from policytrack import __version__ as _pkg_version  # type: ignore[attr-defined]
from policytrack.config import Settings, get_settings
from policytrack.models import Commitment, Progress

from . import data as D
from . import upload_worker
from .schemas import (
    CommitmentDetail,
    CommitmentPage,
    CommitmentRow,
    DocumentDetail,
    DocumentPage,
    ErrorResponse,
    FailureList,
    Health,
    ImportRejected,
    ImportResponse,
    LinkRequest,
    LinkResponse,
    ProgressPage,
    ProgressRow,
    Span,
    UploadResponse,
    UploadResult,
)
from .security import IMPORT_EXTENSIONS, UPLOAD_EXTENSIONS, ApiSettings, token_ok

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "unavailable",
}
_ERR = {"model": ErrorResponse}
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class ApiError(StarletteHTTPException):
    """An HTTP error with a machine-readable code."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(status_code=status, detail=message)
        self.code = code


class _TooLarge(Exception):
    pass


def _error(status: int, code: str, message: str, details: Any = None, headers: dict | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


_GROUP_HELP = ("one row per commitment restated across documents (as `policytrack audit`); "
               "false: one row per record (`--no-group`)")


def _page_size(request: Request, size: int) -> int:
    limit = request.app.state.api.max_page_size
    if size > limit:
        raise ApiError(422, "validation_error", f"size {size} is over the page-size limit of {limit}")
    return size


def _as_of(value: str | None) -> str:
    if not value:
        return date.today().isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ApiError(422, "validation_error", f"as_of must be a date YYYY-MM-DD, got {value!r}") from None


# ---------------------------------------------------------------- auth


def require_write(request: Request) -> None:
    api: ApiSettings = request.app.state.api
    if api.token and not token_ok(api.token, request.headers.get("authorization")):
        raise ApiError(401, "unauthorized", "this write needs 'Authorization: Bearer <POLICYTRACK_API_TOKEN>'")


def require_read(request: Request) -> None:
    api: ApiSettings = request.app.state.api
    if api.reads_need_token and api.token and not token_ok(api.token, request.headers.get("authorization")):
        raise ApiError(401, "unauthorized", "reads need 'Authorization: Bearer <POLICYTRACK_API_TOKEN>' on this server")


def _access(request: Request) -> D.StoreAccess:
    return request.app.state.access


# ---------------------------------------------------------------- uploads


async def _counted(stream: AsyncGenerator[bytes, None], limit: int) -> AsyncGenerator[bytes, None]:
    """Pass the body through, stopping as soon as it exceeds the limit (no full read)."""
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise _TooLarge()
        yield chunk


async def _read_multipart(request: Request, *, what: str) -> Any:
    from starlette.formparsers import MultiPartException, MultiPartParser

    api: ApiSettings = request.app.state.api
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", f"{what} expects multipart/form-data, got {ctype or 'no content type'!r}")
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise ApiError(400, "bad_request", f"invalid Content-Length {length!r}")
        if int(length) > api.max_upload_bytes:
            raise ApiError(413, "payload_too_large", f"upload of {int(length)} bytes is over the limit of {api.max_upload_bytes} bytes")
    parser = MultiPartParser(request.headers, _counted(request.stream(), api.max_upload_bytes), max_files=api.max_files, max_fields=20)
    try:
        return await parser.parse()
    except _TooLarge:
        raise ApiError(413, "payload_too_large", f"upload is over the limit of {api.max_upload_bytes} bytes") from None
    except MultiPartException as exc:
        raise ApiError(400, "bad_request", f"malformed multipart body: {exc.message}") from None


def _display_name(name: str | None) -> str:
    """The client's file name for display only: last path component, no control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    return base[:200] or "unnamed"


_UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    "required": ["files"],
                }
            }
        },
    }
}
_IMPORT_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}
            }
        },
    }
}


# ---------------------------------------------------------------- app


def _thread_limit() -> int:
    """Threads that run the synchronous routes.  Why not anyio's 40: searches hold the GIL
    for their Python part and each thread keeps its own SQLite connection; on a small
    machine 40 threads only add switching and cold connections (POLICYTRACK_API_THREADS)."""
    import os

    raw = os.environ.get("POLICYTRACK_API_THREADS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(4, 4 * (os.cpu_count() or 1))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = _thread_limit()
    upload_worker.prestart()  # the upload workers' fork server, ready before the first upload
    yield


def create_app(settings: Settings | None = None, api: ApiSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    api = api or ApiSettings.from_env(token=settings.api_token)
    app = FastAPI(
        lifespan=_lifespan,
        title="policytrack",
        version=_pkg_version,
        description="Commitments in Chinese government plans, tracked against reported progress.",
    )
    app.state.settings = settings
    app.state.api = api
    app.state.access = D.StoreAccess(settings.db_path, settings)

    # ------------------------------------------------------------ errors

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = getattr(exc, "code", None) or ERROR_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, ensure_ascii=False)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if _wants_html(request):
            from .web import error_page

            return error_page(request, exc.status_code, message)  # type: ignore[return-value]
        return _error(exc.status_code, code, message, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        parts = []
        for e in errs[:5]:
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "body", "path"))
            parts.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
        details = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": e.get("type")} for e in errs[:20]]
        return _error(422, "validation_error", "; ".join(parts) or "invalid request", details)

    @app.exception_handler(D.NotFound)
    async def _not_found(request: Request, exc: D.NotFound) -> JSONResponse:
        if _wants_html(request):
            from .web import error_page

            return error_page(request, 404, str(exc))  # type: ignore[return-value]
        return _error(404, "not_found", str(exc))

    @app.exception_handler(D.Unavailable)
    async def _unavailable(request: Request, exc: D.Unavailable) -> JSONResponse:
        return _error(503, "unavailable", str(exc))

    reads = [Depends(require_read)]
    writes = [Depends(require_write)]
    upload_limits = upload_worker.limits(api.worker_memory_mb, api.worker_cpu_seconds)

    # ------------------------------------------------------------ service

    @app.get("/health", response_model=Health, tags=["service"])
    def health(request: Request) -> Health:
        st = _access(request).stats()
        by_type = st.get("records_by_type") or {}
        return Health(
            version=_pkg_version,
            documents=int(st.get("documents") or st.get("current_documents") or 0),
            commitments=int(st.get("commitments") or by_type.get("commitment") or 0),
            progress=int(st.get("progress") or by_type.get("progress") or 0),
            failures=int(st.get("failures") or 0),
            writes_need_token=bool(api.token),
            reads_need_token=bool(api.token and api.reads_need_token),
            modules={"search": D.search_available(), "track": D.tracker_available()},
        )

    # ------------------------------------------------------------ documents

    @app.get("/documents", response_model=DocumentPage, dependencies=reads, tags=["documents"], responses={422: _ERR})
    def list_documents(
        request: Request,
        q: str | None = Query(None, max_length=200, description="substring of title, file name or 文号"),
        region: str | None = None,
        doc_type: str | None = Query(None, pattern="^(plan|report|other)$"),
        issuer: str | None = None,
        year: int | None = Query(None, ge=1949, le=2100),
        all_versions: bool = False,
        page: int = Query(1, ge=1),
        size: int = Query(20, ge=1),
    ) -> DocumentPage:
        size = _page_size(request, size)
        acc = _access(request)
        docs = D.filter_documents(
            (D.summary_of(d) for d in acc.documents(all_versions=all_versions)),
            q=q, region=region, doc_type=doc_type, issuer=issuer, year=year,
        )
        lo = (page - 1) * size
        return DocumentPage(total=len(docs), page=page, size=size, items=docs[lo : lo + size])

    @app.get("/documents/failures", response_model=FailureList, dependencies=reads, tags=["documents"])
    def list_failures(request: Request) -> FailureList:
        items = _access(request).failures()
        return FailureList(total=len(items), items=items)

    @app.get("/documents/{doc_id}", response_model=DocumentDetail, dependencies=reads, tags=["documents"], responses={404: _ERR})
    def get_document(request: Request, doc_id: str, as_of: str | None = None) -> DocumentDetail:
        return D.document_detail(_access(request), doc_id, _as_of(as_of))

    @app.post(
        "/documents",
        response_model=UploadResponse,
        dependencies=writes,
        tags=["documents"],
        openapi_extra=_UPLOAD_OPENAPI,
        responses={401: _ERR, 413: _ERR, 415: _ERR, 422: _ERR},
    )
    async def upload_documents(request: Request) -> UploadResponse:
        form = await _read_multipart(request, what="POST /documents")
        files = [v for k, v in form.multi_items() if k in ("files", "file") and hasattr(v, "read")]
        try:
            if not files:
                raise ApiError(422, "validation_error", "no files: send one or more parts named 'files'")
            for f in files:
                ext = Path(_display_name(f.filename)).suffix.lower()
                if ext not in UPLOAD_EXTENSIONS:
                    raise ApiError(
                        415, "unsupported_media_type",
                        f"{_display_name(f.filename)}: unsupported file type {ext or '(none)'}; accepted: {' '.join(UPLOAD_EXTENSIONS)}",
                    )
            upload_root = settings.data_dir / "uploads"
            upload_root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix="upload-", dir=upload_root))
            try:
                saved: list[tuple[Path, str]] = []
                for f in files:
                    name = _display_name(f.filename)
                    dest = tmp / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
                    with dest.open("wb") as out:
                        shutil.copyfileobj(f.file, out)
                    saved.append((dest, name))
                results = await run_in_threadpool(D.ingest_uploads, _access(request), saved, settings.max_file_bytes,
                                                  upload_limits)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            await form.close()
        return UploadResponse(
            results=results,
            ingested=sum(r.status in ("ingested", "new_version") for r in results),
            failed=sum(r.status == "failed" for r in results),
        )

    # ------------------------------------------------------------ search

    @app.get("/search", dependencies=reads, tags=["search"], responses={422: _ERR, 503: _ERR})
    def search(
        request: Request,
        q: str = Query("", max_length=1000),
        type: str | None = Query(None, description="commitment,progress,passage"),
        region: str | None = None,
        issuer: str | None = None,
        doc_type: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        department: str | None = None,
        indicator: str | None = None,
        status: str | None = None,
        mode: str = Query("lexical", pattern="^(lexical|semantic|hybrid)$"),
        page: int = Query(1, ge=1),
        size: int = Query(10, ge=1),
    ) -> Any:
        size = _page_size(request, size)
        params = dict(q=q, type=type, region=region, issuer=issuer, doc_type=doc_type, date_from=date_from,
                      date_to=date_to, department=department, indicator=indicator, status=status, mode=mode, page=page, size=size)
        resp = D.search_response(_access(request), settings, {k: v for k, v in params.items() if v not in (None, "")})
        return Response(resp.model_dump_json(), media_type="application/json")

    # ------------------------------------------------------------ commitments

    @app.get("/commitments", response_model=CommitmentPage, dependencies=reads, tags=["tracking"], responses={422: _ERR})
    def list_commitments(
        request: Request,
        status: str | None = Query(None, description="comma-separated: met,on_track,at_risk,missed,no_data,not_due"),
        department: str | None = None,
        region: str | None = None,
        indicator: str | None = Query(None, description="indicator id or words of the indicator"),
        doc_id: str | None = None,
        as_of: str | None = Query(None, description="YYYY-MM-DD (default today)"),
        sort: str = Query("deadline", pattern="^-?(deadline|gap)$"),
        page: int = Query(1, ge=1),
        size: int = Query(50, ge=1),
        group: bool = Query(True, description=_GROUP_HELP),
    ) -> CommitmentPage:
        size = _page_size(request, size)
        return D.commitment_page(
            _access(request), as_of=_as_of(as_of), status=status, department=department, region=region,
            indicator=indicator, doc_id=doc_id, sort=sort, page=page, size=size, group=group,
        )

    @app.get("/commitments/{commitment_id}", response_model=CommitmentDetail, dependencies=reads, tags=["tracking"], responses={404: _ERR})
    def get_commitment(request: Request, commitment_id: str, as_of: str | None = None) -> CommitmentDetail:
        return D.commitment_detail(_access(request), commitment_id, _as_of(as_of))

    @app.post(
        "/commitments/{commitment_id}/links",
        response_model=LinkResponse,
        dependencies=writes,
        tags=["tracking"],
        responses={401: _ERR, 404: _ERR, 422: _ERR},
    )
    def decide_link(request: Request, commitment_id: str, body: LinkRequest) -> LinkResponse:
        cid, pid = D.decide_link(_access(request), commitment_id, body.progress_id, body.action, body.note)
        return LinkResponse(commitment_id=cid, progress_id=pid, action=body.action)

    # ------------------------------------------------------------ progress

    @app.get("/progress", response_model=ProgressPage, dependencies=reads, tags=["tracking"], responses={422: _ERR})
    def list_progress(
        request: Request,
        region: str | None = None,
        indicator: str | None = None,
        year: int | None = Query(None, ge=1949, le=2100),
        doc_id: str | None = None,
        page: int = Query(1, ge=1),
        size: int = Query(50, ge=1),
    ) -> ProgressPage:
        size = _page_size(request, size)
        acc = _access(request)
        rows = [
            p for p in D.all_progress(acc)
            if (not doc_id or p.doc == doc_id)
            and (not region or p.region == region)
            and (not indicator or indicator in (p.indicator_id or "", p.indicator) or indicator in p.indicator)
            and (not year or p.year == year)
        ]
        rows.sort(key=lambda p: (p.indicator_id or p.indicator, p.year or 0))
        lo = (page - 1) * size
        snap = acc.snapshot() if D.tracker_available() else None
        items = [ProgressRow(progress=p, doc_title=D.progress_source(acc, snap, p) if snap else acc.doc_title(p.doc))
                 for p in rows[lo : lo + size]]
        return ProgressPage(total=len(rows), page=page, size=size, items=items)

    @app.post(
        "/progress/import",
        response_model=ImportResponse,
        dependencies=writes,
        tags=["tracking"],
        openapi_extra=_IMPORT_OPENAPI,
        responses={401: _ERR, 413: _ERR, 415: _ERR, 422: _ERR},
    )
    async def import_progress(request: Request) -> ImportResponse:
        form = await _read_multipart(request, what="POST /progress/import")
        try:
            files = [v for k, v in form.multi_items() if k in ("file", "files") and hasattr(v, "read")]
            if len(files) != 1:
                raise ApiError(422, "validation_error", "send exactly one part named 'file' (CSV or XLSX)")
            name = _display_name(files[0].filename)
            ext = Path(name).suffix.lower()
            if ext not in IMPORT_EXTENSIONS:
                raise ApiError(415, "unsupported_media_type", f"{name}: unsupported file type {ext or '(none)'}; accepted: .csv .xlsx")
            root = settings.data_dir / "uploads"
            root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix="import-", dir=root))
            try:
                # the client's (sanitised) name: imported ids derive from it, so re-importing updates
                dest = tmp / name
                with dest.open("wb") as out:
                    shutil.copyfileobj(files[0].file, out)
                imported, rejected = await run_in_threadpool(D.import_progress, _access(request), dest, name)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            await form.close()
        return ImportResponse(imported=imported, rejected=[ImportRejected(row=r, reason=m) for r, m in rejected])

    # ------------------------------------------------------------ export / schema

    @app.get("/export", dependencies=reads, tags=["export"], responses={422: _ERR, 503: _ERR})
    def export(
        request: Request,
        format: str = Query("jsonl", pattern="^(jsonl|csv|xlsx)$"),
        kind: str = Query("all", pattern="^(all|audit)$", description="all: records and links; audit: one row per commitment"),
        status: str | None = None,
        region: str | None = None,
        department: str | None = None,
        as_of: str | None = None,
        group: bool = Query(True, description=_GROUP_HELP),
    ) -> StreamingResponse:
        media = {
            "jsonl": "application/x-ndjson; charset=utf-8",
            "csv": "text/csv; charset=utf-8",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }[format]
        chunks: Iterator[bytes] = D.export_chunks(
            _access(request), format, kind=kind, as_of=_as_of(as_of), status=status, region=region, department=department,
            group=group,
        )
        fname = f"policytrack-{kind}-{_as_of(as_of)}.{format}"
        return StreamingResponse(chunks, media_type=media, headers={"Content-Disposition": f'attachment; filename="{fname}"'})

    @app.get("/schema/{record_type}", dependencies=reads, tags=["export"], responses={404: _ERR})
    def schema(record_type: str) -> JSONResponse:
        return JSONResponse(D.json_schema(record_type), media_type="application/schema+json")

    from .web import register_web

    register_web(app)
    return app


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return (path == "/" or path.startswith("/ui")) and "text/html" in request.headers.get("accept", "")
