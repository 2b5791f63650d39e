"""Automatic linking: same indicator, compatible unit, same jurisdiction, horizon;
completion sentences for qualitative commitments; the seeds; the gold set."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from policytrack.models import Baseline, Commitment, Progress, Target, assign_id
from policytrack.track.link import auto_links, classify_sentence, completion_statements, link_reason
from policytrack.track.status import Evidence, evaluate

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def C(indicator="普惠性幼儿园覆盖率", value=85.0, unit="%", region="青禾县", doc="plan", baseline=(2020, 76.0), iid=None,
      kind="quantitative", deadline="2025"):
    return assign_id(Commitment(doc=doc, quote=indicator, start=0, end=5, region=region, indicator=indicator, indicator_id=iid,
                                kind=kind, target=Target(value=value, unit=unit, op=">=") if value is not None else None,
                                baseline=Baseline(value=baseline[1], year=baseline[0]) if baseline else None,
                                deadline=deadline))


def P(indicator="普惠性幼儿园覆盖率", value=81.5, unit="%", region="青禾县", doc="r2022", year=2022, quote=None, iid=None):
    return assign_id(Progress(doc=doc, quote=quote or f"{indicator}达到{value}{unit}", start=10, end=20, region=region,
                              indicator=indicator, indicator_id=iid, value=value, unit=unit, year=year))


# ---------------------------------------------------------------- rules (developed on)
RULES = [
    ("same indicator, unit, region, year", C(), P(), True),
    ("unit bracket in table name", C(indicator="普惠性幼儿园覆盖率（%）"), P(), True),
    ("full-width percent", C(), P(unit="％"), True),
    ("different unit", C(), P(unit="所"), False),
    ("city figure for a county target", C(), P(region="云岭市"), False),
    ("county figure for a city target", C(region="云岭市"), P(), False),
    ("全市 in a county report's sentence", C(), P(quote="全市普惠性幼儿园覆盖率为80%"), False),
    ("figure before the baseline year", C(), P(year=2019), False),
    ("figure without a year", C(), P(year=None), False),
    ("figure after the deadline counts (late completion)", C(deadline="2023"), P(year=2024), True),
    ("different catalogue ids", C(iid="a"), P(iid="b"), False),
    ("same catalogue id, different words", C(indicator="三年毛入园率", iid="x"), P(indicator="学前教育毛入园率", iid="x"), True),
    ("unknown region on one side, other document", C(region=None), P(), False),
    ("unknown region on one side, same document", C(region=None, doc="d"), P(doc="d"), True),
    ("qualitative commitment, plain figure", C(kind="qualitative", value=None), P(), False),
    ("counts need the same words (one project vs another)", C(indicator="县城东幼儿园新建园舍面积", unit="平方米", value=3150.0, baseline=None),
     P(indicator="新建园舍面积", unit="平方米", value=5065.1), False),
    ("count with same words, other document", C(indicator="小学生均公用经费", unit="元", value=800.0, baseline=(2020, 680)),
     P(indicator="小学生均公用经费", unit="元", value=720.0), True),
    ("per-head amount: a level, whatever words surround it", C(indicator="小学生均公用经费不低于每生每年", unit="元", value=800.0, iid="f"),
     P(indicator="小学生均公用经费提高到每生每年", unit="元", value=720.0, iid="f"), True),
    ("the department in a figure's name is not what was done", C(indicator="每年公开招聘中小学教师", unit="人", value=120.0, baseline=None),
     P(indicator="县人力资源和社会保障局、县教体局公开招聘中小学教师", unit="人", value=126.0), True),
    ("completion sentence for a level target", C(),
     P(unit="完成情况", value=1.0, quote="普惠性幼儿园覆盖率达到81.5%，提前完成规划确定的阶段目标"), False),
    ("completion sentence for an elimination (0) target", C(indicator="56人以上大班额比例", value=0.0, baseline=None),
     P(indicator="x", unit="完成情况", value=1.0, quote="2023年秋季学期开学时，全县消除了56人以上大班额。", year=2023), True),
    # bugs caught: an inspection finding about an earlier (month) deadline linked to a later promise of the same school
    ("finding about an earlier month's deadline", C(indicator="建成城区第三小学并投入使用", kind="qualitative", value=None,
                                                   baseline=None, deadline="2023-12"),
     P(indicator="x", unit="完成情况", value=0.0, year=2023, doc="inspection",
       quote="城区第三小学未按实施方案要求于2023年8月底前投入使用，部分城区学校班额接近45人上限。"), False),
    ("finding about the same month's deadline", C(indicator="城区第三小学建成并投入使用", kind="qualitative", value=None,
                                                 baseline=None, deadline="2023-08"),
     P(indicator="x", unit="完成情况", value=0.0, year=2023, doc="inspection",
       quote="城区第三小学未按实施方案要求于2023年8月底前投入使用，部分城区学校班额接近45人上限。"), True),
    ("plan's own past flow is not progress", C(indicator="新建幼儿园", unit="所", value=4.0, baseline=None, doc="d"),
     P(indicator="新建幼儿园", unit="所", value=1.0, doc="d", year=2020), False),
]


@pytest.mark.parametrize("case,c,p,linked", RULES, ids=[r[0] for r in RULES])
def test_link_rules(case, c, p, linked):
    assert (link_reason(c, p) is not None) is linked


# ---------------------------------------------------------------- completion sentences
SENTENCES = [  # developed on the bundled corpus' reports
    ("2023年秋季学期开学时，全县消除了56人以上大班额。", 1.0),
    ("县特殊教育学校改扩建工程于2022年11月完工并投入使用。", 1.0),
    ("城区第三小学主体工程已完工，未能按期在2023年秋季开学前投入使用，预计2024年春季学期投入使用。", 0.0),
    ("城区第三小学于2022年4月开工建设。", 0.5),
    ("确保2023年8月底前建成并投入使用。", None),
    ("新增公办学位540个。", None),
    # evaluated on: phrases from the issue and seed reports
    ("全区中小学实现全覆盖。", 1.0),
    ("各项任务已全部完成。", 1.0),
    ("部分学校食堂、宿舍尚未达标。", 0.0),
    # bugs caught: an inspection report's finding read as completion (投入使用) before 未按 was a failure word
    ("城区第三小学未按实施方案要求于2023年8月底前投入使用，部分城区学校班额接近45人上限。", 0.0),
    ("2所学校未按计划完成改造。", 0.0),
]


@pytest.mark.parametrize("sentence,value", SENTENCES)
def test_classify_sentence(sentence, value):
    assert classify_sentence(sentence) == value


REPORT = """青禾县2023年工作总结
一、工作完成情况
（一）义务教育
2023年秋季学期开学时，全县消除了56人以上大班额，平均班额降至44.3人。
城区第三小学受征地影响，未能按期投入使用。
二、2024年工作计划
（一）确保城区第三小学2024年春季学期投入使用。
"""


def test_completion_statements_skip_plans_and_link_qualitative():
    stmts = completion_statements("r2023", REPORT, region="青禾县", report_year=2023)
    quotes = [s.quote for s in stmts]
    assert any("消除了56人以上大班额" in q for q in quotes)
    assert not any("2024年春季学期" in q for q in quotes)  # a plan is not progress
    for s in stmts:
        assert REPORT[s.start : s.end] == s.quote and s.year == 2023
    big = C(indicator="全面消除56人以上大班额", kind="qualitative", value=None, baseline=None, deadline="2023-09")
    school = C(indicator="建成城区第三小学并投入使用", kind="qualitative", value=None, baseline=None, deadline="2023")
    links = auto_links([big, school], stmts)
    by_c = {}
    for l in links:
        by_c.setdefault(l.commitment_id, []).append(next(s for s in stmts if s.id == l.progress_id))
    assert evaluate(big, [Evidence(p) for p in by_c[big.id]], date(2024, 3, 1)).status == "met"
    r = evaluate(school, [Evidence(p) for p in by_c[school.id]], date(2024, 3, 1))
    assert r.status == "missed" and "未能按期投入使用" in r.explanation


# ---------------------------------------------------------------- seeds (evaluated on)
def _gold_records():
    if not (SHARED / "gold").is_dir():
        pytest.skip(f"{SHARED} absent: the shared seeds and gold records are not beside this checkout")
    sys.path.insert(0, str(ROOT / "bench"))
    import linking  # bench/linking.py

    from policytrack.track import linkeval

    gold = linkeval.load_gold(ROOT / "tests" / "linking" / "gold.yaml")
    return gold, *linking.gold_records(gold["regions"])


@pytest.mark.seeds
def test_seed_003_coverage_linked_and_status():
    gold, cs, ps, names = _gold_records()
    c = next(c for c in cs if c.doc.startswith("003_") and "普惠性幼儿园覆盖率达到80%" in c.quote)
    links = [l for l in auto_links([c], ps)]
    linked = [p for p in ps if p.id in {l.progress_id for l in links}]
    assert linked and all(p.value == 76.63 and p.year == 2020 for p in linked)
    r = evaluate(c, [Evidence(p, source_title="教育局工作总结及下一步工作安排") for p in linked], date(2023, 6, 30))
    # the figure is the document's own starting point: shown with its gap, but no progress since
    assert r.status == "no_data" and r.gap == pytest.approx(3.37) and r.latest_value == 76.63
    assert "基期2020年76.63%" in r.explanation and "差3.37个百分点" in r.explanation
    later = Progress(doc="003_later_report", quote="普惠性幼儿园覆盖率达到78.5%", start=0, end=10, region=c.region,
                     indicator="普惠性幼儿园覆盖率", value=78.5, unit="%", year=2022)
    r = evaluate(c, [Evidence(p) for p in linked] + [Evidence(later, source_title="2022年工作总结")], date(2023, 6, 30))
    assert r.status == "on_track" and "按2020—2022年趋势" in r.explanation


@pytest.mark.seeds
def test_seed_001_table_baselines_link_to_own_targets():
    gold, cs, ps, names = _gold_records()
    table = [c for c in cs if c.doc.startswith("001_") and c.baseline and c.quote[:2] in {f"{i}." for i in range(1, 8)}]
    assert len(table) == 7
    links = auto_links(table, ps)
    for c in table:
        mine = [p for p in ps if any(l.commitment_id == c.id and l.progress_id == p.id for l in links)]
        assert any(p.doc == c.doc and p.value == c.baseline.value and p.year == c.baseline.year for p in mine), c.indicator


@pytest.mark.seeds
def test_linking_quality_on_gold_set():
    from policytrack.track import linkeval

    gold, cs, ps, names = _gold_records()
    s = linkeval.score(gold, cs, ps, auto_links(cs, ps), names, docs=set(names))
    assert s.gold_pairs >= 20
    assert s.precision >= 0.95, s.errors
    assert s.recall >= 0.90, s.errors


@pytest.mark.seeds
def test_linking_quality_on_extracted_corpus_and_seeds():
    """The whole chain (parse → extract → the tracker's linking) against the gold set, which
    covers the bundled corpus and the seeds.  Remaining misses are extraction's (see report)."""
    _gold_records()
    try:
        from policytrack.extract import extract_text  # noqa: F401
        from policytrack.ingest import parse_file  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"ingest/extract not available: {exc}")
    import linking  # bench/linking.py

    from policytrack.track import linkeval
    from policytrack.track.tracker import build_snapshot

    gold = linkeval.load_gold(ROOT / "tests" / "linking" / "gold.yaml")
    cs, ps, _ = linking.extracted_records(gold["regions"])
    s = linkeval.score(gold, cs, ps, build_snapshot(cs, ps, linking.DOCS).links, {})
    assert s.gold_pairs >= 80  # corpus groups included
    assert s.precision >= 0.95, s.errors
    assert s.recall >= 0.90, s.errors


