"""DOCX reader: body paragraphs and tables in document order.

Page headers and footers live in separate parts of the package and are never read.
A merged cell appears in python-docx once per grid position it spans, so a cell is
read once: horizontally repeated cells are skipped and a vertical continuation is
left empty.
"""

from __future__ import annotations

from pathlib import Path

from policytrack.ingest.document import Block
from policytrack.ingest.errors import IngestError

MAX_UNPACKED_BYTES = 256 * 2**20  # a plan's document.xml is a few MB; 256 MB unpacked is a zip bomb


def _open(path: Path):
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(path):
        raise IngestError(path, "not a valid DOCX file (not a zip package; damaged or wrong extension?)")
    try:
        with zipfile.ZipFile(path) as z:  # sizes from the zip directory, before inflating anything
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(path, f"not a valid DOCX file ({type(exc).__name__})") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise IngestError(path, f"DOCX unpacks to {unpacked // 2**20} MB (limit {MAX_UNPACKED_BYTES // 2**20} MB); refusing a likely zip bomb")
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise IngestError(path, f"not a valid DOCX file ({type(exc).__name__})") from None
    except Exception as exc:  # lxml XMLSyntaxError and friends from a damaged part
        raise IngestError(path, f"damaged DOCX file ({type(exc).__name__})") from None


def table_rows(table) -> list[list[str]]:
    rows: list[list[str]] = []
    prev_tcs: list = []
    for row in table.rows:
        cells, tcs = [], []
        last_tc = None
        for col, cell in enumerate(row.cells):
            tc = cell._tc
            if tc is last_tc:  # horizontal span: same cell again
                continue
            last_tc = tc
            above = prev_tcs[len(tcs)] if len(tcs) < len(prev_tcs) else None
            cells.append("" if tc is above else cell.text)
            tcs.append(tc)
        prev_tcs = tcs
        rows.append(cells)
    return rows


def read_docx(path: Path) -> list[Block]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = _open(path)
    blocks: list[Block] = []
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, doc).text
            if text.strip():
                blocks.append(Block(text=text))
        elif tag == "tbl":
            blocks.append(Block(rows=table_rows(Table(child, doc))))
    return blocks
