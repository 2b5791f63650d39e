#!/usr/bin/env python3
"""Rebuild the generated files of the bundled demo corpus from ``corpus/src/``.

The demo corpus tells one fictional county's story (青禾县, 云岭市) across formats that
ingest must handle: a multi-page PDF with an indicator table, a DOCX with a table and a
GBK-encoded HTML page with web furniture.  The binaries are generated (not hand-made) so
that anyone can fix a typo in the source text and rebuild, and the output is byte-for-byte
deterministic so the committed binaries only change when the source does.

Usage: ``python3 scripts/build_corpus.py [--src DIR] [--out DIR]`` (defaults: corpus/src,
corpus).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SRC = REPO / "corpus" / "src"
DEFAULT_OUT = REPO / "corpus"

# Fixed timestamp for every generated artefact: the date of the story's latest document,
# so rebuilding never changes bytes.
FIXED_ZIP_TIME = (2024, 1, 15, 9, 30, 0)

TABLE_ROW = re.compile(r"^\|(.*)\|\s*$")
HEADING_1 = re.compile(r"^[一二三四五六七八九十]+、")
HEADING_2 = re.compile(r"^（[一二三四五六七八九十]+）")
DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
DOC_NUMBER = re.compile(r"〔\d{4}〕\d+号$")


@dataclass(frozen=True)
class Target:
    """One generated file: which source it comes from and how it is rendered."""

    source: str
    output: str
    kind: str  # "pdf" | "docx" | "html-gbk"
    header: str = ""


TARGETS: tuple[Target, ...] = (
    Target("2021_plan.txt", "青禾县“十四五”教育事业发展规划.pdf", "pdf",
           header="青禾县人民政府文件　青政发〔2021〕12号"),
    Target("2022_summary.txt", "青禾县教育体育局2022年工作总结.docx", "docx"),
    Target("2023_summary.html", "青禾县教育体育局2023年工作总结.html", "html-gbk"),
)


class BuildError(Exception):
    """A source file that cannot be rendered; str() is one line naming the file."""


@dataclass
class Block:
    """A run of source lines rendered as one unit (paragraph, heading or table)."""

    kind: str  # "title" | "docno" | "heading" | "para" | "right" | "caption" | "table"
    text: str = ""
    rows: list[list[str]] | None = None


def parse_source(path: Path) -> list[Block]:
    """Turn the plain source text into blocks.

    The source stays plain government prose (no markup) so that it reads like the
    document itself; layout is inferred from the conventions of the genre: the leading
    lines are the title block, 一、/（一） lines are headings, a line directly before a
    ``|``-table is its caption, and an issuer line followed by a date is the signature.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: cannot read source as UTF-8 ({exc})") from exc
    blocks: list[Block] = []
    in_title = True
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            in_title = False
            i += 1
            continue
        row = TABLE_ROW.match(line)
        if row:
            rows: list[list[str]] = []
            while i < len(lines) and TABLE_ROW.match(lines[i].strip()):
                cells = [c.strip() for c in TABLE_ROW.match(lines[i].strip()).group(1).split("|")]
                if rows and len(cells) != len(rows[0]):
                    raise BuildError(
                        f"{path}: table row on line {i + 1} has {len(cells)} cells, "
                        f"header has {len(rows[0])}")
                rows.append(cells)
                i += 1
            if blocks and blocks[-1].kind in ("para", "title"):
                blocks[-1].kind = "caption"
            blocks.append(Block("table", rows=rows))
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if DOC_NUMBER.search(line) and len(line) < 30:
            kind = "docno"
        elif in_title:
            kind = "title"
        elif DATE_LINE.match(line) or (DATE_LINE.match(nxt) and len(line) < 20):
            kind = "right"
        elif HEADING_1.match(line) or (HEADING_2.match(line) and len(line) < 30):
            kind = "heading"
        elif len(line) < 30 and not re.search(r"[。，；：]", line):
            kind = "title"
        else:
            kind = "para"
        blocks.append(Block(kind, text=line))
        i += 1
    if not blocks:
        raise BuildError(f"{path}: source is empty")
    return blocks


# --------------------------------------------------------------------------- PDF