@pytest.mark.seeds
def test_bench_script_prints_precision_and_recall():
    _gold_records()
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "linking.py"), "--source", "gold"], capture_output=True,
                         text=True, timeout=60)
    assert "precision" in out.stdout and "recall" in out.stdout, out.stderr


# ---------------------------------------------------------------- whose figure (jurisdiction traps of corpus/STORY.md)
REGION_CASES = [
    # (sentence, figure quote, document region, expected region)
    ("全县学前三年毛入园率提高到94.3%，高于全市平均水平（全市学前三年毛入园率为92.6%）。", "学前三年毛入园率为92.6%", "青禾县", "全市"),
    ("全县学前三年毛入园率提高到94.3%，高于全市平均水平。", "学前三年毛入园率提高到94.3%", "青禾县", "青禾县"),
    ("经督导组核查，2023年青禾县学前三年毛入园率为94.1%，普惠性幼儿园覆盖率为86.2%。", "普惠性幼儿园覆盖率为86.2%", "云岭市", "青禾县"),
    ("全市普惠性幼儿园覆盖率为84.7%。", "普惠性幼儿园覆盖率为84.7%", "云岭市", "云岭市"),
    ("青禾县适龄残疾儿童少年入学率为97.6%，高于全市平均水平（95.9%）。", "95.9%", "云岭市", "云岭市"),
    ("义务教育巩固率达到96.4%。", "义务教育巩固率达到96.4%", "青禾县", "青禾县"),
]


