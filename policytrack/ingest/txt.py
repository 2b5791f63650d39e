"""Plain-text files, often a government web page copied and saved.

Encodings seen in the wild: UTF-8 (with or without BOM), GBK/GB2312 (GB18030 decodes
both), sometimes UTF-16.  Try the strict ones first and only then guess, because a
guess on short Chinese text is often wrong.
"""

from __future__ import annotations

from pathlib import Path

from policytrack.ingest.document import Block
from policytrack.ingest.errors import IngestError


def decode_bytes(data: bytes, path: str | Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise IngestError(path, "binary content, not a text file")
    text = _strict(data, "utf-8-sig")
    if text is not None:
        return text
    mixed = decode_by_line(data)
    if mixed is not None:
        return mixed
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(path, "cannot detect the text encoding (binary content?)")
    return str(best)


def decode_by_line(data: bytes, sep: bytes = b"\n") -> str | None:
    """A file pasted together from sources in different encodings (a UTF-8 page with GBK
    lines appended, one stray Latin-1 line) decodes as neither: read each line in the first
    strict encoding that fits.  Only when nearly every line is clean UTF-8 or GB text; the few
    lines neither fits keep U+FFFD for their bad bytes instead of sinking the whole file.
    `sep` is a byte no multi-byte character of UTF-8 or GBK contains (\\n; > for HTML)."""
    lines = data.split(sep)
    out: list[str] = []
    bad = good = cjk = 0
    for raw in lines:
        line = _strict(raw, "utf-8")
        if line is None:
            out.append(raw.decode("utf-8", errors="replace"))
            bad += 1
            continue
        good += bool(line.strip())
        cjk += any("\u4e00" <= c <= "\u9fff" for c in line)
        out.append(line)
    if not cjk or bad > max(1, good // 10):
        return None
    return sep.decode("ascii").join(out)


def _strict(data: bytes, utf8: str) -> str | None:
    """UTF-8 (`utf8`: with or without a BOM), else GB18030 unless that gives rare-character
    soup; None when neither reads the bytes."""
    for enc in (utf8, "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "gb18030" and _looks_wrong(text):
            return None
        return text
    return None


def _looks_wrong(text: str) -> bool:
    """GB18030 decodes almost any bytes; rare-character soup means it was not GB text."""
    sample = text[:4000]
    if not sample:
        return False
    common = sum(1 for c in sample if c < "\u0800" or "\u3000" <= c <= "\u9fa5" or "\uff00" <= c <= "\uffef")
    return common / len(sample) < 0.9


def read_txt(path: Path) -> list[Block]:
    text = decode_bytes(path.read_bytes(), path)
    ctrl = sum(1 for c in text[:4000] if c < " " and c not in "\n\r\t\f")
    if ctrl > max(5, len(text[:4000]) // 50):
        raise IngestError(path, "binary content, not a text file")
    return [Block(text=text)]
