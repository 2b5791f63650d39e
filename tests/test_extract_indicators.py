"""Indicator catalogue: data validity, phrase matching, mention finding, segmentation.

Tables of real phrases (short indicator phrases as the seed documents, the passages and
the gold files write them), split price-parser style into what the rules were developed
on, a held-out sample labelled after the rules were written, and bugs caught on the way.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from policytrack.extract import indicators as ind
from policytrack.extract.indicators import (
    catalogue,
    concept_terms,
    find_indicator_mentions,
    get,
    match_indicator,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


# ---------------------------------------------------------------- the data file


def test_catalogue_size_and_unique_ids():
    cat = catalogue()
    assert len(cat) >= 80
    ids = [i.id for i in cat]
    assert len(ids) == len(set(ids))


def test_catalogue_fields_are_valid():
    for i in catalogue():
        assert i.direction in {"higher", "lower", "neutral"}, i.id
        assert i.kind in {"rate", "count", "amount", "ratio", "qualitative"}, i.id
        assert i.name and i.domain, i.id
        if i.kind == "rate":
            assert i.unit in {"%", "‰", "1/10万"}, i.id
        if i.family:
            assert len(ind._families()[i.family]) >= 2, f"{i.id}: family {i.family} has one member"


def test_education_first_and_other_domains_present():
    domains = {i.domain for i in catalogue()}
    assert {"education", "economy", "employment", "rural", "health", "environment"} <= domains
    assert sum(i.domain == "education" for i in catalogue()) >= 60


@pytest.mark.parametrize("i", catalogue(), ids=lambda i: i.id)
def test_every_term_maps_back_to_its_own_id(i):
    for term in i.terms:
        assert match_indicator(term) == i.id, term
        assert match_indicator(term, i.unit) == i.id, (term, i.unit)


def test_get_and_concept_terms():
    assert get("preschool_gross_enrollment").name == "学前三年毛入园率"
    assert "学前教育毛入园率" in concept_terms("preschool_gross_enrollment")
    assert get("no_such_indicator") is None
    assert concept_terms("no_such_indicator") == []


# ---------------------------------------------------------------- developed on

DEVELOPED_ON = [
    # (phrase in the document's words, unit or None, expected id)
    ("学前三年毛入园率", "%", "preschool_gross_enrollment"),
    ("学前教育毛入园率", None, "preschool_gross_enrollment"),
    ("全县学前三年毛入园率", "%", "preschool_gross_enrollment"),
    ("小学班额", "人", "class_size_primary"),
    ("初中班额", "人", "class_size_junior"),
    ("56人以上大班额比例", "%", "large_class_share"),
    ("56人以上大班额", "%", "large_class_share"),
    ("56人以上大班额", None, "large_class"),
    ("化解大班额", "个", "large_class"),
    ("大班额占比", "%", "large_class_share"),
    ("2000人以上大校额", "", "large_school"),
    ("普惠性幼儿园覆盖率", "%", "inclusive_kindergarten_coverage"),
    ("普惠性幼儿园在园幼儿覆盖率", "%", "inclusive_kindergarten_coverage"),
    ("公办园在园幼儿占比", "%", "public_kindergarten_share"),
    ("公办在园幼儿占比", "%", "public_kindergarten_share"),
    ("义务教育巩固率", None, "compulsory_consolidation_rate"),
    ("全县九年义务教育巩固率", "%", "compulsory_consolidation_rate"),
    ("九年义务教育巩固率比2010年提高", "个百分点", "compulsory_consolidation_rate"),
    ("初中三年巩固率", "%", "junior_consolidation_rate"),
    ("6—15周岁三类残疾儿童和少年入学率", "%", "disabled_children_enrollment"),
    ("残疾儿童少年义务教育入学率", "%", "disabled_children_enrollment"),
    ("高中阶段教育毛入学率", "%", "senior_gross_enrollment"),
    ("新增公办幼儿学位", "个", "new_preschool_places"),
    ("新增学位", "个", "new_school_places"),
    ("义务教育教师平均工资收入水平不低于当地公务员平均工资收入水平", "", "teacher_salary_parity"),
    ("“县管校聘”编制改革", "", "county_school_hiring"),
    ("生均公用经费", "", "per_student_public_funds"),
    ("学前教育生均公用经费", "万元", "per_student_public_funds_preschool"),
    ("普通小学生均一般公共预算教育事业费增长", "%", "per_student_budget_expenditure_growth"),
    ("学生资助惠及", "人次", "student_aid_recipients"),
    ("发放学生资助", "万元", "student_aid_amount"),
    ("营养改善计划补助标准(每生每天)", "元", "nutrition_subsidy_standard"),
    ("实施营养改善计划的学校", "所", "nutrition_programme_schools"),
    ("营养改善计划惠及学生", "人", "nutrition_programme_students"),
    ("有课后服务需求的学生参与率", "%", "after_school_participation"),
    ("初中每天书面作业完成时间", "分钟", "homework_time_junior"),
    ("小学一二年级书面家庭作业", "", "homework_grades_1_2"),
    ("地区生产总值增长(力争)", "%", "gdp_growth"),
    ("全市生产总值", "万亿元", "gdp"),
    ("地方一般公共预算收入增长", "%", "fiscal_revenue_growth"),
    ("城镇调查失业率", "%", "surveyed_unemployment"),
    ("农村自来水普及率", "%", "rural_tap_water"),
    ("全国农村自来水普及率", "%", "rural_tap_water"),
    ("农村卫生厕所普及率", "%", "rural_sanitary_toilet"),
    ("旱厕改造", "个", "rural_toilet_renovation"),
    ("人均预期寿命", "岁", "life_expectancy"),
    ("每千人口执业（助理）医师", "人", "doctors_per_1000"),
    ("PM2.5未达标地级及以上城市浓度比2015年下降", "%", "pm25_reduction"),
    ("地级及以上城市空气质量优良天数比率", "%", "good_air_days"),
    ("七大重点流域水质优良(达到或优于Ⅲ类)比例", "%", "surface_water_quality"),
    ("二氧化硫排放总量比2015年下降", "%", "so2_reduction"),
]


@pytest.mark.parametrize("phrase,unit,expected", DEVELOPED_ON)
def test_developed_on(phrase, unit, expected):
    assert match_indicator(phrase, unit) == expected


# ---------------------------------------------------------------- evaluated on
# A 45-item sample of the ~30% of gold indicator strings held out by hash
# (sha1(indicator) % 10 < 3), labelled by hand after the catalogue was written and not
# used to change it.  None = the catalogue has no concept for it (the right answer).
EVALUATED_ON = [
    ("“互联网+”智慧党建示范平台", "个", None),
    ("每千人口医疗卫生机构床位数", "张", "hospital_beds_per_1000"),
    ("规上工业增加值增长", "%", "industrial_value_added_growth"),
    ("九天山原有基础设施及滑雪场提升改造", "", None),
    ("穆家庄九年制学校师生宿办楼新建项目完成建设", "", None),
    ("2024年度中央财政高标准农田建设项目田间主体工程", "万亩", "high_standard_farmland"),
    ("立项建设市级优秀中等职业学校", "所", None),
    ("初中综合差异系数", "", "difference_coefficient_junior"),
    ("义务教育学校免试就近入学覆盖", "%", "nearby_enrollment"),
    ("完成采购项目", "个", None),
    ("义务教育薄弱环节改善与能力提升补助", "万元", None),
    ("食堂建设项目学校数", "所", None),
    ("固定资产投资增长", "%", "fixed_asset_investment_growth"),
    ("生产安全事故死亡人数下降", "%", "work_safety_deaths_reduction"),
    ("各项工作落实措施报送市人民政府督查室", "", None),
    ("初中招生", "人", None),
    ("城乡居民收入倍差", "", "urban_rural_income_ratio"),
    ("资助义务教育阶段学生", "人", "student_aid_recipients"),
    ("宜居建制村比例", "%", None),
    ("农村学校附属幼儿园办成独立幼儿园", "所", None),
    ("县镇中心幼儿园建设项目计划投资", "亿元", None),
    ("优质高中招生计划均衡分配到各初中学校的比例", "%", "quality_high_school_quota"),
    ("职业高中运动场、校舍维修等投入", "万元", None),
    ("民办专任教师", "人", "full_time_teachers"),
    ("小学变为教学点", "所", None),
    ("升入二本", "人", "undergraduate_admissions"),
    ("筹集义务教育办学资金", "万元", None),
    ("新改扩建幼儿园", "所", "new_public_kindergartens"),
    ("盐边县学前教育三年行动投入资金", "万元", None),
    ("义务教育教师平均工资收入水平", "", "teacher_salary_parity"),
    ("联合办学高职院校", "所", None),
    ("初中在职教职工", "人", "staff_count"),
    ("实施营养改善计划乡镇学校", "所", "nutrition_programme_schools"),
    ("新能源装机规模", "万千瓦", "new_energy_capacity"),
    ("新增国家、省市特色项目学校", "所次", None),
    ("教师教学助手应用率", "%", None),
    ("基本达标学校占比", "%", "school_standard_compliance"),
    ("改善普通高中学校办学条件补助资金", "亿元", None),
    ("安装空调及线路改造学校", "所", None),
    ("薄弱学校改造项目", "个", "weak_school_improvement"),
    ("村级综合性文化服务中心覆盖率", "%", "village_cultural_centre"),
    ("学生资助补助经费", "亿元", "student_aid_amount"),
    ("发放农村补贴", "万元", None),
    ("为民办实事", "项", "livelihood_projects"),
    ("小学六年巩固率", "%", "primary_consolidation_rate"),
]


def test_evaluated_on_held_out_accuracy(capsys):
    wrong = [(p, u, e, match_indicator(p, u or None)) for p, u, e in EVALUATED_ON if match_indicator(p, u or None) != e]
    acc = 1 - len(wrong) / len(EVALUATED_ON)
    with capsys.disabled():
        print(f"\nindicator matching, held-out sample: {acc:.1%} of {len(EVALUATED_ON)} ({len(wrong)} wrong: {wrong})")
    assert acc >= 0.9, wrong


# ---------------------------------------------------------------- bugs caught

BUGS_CAUGHT = [
    # a generic synonym (经济总量) pulled industrial output into GDP
    ("工业经济总量", "亿元", None),
    # 课后延时服务 alone turned a teachers' pay item into after-school coverage
    ("参与课后延时服务教师薪资发放", "", None),
    # 名师 alone made a research team a count of backbone teachers
    ("中小学学科名师领航团队", "人", None),
    # a % of a job count is not the job count (and not the unemployment rate)
    ("城镇新增就业完成年计划比例", "%", None),
    # growth of a teacher count is not a teacher count
    ("义务教育阶段专任教师比2010年增长", "%", None),
    # quotes inside the phrase must not hide the term; the longer term wins the tie
    ("教育经费投入“两个只增不减”", "", "education_funding_two_no_decrease"),
    # full-width brackets in the document vs half-width in the catalogue
    ("每千人口执业（助理）医师数", None, "doctors_per_1000"),
    # 财政性教育经费占国内生产总值比例 must not become GDP
    ("国家财政性教育经费占国内生产总值比例", "%", "education_spending_gdp_share"),
    # a bare school type is not an indicator
    ("小学", "所", None),
    ("", None, None),
]


@pytest.mark.parametrize("phrase,unit,expected", BUGS_CAUGHT)
def test_bugs_caught(phrase, unit, expected):
    assert match_indicator(phrase, unit) == expected


# ---------------------------------------------------------------- units


@pytest.mark.parametrize(
    "unit,cls",
    [("%", "percent"), ("个百分点", "percent"), ("万元", "money"), ("亿元", "money"), ("人次", "person"),
     ("名", "person"), ("所", "count"), ("台(件、套)", "count"), ("万平方米", "area"), ("万㎡", "area"),
     ("", "ratio"), (None, None)],
)
def test_unit_classes(unit, cls):
    assert ind.unit_class(unit) == cls


# ---------------------------------------------------------------- mentions


def test_find_mentions_offsets_and_longest():
    text = "到2025年，全县学前三年毛入园率达到92%，56人以上大班额比例控制在5%以内，小学班额不超过45人。GDP增长6%。"
    found = find_indicator_mentions(text)
    got = [(i, text[a:b]) for i, a, b in found]
    assert got == [
        ("preschool_gross_enrollment", "学前三年毛入园率"),
        ("large_class_share", "56人以上大班额比例"),
        ("class_size_primary", "小学班额"),
        ("gdp_growth", "GDP增长"),
    ]
    for i, a, b in found:
        assert get(i) is not None and a < b


def test_find_mentions_full_width_brackets_and_case():
    text = "每千人口执业（助理）医师数达到3人，gdp增长"
    got = [(i, text[a:b]) for i, a, b in find_indicator_mentions(text)]
    assert got == [("doctors_per_1000", "每千人口执业（助理）医师数"), ("gdp_growth", "gdp增长")]


@pytest.mark.parametrize("text", ["", "   ", "abc123", "这是一句没有任何指标的话。"])
def test_find_mentions_nothing(text):
    assert find_indicator_mentions(text) == []


def test_find_mentions_is_fast_and_linear():
    unit = "全县学前三年毛入园率达到92%，普惠性幼儿园覆盖率达到85%，推进各项工作。" * 10
    find_indicator_mentions(unit)  # build the regex once
    t0 = time.perf_counter()
    n1 = len(find_indicator_mentions(unit * 100))
    t1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    n2 = len(find_indicator_mentions(unit * 400))
    t4 = time.perf_counter() - t0
    assert n2 == 4 * n1
    # time per size is printed, not asserted (bench/extract.py --linearity measures it; a
    # timed assertion fails on a loaded machine)
    print(f"find_indicator_mentions: 100x {t1:.3f}s, 400x {t4:.3f}s")


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is in the test extras
    given = None

if given is not None:

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=6)))
    def test_never_raises(phrase, unit):
        got = match_indicator(phrase, unit)
        assert got is None or get(got) is not None
        for i, a, b in find_indicator_mentions(phrase):
            assert get(i) is not None and 0 <= a < b <= len(phrase)


# ---------------------------------------------------------------- segmentation


@pytest.mark.parametrize(
    "sentence,term",
    [
        ("到2025年全县学前三年毛入园率达到92%以上", "学前三年毛入园率"),
        ("普惠性幼儿园覆盖率达到85%", "普惠性幼儿园覆盖率"),
        ("九年义务教育巩固率保持在97%以上", "九年义务教育巩固率"),
        ("全面消除56人以上大班额", "56人以上大班额"),
        ("农村自来水普及率达到88%", "农村自来水普及率"),
        ("城镇调查失业率控制在5.5%左右", "城镇调查失业率"),
    ],
)
def test_segmentation_keeps_catalogue_terms_whole(sentence, term):
    from policytrack.lexicons.segment import cut

    assert term in cut(sentence)


# ---------------------------------------------------------------- real gold (../shared)


def _gold_indicator_pairs() -> list[tuple[str, str]]:
    gold = SHARED / "gold"
    if not gold.is_dir():
        pytest.skip(f"shared gold not found at {gold} (expected ../shared beside the checkout)")
    pairs = []
    for p in sorted(gold.glob("*.jsonl")) + sorted((gold / "passages").glob("*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                unit = r.get("unit") if "value" in r else (r.get("target") or {}).get("unit")
                pairs.append((r["indicator"], unit or ""))
    return pairs


def test_gold_coverage_floor(capsys):
    pairs = _gold_indicator_pairs()
    hit = sum(1 for p, u in pairs if match_indicator(p, u or None))
    held = [(p, u) for p, u in pairs if int(hashlib.sha1(p.encode()).hexdigest(), 16) % 10 < 3]
    hit_held = sum(1 for p, u in held if match_indicator(p, u or None))
    with capsys.disabled():
        print(f"\ngold indicator records mapped: {hit}/{len(pairs)}; held-out split {hit_held}/{len(held)}")
    # many gold indicators are one-off projects (…幼儿园建设项目) with no catalogue concept
    assert hit / len(pairs) >= 0.45


# ---------------------------------------------------------------- bad data


@pytest.mark.parametrize(
    "data,problem",
    [
        ({"version": 1}, "'indicators' list"),
        ({"indicators": [{"id": "a", "name": "甲"}]}, "lacks unit"),
        ({"indicators": [{"id": "Bad-Id", "name": "甲", "unit": "", "direction": "higher", "domain": "x", "kind": "rate"}]}, "snake_case"),
        ({"indicators": [{"id": "a", "name": "甲", "unit": "", "direction": "up", "domain": "x", "kind": "rate"}]}, "direction"),
        ({"indicators": [
            {"id": "a", "name": "甲", "unit": "", "direction": "higher", "domain": "x", "kind": "rate"},
            {"id": "b", "name": "乙", "synonyms": ["甲"], "unit": "", "direction": "higher", "domain": "x", "kind": "rate"},
        ]}, "belongs to both"),
    ],
)
def test_bad_catalogue_gives_one_line_error_naming_the_file(monkeypatch, data, problem):
    monkeypatch.setattr(ind, "load_yaml", lambda name: data)
    ind._data.cache_clear()
    ind.catalogue.cache_clear()
    try:
        with pytest.raises(ind.CatalogueError) as exc:
            ind.catalogue()
        msg = str(exc.value)
        assert "indicators.yaml" in msg and problem in msg and "\n" not in msg
    finally:
        monkeypatch.undo()
        ind._data.cache_clear()
        ind.catalogue.cache_clear()
