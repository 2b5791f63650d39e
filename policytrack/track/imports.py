"""`policytrack progress import FILE.csv|xlsx`: statistics typed in by hand.

Official statistics (统计公报, 年鉴) often hold the figure a report left out.
Each good row becomes a Progress record of an 'import:<file>' pseudo-document,
with a stable id (file name + row), so importing the same file again updates
rather than duplicates.  Bad rows are rejected with their row number (as a
spreadsheet shows it: header = row 1) and the reason; the rest are imported.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policytrack.models import Progress, assign_id

from .link import norm_indicator, norm_unit
from .tables import ensure_tables

COLUMNS = ("region", "indicator", "year", "value", "unit", "source")
REQUIRED = ("region", "indicator", "year", "value")
_HEADER_ALIASES = {"地区": "region", "区域": "region", "指标": "indicator", "年份": "year", "年度": "year",
                   "数值": "value", "值": "value", "单位": "unit", "来源": "source"}
_NUM = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (missing columns, not CSV/XLSX)."""


@dataclass
class ImportResult:
    file: str
    imported: list[Progress] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    sources: dict[str, str] = field(default_factory=dict)  # progress id → source column


def _catalogue() -> list[dict[str, Any]]:
    """Indicator catalogue entries as dicts (id, name, synonyms, unit); [] while it does not exist."""
    try:
        from policytrack.extract import indicators  # type: ignore[attr-defined]
    except ImportError:
        return []
    out = []
    for e in indicators.catalogue():
        d = e if isinstance(e, dict) else (e.model_dump() if hasattr(e, "model_dump") else dict(vars(e)))
        d = dict(d)
        d["synonyms"] = list(d.get("synonyms") or [])
        out.append(d)
    return out


def resolve_indicator(name: str, catalogue: list[dict[str, Any]], unit: str | None = None) -> tuple[str | None, str | None, str | None]:
    """(indicator_id, display name, catalogue unit) for a name or id; (None, …) when unknown.

    An id or exact name/synonym wins; otherwise the catalogue's own phrase matcher."""
    key = norm_indicator(name)
    for e in catalogue:
        names = [e.get("name", ""), *(e.get("synonyms") or [])]
        if name == e.get("id") or key in {norm_indicator(n) for n in names if n}:
            return e.get("id"), e.get("name") or name, e.get("unit")
    try:
        from policytrack.extract import indicators

        iid = indicators.match_indicator(name, unit or None)
    except ImportError:
        iid = None
    for e in catalogue:
        if iid and e.get("id") == iid:
            return iid, e.get("name") or name, e.get("unit")
    return None, None, None


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for each data row of a CSV or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError(f"{path.name}: not a text CSV file (neither UTF-8 nor GB18030)")
        table = list(csv.reader(io.StringIO(text)))
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise ImportFileError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__})") from None
        ws = wb.worksheets[0]
        table = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        raise ImportFileError(f"{path.name}: unsupported file type {suffix or '(none)'}; expected .csv or .xlsx")
    if not table:
        raise ImportFileError(f"{path.name}: empty file")
    header = [_HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(f"{path.name}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    rows = []
    for i, cells in enumerate(table[1:], start=2):
        if not any(str(c).strip() for c in cells):
            continue
        rows.append((i, {h: (cells[j].strip() if j < len(cells) else "") for j, h in enumerate(header)}))
    return rows


def parse(path: str | Path) -> ImportResult:
    """Validate every row; never raises for a bad row, only for an unreadable file."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    res = ImportResult(file=path.name)
    cat = _catalogue()
    doc = f"import:{path.name}"
    for row_no, r in read_rows(path):
        problems = []
        region, name = r.get("region", ""), r.get("indicator", "")
        if not region:
            problems.append("region is empty")
        if not name:
            problems.append("indicator is empty")
        year_s, value_s = r.get("year", ""), r.get("value", "").replace(",", "")
        unit = norm_unit(r.get("unit", ""))
        if value_s.endswith("%"):
            value_s, unit = value_s[:-1], unit or "%"
        year: int | None = None
        if re.fullmatch(r"\d{4}(\.0)?", year_s) and 1949 <= int(float(year_s)) <= 2100:
            year = int(float(year_s))
        else:
            problems.append(f"year {year_s!r} is not a year (e.g. 2023)")
        value: float | None = float(value_s) if _NUM.match(value_s) else None
        if value is None:
            problems.append(f"value {r.get('value', '')!r} is not a number")
        iid, canon, cat_unit = resolve_indicator(name, cat, unit) if name else (None, None, None)
        if name and cat and iid is None:
            problems.append(f"unknown indicator {name!r} (not in the catalogue)")
        if cat_unit and not unit:
            unit = norm_unit(cat_unit)
        if cat_unit and unit and norm_unit(cat_unit) != unit:
            problems.append(f"unit {unit!r} does not match the indicator's unit {cat_unit!r}")
        if problems:
            res.rejected.append((row_no, "; ".join(problems)))
            continue
        source = r.get("source", "") or path.name
        quote = f"{region}{canon or name}{year}年{value:g}{unit}"
        p = Progress(doc=doc, quote=quote, start=row_no, end=row_no, section=f"第{row_no}行", region=region,
                     indicator=canon or name, indicator_id=iid, value=value, unit=unit, year=year)
        assign_id(p)
        res.imported.append(p)
        res.sources[p.id] = source
    return res


def store(conn: sqlite3.Connection, res: ImportResult) -> int:
    """Write the imported rows (upsert by stable id) in one transaction."""
    ensure_tables(conn)
    with conn:
        for p in res.imported:
            conn.execute(
                "INSERT INTO track_imported_progress (id, doc, source_file, row_no, source, indicator_id, region, year, value, json)"
                " VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET json=excluded.json, source=excluded.source,"
                " imported_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (p.id, p.doc, res.file, p.start, res.sources.get(p.id), p.indicator_id, p.region, p.year, p.value,
                 p.model_dump_json()),
            )
    return len(res.imported)


def load(conn: sqlite3.Connection) -> list[tuple[Progress, str | None]]:
    """Every imported figure with its source column."""
    ensure_tables(conn)
    rows = conn.execute("SELECT json, source FROM track_imported_progress ORDER BY source_file, row_no").fetchall()
    return [(Progress.model_validate(json.loads(r[0])), r[1]) for r in rows]
