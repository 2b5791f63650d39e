"""One audit row per commitment restated across documents (issue 5, tracking round 3).

Pure parts (the grouping key, the union of links) on small records; then the bundled
corpus (青禾县), where the plan's indicator table, its text, the 实施方案, the 2022
工作总结 and the 督导报告 restate the same promises: the audit list, the CLI's
--no-group, the API's commitments list and audit export.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from track_fixtures import build_db, commitment, put_document, put_records

from policytrack.models import Commitment, Target, assign_id
from policytrack.track import audit as A
from policytrack.track.groups import group_key, merged_departments, stages, union_links
from policytrack.track.link import Link
from policytrack.track.tracker import Tracker

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
MID, LATE = date(2024, 6, 30), date(2026, 11, 22)


def rec(indicator: str, value: float | None, unit: str = "%", deadline: str | None = "2025", *, op: str = ">=",
        iid: str | None = None, region: str | None = "青禾县", depts: tuple[str, ...] = (), doc: str = "d",
        start: int = 0) -> Commitment:
    return assign_id(Commitment(  # type: ignore[return-value]
        doc=doc, quote=indicator, start=start, end=start + len(indicator), region=region, indicator=indicator,
        indicator_id=iid, kind="quantitative" if value is not None else "qualitative",
        target=Target(value=value, unit=unit, op=op) if value is not None else None, deadline=deadline,
        departments=list(depts)))


# ---------------------------------------------------------------- pure parts


@pytest.mark.parametrize("a,b,same", [
    # the plan's table and its text, and the 2022 report's restatement: one catalogue id, one target
    (rec("学前三年毛入园率", 95, iid="preschool_gross_enrollment"),
     rec("学前教育毛入园率", 95, iid="preschool_gross_enrollment"), True),
    (rec("义务教育专任教师本科以上学历比例", 80, iid="teacher_degree_share"),
     rec("义务教育专任教师本科及以上学历比例", 80, iid="teacher_degree_share"), True),
    # the same id for another school stage is another promise
    (rec("义务教育专任教师本科以上学历比例", 90, iid="teacher_degree_share"),
     rec("幼儿园专任教师专科以上学历比例", 90, iid="teacher_degree_share"), False),
    # another target, deadline, comparator, unit or jurisdiction: another promise
    (rec("普惠性幼儿园覆盖率", 85, iid="inclusive_kindergarten_coverage"),
     rec("普惠性幼儿园覆盖率", 80, iid="inclusive_kindergarten_coverage"), False),
    (rec("普惠性幼儿园覆盖率", 80, deadline="2023-12", iid="inclusive_kindergarten_coverage"),
     rec("普惠性幼儿园覆盖率", 80, deadline="2025", iid="inclusive_kindergarten_coverage"), False),
    (rec("56人以上大班额比例", 3, op="<=", iid="large_class_share"),
     rec("56人以上大班额比例", 3, op="=", iid="large_class_share"), False),
    (rec("新增学位", 1620, unit="个", deadline="2023-12"), rec("新增学位", 1620, unit="个", deadline="2023-08"), False),
    (rec("学前三年毛入园率", 95, region="青禾县"), rec("学前三年毛入园率", 95, region="云岭市"), False),
    # uncatalogued: the normalised name decides (brackets, punctuation, a formula sign do not count)
    (rec("新增高中学位", 900, unit="个"), rec("新增高中学位（个）", 900, unit="个"), True),
    (rec("=小学生均公用经费", 800, unit="元"), rec("小学生均公用经费", 800, unit="元"), True),
    (rec("新增高中学位", 900, unit="个"), rec("新增公办学位", 900, unit="个"), False),
    # qualitative: the end state's name, never the shared catalogue id
    (rec("乡镇寄宿制学校全部达到省定办学标准", None, deadline="2023-12"),
     rec("乡镇寄宿制学校全部达到省定办学标准。", None, deadline="2023-12"), True),
    (rec("乡镇寄宿制学校全部达到省定办学标准", None, deadline="2023-12"),
     rec("乡镇寄宿制学校全部达到省定办学标准", None, deadline="2024-12"), False),  # 督导报告 extends the deadline
    (rec("全面消除56人以上大班额", None, iid="large_class"), rec("普通高中大班额全部消除", None, iid="large_class"), False),
    (rec("全面消除大班额", None, deadline=None), rec("全面消除大班额", None, deadline=None), True),
])
def test_group_key(a, b, same):
    assert (group_key(a) == group_key(b)) is same


@pytest.mark.parametrize("name,out", [
    ("义务教育专任教师本科以上学历比例", {"义务教育"}),
    ("幼儿园专任教师专科以上学历比例", {"学前"}),
    ("普通高中大班额全部消除", {"高中"}),
    ("适龄残疾儿童少年入学率", {"特殊教育"}),
    ("多媒体教室覆盖率", set()),
])
def test_stages(name, out):
    assert stages(name) == frozenset(out)


@pytest.mark.parametrize("origins,kept", [
    (["auto", "auto"], "auto"),
    (["auto", "rejected"], "rejected"),  # a rejection on any member holds for the promise
    (["rejected", "confirmed"], "confirmed"),  # ... unless another member's figure was confirmed
    (["added", "auto"], "added"),
])
def test_union_links_manual_beats_auto(origins, kept):
    links = [Link(f"c{i}", "p1", o) for i, o in enumerate(origins)] + [Link("c0", "p2", "auto")]
    out = {l.progress_id: l.origin for l in union_links(links)}
    assert out == {"p1": kept, "p2": "auto"}


def test_merged_departments_one_office_once_as_first_written():
    a = rec("x", 1, depts=("县教体局", "县财政局"))
    b = rec("x", 1, depts=("青禾县教育体育局", "各乡镇人民政府", "县财政局"))
    assert merged_departments([a, b]) == ["县教体局", "县财政局", "各乡镇人民政府"]


# ---------------------------------------------------------------- the fixture store: plan + 实施方案 restatement

SCHEME_TEXT = "青禾县学前教育实施方案\n到2025年，全县学前三年毛入园率达到95%以上。\n"


@pytest.fixture
def restated(tmp_path):
    """The fixture plan plus a 实施方案 (2022) restating its 毛入园率 target with its own departments."""
    db = tmp_path / "d" / "policytrack.db"
    db.parent.mkdir()
    recs = build_db(db)
    conn = sqlite3.connect(db)
    put_document(conn, "docscheme", title="青禾县学前教育实施方案", file_name="scheme.txt", date="2022-03-15",
                 doc_type="plan", text=SCHEME_TEXT)
    again = commitment("docscheme", SCHEME_TEXT, "学前三年毛入园率达到95%以上", "学前三年毛入园率", 95.0, "%", "2025",
                       ["青禾县教育体育局", "各乡镇人民政府"], iid="preschool_gross_enrollment", section="二、")
    put_records(conn, [again])
    conn.close()
    return db, recs, again


def test_restatement_is_one_row_citing_both(restated):
    db, recs, again = restated
    snap = Tracker(db).snapshot()
    raw = A.rows(snap, MID, group=False)
    rows = A.rows(snap, MID)
    assert len(raw) == 4 and len(rows) == 3
    enrol = next(r for r in rows if r.indicator == "学前三年毛入园率")
    # the plan (2021) is the representative, the 实施方案 is cited, its departments merged
    assert enrol.commitment_id == recs["enrol"].id and enrol.merged_ids == again.id
    assert enrol.source_document == "青禾县“十四五”教育事业发展规划"
    assert enrol.also_in == "《青禾县学前教育实施方案》第二部分"
    assert "另见《青禾县学前教育实施方案》第二部分" in enrol.explanation
    assert enrol.departments == "县教体局、各乡镇人民政府"  # 青禾县教育体育局 is the same office
    assert (enrol.status, enrol.latest_value, enrol.gap) == ("at_risk", 93.2, 1.8)
    # the department filter sees the merged departments
    assert [r.indicator for r in A.rows(snap, MID, department="各乡镇人民政府")] == ["学前三年毛入园率"]
    assert [r.commitment_id for r in A.rows(snap, MID, department="各乡镇人民政府", group=False)] == [again.id]


def test_group_status_uses_a_link_confirmed_on_a_restatement(restated):
    db, recs, again = restated
    tr = Tracker(db)
    # the figure is rejected for the plan's statement but confirmed for the 实施方案's: confirmed wins
    tr.decide(recs["enrol"].id, recs["p_enrol"].id, "reject")
    tr.decide(again.id, recs["p_enrol"].id, "confirm")
    snap = tr.snapshot()
    raw = snap.evaluate_all(MID)
    assert raw[recs["enrol"].id].latest_value is None  # the record alone has lost its figure
    enrol = next(r for r in A.rows(snap, MID) if r.indicator == "学前三年毛入园率")
    assert (enrol.latest_value, enrol.latest_year) == (93.2, 2023)


def test_cli_group_and_no_group(restated):
    from policytrack.api.cli_track import app

    db, recs, again = restated
    run = lambda *a: CliRunner().invoke(app, ["audit", "--data-dir", str(db.parent), "--as-of", "2024-06-30", *a])  # noqa: E731
    grouped, raw = run("--format", "json"), run("--format", "json", "--no-group")
    assert grouped.exit_code == 0 and raw.exit_code == 0, grouped.output + raw.output
    g, r = json.loads(grouped.stdout), json.loads(raw.stdout)
    assert len(g) == 3 and len(r) == 4
    assert {d["commitment_id"] for d in r} == {*(d["commitment_id"] for d in g), again.id}
    assert all(d["merged_ids"] == "" and d["also_in"] == "" for d in r)


def test_export_group_id_folds_into_the_audit_rows(restated):
    """A downstream tool grouping the export by group_id gets the audit's rows: one per
    group, keyed by the representative, the restatements' ids in merged_ids."""
    from policytrack.track import export as E

    db, recs, again = restated
    snap = Tracker(db).snapshot()
    by_group: dict[str, set[str]] = {}
    for line in E.to_jsonl(snap).splitlines():
        d = json.loads(line)
        if d["type"] == "commitment":
            by_group.setdefault(d["group_id"], set()).add(d["id"])
    assert by_group[recs["enrol"].id] == {recs["enrol"].id, again.id}
    rows = A.rows(snap, MID)
    assert {r.commitment_id for r in rows} == set(by_group)
    for r in rows:
        assert by_group[r.commitment_id] == {r.commitment_id, *r.merged_ids.split()}
    assert "group_id" in E.to_csv(snap).splitlines()[0].split(",")

