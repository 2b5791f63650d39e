"""A small SQLite file laid out like the store's documented tables (documents,
records, passages), so the tracker's tests do not depend on the ingest pipeline.
Only the columns the tracker reads are created."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from policytrack.models import Baseline, Commitment, Progress, Target, assign_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY, title TEXT, file_name TEXT, source TEXT, date TEXT,
  region TEXT, doc_type TEXT, report_year INTEGER, text TEXT, status TEXT DEFAULT 'current');
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, doc_id TEXT, type TEXT, indicator_id TEXT, region TEXT,
  deadline TEXT, year INTEGER, value REAL, json TEXT);
CREATE TABLE IF NOT EXISTS passages (id INTEGER PRIMARY KEY, doc_id TEXT, seq INTEGER, start INTEGER, "end" INTEGER,
  page INTEGER, section TEXT, kind TEXT, text TEXT);
"""

PLAN_TEXT = "青禾县教育规划\n到2025年，学前三年毛入园率达到95%以上。\n=HYPERLINK(\"http://x\")到2025年，小学生均公用经费不低于800元。\n2023年底前建成城区第三小学并投入使用。\n"
REPORT_TEXT = "青禾县2023年工作总结\n一、工作完成情况\n全县学前三年毛入园率提高到93.2%。小学生均公用经费提高到735元。\n城区第三小学未能按期投入使用。\n"


def put_document(conn: sqlite3.Connection, doc_id: str, *, title: str, file_name: str, date: str, doc_type: str,
                 text: str, region: str = "青禾县", report_year: int | None = None, status: str = "current",
                 pages: list[tuple[int, int, int]] | None = None) -> None:
    conn.executescript(SCHEMA)
    with conn:
        conn.execute("INSERT OR REPLACE INTO documents (id, title, file_name, date, region, doc_type, report_year, text, status)"
                     " VALUES (?,?,?,?,?,?,?,?,?)", (doc_id, title, file_name, date, region, doc_type, report_year, text, status))
        for i, (s, e, p) in enumerate(pages or []):
            conn.execute('INSERT INTO passages (doc_id, seq, start, "end", page) VALUES (?,?,?,?,?)', (doc_id, i, s, e, p))


def put_records(conn: sqlite3.Connection, recs: list[Commitment | Progress]) -> None:
    conn.executescript(SCHEMA)
    with conn:
        for r in recs:
            conn.execute("INSERT OR REPLACE INTO records (id, doc_id, type, indicator_id, region, deadline, year, value, json)"
                         " VALUES (?,?,?,?,?,?,?,?,?)",
                         (r.id, r.doc, r.type, r.indicator_id, r.region, getattr(r, "deadline", None), getattr(r, "year", None),
                          getattr(r, "value", None), r.model_dump_json()))


def commitment(doc: str, text: str, quote: str, indicator: str, value: float | None, unit: str, deadline: str,
               departments: list[str], baseline: tuple[int, float] | None = None, kind: str = "quantitative",
               iid: str | None = None, section: str | None = None) -> Commitment:
    s = text.index(quote)
    return assign_id(Commitment(doc=doc, quote=quote, start=s, end=s + len(quote), region="青禾县", indicator=indicator,
                                indicator_id=iid, kind=kind, section=section,
                                target=Target(value=value, unit=unit, op=">=") if value is not None else None,
                                baseline=Baseline(value=baseline[1], year=baseline[0]) if baseline else None,
                                deadline=deadline, departments=departments))  # type: ignore[return-value]


def progress(doc: str, text: str, quote: str, indicator: str, value: float, unit: str, year: int,
             iid: str | None = None, section: str | None = None) -> Progress:
    s = text.index(quote)
    return assign_id(Progress(doc=doc, quote=quote, start=s, end=s + len(quote), region="青禾县", indicator=indicator,
                              indicator_id=iid, value=value, unit=unit, year=year, section=section))  # type: ignore[return-value]


def build_db(path: Path, *, plan_text: str = PLAN_TEXT) -> dict[str, Commitment | Progress]:
    """Plan (2021) + 2023 report for 青禾县: three commitments, two figures."""
    conn = sqlite3.connect(path)
    put_document(conn, "docplan", title="青禾县“十四五”教育事业发展规划", file_name="plan.pdf", date="2021-06-18",
                 doc_type="plan", text=plan_text, pages=[(0, len(plan_text) // 2, 1), (len(plan_text) // 2, len(plan_text), 2)])
    put_document(conn, "docr23", title="青禾县教育体育局2023年工作总结", file_name="r2023.html", date="2024-01-15",
                 doc_type="report", text=REPORT_TEXT, report_year=2023)
    recs = {
        "enrol": commitment("docplan", plan_text, "学前三年毛入园率达到95%以上", "学前三年毛入园率", 95.0, "%", "2025",
                            ["县教体局"], baseline=(2020, 91.5), iid="preschool_gross_enrollment", section="三、（一）"),
        "fund": commitment("docplan", plan_text, "小学生均公用经费不低于800元", "=小学生均公用经费", 800.0, "元", "2025",
                           ["县财政局"], baseline=(2020, 680.0)),
        "school": commitment("docplan", plan_text, "2023年底前建成城区第三小学并投入使用", "建成城区第三小学并投入使用", None, "",
                             "2023", ["县教体局", "县发展和改革局"], kind="qualitative"),
        "p_enrol": progress("docr23", REPORT_TEXT, "学前三年毛入园率提高到93.2%", "学前三年毛入园率", 93.2, "%", 2023,
                            iid="preschool_gross_enrollment", section="一、"),
        "p_fund": progress("docr23", REPORT_TEXT, "小学生均公用经费提高到735元", "=小学生均公用经费", 735.0, "元", 2023, section="一、"),
    }
    put_records(conn, list(recs.values()))
    conn.close()
    return recs
