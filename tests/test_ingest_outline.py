"""Outline detection: heading forms, paths, ranges, run-on text, false positives."""

from __future__ import annotations

import pytest

from policytrack.extract.outline import build_outline, cn_to_int, section_at


def paths(text: str) -> list[str]:
    return [n.path for n in build_outline(text)]


# developed on: the forms in the issue and the seed documents
DEVELOPED = [
    ("一、总则\n内容\n二、目标\n内容", ["一、", "二、"]),
    ("一、总则\n（一）指导思想\n文字\n（二）基本原则\n文字", ["一、", "一、（一）", "一、（二）"]),
    ("一、总则\n(一)指导思想\n1.坚持党的领导\n(1)加强组织\n①建立机制\n②完善制度", ["一、", "一、(一)", "一、(一)1.", "一、(一)1.(1)", "一、(一)1.(1)①", "一、(一)1.(1)②"]),
    ("三、任务\n（二）均衡\n5、改善条件", ["三、", "三、（二）", "三、（二）5、"]),
    ("十一、附则\n十二、其他", ["十一、", "十二、"]),
]

# evaluated on: forms written after the rules were fixed
EVALUATED = [
    ("一、总体要求\n二、主要任务\n（一）学前教育\n1．扩大资源\n2．提高质量\n（二）义务教育", ["一、", "二、", "二、（一）", "二、（一）1．", "二、（一）2．", "二、（二）"]),
    ("  一、缩进标题\n  （一）缩进小标题", ["一、", "一、（一）"]),
    ("（一）没有一级标题\n（二）第二项", ["（一）", "（二）"]),
]

# bugs caught: things that look like headings but are not
BUGS = [
    ("2025年目标\n1.5倍\n95%以上", []),                       # a decimal is not "1." heading
    ("一是加强领导\n二是完善机制", []),                         # 一是 lists are not headings
    ("一、总则\n1.学前\n2.义务\n3.高中\n1.指标一\n2.指标二", ["一、", "一、1.", "一、2.", "一、3."]),  # flattened table restarting at 1.
    ("一、总则\n\t1.表格行\t95", ["一、"]),                    # a table row (TAB) is never a heading
]


@pytest.mark.parametrize("text,expected", DEVELOPED + EVALUATED + BUGS)
def test_paths(text, expected):
    assert paths(text) == expected


RUN_ON = (
    "为推进发展，制定本方案。一、总体要求(一)指导思想坚持以人民为中心，办好教育。(二)工作目标到2022年，"
    "巩固率保持在97%以上。二、重点任务(一)改善条件建设学校。小学一、二年级不布置书面作业。(责任单位:市教育局)"
    "(二)提升质量加强教研。(责任单位:市教育局、市财政局)三、保障措施(一)加强领导各部门要加强领导。" + "各地要抓好落实。" * 60
)


def test_run_on_text_inline_headings():
    nodes = build_outline(RUN_ON)
    assert [n.path for n in nodes] == ["一、", "一、(一)", "一、(二)", "二、", "二、(一)", "二、(二)", "三、", "三、(一)"]
    assert [n.title for n in nodes if n.level == 1] == ["总体要求", "重点任务", "保障措施"]
    i = RUN_ON.index("(责任单位:市教育局、市财政局)")
    assert section_at(nodes, i) == "二、(二)"
    assert section_at(nodes, 0) is None


def test_short_line_does_not_search_inline():
    # a normal-length line mentioning 一、二年级 never yields headings
    assert paths("小学一、二年级不布置书面作业。（二）是另一回事") == []


def test_ranges_nest():
    text = "一、甲\n（一）子\n内容\n（二）子二\n内容\n二、乙\n内容"
    nodes = build_outline(text)
    one, sub1, sub2, two = nodes
    assert one.end == two.start and sub1.end == sub2.start and sub2.end == two.start
    assert two.end == len(text)
    assert section_at(nodes, text.index("内容")) == "一、（一）"
    assert section_at(nodes, text.rindex("内容")) == "二、"


@pytest.mark.parametrize("s,n", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("③", 3), ("12", 12)])
def test_cn_to_int(s, n):
    assert cn_to_int(s) == n