# ---------------------------------------------------------------- the bundled corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if not any(CORPUS.glob("*.pdf")):
        pytest.skip("bundled corpus not built (corpus/*.pdf missing)")
    try:
        from policytrack.config import get_settings
        from policytrack.ingest.pipeline import ingest_paths
        from policytrack.store import Store
    except ImportError as exc:
        pytest.skip(f"ingest pipeline or store missing: {exc}")
    tmp = tmp_path_factory.mktemp("groups")
    settings = get_settings(tmp)
    store = Store(settings.db_path)
    outcomes = ingest_paths([CORPUS], store)
    assert not [o for o in outcomes if o.status == "failed"], [o.error for o in outcomes if o.error]
    getattr(store, "close", lambda: None)()
    tr = Tracker(settings.db_path)
    snap = tr.snapshot()
    tr.close()
    return settings, snap


def _row(rows, words: str, target: str | None = None, deadline: str | None = "") -> A.AuditRow:
    hits = [r for r in rows if words in r.indicator and (target is None or r.target == target)
            and (deadline == "" or r.deadline == deadline)]
    assert len(hits) == 1, [(r.indicator, r.target, r.deadline, r.source_document) for r in hits]
    return hits[0]


PLAN = "青禾县“十四五”教育事业发展规划"
SCHEME = "青禾县义务教育扩容提质实施方案"
REPORT22 = "青禾县教育体育局2022年工作总结"
INSPECTION = "中期督导报告"


