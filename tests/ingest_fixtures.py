"""Generate ingest test documents at run time (PDF with reportlab's built-in
STSong-Light CID font, DOCX with python-docx, GBK HTML), so no binary fixtures are
committed and every layout feature under test is explicit in code.

The Chinese text here is invented for the tests.
"""

from __future__ import annotations

from pathlib import Path

TITLE = "某某县教育事业发展规划"
PARAS = [
    ("h", "一、总体要求"),
    ("p", "为推进全县教育事业高质量发展，根据上级有关文件精神，结合本县实际，制定本规划。规划期为2021年至2025年，是全面建设教育强县的关键时期。"),
    ("h", "（一）发展目标"),
    ("p", "到2025年，学前三年毛入园率达到95%以上，普惠性幼儿园覆盖率达到90%，义务教育巩固率保持在99%以上，高中阶段毛入学率达到96%，全面消除56人以上大班额。"),
    ("table", [["指标", "2020年基数", "2025年目标", "属性"], ["学前三年毛入园率（%）", "93.91", "95", "预期性"], ["义务教育巩固率（%）", "98.5", "99", "约束性"]]),
    ("h", "二、主要任务"),
    ("p", "1.扩大学前教育资源。新建改扩建公办幼儿园12所，新增学位3600个，2023年底前完成城区配套幼儿园治理，责任单位为县教育局、县自然资源局和县住房和城乡建设局。"),
    ("p", "2.推进义务教育优质均衡发展。实施学校标准化建设工程，改善农村学校办学条件，到2024年所有义务教育学校达到省定办学标准，县域义务教育优质均衡发展通过国家督导评估认定。"),
]


