#!/usr/bin/env python3
"""Write a deterministic corpus of hostile and broken documents into a folder.

Every file is something a government web crawl or a careless colleague really
produces (a download cut short, a password-protected PDF, a page saved in the
wrong charset) or something an attacker would send to an upload endpoint (a
decompression bomb, a billion-laughs XML, a page tree that points at itself).
The reliability tests ingest them all into a store that already holds good
documents and check that each one fails or succeeds within a time and memory
bound, with a one-line message, leaving the stored documents untouched.

    python3 scripts/make_hostile.py OUT_DIR [--small]

`--small` shrinks the few big files (50 MB line, 10 MB nesting, bombs) for a quick
look; the tests use the full sizes.  Output is byte-identical between runs.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import zipfile
import zlib
from pathlib import Path

PLAN_LINES = [
    "青禾县义务教育优质均衡发展实施方案",
    "一、总体目标",
    "到2025年，全县义务教育巩固率达到98%以上，学前三年毛入园率达到95%。",
    "（一）新建学校3所。（责任单位：县教育局、县发展改革局）",
    "青禾县人民政府",
    "2022年5月5日",
]
PLAN = "\n".join(PLAN_LINES) + "\n"


# ---------------------------------------------------------------- raw PDF writing


def raw_pdf(objects: list[bytes], root: int = 1, *, xref: bool = True) -> bytes:
    """A PDF from numbered object bodies (1-based), with a correct xref unless told not to."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    start = out.tell()
    if xref:
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for off in offsets:
            out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, start))
    return out.getvalue()


def _text_stream(text: str) -> bytes:
    content = b"BT /F1 12 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET"
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def pdf_huge_page_count(n_refs: int) -> bytes:
    """One real page referenced n_refs times from a page tree claiming 10 million pages."""
    kids = b" ".join([b"3 0 R"] * n_refs)
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 10000000 /Kids [" + kids + b"] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _text_stream("page"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def pdf_deep_nesting(depth: int) -> bytes:
    """A page whose resources hold an array nested `depth` levels deep (parser recursion)."""
    nested = b"[" * depth + b"1" + b"]" * depth
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /X 6 0 R >> >>",
        _text_stream("deep"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        nested,
    ])


def pdf_deep_dicts(depth: int) -> bytes:
    nested = b"<< /A " * depth + b"1" + b" >>" * depth
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Deep 4 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        nested,
    ])


def pdf_page_tree_loop() -> bytes:
    """A Pages node that lists itself as a kid: naive traversal never ends."""
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 2 /Kids [2 0 R 3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        _text_stream("loop"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def pdf_reference_loop() -> bytes:
    """Contents is an indirect reference to itself."""
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"4 0 R",
    ])