@pytest.mark.parametrize("words,target,deadline,n,status_mid,status_late,cited", [
    # 寄宿制: the plan, the 实施方案's overview and its task list (with the departments)
    ("乡镇寄宿制学校全部达到省定办学标准", "定性", "2023-12", 3, "missed", "missed", [f"《{SCHEME}》第一部分", f"《{SCHEME}》第二部分（三）"]),
    # P5: the plan's table twice (row and prose) and its 第三部分
    ("高中阶段毛入学率", "≥92%", "2025", 3, "no_data", "no_data", [f"《{PLAN}》第三部分（三）"]),
    # P8: the plan's table, its text, the 2022 report and the 督导报告 (no jurisdiction of its own)
    ("小学生均公用经费", "≥800元", "2025", 4, "at_risk", "missed", [f"《{PLAN}》第三部分（二）5.", f"《{REPORT22}》第一部分（六）", INSPECTION]),
    ("初中生均公用经费", "≥1000元", "2025", 3, "no_data", "no_data", [INSPECTION]),
    ("全面消除56人以上大班额", "定性", "2023-09", 3, "met", "met", [f"《{SCHEME}》第二部分（二）5.", f"《{REPORT22}》第三部分（二）"]),
    ("学前三年毛入园率", "≥95%", "2025", 3, "on_track", "missed", [f"《{REPORT22}》第一部分（六）"]),
    # not restated: one statement, nothing cited
    ("幼儿园专任教师专科以上学历比例", "≥90%", "2025", 1, "at_risk", None, []),
])
def test_corpus_groups(corpus, words, target, deadline, n, status_mid, status_late, cited):
    _, snap = corpus
    row = _row(A.rows(snap, MID), words, target, deadline)
    assert len([i for i in row.merged_ids.split() if i]) == n - 1
    assert row.status == status_mid, row.explanation
    if status_late:
        assert _row(A.rows(snap, LATE), words, target, deadline).status == status_late
    for c in cited:
        assert c in row.also_in and c in row.explanation, row.explanation
    if n > 1:
        assert row.source_document in (PLAN, SCHEME)  # a plan represents the group, not a report
        assert "另见" in row.explanation
    else:
        assert row.also_in == "" and "另见" not in row.explanation


