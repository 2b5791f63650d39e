"""`policytrack export`: every commitment, progress figure and link, for other tools.

Ids are the records' stable ids, so a downstream tool can join exports taken on
different days.  Each record type has a JSON Schema generated from the pydantic
models and committed under policytrack/schemas/ (a test keeps them in sync).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Iterator, Literal

from pydantic import BaseModel, ConfigDict, Field

from policytrack.models import Commitment, Progress

from .audit import neutralise
from .tracker import Snapshot

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


class LinkRecord(BaseModel):
    """A commitment–progress link as exported (automatic or decided by a person)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["link"] = "link"
    commitment_id: str
    progress_id: str
    origin: Literal["auto", "confirmed", "added", "rejected"] = Field(description="who made the link")
    reason: str = ""


class CommitmentExport(Commitment):
    """A commitment as exported: the record plus the audit group it belongs to, so a
    downstream tool can fold restatements into one row exactly as `policytrack audit` does."""

    group_id: str | None = Field(None, description="id of the group's representative commitment: "
                                 "records with the same group_id promise the same thing "
                                 "(one audit row); equal to `id` for the representative")


RECORD_MODELS: dict[str, type[BaseModel]] = {"commitment": CommitmentExport, "progress": Progress, "link": LinkRecord}


def generate_schemas() -> dict[str, dict[str, Any]]:
    out = {}
    for name, model in RECORD_MODELS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://policytrack.local/schemas/{name}.json"
        out[name] = schema
    return out


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, schema in generate_schemas().items():
        p = directory / f"{name}.json"
        p.write_text(schema_text(schema), encoding="utf-8")
        paths.append(p)
    return paths


def iter_records(snap: Snapshot) -> Iterator[dict[str, Any]]:
    for c in sorted(snap.commitments, key=lambda r: r.id):
        g = snap.group_of(c.id)
        yield {**c.model_dump(mode="json"), "group_id": g.id if g is not None else c.id}
    for p in sorted(snap.progress, key=lambda r: r.id):
        yield p.model_dump(mode="json")
    for l in sorted(snap.links, key=lambda l: (l.commitment_id, l.progress_id)):
        yield LinkRecord(commitment_id=l.commitment_id, progress_id=l.progress_id, origin=l.origin, reason=l.reason).model_dump(mode="json")


def flatten(rec: dict[str, Any]) -> dict[str, Any]:
    """Nested target/baseline become target_value…; lists are joined with 、."""
    out: dict[str, Any] = {}
    for k, v in rec.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                out[f"{k}_{kk}"] = vv
        elif k in ("target", "baseline") and v is None:
            continue
        elif isinstance(v, list):
            out[k] = "、".join(str(x) for x in v)
        else:
            out[k] = v
    return out


def _columns(flat: list[dict[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}
    for r in flat:
        cols.update(dict.fromkeys(r))
    return list(cols)


def to_jsonl(snap: Snapshot) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in iter_records(snap))


def to_csv(snap: Snapshot) -> str:
    flat = [flatten(r) for r in iter_records(snap)]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=_columns(flat), restval="")
    w.writeheader()
    for r in flat:
        w.writerow({k: neutralise("" if v is None else v) for k, v in r.items()})
    return buf.getvalue()


def to_xlsx(snap: Snapshot, path: Path | io.BytesIO) -> None:
    """One sheet per record type: commitments, progress, links."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    groups: dict[str, list[dict[str, Any]]] = {"commitment": [], "progress": [], "link": []}
    for r in iter_records(snap):
        groups[r["type"]].append(flatten(r))
    for name, flat in groups.items():
        ws = wb.create_sheet(name)
        cols = _columns(flat) or list(RECORD_MODELS[name].model_fields)
        ws.append(cols)
        for r in flat:
            ws.append([neutralise(r.get(c)) for c in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for i, c in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(i)].width = 40 if c in ("quote", "indicator") else 14
    wb.save(path)