def build_pdf(blocks: list[Block], out: Path, *, header: str, title: str) -> None:
    """Render a multi-page PDF the way county governments publish plans.

    Paragraphs flow across pages (so some sentences break at a page boundary, which
    ingest must rejoin), every page carries a running header and a ``— n —`` footer,
    and the indicator table is a real ruled table.
    """
    from reportlab import rl_config

    rl_config.invariant = 1  # fixed creation date and document id: identical bytes
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (CondPageBreak, Paragraph, SimpleDocTemplate, Spacer, Table,
                                    TableStyle)

    from reportlab.lib import textsplit as rl_textsplit
    from reportlab.platypus import paragraph as rl_paragraph

    # reportlab's kinsoku list knows 、。） but not the full-width ，；：？！” used in
    # Chinese, so lines would start with a comma; extend the lists its wrappers consult.
    for module in (rl_textsplit, rl_paragraph):
        if "，" not in module.ALL_CANNOT_START:
            module.ALL_CANNOT_START += "，；：？！”》％"

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    base = ParagraphStyle("body", fontName=font, fontSize=12, leading=21,
                          firstLineIndent=24, wordWrap="CJK", spaceAfter=2)
    styles = {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=28,
                                alignment=TA_CENTER, firstLineIndent=0, spaceAfter=6),
        "docno": ParagraphStyle("docno", parent=base, alignment=TA_CENTER,
                                firstLineIndent=0, spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13, leading=23,
                                  firstLineIndent=24, spaceBefore=4),
        "para": base,
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT,
                                firstLineIndent=0, rightIndent=24),
        "caption": ParagraphStyle("caption", parent=base, alignment=TA_CENTER,
                                  firstLineIndent=0, spaceBefore=8, spaceAfter=4),
    }
    cell = ParagraphStyle("cell", parent=base, fontSize=10.5, leading=15,
                          firstLineIndent=0, spaceAfter=0)

    story = []
    for block in blocks:
        if block.kind == "table":
            assert block.rows is not None
            data = [[Paragraph(c, cell) for c in r] for r in block.rows]
            table = Table(data, colWidths=[72 * mm, 28 * mm, 28 * mm, 24 * mm], repeatRows=1)
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
            ]))
            story.append(table)
            story.append(Spacer(1, 8))
        else:
            if block.kind in ("heading", "caption"):
                # never leave a heading alone at a page foot, but let the paragraphs
                # after it split across pages as real documents do
                story.append(CondPageBreak(4 * base.leading))
            story.append(Paragraph(block.text, styles[block.kind]))

    def furniture(canvas, doc) -> None:
        canvas.saveState()
        width, height = A4
        canvas.setFont(font, 9)
        canvas.drawCentredString(width / 2, height - 15 * mm, header)
        canvas.setLineWidth(0.5)
        canvas.line(25 * mm, height - 17 * mm, width - 25 * mm, height - 17 * mm)
        canvas.setFont(font, 11)
        canvas.drawCentredString(width / 2, 12 * mm, f"— {doc.page} —")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm,
                            topMargin=27 * mm, bottomMargin=24 * mm, title=title,
                            author="青禾县人民政府", subject=title, creator="policytrack build_corpus")
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    out.write_bytes(buf.getvalue())


# --------------------------------------------------------------------------- DOCX


def build_docx(blocks: list[Block], out: Path, *, title: str) -> None:
    """Render a Word report with a real table, then normalise the zip for determinism.

    python-docx stamps zip entries with the current time, so the archive is rewritten
    with a fixed timestamp; core properties are fixed too.
    """
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")

    for block in blocks:
        if block.kind == "table":
            assert block.rows is not None
            table = document.add_table(rows=0, cols=len(block.rows[0]))
            table.style = "Table Grid"
            for r in block.rows:
                cells = table.add_row().cells
                for c, text in zip(cells, r):
                    c.text = text
        elif block.kind == "heading":
            document.add_heading(block.text, level=1 if HEADING_1.match(block.text) else 2)
        elif block.kind in ("title", "caption"):
            p = document.add_paragraph(block.text)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if block.kind == "title":
                p.runs[0].font.size = Pt(18)
        elif block.kind == "right":
            p = document.add_paragraph(block.text)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            p = document.add_paragraph(block.text)
            p.paragraph_format.first_line_indent = Pt(24)

    fixed = datetime(*FIXED_ZIP_TIME)
    props = document.core_properties
    props.title = title
    props.author = "青禾县教育体育局"
    props.last_modified_by = "青禾县教育体育局"
    props.created = fixed
    props.modified = fixed
    props.last_printed = fixed
    props.revision = 1

    raw = io.BytesIO()
    document.save(raw)
    out.write_bytes(_normalise_zip(raw.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with sorted-as-written entries and a fixed timestamp."""
    src = zipfile.ZipFile(io.BytesIO(data))
    dst_buf = io.BytesIO()
    with zipfile.ZipFile(dst_buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return dst_buf.getvalue()


# --------------------------------------------------------------------------- HTML


def build_html_gbk(source: Path, out: Path) -> None:
    """Re-encode the (UTF-8, editable) page source as GBK, as many county sites serve it."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{source}: cannot read source as UTF-8 ({exc})") from exc
    if not re.search(r"charset\s*=\s*[\"']?gbk\b", text, re.IGNORECASE):
        raise BuildError(f"{source}: HTML source must declare charset=gbk in a meta tag")
    try:
        data = text.encode("gbk")
    except UnicodeEncodeError as exc:
        raise BuildError(
            f"{source}: character {text[exc.start]!r} at offset {exc.start} "
            "has no GBK encoding") from exc
    out.write_bytes(data)


# --------------------------------------------------------------------------- main


def build(src: Path = DEFAULT_SRC, out: Path = DEFAULT_OUT) -> list[Path]:
    """Build every target; returns the written paths."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for target in TARGETS:
        source = src / target.source
        if not source.is_file():
            raise BuildError(f"{source}: source file missing")
        dest = out / target.output
        title = dest.stem
        if target.kind == "pdf":
            build_pdf(parse_source(source), dest, header=target.header, title=title)
        elif target.kind == "docx":
            build_docx(parse_source(source), dest, title=title)
        else:
            build_html_gbk(source, dest)
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        for path in build(args.src, args.out):
            print(f"{path}  {path.stat().st_size} bytes")
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
