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
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "gb18030" and _looks_wrong(text):
            break
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(path, "cannot detect the text encoding (binary content?)")
    return str(best)


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
