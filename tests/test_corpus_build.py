"""The bundled demo corpus: it rebuilds deterministically and contains what later stages
(ingest, extraction, tracking) rely on.  If someone edits corpus/src and breaks one of the
story's required elements, these tests say which."""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SRC = CORPUS / "src"
PDF_NAME = "青禾县“十四五”教育事业发展规划.pdf"
DOCX_NAME = "青禾县教育体育局2022年工作总结.docx"
HTML_NAME = "青禾县教育体育局2023年工作总结.html"
PLAN_TXT = "青禾县义务教育扩容提质实施方案.txt"
SUPERVISION_TXT = "云岭市人民政府教育督导室关于青禾县“十四五”教育事业发展规划实施情况的中期督导报告.txt"


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_corpus", REPO / "scripts" / "build_corpus.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    builder.build(SRC, out)
    return out


# ----------------------------------------------------------------------------- build


def test_build_writes_every_target(built: Path) -> None:
    for name in (PDF_NAME, DOCX_NAME, HTML_NAME):
        path = built / name
        assert path.is_file(), name
        assert path.stat().st_size > 1000, name


def test_rebuild_is_byte_identical(built: Path, tmp_path: Path) -> None:
    builder.build(SRC, tmp_path)
    for name in (PDF_NAME, DOCX_NAME, HTML_NAME):
        assert (tmp_path / name).read_bytes() == (built / name).read_bytes(), name


def test_committed_binaries_match_sources(built: Path) -> None:
    """Catches an edit to corpus/src that was not followed by a rebuild."""
    for name in (PDF_NAME, DOCX_NAME, HTML_NAME):
        committed = CORPUS / name
        assert committed.is_file(), f"{name} missing: run python3 scripts/build_corpus.py"
        assert committed.read_bytes() == (built / name).read_bytes(), (
            f"{name} is stale: run python3 scripts/build_corpus.py")


