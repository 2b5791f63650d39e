"""PDF ingestion on generated documents: layout repair, tables, engines agree, failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest_fixtures import TITLE, make_pdf, make_scanned_pdf
from policytrack.ingest import IngestError, parse_file
from policytrack.ingest import pdf as pdfmod

BROKEN_PARA = "2.推进义务教育优质均衡发展。实施学校标准化建设工程，改善农村学校办学条件，到2024年所有义务教育学校达到省定办学标准，县域义务教育优质均衡发展通过国家督导评估认定。"


@pytest.fixture(scope="module")
def pdf_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def broken_across_pages(pdf_dir) -> Path:
    # the body is pushed down so paragraph "2." starts on page 1 and ends on page 2
    return make_pdf(pdf_dir / "broken.pdf", start_offset=350, page_numbers="cn")


def test_sentence_broken_by_page_break_is_joined(broken_across_pages):
    raw = pdfmod._read_pages(broken_across_pages, "auto")
    # really split over the break: starts on page 1, last line on page 2
    assert len(raw) == 2
    assert any(ln.text.startswith("2.推进义务教育") for ln in raw[0].lines)
    assert any(ln.text == "国家督导评估认定。" for ln in raw[1].lines)
    doc = parse_file(broken_across_pages)
    assert BROKEN_PARA in doc.text.split("\n")
    para = next(p for p in doc.paragraphs if doc.text[p.start : p.end] == BROKEN_PARA)
    assert para.page == 1 and para.section == "二、2."


def test_running_head_and_page_numbers_removed_title_kept(broken_across_pages):
    doc = parse_file(broken_across_pages)
    lines = doc.text.split("\n")
    assert lines[0] == TITLE and lines.count(TITLE) == 1  # the page-2 running head is gone
    assert not re.search(r"第\d+页|共\d+页|— \d+ —", doc.text)
    assert doc.meta.title == TITLE and doc.meta.doc_type == "plan"


def test_table_rows_tab_separated_and_recorded(pdf_dir):
    doc = parse_file(make_pdf(pdf_dir / "table.pdf", page_numbers="dash"))
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert t.rows[0] == ["指标", "2020年基数", "2025年目标", "属性"]
    assert t.rows[1] == ["学前三年毛入园率（%）", "93.91", "95", "预期性"]
    assert doc.text[t.start : t.end] == "\n".join("\t".join(r) for r in t.rows)
    assert t.page == 1
    kinds = {doc.text[p.start : p.end]: p.kind for p in doc.paragraphs}
    assert kinds["指标\t2020年基数\t2025年目标\t属性"] == "table_row"
    # table cell text is not duplicated as loose text lines
    assert doc.text.count("93.91") == 1


def test_wrapped_lines_joined_without_spaces(pdf_dir):
    doc = parse_file(make_pdf(pdf_dir / "wrap.pdf"))
    lines = doc.text.split("\n")
    assert "到2025年，学前三年毛入园率达到95%以上，普惠性幼儿园覆盖率达到90%，义务教育巩固率保持在99%以上，高中阶段毛入学率达到96%，全面消除56人以上大班额。" in lines
    assert not re.search(r"[\u4e00-\u9fff] +\d|\d +[\u4e00-\u9fff]", doc.text)
    assert [n.path for n in doc.outline] == ["一、", "一、（一）", "二、", "二、1.", "二、2."]


def test_pages_per_paragraph(pdf_dir):
    doc = parse_file(make_pdf(pdf_dir / "multi.pdf", repeat=8))
    assert doc.pages >= 3
    pages = [p.page for p in doc.paragraphs]
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] == doc.pages


@pytest.mark.parametrize("repeat", [1, 5])
def test_fast_engine_matches_pdfplumber(pdf_dir, repeat):
    """pdfium text + pdfplumber tables gives exactly pdfplumber-only content."""
    path = make_pdf(pdf_dir / f"eq{repeat}.pdf", repeat=repeat, start_offset=350)
    fast, n1 = pdfmod.read_pdf(path)
    ref, n2 = pdfmod.read_pdf(path, engine="pdfplumber")
    assert n1 == n2
    assert [(b.text, b.rows, b.page) for b in fast] == [(b.text, b.rows, b.page) for b in ref]


def test_fast_engine_line_boxes_are_advance_boxes(pdf_dir):
    """The paragraph joiner compares line edges with the text block's edges, so the fast
    engine must report pdfplumber's advance-width geometry, not glyph ink (which moves
    with the substitute font installed on the machine: '…2023年底前' once looked short
    and cut its paragraph; '（' and '。' have most of their ink on one side)."""
    path = make_pdf(pdf_dir / "boxes.pdf", start_offset=350)
    fast = pdfmod._read_pages(path, "auto")
    ref = pdfmod._read_pages(path, "pdfplumber")
    for pf, pr in zip(fast, ref):
        assert [ln.text for ln in pf.lines] == [ln.text for ln in pr.lines]
        for a, b in zip(pf.lines, pr.lines):
            assert abs(a.x0 - b.x0) < 0.5 and abs(a.x1 - b.x1) < 0.5, (a, b)
            assert abs(a.bottom - b.bottom) < 2.0, (a, b)
    short = [ln for p in fast for ln in p.lines if ln.text in ("局。", "（一）发展目标")]
    assert len(short) == 2 and all(abs(ln.x0 - ln_ref.x0) < 0.5 for ln, ln_ref in zip(short, [l for p in ref for l in p.lines if l.text in ("局。", "（一）发展目标")]))


def test_fast_engine_matches_pdfplumber_on_latin_and_mixed_lines(pdf_dir):
    """Word spaces in Latin text survive, spaces between CJK and digits do not, in both engines."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from ingest_fixtures import _font

    path = pdf_dir / "latin.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = 780
    for text, font in [("Annual Report of the County Education Bureau 2023", "Helvetica"),
                       ("学前三年毛入园率达到 95% ，比上年提高 2.1 个百分点", _font()),
                       ("GDP growth 5.2 percent, see Table 3 (p. 12)", "Helvetica"),
                       ("全县共有中小学 56 所，其中 iPad 教室 12 间", _font())]:
        c.setFont(font, 12)
        c.drawString(72, y, text)
        y -= 40  # paragraph spacing: each line its own block
    c.showPage()
    c.save()
    fast, _ = pdfmod.read_pdf(path)
    ref, _ = pdfmod.read_pdf(path, engine="pdfplumber")
    assert [b.text for b in fast] == [b.text for b in ref]
    text = "\n".join(b.text for b in fast)
    assert "Annual Report of the County Education Bureau 2023" in text
    assert "see Table 3 (p. 12)" in text and "达到95%，比上年提高2.1个百分点" in text and "其中 iPad 教室12间" in text


