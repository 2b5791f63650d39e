"""The tracker alone on the bundled corpus' story (corpus/STORY.md), with the records
an ideal extractor would give, built from corpus/src by locating each quote.

This isolates tracking from extraction: if test_track_e2e fails but this passes, the
difference is in what was extracted.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from policytrack.models import Baseline, Commitment, Progress, Target, assign_id
from policytrack.track.link import completion_statements
from policytrack.track.tracker import DocInfo, _with_region, build_snapshot

SRC = Path(__file__).resolve().parents[1] / "corpus" / "src"
MID, LATE = date(2024, 6, 30), date(2026, 11, 22)


def _match(ind: str, unit: str | None) -> str | None:
    try:
        from policytrack.extract.indicators import match_indicator
    except ImportError:
        return None
    return match_indicator(ind, unit or None)


@pytest.fixture(scope="module")
def story():
    if not (SRC / "2021_plan.txt").is_file():
        pytest.skip("corpus/src not present")
    dudao = next(SRC.parent.glob("云岭市*督导报告.txt"), None)
    if dudao is None:
        pytest.skip("督导报告 not in corpus/")
    texts = {
        "plan": (SRC / "2021_plan.txt").read_text(encoding="utf-8"),
        "r22": (SRC / "2022_summary.txt").read_text(encoding="utf-8"),
        "r23": re.sub(r"<[^>]+>", "", (SRC / "2023_summary.html").read_text(encoding="utf-8")),
        "dd": dudao.read_text(encoding="utf-8"),
    }
    docs = {
        "plan": DocInfo("plan", "青禾县“十四五”教育事业发展规划", "plan.pdf", date(2021, 6, 18), "青禾县", "plan"),
        "r22": DocInfo("r22", "青禾县教育体育局2022年工作总结", "r22.docx", date(2023, 1, 10), "青禾县", "report", 2022),
        "r23": DocInfo("r23", "青禾县教育体育局2023年工作总结", "r23.html", date(2024, 1, 15), "青禾县", "report", 2023),
        "dd": DocInfo("dd", "中期督导报告", "dd.txt", date(2024, 3, 20), "云岭市", "report", 2023),
    }

    def C(doc, quote, ind, v, unit, dl, base=None):
        s = texts[doc].index(quote)
        kind = "quantitative" if v is not None else "qualitative"
        return assign_id(Commitment(doc=doc, quote=quote, start=s, end=s + len(quote), region=docs[doc].region, indicator=ind,
                                    indicator_id=_match(ind, unit) if v is not None else None, kind=kind,
                                    target=Target(value=v, unit=unit, op=">=") if v is not None else None,
                                    baseline=Baseline(value=base[1], year=base[0]) if base else None, deadline=dl))

    def P(doc, quote, ind, v, unit, year):
        s = texts[doc].index(quote)
        return assign_id(Progress(doc=doc, quote=quote, start=s, end=s + len(quote), region=docs[doc].region, indicator=ind,
                                  indicator_id=_match(ind, unit), value=v, unit=unit, year=year))

    cs, ps = {}, []
    for line in texts["plan"].splitlines():
        if line.startswith("| ") and "基数" not in line:
            cells = [x.strip() for x in line.strip("|").split("|")]
            ind, unit = re.sub(r"（.*）", "", cells[0]), ("元" if "元" in cells[0] else "%")
            target = float(cells[2].lstrip("≥"))
            if target:
                cs[ind] = C("plan", line, ind, target, unit, "2025", (2020, float(cells[1])))
                ps.append(P("plan", line, ind, float(cells[1]), unit, 2020))
    cs["S3"] = C("plan", "全面消除56人以上大班额", "全面消除56人以上大班额", None, "", "2023-09")
    cs["S5"] = C("plan", "2023年底前建成城区第三小学并投入使用", "建成城区第三小学并投入使用", None, "", "2023")
    cs["S13"] = C("plan", "县特殊教育学校完成改扩建", "县特殊教育学校完成改扩建", None, "", "2022-12")
    cs["S7"] = C("plan", "乡镇寄宿制学校全部达到省定办学标准", "乡镇寄宿制学校全部达到省定办学标准", None, "", "2023")
    cs["S19"] = C("r23", "2024年8月底前完成剩余2所乡镇寄宿制学校改造", "剩余2所乡镇寄宿制学校改造", None, "", "2024-08")
    cs["S21"] = C("r23", "确保城区第三小学2024年春季学期投入使用", "城区第三小学投入使用", None, "", "2024-03")
    for line in texts["r22"].splitlines():
        if line.startswith("| ") and "指标" not in line:
            cells = [x.strip() for x in line.strip("|").split("|")]
            ind, unit = re.sub(r"（.*）", "", cells[0]), ("元" if "元" in cells[0] else "%")
            ps += [P("r22", line, ind, float(cells[1]), unit, 2021), P("r22", line, ind, float(cells[2]), unit, 2022)]
    for doc, q, ind, v, unit in [
        ("r23", "学前三年毛入园率提高到94.3%", "学前三年毛入园率", 94.3, "%"),
        ("r23", "全市学前三年毛入园率为92.6%", "学前三年毛入园率", 92.6, "%"),
        ("r23", "普惠园覆盖率达到86.2%", "普惠园覆盖率", 86.2, "%"),
        ("r23", "公办园在园幼儿占比为45.0%", "公办园在园幼儿占比", 45.0, "%"),
        ("r23", "九年义务教育巩固率达到96.9%", "九年义务教育巩固率", 96.9, "%"),
        ("r23", "残疾儿童少年义务教育入学率达到97.6%", "残疾儿童少年义务教育入学率", 97.6, "%"),
        ("r23", "小学生均公用经费标准提高到每生每年735元", "小学生均公用经费", 735.0, "元"),
        ("r23", "义务教育专任教师本科以上学历比例达到76.4%", "义务教育专任教师本科以上学历比例", 76.4, "%"),
        ("dd", "学前三年毛入园率为94.1%", "学前三年毛入园率", 94.1, "%"),
        ("dd", "全市普惠性幼儿园覆盖率为84.7%", "普惠性幼儿园覆盖率", 84.7, "%"),
        ("dd", "全市平均水平（95.9%）", "适龄残疾儿童少年入学率", 95.9, "%"),
    ]:
        ps.append(P(doc, q, ind, v, unit, 2023))
    for d in ("r22", "r23", "dd"):
        ps += completion_statements(d, texts[d], region=docs[d].region, report_year=docs[d].report_year)
    ps = [_with_region(p, texts[p.doc], docs[p.doc].region, {"青禾县", "云岭市"}) for p in ps]
    return cs, build_snapshot(list(cs.values()), ps, docs)


ROWS = [  # STORY.md: (row, key, status as of 2024-06-30, as of 2026-11-22, words in the mid explanation)
    ("P1", "学前三年毛入园率", "on_track", "missed", "数据冲突"),
    ("P2", "普惠性幼儿园覆盖率", "met", "met", "86.2%"),
    ("P3", "公办园在园幼儿占比", "at_risk", "missed", "预计2025年达46.8%"),
    ("P4", "九年义务教育巩固率", "on_track", "missed", "96.9%"),
    ("P5", "高中阶段毛入学率", "no_data", "no_data", "基期2020年88.7%"),
    ("P6", "适龄残疾儿童少年入学率", "met", "met", "97.6%"),
    ("P8", "小学生均公用经费", "at_risk", "missed", "差65元"),
    ("P9", "初中生均公用经费", "no_data", "no_data", "880元"),
    ("P10", "义务教育专任教师本科以上学历比例", "on_track", "missed", "76.4%"),
    ("S3", "S3", "met", "met", "消除了56人以上大班额"),
    ("S5", "S5", "missed", "missed", "未能按期"),
    ("S13", "S13", "met", "met", "2022年11月完工并投入使用"),
    ("S7", "S7", "missed", "missed", "未完工"),
    ("S19", "S19", "not_due", "no_data", "尚未到可报告进展的时间"),
    ("S21", "S21", "no_data", "no_data", "暂无进展数据"),
]


@pytest.mark.parametrize("row,key,mid,late,says", ROWS, ids=[r[0] for r in ROWS])
def test_story_row(story, row, key, mid, late, says):
    cs, snap = story
    r = snap.evaluate(cs[key], MID)
    assert (r.status, says in r.explanation) == (mid, True), r.explanation
    assert snap.evaluate(cs[key], LATE).status == late


def test_story_traps(story):
    cs, snap = story
    p1 = snap.evaluate(cs["学前三年毛入园率"], MID)
    assert 92.6 not in {e.progress.value for e in p1.evidence}  # 全市 figure
    assert p1.conflict and "94.3%" in p1.explanation and "94.1%" in p1.explanation
    p2 = snap.evaluate(cs["普惠性幼儿园覆盖率"], MID)
    assert 84.7 not in {e.progress.value for e in p2.evidence}
    p6 = snap.evaluate(cs["适龄残疾儿童少年入学率"], MID)
    assert 95.9 not in {e.progress.value for e in p6.evidence}
    late = snap.evaluate(cs["学前三年毛入园率"], LATE)
    assert late.gap == pytest.approx(0.9) and "差0.9个百分点" in late.explanation
