"""Deadlines, start dates and reference years, resolved against the document date."""

import pytest

from policytrack.extract.deadlines import find_times, plan_end_year


def times(text, doc_year=2022, plan_end=2025):
    return [(t.kind, t.value) for t in find_times(text, 0, len(text), doc_year, plan_end)]


DEVELOPED = [
    ("到2025年,建成", [("deadline", "2025")]),
    ("2019年8月底前完成", [("deadline", "2019-08")]),
    ("2020年秋季开学前", [("deadline", "2020-09")]),
    ("年底前实现", [("deadline", "2022-12")]),
    ("十四五期间新建", [("deadline", "2025")]),
    ("“十四五”时期", [("deadline", "2025")]),
    ("规划期内", [("deadline", "2025")]),
    ("2021年起", [("start", "2021")]),
    ("3年内", [("deadline", "2025")]),
    ("2020年底", [("deadline", "2020-12")]),
    ("2020年全县", [("year", "2020")]),
]
EVALUATED = [
    ("2017年年底前", [("deadline", "2017-12")]),
    ("12月底前完成", [("deadline", "2022-12")]),
    ("力争在2025年5月底前完成", [("deadline", "2025-05")]),
    ("年内", [("deadline", "2022")]),
    ("“十三五”末", [("deadline", "2020")]),
]
BUGS = [
    ("《纲要(2011—2020年)》", True),  # a title's period is not the figure's year
    ("比2010年提高", True),  # a comparison year
    ("2011年以来", True),
]


@pytest.mark.parametrize("text,expected", DEVELOPED + EVALUATED)
def test_times(text, expected):
    assert times(text) == expected


@pytest.mark.parametrize("text,compare", BUGS)
def test_comparison_years_are_marked(text, compare):
    ts = find_times(text, 0, len(text), 2022, None)
    assert ts and all(t.compare == compare for t in ts)


def test_relative_needs_a_document_date():
    assert times("年底前实现", doc_year=None) == []


@pytest.mark.parametrize("title,end", [("吴忠市利通区教育事业发展“十四五”规划", 2025), ("实施方案(2019—2022年)", 2022), ("工作要点", None)])
def test_plan_end_year(title, end):
    assert plan_end_year(title, "") == end


# bugs caught after the first scorer runs
@pytest.mark.parametrize("text,expected", [
    ("今年以来，县财政局拨付", [("year", "2022")]),  # 今年以来 dates a report, it is not a deadline
    ("请于4月30日前报市政府", [("deadline", "2022-04-30")]),
    ("新建项目9月建成投用", [("deadline", "2022-09")]),
    ("截至2025年年底，全市共有", [("year", "2025-12")]),
    ("从2020年的6.46张增加到2023年的7.23张", [("year", "2020"), ("year", "2023")]),
    ("今年起，将2年新改扩建", [("start", "2022"), ("deadline", "2023")]),
    ("争取2023年暑期开工", [("deadline", "2023-08")]),  # a holiday as a deadline means by its end
    ("2024年寒假完成改造", [("deadline", "2024-02")]),
    # session 5: a term with no year is the document year's (a report's 下半年 plans)
    ("确保城北小学秋季开学前投入使用", [("deadline", "2022-09")]),
    ("春季学期开学前完成维修", [("deadline", "2022-03")]),
    ("今年秋季学期开学前完成", [("deadline", "2022"), ("deadline", "2022-09")]),
])
def test_bugs_caught(text, expected):
    assert times(text) == expected


def test_spaced_comparison_year():
    text = "浓度比 2015 年下降 18%以上"
    ts = find_times(text, 0, len(text), 2018, None)
    assert ts and ts[0].compare
