"""The audit list: one row per commitment, the list an auditor hands to a department.

Every row cites where the commitment and its latest figure come from.  By default
a commitment restated in several documents is one row (groups.py): the first
statement's source, the others in `also_in` and in the explanation, their ids in
`merged_ids`, their departments merged; `group=False` gives one row per record.  CSV and
XLSX cells that start with = + - @ are neutralised: the documents are public web
pages, and a spreadsheet must never execute what a web page wrote.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from policytrack.models import Commitment

from . import explain as X
from .departments import canonical_department
from .status import STATUSES
from .tracker import Snapshot

NO_DEPARTMENT = "未明确责任部门"
COLUMNS = [
    ("commitment_id", "编号", 18), ("region", "地区", 10), ("indicator", "指标", 28), ("target", "目标", 12),
    ("deadline", "期限", 10), ("departments", "责任部门", 24), ("latest_value", "最新值", 10),
    ("latest_year", "年份", 7), ("gap", "差距", 8), ("gap_unit", "差距单位", 8), ("status", "状态", 10),
    ("status_label", "状态说明", 10), ("conflict", "数据冲突", 8), ("explanation", "说明", 70),
    ("source_document", "来源文件", 30), ("source_section", "章节", 14), ("source_page", "页码", 6),
    ("quote", "原文", 50), ("merged_ids", "合并编号", 20), ("also_in", "另见", 40),
]
STATUS_COLOURS = {"met": "C6EFCE", "on_track": "DDEBF7", "at_risk": "FFEB9C", "missed": "FFC7CE",
                  "no_data": "EDEDED", "not_due": "FFFFFF"}


@dataclass
class AuditRow:
    commitment_id: str
    region: str | None
    indicator: str
    target: str
    deadline: str | None
    departments: str
    latest_value: float | None
    latest_year: int | None
    gap: float | None
    gap_unit: str | None
    status: str
    status_label: str
    conflict: bool
    explanation: str
    source_document: str | None
    source_section: str | None
    source_page: int | None
    quote: str
    merged_ids: str = ""  # the restatements' record ids, space-separated
    also_in: str = ""  # the restatements' sources, 、-separated


def _target_text(c: Commitment) -> str:
    if not c.target or c.target.value is None:
        return "定性"
    return f"{X.OP_SYMBOL.get(c.target.op, '')}{X.fmt_value(c.target.value, c.target.unit)}"


def rows(snap: Snapshot, as_of: date, *, region: str | None = None, department: str | None = None,
         statuses: set[str] | None = None, group: bool = True) -> list[AuditRow]:
    out = []
    if group:
        from .groups import also_in

        results = snap.evaluate_groups(as_of)
        items = [(g.representative, results[g.id], " ".join(m.id for m in g.others), "、".join(also_in(snap, g)))
                 for g in snap.groups()]
    else:
        raw = snap.evaluate_all(as_of)
        items = [(c, raw[c.id], "", "") for c in snap.commitments]
    for c, r, merged, also in items:
        if region and (c.region or "") != region:
            continue
        if department and not any(department in d or canonical_department(department, c.region) == canonical_department(d, c.region)
                                  for d in c.departments):
            continue
        if statuses and r.status not in statuses:
            continue
        d = snap.docs.get(c.doc)
        out.append(AuditRow(
            commitment_id=c.id, region=c.region, indicator=c.indicator, target=_target_text(c), deadline=c.deadline,
            departments="、".join(c.departments), latest_value=r.latest_value, latest_year=r.latest_year, gap=r.gap,
            gap_unit=r.gap_unit if r.gap is not None else None, status=r.status, status_label=X.STATUS_LABEL[r.status],
            conflict=r.conflict, explanation=r.explanation,
            source_document=(d.title or d.file_name) if d else c.doc, source_section=X.fmt_section(c.section) or None,
            source_page=d.page_at(c.start) if d else None, quote=c.quote, merged_ids=merged, also_in=also,
        ))
    order = {s: i for i, s in enumerate(("missed", "at_risk", "on_track", "no_data", "not_due", "met"))}
    out.sort(key=lambda a: (order.get(a.status, 9), a.deadline or "9999", a.indicator, a.commitment_id))
    return out


def neutralise(v: object) -> object:
    """Formula injection guard (OWASP): a text cell never starts with = + - @ TAB CR."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def to_json(rs: list[AuditRow]) -> str:
    return json.dumps([asdict(r) for r in rs], ensure_ascii=False, indent=2)