def test_corpus_separate_promises_stay_apart(corpus):
    _, snap = corpus
    rows = A.rows(snap, MID)
    # the 督导报告's 整改要求 sets a new deadline for 寄宿制: its own row
    assert _row(rows, "乡镇寄宿制学校全部达到省定办学标准", "定性", "2024-12").source_document.endswith(INSPECTION)
    # two promises under one catalogue id (large_class), same deadline
    assert _row(rows, "普通高中大班额全部消除", "定性", "2025").merged_ids == ""
    assert _row(rows, "全面消除56人以上大班额", "定性", "2025").merged_ids == ""


def test_corpus_boarding_departments_merged(corpus):
    _, snap = corpus
    row = _row(A.rows(snap, MID), "乡镇寄宿制学校全部达到省定办学标准", "定性", "2023-12")
    assert row.source_document == PLAN and row.source_section == "第三部分（二）3."
    # the plan's own sentence names 县教体局、各乡镇人民政府 (…负责，…，到2023年底，…); the 实施方案's
    # block adds 县财政局: the row's source comes first
    assert row.departments.split("、") == ["县教体局", "各乡镇人民政府", "县财政局"]


def test_corpus_every_record_in_exactly_one_row(corpus):
    _, snap = corpus
    rows = A.rows(snap, MID)
    ids = [i for r in rows for i in (r.commitment_id, *r.merged_ids.split())]
    assert sorted(ids) == sorted(c.id for c in snap.commitments)
    assert len(rows) < len(A.rows(snap, MID, group=False)) == len(snap.commitments)


