"""Files → ParsedDocument (clean text, metadata, outline, paragraphs, tables).

`parse_file` is the only entry point other layers need; each format's reader lives in
its own module and is imported only when a file of that format arrives, so commands
that never read a PDF never import pdfplumber.
"""

from __future__ import annotations

import os
from pathlib import Path

from policytrack.config import DEFAULT_MAX_FILE_BYTES
from policytrack.ingest.errors import IngestError
from policytrack.models import DocMeta, ParsedDocument

__all__ = ["parse_file", "IngestError", "SUPPORTED_SUFFIXES"]

SUPPORTED_SUFFIXES = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".txt": "txt",
    ".text": "txt",
    ".doc": "doc",
    ".wps": "wps",
}


def _size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def parse_file(
    path: str | os.PathLike,
    *,
    max_bytes: int | None = None,
    overrides: DocMeta | dict | None = None,
) -> ParsedDocument:
    """Read one document.  Raises IngestError (one line, naming the file) for anything
    that cannot be read; never returns a document with empty text."""
    p = Path(path)
    fmt = SUPPORTED_SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise IngestError(p, f"unsupported file type {p.suffix or '(no extension)'!r} (supported: pdf, docx, doc, wps, html, txt)")
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise IngestError(p, "file not found") from None
    except OSError as exc:
        raise IngestError(p, f"cannot read file ({exc.strerror or exc})") from None
    if not p.is_file():
        raise IngestError(p, "not a regular file")
    limit = DEFAULT_MAX_FILE_BYTES if max_bytes is None else max_bytes
    if size == 0:
        raise IngestError(p, "empty file")
    if size > limit:
        raise IngestError(p, f"file too large ({_size_text(size)}, limit {_size_text(limit)})")

    from policytrack.ingest.document import assemble

    pages = None
    try:
        if fmt == "pdf":
            from policytrack.ingest.pdf import read_pdf

            blocks, pages = read_pdf(p)
        elif fmt == "docx":
            from policytrack.ingest.docx import read_docx

            blocks = read_docx(p)
        elif fmt == "html":
            from policytrack.ingest.html import read_html

            blocks = read_html(p)
        elif fmt == "txt":
            from policytrack.ingest.txt import read_txt

            blocks = read_txt(p)
        else:
            from policytrack.ingest.legacy import read_legacy

            blocks = read_legacy(p)
        doc = assemble(blocks, fmt=fmt, path=p, web=fmt in ("html", "txt"), pages=pages, overrides=overrides)
    except IngestError:
        raise
    except MemoryError:
        raise IngestError(p, "out of memory while reading") from None
    except ValueError as exc:  # bad overrides
        raise IngestError(p, str(exc)) from None
    if not doc.text.strip():
        raise IngestError(p, "no text found" if fmt != "pdf" else "no text layer (scanned document?)")
    return doc
