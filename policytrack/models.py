"""Typed records that cross module boundaries.

Every stage (ingest → extract → store → search/track → api) talks in these
models, so a field means the same thing everywhere and the JSON Schemas served
to other tools are generated from one place.  Field names for commitments and
progress follow ../shared/gold/SCHEMA.md so that exported records can be scored
as they are.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Op = Literal[">=", "<=", "=", "~"]
DocType = Literal["plan", "report", "other"]
AdminLevel = Literal["national", "province", "city", "county", "district", "township"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- documents


class OutlineNode(_Model):
    """One numbered heading (一、 / （一） / 1. / （1） / ①).

    `path` is the citation form used everywhere else, e.g. "三、（二）5."; it
    concatenates the labels of this heading and its ancestors.
    """

    level: int = Field(description="1 for 一、, 2 for （一）, 3 for 1., 4 for （1）, 5 for ①")
    label: str = Field(description="the numbering as written, e.g. '三、' or '（二）'")
    title: str = Field(description="heading text without the label")
    start: int = Field(description="offset of the heading in the document text")
    end: int = Field(description="offset where the section ends (next heading of the same or higher level)")
    path: str


class Paragraph(_Model):
    """A paragraph (or one table row) of the clean text with where it came from."""

    start: int
    end: int
    page: int | None = None
    section: str | None = Field(None, description="outline path of the enclosing heading")
    kind: Literal["text", "heading", "table_row"] = "text"


class Table(_Model):
    """A real table (PDF/DOCX/HTML).  In the text it is rendered one row per
    line with cells separated by a TAB, between `start` and `end`."""

    start: int
    end: int
    page: int | None = None
    rows: list[list[str]]


class DocMeta(_Model):
    """What is known about a document; every field may be overridden by the user."""

    title: str | None = None
    notice_title: str | None = Field(None, description="the forwarding notice's title (关于印发《X》的通知)")
    issuer: str | None = None
    date: str | None = Field(None, description="issue date, ISO (YYYY-MM-DD, or YYYY-MM / YYYY when that is all)")
    doc_number: str | None = Field(None, description="文号, e.g. 吴利政办发〔2022〕46号")
    index_no: str | None = Field(None, description="索引号 from a disclosure page")
    region: str | None = Field(None, description="jurisdiction, e.g. 清涧县")
    admin_level: AdminLevel | None = None
    doc_type: DocType | None = None
    report_year: int | None = Field(None, description="the year a report reports on (2020年工作总结 → 2020)")
    attachments: list[str] = Field(default_factory=list)
    source: str | None = Field(None, description="file name or URL the document came from")


class ParsedDocument(_Model):
    """Output of ingest: clean text plus structure, before anything is stored."""

    text: str
    meta: DocMeta
    format: Literal["pdf", "docx", "html", "txt", "doc", "wps"]
    pages: int | None = None
    paragraphs: list[Paragraph] = Field(default_factory=list)
    outline: list[OutlineNode] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)


# ---------------------------------------------------------------- records


class Target(_Model):
    value: float | None = None
    unit: str = ""
    op: Op = "="


class Baseline(_Model):
    value: float
    year: int | None = None
    unit: str | None = None


class _RecordBase(_Model):
    id: str = ""
    doc: str = Field(description="document id in the store, or the file name / passage id for standalone extraction")
    quote: str = Field(description="exact substring of the document text")
    start: int = Field(description="offset of quote in the document text")
    end: int
    section: str | None = None
    region: str | None = None
    indicator: str = Field(description="what is measured, in the document's words")
    indicator_id: str | None = Field(None, description="canonical indicator from the catalogue")
    confidence: float = 1.0


class Commitment(_RecordBase):
    type: Literal["commitment"] = "commitment"
    kind: Literal["quantitative", "qualitative"]
    target: Target | None = None
    baseline: Baseline | None = None
    deadline: str | None = Field(None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    start_date: str | None = Field(None, description="when the obligation begins (2021年起)")
    departments: list[str] = Field(default_factory=list)
    level: Literal["约束性", "预期性"] | None = None


class Progress(_RecordBase):
    type: Literal["progress"] = "progress"
    value: float
    unit: str = ""
    year: int | None = None


Record = Annotated[Union[Commitment, Progress], Field(discriminator="type")]


def record_id(doc: str, type_: str, start: int, end: int, indicator: str, value: object) -> str:
    """Stable id: the same record extracted again from the same text gets the same id,
    so links and manual decisions survive re-extraction."""
    key = f"{doc}|{type_}|{start}|{end}|{indicator}|{value}"
    return ("c" if type_ == "commitment" else "p") + hashlib.sha1(key.encode("utf-8")).hexdigest()[:15]


def assign_id(rec: Commitment | Progress) -> Commitment | Progress:
    value = rec.value if isinstance(rec, Progress) else (rec.target.value if rec.target else None)
    rec.id = record_id(rec.doc, rec.type, rec.start, rec.end, rec.indicator, value)
    return rec


# ---------------------------------------------------------------- ingest results


class IngestOutcome(_Model):
    """One file's result in a batch: what the CLI summary and the API report."""

    path: str
    status: Literal["ingested", "unchanged", "new_version", "re_extracted", "failed"]
    doc_id: str | None = None
    title: str | None = None
    records: int = 0
    error: str | None = None