@pytest.mark.parametrize("sentence,quote,doc_region,expected", REGION_CASES)
def test_refine_region(sentence, quote, doc_region, expected):
    from policytrack.track.link import refine_region

    text = "第一段。\n" + sentence
    s = text.index(quote)
    p = Progress(doc="d", quote=quote, start=s, end=s + len(quote), region=doc_region, indicator="x", value=1.0, unit="%", year=2023)
    assert refine_region(p, text, doc_region, {"青禾县", "云岭市"}) == expected


def test_completion_from_same_document_or_earlier_promise_not_linked():
    c = C(indicator="城区第三小学投入使用", kind="qualitative", value=None, baseline=None, deadline="2024-03", doc="html")
    own = completion_statements("html", "城区第三小学主体完工，未能按期投入使用。", region="青禾县", report_year=2023)
    earlier = completion_statements("dudao", "城区第三小学未按实施方案要求于2023年8月底前投入使用。", region="青禾县", report_year=2024)
    assert own and earlier
    assert auto_links([c], own + earlier) == []
    c5 = C(indicator="城区第三小学投入使用", kind="qualitative", value=None, baseline=None, deadline="2023-08", doc="plan")
    assert len(auto_links([c5], earlier)) == 1


def test_demands_and_future_deadlines_are_not_progress():
    text = ("三、存在问题\n（二）22所乡镇寄宿制学校中仍有2所未达到省定办学标准。\n"
            "四、整改要求\n（二）2024年底前，完成剩余2所乡镇寄宿制学校改造，乡镇寄宿制学校全部达到省定办学标准。\n")
    stmts = completion_statements("dd", text, region="青禾县", report_year=2023)
    assert [s.value for s in stmts] == [0.0]
    future = completion_statements("r", "2024年底前，乡镇寄宿制学校全部达到省定办学标准。", region="青禾县", report_year=2023)
    assert future == []