@pytest.fixture(scope="module")
def office_pdf(pdf_dir) -> Path:
    """A PDF exported by LibreOffice from the generated DOCX: embedded subset fonts and a
    table drawn without rules, as many Word-made government PDFs are."""
    import subprocess

    from ingest_fixtures import make_docx
    from policytrack.ingest import legacy

    soffice = legacy.find_soffice()
    if soffice is None:
        pytest.skip("LibreOffice (soffice) not installed: apt-get install libreoffice-writer")
    src = make_docx(pdf_dir / "office.docx")
    subprocess.run([soffice, f"-env:UserInstallation=file://{pdf_dir}/prof", "--headless", "--convert-to", "pdf",
                    "--outdir", str(pdf_dir / "office"), str(src)], capture_output=True, timeout=180, check=False)
    out = pdf_dir / "office" / "office.pdf"
    assert out.exists(), "soffice is installed but did not export a PDF"
    return out


def test_office_pdf_engines_agree_and_unruled_rows_stand_alone(office_pdf):
    fast, _ = pdfmod.read_pdf(office_pdf)
    ref, _ = pdfmod.read_pdf(office_pdf, engine="pdfplumber")
    assert [(b.text, b.rows) for b in fast] == [(b.text, b.rows) for b in ref]
    doc = parse_file(office_pdf)
    lines = doc.text.split("\n")
    # the paragraph before the table ends where it ends: the header row is not glued to it
    assert any(ln.endswith("全面消除56人以上大班额。") for ln in lines)
    assert "指标\t2020年基数\t2025年目标\t属性" in lines
    assert "学前三年毛入园率\t93.91\t95\t预期性" in lines
    kinds = {doc.text[p.start : p.end]: p.kind for p in doc.paragraphs}
    assert kinds["指标\t2020年基数\t2025年目标\t属性"] == "table_row"
    assert doc.meta.title == TITLE and doc.meta.date == "2021-09-15"


def test_parallel_pages_match_serial(pdf_dir, monkeypatch):
    """Pages split over the worker pool give the same blocks as one process."""
    path = make_pdf(pdf_dir / "par.pdf", repeat=12, start_offset=350)
    monkeypatch.setattr(pdfmod, "PARALLEL_MIN_PAGES", 10_000)
    serial, n = pdfmod.read_pdf(path)
    monkeypatch.setattr(pdfmod, "PARALLEL_MIN_PAGES", 2)
    monkeypatch.setattr(pdfmod, "_in_worker", lambda: False)  # e.g. under pytest-xdist
    parallel, _ = pdfmod.read_pdf(path)
    assert n >= 4 and pdfmod._POOL is not None  # the pool ran (a failed pool is dropped)
    assert [(b.text, b.rows, b.page) for b in serial] == [(b.text, b.rows, b.page) for b in parallel]


# ---------------------------------------------------------------- failures


def _err(path: Path, **kw) -> str:
    with pytest.raises(IngestError) as ei:
        parse_file(path, **kw)
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(path.name + ": ")
    return msg


def test_scanned_pdf(pdf_dir):
    assert _err(make_scanned_pdf(pdf_dir / "scan.pdf")).endswith("no text layer (scanned document?)")


def test_encrypted_pdf(pdf_dir):
    assert "encrypted PDF" in _err(make_pdf(pdf_dir / "locked.pdf", encrypt="secret"))


def test_truncated_pdf(pdf_dir):
    good = make_pdf(pdf_dir / "whole.pdf", repeat=3).read_bytes()
    cut = pdf_dir / "cut.pdf"
    cut.write_bytes(good[: len(good) // 2])
    assert "truncated or damaged PDF" in _err(cut)


def test_garbage_with_pdf_extension(pdf_dir):
    p = pdf_dir / "garbage.pdf"
    p.write_bytes(bytes(range(256)) * 40)
    assert "not a PDF file" in _err(p)


def test_empty_pdf(pdf_dir):
    p = pdf_dir / "empty.pdf"
    p.write_bytes(b"")
    assert _err(p) == "empty.pdf: empty file"


def test_oversized_pdf(pdf_dir):
    p = make_pdf(pdf_dir / "big.pdf")
    assert "file too large" in _err(p, max_bytes=1000)