def to_csv(rs: list[AuditRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([k for k, _, _ in COLUMNS])
    for r in rs:
        d = asdict(r)
        w.writerow([neutralise("" if d[k] is None else d[k]) for k, _, _ in COLUMNS])
    return buf.getvalue()


def _sheet_title(name: str, used: set[str]) -> str:
    t = "".join("_" if ch in '[]:*?/\\' else ch for ch in name)[:28] or "sheet"
    base, n = t, 2
    while t in used:
        t = f"{base}{n}"
        n += 1
    used.add(t)
    return t


def to_xlsx(rs: list[AuditRow], path: Path | io.BytesIO, *, as_of: date | None = None) -> None:
    """Summary sheet (status × department counts) plus one sheet per department."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    summary = wb.active
    summary.title = "汇总"
    by_dept: dict[str, list[AuditRow]] = {}
    known = tuple(sorted({r.region for r in rs if r.region}, key=len, reverse=True))
    for r in rs:
        depts = {canonical_department(d, r.region, known) for d in r.departments.split("、") if d} or {NO_DEPARTMENT}
        for dept in sorted(depts):
            by_dept.setdefault(dept, []).append(r)
    bold = Font(bold=True)
    header = ["责任部门", *[X.STATUS_LABEL[s] for s in STATUSES], "合计"]
    summary.append(header)
    for dept, items in sorted(by_dept.items(), key=lambda kv: -len(kv[1])):
        cnt = Counter(r.status for r in items)
        summary.append([neutralise(dept), *[cnt.get(s, 0) for s in STATUSES], len(items)])
    total = Counter(r.status for r in rs)
    summary.append(["全部承诺（去重）", *[total.get(s, 0) for s in STATUSES], len(rs)])
    if as_of:
        summary.append([])
        summary.append([f"截至 {as_of.isoformat()}"])
    for i, s in enumerate(STATUSES, start=2):
        summary.cell(row=1, column=i).fill = PatternFill("solid", fgColor=STATUS_COLOURS[s])
    for cell in summary[1]:
        cell.font = bold
    summary.freeze_panes = "B2"
    summary.column_dimensions["A"].width = 30
    for i in range(2, len(header) + 1):
        summary.column_dimensions[get_column_letter(i)].width = 10

    used = {"汇总"}
    status_col = [k for k, _, _ in COLUMNS].index("status") + 1
    for dept, items in sorted(by_dept.items()):
        ws = wb.create_sheet(_sheet_title(dept, used))
        ws.append([label for _, label, _ in COLUMNS])
        for r in items:
            d = asdict(r)
            ws.append([neutralise(d[k]) for k, _, _ in COLUMNS])
            fill = PatternFill("solid", fgColor=STATUS_COLOURS.get(r.status, "FFFFFF"))
            ws.cell(row=ws.max_row, column=status_col).fill = fill
            ws.cell(row=ws.max_row, column=status_col + 1).fill = fill
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        for i, (_, _, width) in enumerate(COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        wrap = Alignment(wrap_text=True, vertical="top")
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = wrap
        ws.auto_filter.ref = ws.dimensions
    wb.save(path)


def to_table(rs: list[AuditRow]) -> str:
    """A terminal table (rich), widths left to rich."""
    from rich.console import Console
    from rich.table import Table

    t = Table(show_lines=False)
    for col in ("指标", "目标", "期限", "责任部门", "最新值", "差距", "状态", "说明"):
        t.add_column(col, overflow="fold")
    for r in rs:
        latest = f"{X.fmt_number(r.latest_value)}（{r.latest_year}）" if r.latest_value is not None else "—"
        gap = f"{X.fmt_number(r.gap)}{r.gap_unit or ''}" if r.gap is not None else "—"
        t.add_row(r.indicator, r.target, r.deadline or "—", r.departments or "—", latest, gap,
                  X.STATUS_LABEL[r.status] + ("⚠冲突" if r.conflict else ""), r.explanation)
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(t)
    return console.export_text()
