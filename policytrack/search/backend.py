"""The one search interface: `search(SearchRequest) -> SearchResponse`.

The CLI, the HTTP API and the web page all call this, and every backend
(embedded SQLite FTS5, Elasticsearch) returns the same response objects, so a
result printed by `policytrack search --json` is byte-for-byte what the API
serves.  Backends are chosen by name; the embedded one needs nothing.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

HitType = Literal["commitment", "progress", "passage"]
Mode = Literal["lexical", "semantic", "hybrid"]
HIT_TYPES: tuple[HitType, ...] = ("commitment", "progress", "passage")
FACET_FIELDS = ("type", "region", "issuer", "doc_type", "year", "department", "indicator", "status")


class SearchRequest(BaseModel):
    """What to find and how to narrow it; every filter is optional."""

    model_config = ConfigDict(extra="forbid")

    q: str = ""
    type: list[HitType] | None = Field(None, description="restrict to these kinds of hit")
    region: str | None = None
    issuer: str | None = None
    doc_type: str | None = None
    date_from: str | None = Field(None, description="document date >= this (YYYY, YYYY-MM or YYYY-MM-DD)")
    date_to: str | None = Field(None, description="document date <= this (a YYYY bound includes the whole year)")
    department: str | None = None
    indicator: str | None = Field(None, description="indicator id (or a name/synonym of one)")
    status: str | None = Field(None, description="commitment status from tracking (met, not_met, …)")
    page: int = Field(1, ge=1)
    size: int = Field(10, ge=1, le=200)
    mode: Mode = "lexical"

    @field_validator("type", mode="before")
    @classmethod
    def _split_types(cls, v: Any) -> Any:
        """Accept 'commitment,progress' from a CLI or query string."""
        if v is None or v == "":
            return None
        if isinstance(v, str):
            v = [v]
        out: list[str] = []
        for item in v:
            out.extend(x.strip() for x in str(item).split(",") if x.strip())
        return out or None

    @field_validator("q")
    @classmethod
    def _q_len(cls, v: str) -> str:
        if len(v) > 1000:
            raise ValueError("query longer than 1000 characters")
        return v


class SearchResult(BaseModel):
    """One hit: a passage (text) or a record (quote + structured fields)."""

    type: HitType
    id: str
    doc: str = Field(description="document id in the store")
    doc_title: str | None = None
    source: str | None = Field(None, description="file name or URL the document came from")
    file_name: str | None = Field(None, description="the document's file name (link to the source)")
    region: str | None = None
    issuer: str | None = None
    doc_type: str | None = None
    date: str | None = None
    section: str | None = None
    page: int | None = None
    start: int | None = Field(None, description="offset of the hit in the document text (link target)")
    end: int | None = None
    text: str | None = Field(None, description="passage text (passages)")
    quote: str | None = Field(None, description="exact quote (records)")
    context: str | None = Field(None, description="the sentence the record was extracted from (records)")
    also: list[dict] = Field(default_factory=list, description="other records extracted from the same sentence")
    also_in: list[dict] = Field(default_factory=list, description="the same commitment restated in other "
                                "documents (same indicator, region, target and deadline, or the same words)")
    snippet: str = Field("", description="HTML-escaped text with <mark> around matched words")
    score: float = 0.0
    why: list[str] = Field(default_factory=list, description="matched words, concepts and boosts")
    # record fields (None for passages)
    indicator: str | None = None
    indicator_id: str | None = None
    kind: str | None = None
    target: dict | None = None
    baseline: dict | None = None
    deadline: str | None = None
    start_date: str | None = None
    departments: list[str] = Field(default_factory=list)
    level: str | None = None
    value: float | None = None
    unit: str | None = None
    year: int | None = None
    status: str | None = None
    confidence: float | None = None


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResponse(BaseModel):
    total: int
    page: int = 1
    size: int = 10
    results: list[SearchResult] = Field(default_factory=list)
    facets: dict[str, list[FacetValue]] = Field(default_factory=dict)
    semantic_used: bool = False
    mode: Mode = "lexical"
    backend: str = "fts"
    query: dict = Field(default_factory=dict, description="how the query was understood")
    took_ms: float = 0.0

    def cli_json(self) -> dict:
        """The `--json` form: total and results exactly as the HTTP API returns them."""
        return {"total": self.total, "results": [r.model_dump(mode="json") for r in self.results]}


@runtime_checkable
class SearchBackend(Protocol):
    name: str

    def search(self, req: SearchRequest) -> SearchResponse: ...


class SearchError(Exception):
    """A search that cannot run (bad filter, backend unreachable); str() is one line."""


def open_backend(name: str = "fts", *, db_path: Any = None, settings: Any = None, **kw: Any) -> SearchBackend:
    """Backend by name: 'fts' (embedded, the store's SQLite file) or 'es'."""
    from policytrack.config import get_settings

    settings = settings or get_settings()
    if name == "fts":
        from .fts import FtsBackend

        return FtsBackend(db_path or settings.db_path, settings=settings, **kw)
    if name == "es":
        from .es import EsBackend

        return EsBackend.from_settings(settings, db_path=db_path or settings.db_path, **kw)
    raise SearchError(f"unknown search backend {name!r} (use fts or es)")


def search(req: SearchRequest, backend: SearchBackend | None = None) -> SearchResponse:
    """Run a search on the given backend (default: embedded FTS over the configured store)."""
    return (backend or open_backend("fts")).search(req)