def test_linking_scales_with_records_not_their_product(monkeypatch):
    """Counted, not timed: figures are bucketed by indicator, so the number of pairs
    examined is a small fraction of commitments x figures (bench/linking.py times it)."""
    import random

    from policytrack.track import link as L

    calls = {"n": 0}
    real = L.link_reason

    def counting(c, p):
        calls["n"] += 1
        return real(c, p)

    monkeypatch.setattr(L, "link_reason", counting)
    rnd = random.Random(1)
    names = [f"指标{i}覆盖率" for i in range(200)]
    cs = [C(indicator=rnd.choice(names), doc=f"d{i % 20}") for i in range(2000)]
    ps = [assign_id(Progress(doc=f"r{i % 50}", quote="q", start=i, end=i + 1, region="青禾县", indicator=rnd.choice(names),
                             value=80.0, unit="%", year=2022)) for i in range(10000)]
    links = auto_links(cs, ps)
    assert calls["n"] < len(cs) * len(ps) / 50  # 200 names: about 1/200 of the product
    assert links and all(link_reason(next(c for c in cs if c.id == l.commitment_id), next(p for p in ps if p.id == l.progress_id)) for l in links[:20])


@pytest.mark.parametrize("indicator,quote,unit,expected", [
    ("公办园在园幼儿", "公办园在园幼儿占比为45.0%", "%", "public_kindergarten_share"),  # name cut short by extraction
    ("公办幼儿园在园幼儿", "公办幼儿园在园幼儿占比为44.1%", "%", "public_kindergarten_share"),
    ("高于全市平均水平（", "高于全市平均水平（95.9%）", "%", None),
    # the catalogue name must overlap the record's own name: a later noun is not what was counted
    ("会同县住房和城乡建设局、县自然资源局完成城镇小区配套幼儿园专项治理", "7所配套幼儿园全部办成公办园或普惠性民办园", "所", None),
])
def test_unresolved_indicator_repaired_from_the_quote(indicator, quote, unit, expected):
    pytest.importorskip("policytrack.extract.indicators")
    from policytrack.track.link import resolve_indicator

    p = assign_id(Progress(doc="r", quote=quote, start=0, end=len(quote), indicator=indicator, value=45.0, unit=unit, year=2023))
    assert resolve_indicator(p).indicator_id == expected