def _font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    try:
        pdfmetrics.getFont("STSong-Light")
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _wrap(text: str, width: float, size: float, first_indent: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = _font()
    lines, cur, avail = [], "", width - first_indent
    for ch in text:
        if stringWidth(cur + ch, font, size) > avail:
            lines.append(cur)
            cur, avail = ch, width
        else:
            cur += ch
    if cur:
        lines.append(cur)
    return lines


def make_pdf(
    path: Path,
    items: list[tuple[str, object]] | None = None,
    *,
    title: str = TITLE,
    repeat: int = 1,
    page_numbers: str = "dash",  # "dash" (— 3 —) or "cn" (第3页 共9页)
    running_header: bool = True,
    encrypt: str | None = None,
    start_offset: float = 0.0,
) -> Path:
    """A plan-like PDF: centred title, indented wrapped paragraphs, headings, a ruled
    table, a running head (the title) from page 2 and page numbers at the foot.
    `start_offset` pushes the body down so a paragraph breaks across a page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _font()
    items = (items or PARAS) * repeat
    W, H = A4
    left, right, top_m, bottom_m, size = 72.0, W - 72.0, 80.0, 72.0, 12.0
    kw = {}
    if encrypt:
        from reportlab.lib.pdfencrypt import StandardEncryption

        kw["encrypt"] = StandardEncryption(encrypt, ownerPassword="owner-" + encrypt, canModify=0)
    c = canvas.Canvas(str(path), pagesize=A4, **kw)
    pages: list[list] = [[]]  # draw ops per page, so page totals are known
    y = H - top_m

    def newpage():
        nonlocal y
        pages.append([])
        y = H - top_m

    def line(text: str, x: float, sz: float = size):
        nonlocal y
        if y < bottom_m:
            newpage()
        pages[-1].append(("text", x, y, text, sz))
        y -= sz * 1.6

    pages[-1].append(("ctext", W / 2, y, title, 18))
    y -= 50 + start_offset
    for kind, content in items:
        if kind == "h":
            line(str(content), left + 2 * size)
        elif kind == "p":
            for i, ln in enumerate(_wrap(str(content), right - left, size, 2 * size)):
                line(ln, left + (2 * size if i == 0 else 0))
        elif kind == "table":
            rows = content
            ncol = len(rows[0])
            cw = (right - left) / ncol
            if y - 22 * len(rows) < bottom_m:
                newpage()
            for r, row in enumerate(rows):
                for k, cell in enumerate(row):
                    pages[-1].append(("rect", left + k * cw, y - 6, cw, 22))
                    pages[-1].append(("text", left + k * cw + 4, y, cell, 10))
                y -= 22
            y -= 12
    total = len(pages)
    for n, ops in enumerate(pages, 1):
        if running_header and n > 1:
            c.setFont(font, 9)
            c.drawString(left, H - 40, title)
            c.line(left, H - 46, right, H - 46)
        c.setFont(font, 9)
        folio = f"— {n} —" if page_numbers == "dash" else f"第{n}页 共{total}页"
        c.drawCentredString(W / 2, 36, folio)
        for op in ops:
            if op[0] == "rect":
                c.rect(*op[1:])
            elif op[0] == "ctext":
                c.setFont(font, op[4])
                c.drawCentredString(op[1], op[2], op[3])
            else:
                c.setFont(font, op[4])
                c.drawString(op[1], op[2], op[3])
        c.showPage()
    c.save()
    return path


def make_scanned_pdf(path: Path) -> Path:
    """Image-only pages, like a scan: no text layer at all."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    import io
    import zlib
    import struct

    def png(w: int, h: int) -> bytes:
        raw = b"".join(b"\x00" + bytes([200 if (x // 8 + y // 8) % 2 else 30 for x in range(w)]) for y in range(h))
        def chunk(t, d):
            return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        c.drawImage(ImageReader(io.BytesIO(png(64, 64))), 72, 300, 400, 400)
        c.showPage()
    c.save()
    return path


def make_docx(path: Path, *, merged: bool = True) -> Path:
    """Title, headings, paragraphs, a table with a vertically merged cell, and a page
    header/footer that must not appear in the text."""
    import docx

    d = docx.Document()
    sec = d.sections[0]
    sec.header.paragraphs[0].text = "页眉：某某县人民政府办公室"
    sec.footer.paragraphs[0].text = "第 1 页"
    d.add_paragraph(TITLE)
    for kind, content in PARAS:
        if kind == "table":
            rows = content
            t = d.add_table(rows=len(rows) + 1, cols=len(rows[0]))
            for r, row in enumerate(rows):
                for k, cell in enumerate(row):
                    t.cell(r, k).text = cell
            last = len(rows)
            t.cell(last, 0).text = "普惠性幼儿园覆盖率（%）"
            t.cell(last, 1).text = "85"
            t.cell(last, 2).text = "90"
            if merged:  # 属性 spans the last two rows
                t.cell(last - 1, 3).merge(t.cell(last, 3))
            else:
                t.cell(last, 3).text = "约束性"
        else:
            d.add_paragraph(str(content))
    d.add_paragraph("某某县人民政府")
    d.add_paragraph("2021年9月15日")
    d.save(str(path))
    return path


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}_某某县人民政府</title></head>
<body>
<div class="nav"><a href="/">首页</a> | <a href="/zwgk">政务公开</a> | <a href="/bsfw">办事服务</a> | <a href="/hdjl">互动交流</a></div>
<div class="crumb">当前位置：首页 &gt; 政府信息公开 &gt; 政府文件</div>
<div class="main">
<table class="meta"><tr><td>索引号：</td><td>11520000/2023-00123</td><td>文号：</td><td>某政办发〔2023〕12号</td></tr>
<tr><td>发布机构：</td><td>某某县人民政府办公室</td><td>生成日期：</td><td>2023-03-08</td></tr></table>
<h1>{title}</h1>
<div class="tools">【字体：大 中 小】【打印】【关闭窗口】</div>
<div class="content" id="zoom">
{body}
<p>附件：某某县2023年教育重点工作任务分解表</p>
<p style="text-align:right">某某县人民政府办公室</p>
<p style="text-align:right">2023年3月6日</p>
</div>
</div>
<div class="share">分享到：微信 微博</div>
<div class="qr">扫一扫在手机打开当前页</div>
<div class="footer"><p>主办单位：某某县人民政府办公室 联系电话：0000-1234567</p>
<p>黔ICP备12345678号-1 黔公网安备52000002000001号</p></div>
</body></html>"""


def make_html(path: Path, *, charset: str = "gbk", declare: bool = True, title: str = "某某县2023年教育工作要点", container: bool = True) -> Path:
    """container=False drops the CMS article id, so the page goes through trafilatura."""
    body = []
    for kind, content in PARAS:
        if kind == "table":
            body.append("<table border='1'>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in content) + "</table>")
        else:
            body.append(f"<p>{content}</p>")
    html = HTML_PAGE.format(charset=charset if declare else "", title=title, body="\n".join(body))
    if not container:
        html = html.replace(' id="zoom"', "")
    if not declare:
        html = html.replace('<meta http-equiv="Content-Type" content="text/html; charset=">', "")
    path.write_bytes(html.encode(charset))
    return path
