"""Audit list: rows, filters, formats; XLSX sheets, frozen header, colours, injection guard."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from track_fixtures import build_db

from policytrack.track import audit as A
from policytrack.track.tracker import Tracker

AS_OF = date(2024, 6, 30)


@pytest.fixture
def snap(tmp_path):
    db = tmp_path / "p.db"
    build_db(db)
    return Tracker(db).snapshot()


def test_rows_and_filters(snap):
    rows = A.rows(snap, AS_OF)
    assert {r.status for r in rows} == {"at_risk", "missed"}
    assert rows[0].status == "missed"  # worst first
    enrol = next(r for r in rows if r.indicator == "学前三年毛入园率")
    assert (enrol.target, enrol.deadline, enrol.latest_value, enrol.latest_year, enrol.gap, enrol.gap_unit) == (
        "≥95%", "2025", 93.2, 2023, 1.8, "百分点")
    assert enrol.source_document == "青禾县“十四五”教育事业发展规划" and enrol.source_section == "第三部分（一）"
    assert enrol.source_page == 1
    assert [r.indicator for r in A.rows(snap, AS_OF, department="县财政局")] == ["=小学生均公用经费"]
    assert {r.status for r in A.rows(snap, AS_OF, statuses={"missed"})} == {"missed"}
    assert A.rows(snap, AS_OF, region="云岭市") == []


def test_json_has_status_and_explanation(snap):
    data = json.loads(A.to_json(A.rows(snap, AS_OF)))
    assert isinstance(data, list) and all({"status", "explanation", "departments", "gap"} <= set(d) for d in data)


@pytest.mark.parametrize("value,out", [("=1+1", "'=1+1"), ("+86", "'+86"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
                                       ("学前", "学前"), (-2.5, -2.5), (None, None)])
def test_neutralise(value, out):
    assert A.neutralise(value) == out


def test_csv_neutralises_formulas(snap):
    text = A.to_csv(A.rows(snap, AS_OF))
    rows = list(csv.DictReader(io.StringIO(text)))
    fund = next(r for r in rows if "小学生均公用经费" in r["indicator"])
    assert fund["indicator"] == "'=小学生均公用经费"
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())


def test_xlsx_sheets_frozen_colours_injection(snap, tmp_path):
    out = tmp_path / "audit.xlsx"
    A.to_xlsx(A.rows(snap, AS_OF), out, as_of=AS_OF)
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "汇总"
    assert set(wb.sheetnames[1:]) == {"县教育体育局", "县财政局", "县发展和改革局"}  # 县教体局 under its full name
    summary = wb["汇总"]
    header = [c.value for c in summary[1]]
    assert header[:3] == ["责任部门", "已完成", "正常推进"] and header[-1] == "合计"
    counts = {row[0].value: row for row in summary.iter_rows(min_row=2) if row[0].value}
    edu = counts["县教育体育局"]
    assert edu[header.index("存在风险")].value == 1 and edu[header.index("未完成")].value == 1 and edu[-1].value == 2
    ws = wb["县教育体育局"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["N"].width >= 50  # explanation column is wide
    hdr = [c.value for c in ws[1]]
    st = hdr.index("状态") + 1
    colours = {ws.cell(row=i, column=st).value: ws.cell(row=i, column=st).fill.fgColor.rgb for i in range(2, ws.max_row + 1)}
    assert colours["missed"].endswith(A.STATUS_COLOURS["missed"]) and colours["at_risk"].endswith(A.STATUS_COLOURS["at_risk"])
    fin = wb["县财政局"]
    cell = fin.cell(row=2, column=hdr.index("指标") + 1)
    assert cell.value == "'=小学生均公用经费" and cell.data_type == "s"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and c.value.startswith("=")), c.coordinate


def test_cli_audit_formats(tmp_path):
    from policytrack.api.cli_track import app

    db = tmp_path / "d" / "policytrack.db"
    db.parent.mkdir()
    build_db(db)
    run = lambda *a: CliRunner().invoke(app, ["audit", "--data-dir", str(db.parent), "--as-of", "2024-06-30", *a])  # noqa: E731
    r = run("--format", "json", "--status", "missed")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [d["status"] for d in data] == ["missed"]
    r = run("--format", "table")
    assert r.exit_code == 0 and "存在风险" in r.stdout
    x = tmp_path / "a.xlsx"
    assert run("--format", "xlsx", "--output", str(x)).exit_code == 0 and x.exists()
    bad = run("--status", "late")
    assert bad.exit_code == 2 and "late" in bad.output
    assert run("--as-of", "yesterday").exit_code == 2


def test_cli_audit_region_department_csv_output(tmp_path):
    from policytrack.api.cli_track import app

    db = tmp_path / "d" / "policytrack.db"
    db.parent.mkdir()
    build_db(db)
    run = lambda *a: CliRunner().invoke(app, ["audit", "--data-dir", str(db.parent), "--as-of", "2024-06-30", *a])  # noqa: E731
    out = tmp_path / "a.csv"
    r = run("--region", "青禾县", "--department", "县财政局", "--format", "csv", "--output", str(out))
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [row["indicator"] for row in rows] == ["'=小学生均公用经费"] and rows[0]["status"] == "at_risk"
    r = run("--region", "云岭市", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    r = run("--status", "missed,at_risk", "--format", "json")
    assert {d["status"] for d in json.loads(r.stdout)} == {"at_risk", "missed"}


@pytest.mark.parametrize("name,region,out", [
    ("青禾县教育体育局", "青禾县", "县教育体育局"),  # 督导报告: the place name written out
    ("县教体局", "青禾县", "县教育体育局"),  # reports: the short form
    ("县教育体育局", "青禾县", "县教育体育局"),
    ("青禾县发展和改革局", "青禾县", "县发展和改革局"),
    ("县人社局", None, "县人力资源和社会保障局"),
    ("各乡镇人民政府", "青禾县", "各乡镇人民政府"),
    ("云岭市教育局", "青禾县", "云岭市教育局"),  # another jurisdiction's office keeps its name
    ("青禾县财政局", None, "县财政局"),  # region unknown: the list's own jurisdictions stand in
])
def test_canonical_department(name, region, out):
    assert A.canonical_department(name, region, ("青禾县",)) == out


def test_department_filter_matches_other_forms_of_the_name(snap):
    assert [r.indicator for r in A.rows(snap, AS_OF, department="青禾县财政局")] == ["=小学生均公用经费"]
    assert {r.indicator for r in A.rows(snap, AS_OF, department="县教育体育局")} == {r.indicator for r in A.rows(snap, AS_OF, department="县教体局")}
