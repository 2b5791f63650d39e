"""Request and response models of the HTTP API.

Every endpoint declares one of these so that /openapi.json documents exactly
what a client receives, and so the web page and other tools parse the same
shapes.  Records themselves are the shared `policytrack.models` types; these
models only wrap them (pages, links, statuses, errors).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from policytrack.models import Commitment, DocMeta, IngestOutcome, OutlineNode, Progress


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- errors


class ErrorBody(_Model):
    code: str = Field(description="machine-readable: validation_error, not_found, payload_too_large, …")
    message: str = Field(description="one line a person can act on")
    details: list[dict[str, Any]] | None = None


class ErrorResponse(_Model):
    error: ErrorBody


# ---------------------------------------------------------------- service


class Health(_Model):
    status: Literal["ok"] = "ok"
    version: str
    documents: int = 0
    commitments: int = 0
    progress: int = 0
    failures: int = 0
    writes_need_token: bool
    reads_need_token: bool
    modules: dict[str, bool] = Field(default_factory=dict, description="which optional stages are available")


# ---------------------------------------------------------------- documents


class DocumentSummary(_Model):
    id: str
    title: str | None = None
    issuer: str | None = None
    date: str | None = None
    doc_number: str | None = None
    region: str | None = None
    admin_level: str | None = None
    doc_type: str | None = None
    report_year: int | None = None
    format: str | None = None
    source: str | None = None
    pages: int | None = None
    version: int | None = None
    status: str | None = Field(None, description="current | superseded")
    ingested_at: str | None = None


class DocumentPage(_Model):
    total: int
    page: int
    size: int
    items: list[DocumentSummary]


class FailureItem(_Model):
    path: str | None = None
    file_name: str | None = None
    reason: str
    at: str | None = None


class FailureList(_Model):
    total: int
    items: list[FailureItem]


class Span(_Model):
    """Where a commitment or progress figure sits in the text (for highlighting)."""

    id: str
    type: Literal["commitment", "progress"]
    start: int
    end: int
    indicator: str | None = None
    status: str | None = None
    commitment_ids: list[str] = Field(default_factory=list, description="progress: the commitments it is linked to")


class DocumentDetail(_Model):
    id: str
    meta: DocMeta
    summary: DocumentSummary
    outline: list[OutlineNode] = Field(default_factory=list)
    text: str
    spans: list[Span] = Field(default_factory=list)


class UploadResult(_Model):
    filename: str = Field(description="the name the client sent (display only; never used as a path)")
    status: Literal["ingested", "unchanged", "new_version", "re_extracted", "failed"]
    doc_id: str | None = None
    title: str | None = None
    records: int = 0
    error: str | None = None
    code: int | None = Field(None, description="for a failed file, the HTTP status it would have alone: "
                             "413 stopped at the parser's memory/CPU limit, 415 unsupported, 422 unreadable")


class UploadResponse(_Model):
    results: list[UploadResult]
    ingested: int = 0
    failed: int = 0


# ---------------------------------------------------------------- commitments / progress


class TrackInfo(_Model):
    """Status of one commitment as of a date (from policytrack.track when available)."""

    status: str | None = None
    gap: float | None = None
    gap_unit: str | None = None
    latest_value: float | None = None
    latest_year: int | None = None
    explanation: str | None = None
    conflict: bool = False


class Citation(_Model):
    doc_id: str
    doc_title: str | None = None
    source: str | None = None
    section: str | None = None
    page: int | None = None
    start: int
    end: int
    quote: str
    context: str | None = Field(None, description="the surrounding text of the quote")


class CommitmentRow(_Model):
    commitment: Commitment
    track: TrackInfo = Field(default_factory=TrackInfo)
    doc_title: str | None = None


class CommitmentPage(_Model):
    total: int
    page: int
    size: int
    as_of: str
    items: list[CommitmentRow]
    facets: dict[str, dict[str, int]] = Field(default_factory=dict)


class LinkedProgress(_Model):
    progress: Progress
    origin: str = Field("auto", description="auto | confirmed | added | rejected")
    doc_title: str | None = None


class CommitmentDetail(_Model):
    commitment: Commitment
    track: TrackInfo
    as_of: str
    citation: Citation
    links: list[LinkedProgress] = Field(default_factory=list)


class LinkRequest(_Model):
    action: Literal["confirm", "reject", "add"]
    progress_id: str = Field(min_length=1, max_length=64)
    note: str | None = Field(None, max_length=2000)


class LinkResponse(_Model):
    commitment_id: str
    progress_id: str
    action: str
    stored: bool = True


class ProgressRow(_Model):
    progress: Progress
    doc_title: str | None = None


class ProgressPage(_Model):
    total: int
    page: int
    size: int
    items: list[ProgressRow]


class ImportRejected(_Model):
    row: int
    reason: str


class ImportResponse(_Model):
    imported: int
    rejected: list[ImportRejected] = Field(default_factory=list)
