"""`progress import`: good rows imported as Progress of an import pseudo-document,
bad rows rejected with their row number and reason."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from track_fixtures import build_db

from policytrack.track import imports as I
from policytrack.track.tables import connect
from policytrack.track.tracker import Tracker

CSV = """region,indicator,year,value,unit,source
青禾县,学前三年毛入园率,2024,95.6,%,2024年青禾县统计公报
青禾县,preschool_gross_enrollment,2022,93.4,%,教育统计年报
青禾县,学前三年毛入园率,二〇二四,95.6,%,bad year
,学前三年毛入园率,2024,95.6,%,no region
青禾县,学前三年毛入园率,2024,很多,%,bad value
青禾县,没有这个指标的名字,2024,1,%,unknown indicator
青禾县,学前三年毛入园率,2024,95.6,所,unit mismatch
"""

BAD = [  # (row number as a spreadsheet shows it, words of the reason)
    (4, "year"),
    (5, "region is empty"),
    (6, "value"),
    (7, "unknown indicator"),
    (8, "unit"),
]


def test_csv_bad_rows_rejected_with_row_numbers(tmp_path):
    f = tmp_path / "stats.csv"
    f.write_text(CSV, encoding="utf-8")
    res = I.parse(f)
    assert [p.value for p in res.imported] == [95.6, 93.4]
    assert all(p.indicator_id == "preschool_gross_enrollment" and p.doc == "import:stats.csv" for p in res.imported)
    assert [r for r, _ in res.rejected] == [r for r, _ in BAD]
    for (row, reason), (_, words) in zip(res.rejected, BAD):
        assert words in reason, (row, reason)


def test_xlsx_import_and_idempotent_store(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["地区", "指标", "年份", "数值", "单位", "来源"])  # Chinese headers accepted
    ws.append(["青禾县", "普惠性幼儿园覆盖率", 2024, 88.0, "%", "统计公报"])
    ws.append(["青禾县", "普惠性幼儿园覆盖率", 2024, None, "%", "统计公报"])
    f = tmp_path / "s.xlsx"
    wb.save(f)
    res = I.parse(f)
    assert len(res.imported) == 1 and res.rejected == [(3, "value '' is not a number")]
    conn = connect(tmp_path / "db.sqlite")
    I.store(conn, res)
    I.store(conn, I.parse(f))  # same file again: updated, not duplicated
    assert len(I.load(conn)) == 1


@pytest.mark.parametrize("name,content,words", [
    ("x.csv", "a,b\n1,2\n", "missing column"),
    ("x.txt", "region,indicator,year,value\n", "unsupported file type"),
    ("x.xlsx", "not a zip", "not a readable XLSX"),
    ("x.csv", "", "empty file"),
])
def test_unreadable_file_one_line_error(tmp_path, name, content, words):
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    with pytest.raises(I.ImportFileError) as e:
        I.parse(f)
    assert words in str(e.value) and name in str(e.value) and "\n" not in str(e.value)


def test_imported_figure_drives_status(tmp_path):
    db = tmp_path / "p.db"
    recs = build_db(db)
    f = tmp_path / "stats.csv"
    f.write_text(CSV, encoding="utf-8")
    tr = Tracker(db)
    I.store(tr.conn, I.parse(f))
    r = tr.snapshot().evaluate(recs["enrol"], date(2025, 6, 30))
    assert r.status == "met" and r.latest_year == 2024 and "2024年青禾县统计公报" in r.explanation


def test_cli_progress_import(tmp_path):
    from policytrack.api.cli_track import app

    db = tmp_path / "data" / "policytrack.db"
    db.parent.mkdir()
    build_db(db)
    f = tmp_path / "stats.csv"
    f.write_text(CSV, encoding="utf-8")
    r = CliRunner().invoke(app, ["progress", "import", str(f), "--data-dir", str(db.parent)])
    assert r.exit_code == 1  # some rows were rejected
    assert "imported 2 row(s), rejected 5" in r.output
    assert "stats.csv: row 4: year" in r.output


def test_imported_city_figure_does_not_count_for_the_county(tmp_path):
    """Jurisdiction holds for imported statistics too: 云岭市's 97% is not 青禾县's."""
    db = tmp_path / "p.db"
    recs = build_db(db)
    f = tmp_path / "city.csv"
    f.write_text("region,indicator,year,value,unit,source\n云岭市,学前三年毛入园率,2024,97.0,%,云岭市统计公报\n", encoding="utf-8")
    tr = Tracker(db)
    res = I.parse(f)
    assert not res.rejected
    I.store(tr.conn, res)
    r = tr.snapshot().evaluate(recs["enrol"], date(2025, 6, 30))
    assert all(e.progress.value != 97.0 for e in r.evidence) and r.latest_value == 93.2
