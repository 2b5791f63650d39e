"""Progress figures in reports: value, unit, year."""

import pytest

from policytrack.extract import extract_text

REPORT = {"date": "2021-01-10", "doc_type": "report", "title": "县教育局2020年工作总结", "report_year": 2020}


def progress(text, meta=REPORT):
    return [r for r in extract_text(text, meta, doc="t") if r.type == "progress"]


DEVELOPED = [
    ("全县学前三年毛入园率93.2%。", 93.2, "%", 2020),
    ("普惠性幼儿园覆盖率达76.63%。", 76.63, "%", 2020),
    ("2019年有3名学生升入本科。", 3, "人", 2019),
    ("发放资助金151.525万元。", 151.525, "万元", 2020),
    ("学生用上下床7000余张。", 7000, "张", 2020),
    ("综合差异系数初中为0.50。", 0.50, "", 2020),  # a coefficient has no unit
]
EVALUATED = [
    ("全年基本养老保险新增参保13.5万人。", 135000, "人", 2020),
    ("清理林带、沟渠281.5公里。", 281.5, "公里", 2020),
    ("一般公共预算收入比上年增长16%。", 16, "%", 2020),
]


@pytest.mark.parametrize("text,value,unit,year", DEVELOPED + EVALUATED)
def test_progress_figure(text, value, unit, year):
    ps = progress(text)
    if value is None:
        assert ps == []
        return
    assert len(ps) == 1, [p.quote for p in ps]
    p = ps[0]
    assert (p.value, p.unit, p.year) == (pytest.approx(value), unit, year)
    assert text[p.start:p.end] == p.quote


def test_target_sentence_in_a_report_is_not_progress():
    text = "2021年工作安排：力争学前三年毛入园率达到95%以上。"
    assert progress(text) == []


def test_previous_year_comparison():
    (p,) = progress("城镇居民人均收入比上年25758.93元。")
    assert p.year == 2019


def test_paragraph_opening_year_carries_over():
    ps = progress("2016年，全县小学入学率100%，巩固率99.73%。")
    assert [(p.value, p.year) for p in ps] == [(100, 2016), (99.73, 2016)]


def test_repeated_block_is_recorded_once():
    block = "全年全县新增就业岗位1200个，城镇登记失业率3.5%。"
    ps = progress(block + "\n" + block)
    assert len(ps) == 2


# bugs caught
def test_age_is_not_a_figure():
    assert [p.value for p in progress("全县6—15周岁残疾儿童入学率为97.6%。")] == [97.6]


def test_year_of_a_document_title_is_not_the_figure_year():
    ps = progress("据《纲要(2011—2020年)》监测，全国幼儿园专任教师291.3万人。")
    assert ps and ps[0].year == 2020 and ps[0].value == 2913000


def test_start_value_of_a_change_is_progress_and_baseline():
    text = "力争使全省公办幼儿园所占比例由目前的12%提高至30%以上。"
    recs = extract_text(text, {"date": "2016-02-22"}, doc="t")
    kinds = {(r.type, r.value if r.type == "progress" else r.target.value) for r in recs}
    assert kinds == {("progress", 12), ("commitment", 30)}
    (c,) = [r for r in recs if r.type == "commitment"]
    assert c.baseline.value == 12 and c.target.op == ">="


@pytest.mark.parametrize("text", ["我来说两句 0人参与", "开展专题学习29次。", "还需提高0.5个百分点。", "连续12年保持在4%以上"[:7]])
def test_not_progress(text):
    assert progress(text) == []


# bugs caught on the seeds' misses (phrases written for the tests, same shapes)
BUGS_CAUGHT = [
    # a bare 万 after a money word is 万元
    ("全年投入设备购置资金356.8万。", [(356.8, "万元")]),
    # 计划 inside a programme name is not a plan
    ("学生营养改善计划覆盖4120人。", [(4120, "人")]),
    # 应 inside 应用率 is not 应 (must)
    ("教学平台应用率、资源开通率均达到100%。", [(100, "%"), (100, "%")]),
    # one figure shared by a list of indicators: one record each
    ("校园监控配备率、安保人员配备率、食堂公示率均为100%。", [(100, "%")] * 3),
    # 已于…底 dates what was done, it is no deadline
    ("本年度招聘教师312人，已于9月底全部到岗。", [(312, "人")]),
    # a coefficient or index without a unit
    ("校际综合差异系数小学为0.42。", [(0.42, "")]),
    # the territory a report describes is not an outcome
    ("全县辖12个镇、2个街道，共有中小学86所。", [(86, "所")]),
    ("督导组深入全县9个乡镇开展检查，整改隐患43处。", [(43, "处")]),
    # 加强现有N个…: the count picks out what a process applies to
    ("加强现有6个资源教室建设，新增随班就读学生35人。", [(35, "人")]),
]


@pytest.mark.parametrize("text,expected", BUGS_CAUGHT)
def test_bugs_caught(text, expected):
    assert [(p.value, p.unit) for p in progress(text)] == [(pytest.approx(v), u) for v, u in expected]


def test_reposted_summary_takes_its_year_from_the_review_heading():
    text = "工作总结及下一步工作安排\n时间:2023-06-01 10:00:00\n一、2021年工作总结\n全县新建幼儿园4所，招聘教师120人。\n"
    ps = progress(text, {"date": "2023-06-01", "doc_type": "report", "title": "工作总结及下一步工作安排"})
    assert {(p.value, p.year) for p in ps} == {(4, 2021), (120, 2021)}


def test_bugs_caught_year_opening_a_semicolon_run_carries_over():
    text = "一、基本情况\n全县共有学校40所。2019年，全县小学入学率100%；初中巩固率98.6%。\n"
    ps = progress(text, {"date": "2021-03-01", "doc_type": "report", "title": "义务教育均衡发展自评报告"})
    assert [(p.value, p.year) for p in ps if p.unit == "%"] == [(100, 2019), (98.6, 2019)]