def test_cli_reports_missing_source_in_one_line(tmp_path: Path, capsys) -> None:
    assert builder.main(["--src", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "2021_plan.txt" in err and "missing" in err


def test_ragged_table_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("标题\n\n正文。\n| 指标 | 2020年基数 |\n| 入园率 | 91.5 | 95 |\n", encoding="utf-8")
    with pytest.raises(builder.BuildError, match=r"bad\.txt: table row on line 5"):
        builder.parse_source(bad)


def test_non_gbk_character_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text('<meta charset="gbk"><p>投入使用\U0001F600</p>', encoding="utf-8")
    with pytest.raises(builder.BuildError, match="no GBK encoding"):
        builder.build_html_gbk(bad, tmp_path / "out.html")


# ----------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def pdf_pages(built: Path) -> list[str]:
    pdfplumber = pytest.importorskip("pdfplumber")
    with pdfplumber.open(built / PDF_NAME) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


@pytest.fixture(scope="module")
def pdf_tables(built: Path) -> list[list[list[str]]]:
    pdfplumber = pytest.importorskip("pdfplumber")
    with pdfplumber.open(built / PDF_NAME) as pdf:
        return [t for page in pdf.pages for t in page.extract_tables()]


def test_pdf_has_several_pages_with_header_and_footer(pdf_pages: list[str]) -> None:
    assert len(pdf_pages) >= 4
    for number, text in enumerate(pdf_pages, start=1):
        lines = text.splitlines()
        assert "青政发〔2021〕12号" in lines[0]
        assert lines[-1].strip() == f"— {number} —"


def test_pdf_has_a_sentence_broken_across_a_page(pdf_pages: list[str]) -> None:
    last_body_lines = [p.splitlines()[-2] for p in pdf_pages[:-1]]
    assert any(not re.search(r"[。：；！？]$", line) and not re.search(r"[%）)]\s", line)
               for line in last_body_lines), last_body_lines


def test_pdf_lines_never_start_with_closing_punctuation(pdf_pages: list[str]) -> None:
    """Bug caught: reportlab's kinsoku list lacks the full-width ，；： of Chinese."""
    bad = [line for page in pdf_pages for line in page.splitlines() if line[:1] in "，。、；：？！）”"]
    assert bad == []


def test_html_source_without_gbk_declaration_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text('<meta charset="utf-8"><p>投入使用</p>', encoding="utf-8")
    with pytest.raises(builder.BuildError, match=r"bad\.html: HTML source must declare charset=gbk"):
        builder.build_html_gbk(bad, tmp_path / "out.html")


def test_pdf_indicator_table_is_ruled_and_complete(pdf_tables) -> None:
    tables = [t for t in pdf_tables if t and t[0][:2] == ["指标", "2020年基数"]]
    assert len(tables) == 1
    header, *rows = tables[0]
    assert header == ["指标", "2020年基数", "2025年目标", "属性"]
    assert len(rows) >= 10
    assert {r[3] for r in rows} == {"约束性", "预期性"}
    assert ["学前三年毛入园率（%）", "91.5", "≥95", "预期性"] in rows


@pytest.mark.parametrize("phrase", [
    "青禾县人民政府", "2021年6月18日", "达到95%以上", "不低于97%", "不超过45人",
    "新增义务教育学位3000个以上", "全面消除56人以上大班额", "2023年底前建成城区第三小学",
    "“十四五”期间", "（一）主要成就", "1.坚持优先发展", "县机构编制委员会办公室",
])
def test_pdf_text_carries_plan_phrases(pdf_pages: list[str], phrase: str) -> None:
    text = "".join(line for page in pdf_pages for line in page.splitlines()[1:-1])
    assert phrase in text.replace(" ", "")


# ----------------------------------------------------------------------------- DOCX


def test_docx_has_report_table_and_fixed_properties(built: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document(str(built / DOCX_NAME))
    assert len(document.tables) == 1
    rows = [[c.text for c in r.cells] for r in document.tables[0].rows]
    assert rows[0] == ["指标", "2021年", "2022年", "2025年目标"]
    assert ["56人以上大班额比例（%）", "4.6", "2.85", "0"] in rows
    assert document.core_properties.created.year == 2024
    text = "\n".join(p.text for p in document.paragraphs)
    for phrase in ("降为2.85%", "新增学位1200个", "共资助家庭经济困难学生5694人", "达到93.4%"):
        assert phrase in text
    with zipfile.ZipFile(built / DOCX_NAME) as archive:
        assert {i.date_time for i in archive.infolist()} == {builder.FIXED_ZIP_TIME}


# ----------------------------------------------------------------------------- HTML (GBK)


def test_html_is_gbk_not_utf8(built: Path) -> None:
    data = (built / HTML_NAME).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gbk")
    assert re.search(r"charset=gbk", text, re.IGNORECASE)


@pytest.mark.parametrize("furniture", [
    "当前位置：", "【字体：", "【<a href=\"javascript:window.print()\">打印</a>】",
    "关闭窗口", "扫一扫", "ICP备", "主办单位：", "索引号：", "文号：", "发布机构：", "生成日期：",
])
def test_html_has_web_furniture(built: Path, furniture: str) -> None:
    assert furniture in (built / HTML_NAME).read_bytes().decode("gbk")


@pytest.mark.parametrize("phrase", [
    "普惠园覆盖率达到86.2%",            # met early
    "消除了56人以上大班额",              # qualitative target achieved
    "未能按期在2023年秋季开学前投入使用",  # missed deadline
    "达标率为90.9%",                    # missed (target 100% by 2023年底)
    "全市学前三年毛入园率为92.6%",        # a city figure that must not count for the county
])
def test_html_reports_story_figures(built: Path, phrase: str) -> None:
    assert phrase in (built / HTML_NAME).read_bytes().decode("gbk")


# ----------------------------------------------------------------------------- 实施方案 (TXT)


@pytest.mark.parametrize("phrase", [
    "（责任单位：县教体局、县发展和改革局、县财政局）",
    "（牵头单位：县教体局；配合单位：",
    "2022年秋季开学前", "2023年8月底前", "2023年底前", "3年内", "2022年起", "年底前完成",
    "青政办发〔2022〕8号",
])
def test_implementation_plan_has_tasks_with_departments_and_deadlines(phrase: str) -> None:
    assert phrase in (CORPUS / PLAN_TXT).read_text(encoding="utf-8")


def test_every_task_in_implementation_plan_names_responsible_units() -> None:
    text = (CORPUS / PLAN_TXT).read_text(encoding="utf-8")
    tasks = re.findall(r"^\d+\..*$", text, re.MULTILINE)
    assert len(tasks) >= 8
    for task in tasks:
        assert re.search(r"（(责任单位|牵头单位)：[^）]+）$", task), task


# ----------------------------------------------------------------------------- STORY.md


def test_story_covers_every_status() -> None:
    story = (CORPUS / "STORY.md").read_text(encoding="utf-8")
    for status in ("met", "on_track", "at_risk", "missed", "no_data"):
        assert re.search(rf"\|\s*`?{status}`?\s*\|", story), status


def test_story_indicators_appear_in_the_plan_source() -> None:
    """Every indicator STORY.md tracks from the plan table is in the plan's source text."""
    plan = (SRC / "2021_plan.txt").read_text(encoding="utf-8")
    story = (CORPUS / "STORY.md").read_text(encoding="utf-8")
    names = re.findall(r"^\|\s*P\d+\s*\|\s*([^|（(]+)", story, re.MULTILINE)
    assert len(names) >= 10
    for name in names:
        assert name.strip() in plan, name


def _story_indicator_rows() -> list[list[str]]:
    story = (CORPUS / "STORY.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*P\d+\s*\|.*$", story, re.MULTILINE)
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows]


def test_story_figures_are_the_ones_the_documents_report(built: Path) -> None:
    """STORY.md's table and the documents must not drift apart: each figure it lists is
    in the plan table (2020), the DOCX table (2021, 2022) or the GBK page (2023)."""
    plan = (SRC / "2021_plan.txt").read_text(encoding="utf-8")
    docx_src = (SRC / "2022_summary.txt").read_text(encoding="utf-8")
    html = (built / HTML_NAME).read_bytes().decode("gbk")
    checked = 0
    for _id, name, _target, y2020, y2021, y2022, y2023, *_ in _story_indicator_rows():
        plan_row = next(line for line in plan.splitlines() if line.startswith(f"| {name}"))
        if y2020 != "–":
            assert f"| {y2020} |" in plan_row, (name, y2020)
            checked += 1
        for value in (y2021, y2022):
            if value != "–":
                assert re.search(rf"\|\s*{re.escape(value)}\s*\|", docx_src), (name, value)
                checked += 1
        if re.fullmatch(r"[\d.]+", y2023):
            assert re.search(rf"{re.escape(y2023)}(%|元)", html), (name, y2023)
            checked += 1
    assert checked >= 30


@pytest.mark.parametrize("phrase", [
    "云教督〔2024〕5号", "2024年3月20日",
    "学前三年毛入园率为94.1%",            # conflicts with the HTML's 94.3%
    "全市普惠性幼儿园覆盖率为84.7%",       # city figure, not the county's
    "（责任单位：青禾县教育体育局、青禾县财政局）",
    "2024年9月底前",
])
def test_supervision_report_has_conflict_and_jurisdiction_cases(phrase: str) -> None:
    assert phrase in (CORPUS / SUPERVISION_TXT).read_text(encoding="utf-8")