@pytest.mark.parametrize("sentence,names", [
    # an elliptical total takes the name of the figure it sums, so it links to the 义务教育 target
    ("2023年新增义务教育学位1080个，两年累计新增学位2280个。", ["新增义务教育学位", "新增义务教育学位"]),
    # another sentence: no inheritance
    ("2023年新增义务教育学位1080个。两年累计新增学位2280个。", ["新增义务教育学位", "两年累计新增学位"]),
    # not a running total: left alone
    ("新增公办学位360个，新增学位1080个。", ["新增公办学位", "新增学位"]),
])
def test_running_total_inherits_the_name_it_sums(sentence, names):
    from policytrack.track.link import inherit_names

    figs = []
    for raw in ("新增义务教育学位1080个", "两年累计新增学位2280个", "新增公办学位360个", "新增学位1080个"):
        i = sentence.find(raw)
        if i >= 0:
            name = raw.rstrip("个").rstrip("0123456789")
            figs.append(assign_id(Progress(doc="r", quote=raw, start=i, end=i + len(raw), region="青禾县", indicator=name,
                                           indicator_id="new_school_places", value=float(raw[len(name):-1]), unit="个", year=2023)))
    out = inherit_names(figs, sentence)
    assert [p.indicator for p in sorted(out, key=lambda p: p.start)] == names


def test_s6_total_links_to_its_target_only():
    from policytrack.track.link import inherit_names

    text = "2023年新增义务教育学位1080个，两年累计新增学位2280个。"
    figs = [assign_id(Progress(doc="r23", quote=q, start=text.find(q), end=text.find(q) + len(q), region="青禾县", indicator=n,
                               indicator_id="new_school_places", value=v, unit="个", year=2023))
            for q, n, v in (("新增义务教育学位1080个", "新增义务教育学位", 1080.0), ("两年累计新增学位2280个", "两年累计新增学位", 2280.0))]
    figs = inherit_names(figs, text)
    s6 = C(indicator="新增义务教育学位", value=2800.0, unit="个", baseline=None, iid="new_school_places")
    public = C(indicator="新增公办学位", value=2400.0, unit="个", baseline=None, iid="new_school_places")
    linked = {(l.commitment_id, l.progress_id) for l in auto_links([s6, public], figs)}
    assert linked == {(s6.id, figs[0].id), (s6.id, figs[1].id)}