def pdf_flate_bomb(raw_mb: int, extra: bytes = b"") -> bytes:
    """A content stream that inflates to raw_mb MB of text-drawing operators."""
    unit = b"BT /F1 12 Tf 72 720 Td (AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj ET\n"
    comp = zlib.compressobj(9)
    chunk = unit * (1024 * 1024 // len(unit) + 1)
    parts = [comp.compress(chunk) for _ in range(raw_mb)]
    parts.append(comp.flush())
    data = b"".join(parts)
    stream = b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        stream,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def pdf_bad_length() -> bytes:
    content = b"BT /F1 12 Tf 72 720 Td (length lies) Tj ET"
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length 999999999999 >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def reportlab_pdf(*, encrypt: str | None = None, image_only: bool = False, pages: int = 2) -> bytes:
    """A real Chinese PDF (reportlab, STSong-Light), optionally encrypted or text-less."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    try:
        pdfmetrics.getFont("STSong-Light")
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt, invariant=1)
    for _ in range(pages):
        if image_only:
            for k in range(40):  # drawn shapes only: what a scanner's output looks like to a text extractor
                c.rect(50 + (k % 8) * 60, 100 + (k // 8) * 120, 50, 100, fill=k % 2)
        else:
            c.setFont("STSong-Light", 12)
            y = 780
            for line in PLAN_LINES:
                c.drawString(60, y, line)
                y -= 20
        c.showPage()
    c.save()
    return buf.getvalue()


# ---------------------------------------------------------------- DOCX writing

CT = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      b'<Default Extension="xml" ContentType="application/xml"/>'
      b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
      b"</Types>")
RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        b"</Relationships>")
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2022, 5, 5, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def docx_from_body(body: bytes, prolog: bytes = b'<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    doc = prolog + b"<w:document " + W + b"><w:body>" + body + b"</w:body></w:document>"
    return _zip([("[Content_Types].xml", CT), ("_rels/.rels", RELS), ("word/document.xml", doc)])


def _para(text: str) -> bytes:
    esc = text.replace("&", "&amp;").replace("<", "&lt;")
    return b"<w:p><w:r><w:t>" + esc.encode("utf-8") + b"</w:t></w:r></w:p>"


def docx_zip_bomb(raw_mb: int) -> bytes:
    """document.xml inflating to raw_mb MB: one run of text, streamed into the zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in (("[Content_Types].xml", CT), ("_rels/.rels", RELS)):
            z.writestr(zipfile.ZipInfo(name, date_time=(2022, 5, 5, 0, 0, 0)), data)
        info = zipfile.ZipInfo("word/document.xml", date_time=(2022, 5, 5, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + W + b"><w:body>")
            f.write(_para(PLAN_LINES[0]))
            f.write(b"<w:p><w:r><w:t>")
            block = "达到" .encode("utf-8") * (512 * 1024 // 6)
            for _ in range(raw_mb * 2):
                f.write(block)
            f.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return buf.getvalue()


def docx_many_entries(n: int) -> bytes:
    body = b"".join(_para(line) for line in PLAN_LINES)
    entries = [("[Content_Types].xml", CT), ("_rels/.rels", RELS),
               ("word/document.xml", b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + W + b"><w:body>" + body + b"</w:body></w:document>")]
    entries += [(f"word/media/junk{i:05d}.bin", b"x") for i in range(n)]
    return _zip(entries)


BILLION_LAUGHS_DTD = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
                      + b"]>")


# ---------------------------------------------------------------- HTML / TXT


def html_nested(total_mb: int) -> bytes:
    depth = total_mb * 1024 * 1024 // 11
    return (b"<html><head><meta charset=\"utf-8\"><title>nested</title></head><body>"
            + b"<div><span>" * (depth // 2)
            + PLAN.encode("utf-8")
            + b"</span></div>" * (depth // 2) + b"</body></html>")


def html_page(body: str, charset: str = "utf-8") -> str:
    return f'<html><head><meta charset="{charset}"><title>{PLAN_LINES[0]}</title></head><body><div class="content">{body}</div></body></html>'


# ---------------------------------------------------------------- the corpus


def build(small: bool = False) -> list[tuple[str, bytes | None, str]]:
    """(file name, bytes or None for a FIFO, what it is)."""
    rnd = random.Random(20221)
    garbage = bytes(rnd.getrandbits(8) for _ in range(64 * 1024))
    good_pdf = reportlab_pdf()
    good_docx = docx_from_body(b"".join(_para(line) for line in PLAN_LINES))
    mb = (lambda n: max(1, n // 10)) if small else (lambda n: n)
    unit = "到2025年全县义务教育巩固率达到98%以上".encode("utf-8")
    one_line = unit * (mb(50) * 1024 * 1024 // len(unit) + 1)  # whole characters, just over 50 MB

    pdf_with_nuls = good_pdf.replace(b"endobj", b"endobj\x00\x00\x00", 3)
    xref_at = good_pdf.rfind(b"xref")
    corrupt_xref = good_pdf[:xref_at] + b"xref\n0 9\n" + b"9999999999 00000 n \n" * 9 + good_pdf[good_pdf.rfind(b"trailer"):]

    items: list[tuple[str, bytes | None, str]] = [
        # ---- PDF
        ("truncated_half.pdf", good_pdf[: len(good_pdf) // 2], "valid PDF cut in half (no xref, no trailer)"),
        ("truncated_header_only.pdf", b"%PDF-1.7\n", "only the PDF header"),
        ("corrupt_xref.pdf", corrupt_xref, "xref offsets point past the end"),
        ("garbage.pdf", garbage, "random bytes with a .pdf name"),
        ("garbage_with_header.pdf", b"%PDF-1.4\n" + garbage, "PDF header followed by random bytes"),
        ("encrypted_user_password.pdf", reportlab_pdf(encrypt="s3cret"), "encrypted, needs a user password"),
        ("encrypted_owner_only.pdf", reportlab_pdf(encrypt="") if False else _owner_only_pdf(), "encrypted with an empty user password"),
        ("scanned_no_text.pdf", reportlab_pdf(image_only=True), "pages with drawings and no text layer"),
        ("huge_page_count.pdf", pdf_huge_page_count(mb(200_000)), "page tree claiming 10 million pages, 200k page refs"),
        ("deep_nested_arrays.pdf", pdf_deep_nesting(mb(100_000)), "an array nested 100k levels deep"),
        ("deep_nested_dicts.pdf", pdf_deep_dicts(mb(50_000)), "dictionaries nested 50k levels deep"),
        ("page_tree_loop.pdf", pdf_page_tree_loop(), "Pages node listing itself as a kid"),
        ("reference_loop.pdf", pdf_reference_loop(), "an object that is a reference to itself"),
        ("flate_bomb.pdf", pdf_flate_bomb(mb(300)), "content stream inflating to 300 MB"),
        ("flate_bomb_nested_dict.pdf", pdf_flate_bomb(mb(300), b"/DecodeParms << /Predictor 1 >> "),
         "the same bomb, its filter hidden before a nested dictionary"),
        ("stream_length_lies.pdf", pdf_bad_length(), "stream /Length of 1 TB"),
        ("nul_bytes.pdf", pdf_with_nuls, "valid PDF with NUL bytes between objects"),
        ("UPPERCASE.PDF", good_pdf, "a good PDF with an upper-case extension"),
        # ---- DOCX
        ("zip_bomb.docx", docx_zip_bomb(mb(400)), "document.xml inflating to 400 MB"),
        ("not_a_zip.docx", garbage, "random bytes with a .docx name"),
        ("truncated.docx", good_docx[: len(good_docx) // 2], "valid DOCX cut in half"),
        ("zip_without_document.docx", _zip([("[Content_Types].xml", CT), ("readme.txt", b"hello")]), "a zip with no word/document.xml"),
        ("billion_laughs.docx", docx_from_body(_para(PLAN_LINES[0]) + b"<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>", BILLION_LAUGHS_DTD),
         "XML entity expansion (billion laughs)"),
        ("external_entity.docx", docx_from_body(_para(PLAN_LINES[0]) + b"<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>",
                                                b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
         "XML external entity pointing at /etc/passwd"),
        ("deep_nested_xml.docx", docx_from_body(_para(PLAN_LINES[0]) + b"<w:p>" + b"<w:r>" * mb(100_000) + b"</w:r>" * mb(100_000) + b"</w:p>"),
         "XML elements nested 100k deep"),
        ("many_entries.docx", docx_many_entries(mb(20_000)), "a zip with 20k members"),
        ("nul_in_text.docx", docx_from_body(_para("青禾县\x00教育\x00实施方案") + b"".join(_para(line) for line in PLAN_LINES[1:])),
         "NUL and control characters inside the XML text (invalid XML)"),
        # ---- HTML
        ("nested_10mb.html", html_nested(mb(10)), "10 MB of nested <div><span> tags"),
        ("nul_bytes.html", html_page("<p>" + "</p><p>".join(PLAN_LINES) + "</p>").replace("全县", "全\x00县").encode("utf-8"), "NUL bytes in the text"),
        ("mixed_encodings.html", html_page("<p>" + PLAN_LINES[2] + "</p>", "gbk").encode("gbk") + "<p>一、总体目标 UTF-8 段落</p>".encode("utf-8")
         + "<p>caf\xe9 latin-1</p>".encode("latin-1"), "GBK page with UTF-8 and Latin-1 paragraphs appended"),
        ("charset_lies.html", html_page("<p>" + "</p><p>".join(PLAN_LINES) + "</p>", "utf-8").encode("gb18030"), "declares UTF-8, is GB18030"),
        ("utf16_bom.html", html_page("<p>" + "</p><p>".join(PLAN_LINES) + "</p>", "utf-16").encode("utf-16"), "UTF-16 with a BOM"),
        ("billion_laughs.html", BILLION_LAUGHS_DTD + b"<html><body><p>&lol9;</p></body></html>", "entity expansion in an HTML page"),
        ("script_only.html", b"<html><head><script>" + b"var a=1;" * 10000 + b"</script></head><body></body></html>", "no text, only script"),
        ("garbage.html", garbage, "random bytes with an .html name"),
        ("unclosed_comment.html", b"<html><body><!-- " + PLAN.encode("utf-8") * 100, "a comment that never closes"),
        # ---- TXT
        ("one_line_50mb.txt", one_line, "50 MB on a single line"),
        ("nul_bytes.txt", PLAN.replace("全县", "全\x00县").encode("utf-8") + b"\x00" * 4096, "NUL bytes in and after the text"),
        ("mixed_encodings.txt", PLAN_LINES[0].encode("utf-8") + b"\n" + PLAN_LINES[2].encode("gbk") + b"\n" + "caf\xe9".encode("latin-1") + b"\n",
         "UTF-8, GBK and Latin-1 lines in one file"),
        ("utf16le_bom.txt", b"\xff\xfe" + PLAN.encode("utf-16-le"), "UTF-16LE with a BOM"),
        ("whitespace_only.txt", b" \n\t\r\n\u3000".replace(b"\\u3000", "\u3000".encode("utf-8")) * 1000, "only whitespace"),
        ("control_chars.txt", bytes(range(1, 32)) * 200 + PLAN.encode("utf-8"), "C0 control characters before the text"),
        ("invalid_utf8.txt", b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc" * 1000, "invalid UTF-8 sequences only"),
        ("garbage.txt", garbage, "random bytes with a .txt name"),
        ("bidi_override.txt", ("\u202e" + PLAN + "\u202d\ufeff\u200b").encode("utf-8"), "bidi override and zero-width characters"),
        # ---- legacy formats
        ("garbage.doc", garbage, "random bytes with a .doc name"),
        ("garbage.wps", garbage[:4096], "random bytes with a .wps name"),
        # ---- empty files
        ("empty.pdf", b"", "empty"),
        ("empty.docx", b"", "empty"),
        ("empty.html", b"", "empty"),
        ("empty.txt", b"", "empty"),
        # ---- names
        ("..\\..\\etc\\passwd.txt", PLAN.encode("utf-8"), "backslash path traversal in the name"),
        ("..%2F..%2Fsecret.txt", PLAN.encode("utf-8"), "URL-encoded traversal in the name"),
        ("-rf --help.txt", PLAN.encode("utf-8"), "a name that looks like an option"),
        ("$(touch pwned); `id`.txt", PLAN.encode("utf-8"), "shell metacharacters in the name"),
        ("line\nbreak\rname.txt", PLAN.encode("utf-8"), "newline and carriage return in the name"),
        ("evil\u202etxt.pdf", good_pdf, "right-to-left override hiding the real extension"),
        ("e\u0301te\u0301_nfd_青禾.txt", PLAN.encode("utf-8"), "decomposed accents and CJK in the name"),
        ("\U0001f4c4\U0001f525文件.html", html_page("<p>" + "</p><p>".join(PLAN_LINES) + "</p>").encode("utf-8"), "emoji in the name"),
        ("长" * 80 + ".txt", PLAN.encode("utf-8"), "a 244-byte file name"),
        ("named_pipe.txt", None, "a FIFO: reading it would block forever"),
    ]
    return items


def _owner_only_pdf() -> bytes:
    from reportlab.lib import pdfencrypt

    enc = pdfencrypt.StandardEncryption("", ownerPassword="owner-only", canPrint=1, canModify=0, canCopy=0)
    return reportlab_pdf(encrypt=enc)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--small", action="store_true", help="shrink the big files tenfold")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    n = 0
    for name, data, what in build(args.small):
        p = args.out / name
        if p.exists() or p.is_symlink():
            p.unlink()
        if data is None:
            os.mkfifo(p)
        else:
            p.write_bytes(data)
        n += 1
        print(f"{len(data) if data is not None else 0:>11}  {name!r}: {what}")
    print(f"{n} hostile files in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