def test_corpus_group_status_is_each_members_story_status(corpus):
    """Where every member alone gets one status (STORY.md's P rows), the group gets it too."""
    _, snap = corpus
    for day in (MID, LATE):
        raw, grouped = snap.evaluate_all(day), snap.evaluate_groups(day)
        for g in snap.groups():
            alone = {raw[m.id].status for m in g.members if m.region}
            if len(alone) == 1:
                assert grouped[g.id].status in alone, (day, g.representative.indicator)


def test_api_commitments_and_audit_export_grouped(corpus):
    from fastapi.testclient import TestClient

    from policytrack.api.app import create_app
    from policytrack.api.security import ApiSettings

    settings, snap = corpus
    client = TestClient(create_app(settings, ApiSettings(token="t0ken")))
    body = client.get("/commitments", params={"size": 200, "as_of": "2024-06-30"}).json()
    assert body["total"] == len(snap.groups()) < len(snap.commitments)
    boarding = [r for r in body["items"] if r["commitment"]["indicator"] == "乡镇寄宿制学校全部达到省定办学标准"
                and r["commitment"]["deadline"] == "2023-12"]
    assert len(boarding) == 1 and boarding[0]["track"]["status"] == "missed"
    assert "另见" in boarding[0]["track"]["explanation"]
    assert "各乡镇人民政府" in boarding[0]["commitment"]["departments"]
    assert sum(body["facets"]["status"].values()) == body["total"]
    # the detail page of a restated commitment shows it as the list does, with every statement's figures
    p8 = next(r for r in body["items"] if r["commitment"]["indicator"] == "小学生均公用经费" and r["commitment"]["deadline"] == "2025")
    d = client.get(f"/commitments/{p8['commitment']['id']}", params={"as_of": "2024-06-30"}).json()
    assert d["track"] == p8["track"] and d["track"]["status"] == "at_risk" and "督导报告" in d["track"]["explanation"]
    assert any(l["progress"]["value"] == 735 for l in d["links"])
    assert len({l["progress"]["id"] for l in d["links"]}) == len(d["links"])
    # a document's own list keeps its records
    scheme_id = next(c.doc for c in snap.commitments if c.indicator == "规划教学班")
    own = client.get("/commitments", params={"size": 200, "doc_id": scheme_id}).json()
    assert own["total"] == sum(1 for c in snap.commitments if c.doc == scheme_id)
    lines = client.get("/export", params={"format": "jsonl", "kind": "audit", "as_of": "2024-06-30"}).text.splitlines()
    rows = [json.loads(x) for x in lines]
    assert len(rows) == len(snap.groups()) and all("merged_ids" in r and "also_in" in r for r in rows)
    # the record export keeps every extracted commitment with its id
    recs = [json.loads(x) for x in client.get("/export", params={"format": "jsonl"}).text.splitlines()]
    exported = {r.get("id") for r in recs if r.get("type") == "commitment"}
    assert {c.id for c in snap.commitments} <= exported
    # group=false: one row per record, as `policytrack audit --no-group`
    ids: list[str] = []
    for page in (1, 2, 3):
        raw = client.get("/commitments", params={"size": 100, "page": page, "as_of": "2024-06-30",
                                                 "group": "false"}).json()
        ids += [r["commitment"]["id"] for r in raw["items"]]
    assert raw["total"] == len(snap.commitments) > body["total"]
    assert sorted(ids) == sorted(c.id for c in snap.commitments)
    lines = client.get("/export", params={"format": "jsonl", "kind": "audit", "as_of": "2024-06-30",
                                          "group": "false"}).text.splitlines()
    raw_rows = [json.loads(x) for x in lines]
    assert len(raw_rows) == len(snap.commitments) and all(r["merged_ids"] == "" for r in raw_rows)
    # an exported commitment names its group: the audit row it folds into
    assert {r["group_id"] for r in recs if r.get("type") == "commitment"} == {r["commitment_id"] for r in rows}