def test_indexed_linking_equals_every_pair():
    """The indexes only skip pairs link_reason would refuse: same links, same order."""
    import random

    from policytrack.track.link import accepts_statements
    from policytrack.track.status import COMPLETION_UNIT

    rnd = random.Random(5)
    regions = ["青禾县", "云岭市", "清涧县", None]
    works = ["城区第三小学建成投入使用", "城东初级中学建成", "特殊教育学校改扩建", "课后服务实现全覆盖"]
    names = ["普惠性幼儿园覆盖率", "学前三年毛入园率", "资源教室覆盖率"]
    cs = [C(indicator=rnd.choice(names), region=rnd.choice(regions), doc=rnd.choice(["plan", "r2022"]), baseline=None)
          for _ in range(40)]
    cs += [assign_id(Commitment(doc=rnd.choice(["plan", "scheme"]), quote=w, start=i, end=i + len(w), region=rnd.choice(regions),
                                indicator=w, kind="qualitative", deadline="2024")) for i, w in enumerate(works * 5)]
    ps = [P(indicator=rnd.choice(names), region=rnd.choice(regions), doc=rnd.choice(["plan", "r2022", "r2023"]),
            year=rnd.choice([2020, 2022, 2023])) for _ in range(200)]
    for i in range(60):
        q = f"{rnd.choice(works)}{rnd.choice(['已全部完成。', '未能按期完成。', '正在推进。'])}"
        ps.append(assign_id(Progress(doc=rnd.choice(["r2022", "r2023"]), quote=q, start=i, end=i + len(q), region=rnd.choice(regions),
                                     indicator=q[:40], value=1.0, unit=COMPLETION_UNIT, year=2023)))
    every = [(c.id, p.id) for c in cs for p in [*[p for p in ps if p.unit != COMPLETION_UNIT],
                                                *[p for p in ps if p.unit == COMPLETION_UNIT]] if link_reason(c, p)]
    got = [(l.commitment_id, l.progress_id) for l in auto_links(cs, ps)]
    assert sorted(got) == sorted(every) and got
    statements = {p.id for p in ps if p.unit == COMPLETION_UNIT}
    assert any(pid in statements for _, pid in got) and any(pid not in statements for _, pid in got)
    assert any(accepts_statements(c) for c in cs)


NAME_RULES = [  # uncatalogued names: a figure may qualify the promise's name, not generalise it
    ("figure adds a qualifier", C(indicator="招聘中小学教师", value=120.0, unit="人", baseline=None),
     P(indicator="公开招聘中小学教师", value=138.0, unit="人", year=2023), True),
    ("figure names only part of the promise", C(indicator="乡镇寄宿制学校宿舍、食堂、厕所改造", value=22.0, unit="所", baseline=None),
     P(indicator="乡镇寄宿制学校", value=22.0, unit="所", year=2023), False),
    ("a rate's name must agree exactly", C(indicator="资源教室覆盖率", baseline=None),
     P(indicator="义务教育阶段学校资源教室覆盖率", year=2023), False),
    ("too short to contain safely", C(indicator="教师", value=120.0, unit="人", baseline=None),
     P(indicator="公开招聘教师", value=138.0, unit="人", year=2023), False),
]


@pytest.mark.parametrize("case,c,p,linked", NAME_RULES, ids=[r[0] for r in NAME_RULES])
def test_uncatalogued_name_containment(case, c, p, linked):
    assert bool(link_reason(c, p)) is linked
    # the index finds exactly what the rule accepts
    assert bool(auto_links([c], [p])) is linked
