"""The five real documents in ../shared/corpus/seeds: metadata, outline and furniture."""

from __future__ import annotations

from pathlib import Path

import pytest

from policytrack.extract.outline import section_at
from policytrack.ingest import parse_file

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"


def _seed(prefix: str) -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"shared seed documents not found at {SEEDS} (they live beside the checkout)")
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix} missing in {SEEDS}")
    return found[0]


_cache: dict[str, object] = {}


def parsed(prefix: str):
    if prefix not in _cache:
        _cache[prefix] = parse_file(_seed(prefix))
    return _cache[prefix]


# (seed, title, issuer choices, date, region, admin_level, doc_type)
EXPECTED = [
    ("000", "清涧县义务教育优质均衡发展工作规划", {"清涧县人民政府办公室"}, "2021-11-24", "清涧县", "county", "plan"),
    ("001", "吴忠市利通区教育事业发展“十四五”规划", {"利通区政府办公室", "吴忠市利通区人民政府办公室"}, "2022-05-05", "利通区", "district", "plan"),
    # the page stamp says 发布时间 2017/8/2 and a cover says 二〇一七年八月, but the signature
    # block at the end is dated 2017年8月10日: the most precise signature date wins.
    ("002", "阳谷县推进义务教育均衡发展工作自评报告", {"阳谷县人民政府"}, "2017-08-10", "阳谷县", "county", "report"),
    # a county education bureau's summary: no place name anywhere, only 全县/县委
    ("003", "教育局工作总结及下一步工作安排", {"教育局"}, "2022-11-25", None, "county", "report"),
    # body only: no title, signature or date in the text; 我市/市教育局 give the level
    ("004", None, {None}, None, None, "city", "plan"),
]


@pytest.mark.parametrize("seed,title,issuers,date,region,level,doc_type", EXPECTED)
def test_seed_metadata(seed, title, issuers, date, region, level, doc_type):
    m = parsed(seed).meta
    assert m.title == title
    assert m.issuer in issuers
    assert m.date == date
    assert m.region == region
    assert m.admin_level == level
    assert m.doc_type == doc_type


def test_seed_001_disclosure_fields_and_notice():
    m = parsed("001").meta
    assert m.doc_number == "吴利政办发〔2022〕46号"
    assert m.index_no == "640302001/2022-00496"
    assert m.notice_title == "关于印发《吴忠市利通区教育事业发展“十四五”规划》的通知"
    assert m.attachments == ["吴忠市利通区教育事业发展“十四五”规划主要目标任务一览表"]


def test_seed_000_cited_numbers_are_not_its_own():
    m = parsed("000").meta
    assert m.doc_number is None  # 中发〔2019〕26号 etc. are cited, not this document's
    assert m.notice_title.startswith("清涧县人民政府办公室关于印发")


def test_seed_003_report_year():
    assert parsed("003").meta.report_year == 2020


# (seed, number of headings, some paths that must exist)
OUTLINES = [
    ("000", 53, ["一、", "四、（一）1.".replace("（", "(").replace("）", ")"), "六、(四)"]),
    ("001", 61, ["三、(九)27.", "四、(四)", "二、(三)7."]),
    ("002", 20, ["二、(三)3、", "五、"]),
    ("003", 42, ["五、(二)2.", "四、(一)7."]),
    ("004", 12, ["一、(二)", "二、(四)", "三、(三)"]),
]


@pytest.mark.parametrize("seed,count,paths", OUTLINES)
def test_seed_outline(seed, count, paths):
    doc = parsed(seed)
    got = [n.path for n in doc.outline]
    assert len(got) == count
    for p in paths:
        assert p in got
    for n in doc.outline:
        assert doc.text[n.start : n.start + len(n.label)] == n.label


def test_seed_004_runon_sections_and_responsibility_blocks():
    doc = parsed("004")
    titles = [n.title for n in doc.outline if n.level == 1]
    assert titles == ["总体要求", "重点任务", "保障措施"]
    # "小学一、二年级" is body text, not a heading
    assert "一、" not in [n.label for n in doc.outline if n.path == "二、(四)一、"]
    i = doc.text.index("(责任单位:市政府教育督导室)")
    assert section_at(doc.outline, i) == "三、(三)"
    assert len(doc.text) > 3000 and "\n" not in doc.text.strip()[:100]


def test_seed_001_flattened_indicator_table_is_not_outline():
    doc = parsed("001")
    # the plan's indicator table, pasted as one cell per line, restarts at 1.; those are rows
    under = [n.path for n in doc.outline if n.path.startswith("二、(三)")]
    assert under == ["二、(三)"] + [f"二、(三){i}." for i in range(1, 8)]


FURNITURE = ["当前位置", "您现在的位置", "关闭窗口", "关闭本页", "ICP", "公网安备", "扫一扫", "主办单位", "版权所有", "技术支持", "设为首页", "今天是", "打印该页", "点击:", "【字体", "下载:"]


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_seed_no_furniture(seed):
    doc = parsed(seed)
    for f in FURNITURE:
        assert f not in doc.text, f
    raw = _seed(seed).read_text(encoding="utf-8")
    if seed == "004":
        assert doc.text == raw.strip()  # nothing to remove, nothing removed


def test_seed_paragraphs_cover_text_and_carry_sections():
    doc = parsed("001")
    for p in doc.paragraphs:
        assert 0 <= p.start < p.end <= len(doc.text)
        assert "\n" not in doc.text[p.start : p.end]
    i = doc.text.index("(四)强化结果运用")
    para = next(p for p in doc.paragraphs if p.start == i)
    assert para.section == "四、(四)"
