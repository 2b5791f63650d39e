"""Records as flat rows for CSV/XLSX: one fixed column order for both types,
so a spreadsheet of commitments and progress figures lines up and scripts can
rely on the header.  Nested target/baseline are spread into columns,
departments joined with 、 as Chinese lists are written."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterable

from policytrack.models import Commitment, Progress

COLUMNS = (
    "doc", "id", "type", "kind", "indicator", "indicator_id", "target_value", "target_unit", "target_op",
    "baseline_value", "baseline_year", "baseline_unit", "deadline", "start_date", "departments", "level",
    "value", "unit", "year", "region", "section", "quote", "start", "end", "confidence",
)


def flat_row(rec: Commitment | Progress) -> dict[str, Any]:
    d = rec.model_dump(mode="json")
    row: dict[str, Any] = {c: d.get(c) for c in COLUMNS}
    t, b = d.get("target") or {}, d.get("baseline") or {}
    row.update(target_value=t.get("value"), target_unit=t.get("unit"), target_op=t.get("op"),
               baseline_value=b.get("value"), baseline_year=b.get("year"), baseline_unit=b.get("unit"),
               departments="、".join(d.get("departments") or []))
    return row


TEXT_COLUMNS = frozenset({"doc", "indicator", "departments", "region", "section", "quote"})


def _safe(v: Any, col: str = "quote") -> Any:
    """Spreadsheet formula injection: free text starting with = + - @ is kept as text
    (target_op's '=' / '>=' are codes, left as they are)."""
    if col in TEXT_COLUMNS and isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return "" if v is None else v


def to_csv(records: Iterable[Commitment | Progress]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(COLUMNS))
    w.writeheader()
    for r in records:
        w.writerow({k: _safe(v, k) for k, v in flat_row(r).items()})
    return buf.getvalue()


def to_xlsx(records: Iterable[Commitment | Progress], path: Path) -> None:
    """Two sheets, commitments and progress, same columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheets = {"commitment": wb.active, "progress": wb.create_sheet("progress")}
    sheets["commitment"].title = "commitments"
    for ws in sheets.values():
        ws.append(list(COLUMNS))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    for r in records:
        row = flat_row(r)
        ws = sheets[r.type]
        ws.append([_safe(row[c], c) for c in COLUMNS])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, even for target_op "="
    wb.save(path)
