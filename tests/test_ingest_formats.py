"""DOCX, HTML (GBK and friends), TXT encodings, legacy .doc, overrides and failures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ingest_fixtures import PARAS, TITLE, make_docx, make_html
from policytrack.ingest import IngestError, parse_file
from policytrack.ingest import legacy
from policytrack.models import DocMeta

TABLE_ROW = "学前三年毛入园率（%）\t93.91\t95\t预期性"


def _err(path: Path, **kw) -> str:
    with pytest.raises(IngestError) as ei:
        parse_file(path, **kw)
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(path.name + ": "), msg
    return msg


# ---------------------------------------------------------------- DOCX


def test_docx_order_tables_merged_cells_no_header_footer(tmp_path):
    doc = parse_file(make_docx(tmp_path / "plan.docx"))
    lines = doc.text.split("\n")
    assert lines[0] == TITLE
    assert "页眉" not in doc.text and "第 1 页" not in doc.text
    # the table sits between （一）发展目标's paragraph and 二、主要任务, as in the file
    i = lines.index(TABLE_ROW)
    assert lines[i - 2].startswith("到2025年") and lines[i + 3] == "二、主要任务"
    t = doc.tables[0]
    assert t.rows[2] == ["义务教育巩固率（%）", "98.5", "99", "约束性"]
    assert t.rows[3] == ["普惠性幼儿园覆盖率（%）", "85", "90", ""]  # merged 属性 cell read once
    assert doc.text.count("约束性") == 1
    m = doc.meta
    assert (m.title, m.issuer, m.date, m.doc_type) == (TITLE, "某某县人民政府", "2021-09-15", "plan")


def test_docx_garbage(tmp_path):
    p = tmp_path / "x.docx"
    p.write_bytes(b"\x00\x01garbage" * 100)
    assert "not a valid DOCX file" in _err(p)


def test_docx_zip_but_not_docx(tmp_path):
    import zipfile

    p = tmp_path / "y.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "DOCX" in _err(p)


# ---------------------------------------------------------------- HTML


def _html_doc(path: Path, route: str):
    from policytrack.ingest.document import assemble
    from policytrack.ingest.html import read_html

    if route == "trafilatura":  # the reference engine, forced
        return assemble(read_html(path, engine="trafilatura"), fmt="html", path=path, web=True)
    return parse_file(path)


@pytest.mark.parametrize("route", ["cms-container", "main-container", "trafilatura"])
@pytest.mark.parametrize("charset", ["gbk", "gb2312", "gb18030", "utf-8"])
def test_html_charsets_main_text_and_disclosure(tmp_path, charset, route):
    p = make_html(tmp_path / f"p_{charset}.html", charset=charset, container=route == "cms-container")
    doc = _html_doc(p, route)
    for furniture in ["当前位置", "【打印】", "关闭窗口", "扫一扫", "ICP", "公网安备", "主办单位", "分享到", "办事服务"]:
        assert furniture not in doc.text, furniture
    assert TABLE_ROW in doc.text.split("\n")
    m = doc.meta
    assert m.title == "某某县2023年教育工作要点"
    assert m.doc_number == "某政办发〔2023〕12号"
    assert m.index_no == "11520000/2023-00123"
    assert m.date == "2023-03-06"  # signature date beats 生成日期 2023-03-08
    assert m.issuer == "某某县人民政府办公室"
    assert m.attachments == ["某某县2023年教育重点工作任务分解表"]


@pytest.mark.parametrize("container", [True, False], ids=["cms-container", "main-container"])
def test_html_fast_paths_match_trafilatura(tmp_path, container):
    from policytrack.ingest.document import assemble
    from policytrack.ingest.html import read_html

    p = make_html(tmp_path / "eq.html", container=container)
    fast = assemble(read_html(p), fmt="html", path=p, web=True)
    ref = assemble(read_html(p, engine="trafilatura"), fmt="html", path=p, web=True)
    assert fast.text == ref.text and fast.tables == ref.tables


PROSE = "为推进全县教育事业高质量发展，根据上级有关文件精神，结合本县实际，制定本方案。"


def _page(body: str) -> str:
    return f"<html><head><title>t</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    "body, expected",
    [
        # one article element holding all prose, menus and footers around it
        ("<div class='nav'><a href='/'>首页</a><a href='/a'>政务公开</a></div><div id='art'>" + f"<p>{PROSE}</p>" * 6
         + "</div><div class='foot'>主办单位：某某县人民政府办公室</div>", "art"),
        # text directly in a div, lines separated by <br>
        ("<div id='art'>" + f"{PROSE}<br>" * 6 + "</div>", "art"),
        # prose split over two sibling containers: ambiguous, trafilatura decides
        ("<div id='a'>" + f"<p>{PROSE}</p>" * 3 + "</div><div id='b'>" + f"<p>{PROSE}</p>" * 3 + "</div>", None),
        # prose only inside links (a list of news headlines): not an article
        ("<ul id='list'>" + f"<li><a href='/x'>{PROSE}</a></li>" * 6 + "</ul>", None),
        # too little text to judge
        (f"<div id='art'><p>{PROSE}</p></div>", None),
        # an article with a long comment block beside it (20% of the prose): ambiguous
        ("<div id='art'>" + f"<p>{PROSE}</p>" * 4 + "</div><div id='c'>" + f"<p>{PROSE}</p>" * 2 + "</div>", None),
    ],
    ids=["article", "br-lines", "split", "link-list", "tiny", "comments"],
)
def test_main_container(body, expected):
    import lxml.html

    from policytrack.ingest.html import main_container

    el = main_container(lxml.html.fromstring(_page(body)))
    assert (el.get("id") if el is not None else None) == expected


@pytest.mark.parametrize("container", ["id='zoom'", "id='art'"], ids=["cms-container", "main-container"])
def test_link_lists_inside_the_article_dropped_attachments_kept(tmp_path, container):
    body = (f"<div {container}>" + f"<p>{PROSE}</p>" * 6
            + "<p>附件：<a href='/1.doc'>1.任务分解表</a> <a href='/2.xls'>2.指标表</a></p>"
            + "<ul><li><a href='/n1'>县政府召开常务会议研究部署教育工作</a></li><li><a href='/n2'>县教育局开展春季开学安全检查</a></li></ul>"
            + "<p>下一篇：<a href='/n3'>关于做好2023年秋季学期工作的通知</a> 上一篇：<a href='/n4'>关于开展教育督导的通知</a></p></div>")
    p = tmp_path / "links.html"
    p.write_text(_page(body), encoding="utf-8")
    doc = parse_file(p)
    assert doc.text.count(PROSE) == 6
    assert "常务会议" not in doc.text and "春季开学安全检查" not in doc.text and "秋季学期" not in doc.text
    assert doc.meta.attachments == ["任务分解表", "指标表"]


def test_html_utf16_with_bom(tmp_path):
    p = make_html(tmp_path / "u16.html", charset="utf-16")
    assert p.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    doc = parse_file(p)
    assert TABLE_ROW in doc.text.split("\n") and doc.meta.doc_number == "某政办发〔2023〕12号"


def test_html_xhtml_with_xml_declaration(tmp_path):
    p = make_html(tmp_path / "x.html", charset="gbk")
    p.write_bytes(b'<?xml version="1.0" encoding="gbk"?>\n' + p.read_bytes())
    doc = parse_file(p)
    assert TABLE_ROW in doc.text.split("\n") and doc.meta.title == "某某县2023年教育工作要点"


def test_html_binary_garbage(tmp_path):
    p = tmp_path / "junk.html"
    p.write_bytes(bytes(range(256)) * 64)
    assert _err(p) == "junk.html: binary content, not an HTML page"


def test_html_gbk_without_declared_charset(tmp_path):
    doc = parse_file(make_html(tmp_path / "nodecl.html", charset="gbk", declare=False))
    assert "学前三年毛入园率" in doc.text


# ---------------------------------------------------------------- TXT


BODY = "\n".join(str(c) for k, c in PARAS if k != "table")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_txt_encodings(tmp_path, encoding):
    p = tmp_path / f"t_{encoding}.txt"
    p.write_bytes((TITLE + "\n" + BODY).encode(encoding))
    doc = parse_file(p)
    assert doc.text.split("\n")[0] == TITLE
    assert "学前三年毛入园率达到95%以上" in doc.text


@pytest.mark.parametrize("parts, readable", [
    # a UTF-8 page with a GBK paragraph pasted under it, and one stray Latin-1 line
    ([("青禾县教育事业发展规划", "utf-8"), ("到2025年，全县学前三年毛入园率达到95%以上。", "gbk"), ("caf\xe9", "latin-1")], True),
    ([("青禾县教育事业发展规划", "gbk"), ("（责任单位：县教育局）", "utf-8"), ("到2025年，毛入园率达到95%。", "gb18030")], True),
    # mostly lines neither UTF-8 nor GB text: not a pasted-together Chinese file
    ([("青禾县", "utf-8"), ("\xe9\xe8\xea", "latin-1"), ("\xfc\xf6", "latin-1"), ("\xe0\xe7", "latin-1")], False),
])
def test_txt_mixed_encodings_read_line_by_line(tmp_path, parts, readable):
    p = tmp_path / "mixed.txt"
    p.write_bytes(b"\n".join(t.encode(enc) for t, enc in parts) + b"\n")
    if not readable:  # not salvaged line by line (the whole-file detector then decides)
        from policytrack.ingest.txt import decode_by_line

        assert decode_by_line(p.read_bytes()) is None
        return
    text = parse_file(p).text
    for t, enc in parts:
        if enc != "latin-1":
            assert t in text


def test_txt_big5_by_detection(tmp_path):
    p = tmp_path / "big5.txt"
    p.write_bytes(("教育事業發展規劃\n" + "到二零二五年，學前三年毛入園率達到百分之九十五以上，義務教育鞏固率保持在百分之九十九以上。" * 5).encode("big5"))
    assert "學前三年毛入園率" in parse_file(p).text


def test_txt_copied_web_page_furniture(tmp_path):
    p = tmp_path / "web.txt"
    p.write_text(
        "当前位置:首页 > 政务公开\n【字体:大 中 小】【打印】【关闭窗口】\n" + TITLE + "\n发布时间: 2021/9/16 10:02:11    点击: 88次  [关闭本页]\n"
        + BODY + "\n扫一扫在手机打开当前页\n黔ICP备12345678号\n主办单位:某某县人民政府\n",
        encoding="utf-8",
    )
    doc = parse_file(p)
    assert doc.text.split("\n")[:2] == [TITLE, "发布时间: 2021/9/16 10:02:11"]
    assert doc.text.split("\n")[-1].endswith("通过国家督导评估认定。")
    assert doc.meta.date == "2021-09-16"


def test_txt_fullwidth_digits_normalised(tmp_path):
    p = tmp_path / "fw.txt"
    p.write_text("到２０２５年，毛入园率达到９５％以上。\u3000\u3000", encoding="utf-8")
    assert parse_file(p).text == "到2025年，毛入园率达到95%以上。"


def test_txt_binary(tmp_path):
    p = tmp_path / "bin.txt"
    p.write_bytes(b"\x00\xff\x10" * 500)
    assert "binary content" in _err(p)


def test_txt_empty(tmp_path):
    p = tmp_path / "e.txt"
    p.write_bytes(b"")
    assert _err(p) == "e.txt: empty file"


def test_txt_only_whitespace(tmp_path):
    p = tmp_path / "w.txt"
    p.write_text(" \n\u3000\n", encoding="utf-8")
    assert _err(p) == "w.txt: no text found"


# ---------------------------------------------------------------- general


def test_unsupported_and_missing(tmp_path):
    p = tmp_path / "a.xlsx"
    p.write_bytes(b"x")
    assert "unsupported file type '.xlsx'" in _err(p)
    assert _err(tmp_path / "nope.txt") == "nope.txt: file not found"


def test_size_limit(tmp_path):
    p = tmp_path / "s.txt"
    p.write_text(BODY, encoding="utf-8")
    assert "file too large" in _err(p, max_bytes=100)
    assert parse_file(p, max_bytes=10_000).text


@pytest.mark.parametrize("overrides", [{"region": "某某县", "date": "2021-10", "doc_type": "report"}, DocMeta(region="某某县", date="2021-10", doc_type="report")])
def test_overrides_win(tmp_path, overrides):
    p = tmp_path / "o.txt"
    p.write_text(TITLE + "\n" + BODY + "\n某某县人民政府\n2021年9月15日", encoding="utf-8")
    m = parse_file(p, overrides=overrides).meta
    assert (m.region, m.date, m.doc_type) == ("某某县", "2021-10", "report")
    assert m.title == TITLE and m.issuer == "某某县人民政府"  # not overridden


def test_bad_override_is_a_clear_error(tmp_path):
    p = tmp_path / "b.txt"
    p.write_text(BODY, encoding="utf-8")
    assert "unknown metadata field" in _err(p, overrides={"colour": "red"})


# ---------------------------------------------------------------- legacy .doc / .wps


def test_doc_without_soffice(tmp_path, monkeypatch):
    monkeypatch.setattr(legacy, "find_soffice", lambda: None)
    p = tmp_path / "old.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    msg = _err(p)
    assert "apt-get install libreoffice-writer" in msg
    q = tmp_path / "old.wps"
    q.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    assert "LibreOffice" in _err(q)


def test_doc_garbage(tmp_path):
    if legacy.find_soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    p = tmp_path / "junk.doc"
    p.write_bytes(b"hello world, not a word file" * 20)
    assert "not a valid .doc file" in _err(p)


@pytest.fixture(scope="module")
def legacy_doc(tmp_path_factory) -> Path:
    """A real Word 97 .doc written by LibreOffice from the generated DOCX."""
    soffice = legacy.find_soffice()
    if soffice is None:
        pytest.skip("LibreOffice (soffice) not installed: apt-get install libreoffice-writer")
    d = tmp_path_factory.mktemp("legacy")
    src = make_docx(d / "src.docx")
    out = d / "out"
    subprocess.run([soffice, f"-env:UserInstallation=file://{d}/prof", "--headless", "--convert-to", "doc", "--outdir", str(out), str(src)],
                   capture_output=True, timeout=180, check=False)
    doc_file = out / "src.doc"
    assert doc_file.exists(), "soffice is installed but could not write a .doc file"
    assert doc_file.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # OLE compound file, the real legacy format
    return doc_file


@pytest.mark.parametrize("suffix", ["doc", "wps"])  # WPS Office writes the same OLE Word format
def test_legacy_converted_with_soffice(legacy_doc, tmp_path, suffix):
    f = tmp_path / f"old.{suffix}"
    f.write_bytes(legacy_doc.read_bytes())
    doc = parse_file(f)
    assert doc.format == suffix
    assert TABLE_ROW in doc.text.split("\n")
    assert doc.meta.title == TITLE
    assert len(doc.tables) == 1


# ---------------------------------------------------------------- batch


def test_parse_many_keeps_order_and_reports_failures(tmp_path):
    from policytrack.ingest.batch import parse_many

    good = tmp_path / "a.txt"
    good.write_text(TITLE + "\n" + BODY, encoding="utf-8")
    empty = tmp_path / "b.txt"
    empty.write_bytes(b"")
    html = make_html(tmp_path / "c.html")
    paths = [good, empty, html, good]
    for workers in (1, 2):
        out = list(parse_many(paths, workers=workers))
        assert [p for p, _ in out] == paths
        assert str(out[1][1]) == "b.txt: empty file"
        assert out[0][1].text == out[3][1].text and out[2][1].meta.doc_number == "某政办发〔2023〕12号"


def test_html_gbk_page_with_utf8_paragraph_pasted_in(tmp_path):
    p = tmp_path / "mixed.html"
    head = "<html><head><meta charset='gbk'><title>青禾县教育事业发展规划</title></head><body>"
    p.write_bytes((head + "<p>到2025年，全县学前三年毛入园率达到95%以上。</p>").encode("gbk")
                  + "<p>（责任单位：县教育局）义务教育巩固率保持在97%以上。</p>".encode("utf-8")
                  + "<p>caf\xe9</p></body></html>".encode("latin-1"))
    text = parse_file(p).text
    assert "学前三年毛入园率达到95%以上" in text and "义务教育巩固率保持在97%以上" in text


def test_undated_page_takes_the_date_of_its_source_url(tmp_path):
    p = tmp_path / "page.txt"
    p.write_text("县教育局召开学前教育工作推进会\n会议要求，今年新建幼儿园3所。\n", encoding="utf-8")
    assert parse_file(p).meta.date is None
    url = "http://www.example.gov.cn/art/2023/5/12/art_1229_5.html"
    meta = parse_file(p, overrides={"source": url}).meta
    assert meta.date == "2023-05-12" and meta.source == url
