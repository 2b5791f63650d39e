"""Normalisation shared by every format.

The cleaned text is what gets stored and every later offset (paragraphs, outline,
commitments) refers to it, so cleaning happens once, here, before anything measures
positions.  Character mapping is one-to-one (full-width digits and Latin letters become
ASCII, odd spaces become plain spaces) so a number reads the same to the extractor
whatever the page used; CJK punctuation such as （）：， is left as written because
the outline and the extractor read both widths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policytrack.lexicons import load_yaml

# full-width ASCII block (！..～) → ASCII, but keep the CJK-style punctuation that
# Chinese text uses natively (（）：，；！？、) as is.
_KEEP_FULLWIDTH = set("（）：，；！？")
_CHAR_MAP: dict[int, str] = {}
for _cp in range(0xFF01, 0xFF5F):
    _ch = chr(_cp)
    if _ch not in _KEEP_FULLWIDTH and (_ch.isalnum() or _ch in "％．＋－／＝＜＞＆＠＃＊"):
        _CHAR_MAP[_cp] = chr(_cp - 0xFEE0)
for _sp in ("\u00a0", "\u2002", "\u2003", "\u2009", "\u3000", "\u200a", "\u202f", "\u205f", "\x0b", "\x0c"):
    _CHAR_MAP[ord(_sp)] = " "
for _zw in ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"):
    _CHAR_MAP[ord(_zw)] = ""
_CHAR_MAP[ord("\r")] = "\n"

FURNITURE_MAX_LINE = 300  # furniture lines are short; body paragraphs skip the checks
_SPACES = re.compile(r" {2,}")
_CTRL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class FurnitureRules:
    """The YAML patterns compiled into one alternation per kind, so a line costs one
    regex search instead of one per pattern (cleaning runs on every line of every file)."""

    drop_start: re.Pattern[str]  # the ^-anchored patterns: tried at the line start only
    drop_any: re.Pattern[str]
    drop_short: re.Pattern[str]
    short_max: int
    inline: re.Pattern[str]
    inline_hint: re.Pattern[str]  # cheap pre-check: a character every inline pattern needs

    def is_furniture(self, line: str) -> bool:
        if self.drop_start.match(line) or self.drop_any.search(line):
            return True
        return len(line) <= self.short_max and self.drop_short.search(line) is not None

    def strip_inline(self, line: str) -> str:
        return self.inline.sub("", line).strip()


def _union(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!x)x")


@lru_cache(maxsize=1)
def furniture_rules() -> FurnitureRules:
    data = load_yaml("furniture.yaml")
    return FurnitureRules(
        drop_start=_union([p[1:] for p in data.get("drop_lines", []) if p.startswith("^")]),
        drop_any=_union([p for p in data.get("drop_lines", []) if not p.startswith("^")]),
        drop_short=_union(data.get("drop_short_lines", [])),
        short_max=int(data.get("short_line_max", 40)),
        inline=_union(data.get("strip_inline", [])),
        inline_hint=re.compile(data.get("strip_inline_hint", ".")),
    )


_MAPPED = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_CHAR_MAP)) + "]")


def _map_char(m: re.Match[str]) -> str:
    return _CHAR_MAP[ord(m.group(0))]


def normalize_chars(text: str) -> str:
    """Map full-width alphanumerics to ASCII and odd spaces to plain ones.  (A regex
    touching only the characters to change is several times faster than str.translate
    with a dict on CJK text, where almost nothing changes.)"""
    text = text.replace("\r\n", "\n")
    return _CTRL.sub("", _MAPPED.sub(_map_char, text))


def normalize_line(line: str) -> str:
    """Trim a line and collapse runs of spaces; TABs (table cell separators) stay."""
    if "\t" in line:
        return "\t".join(_SPACES.sub(" ", c).strip() for c in line.split("\t")).strip(" ")
    if "  " in line:  # most lines have no run of spaces: skip the regex
        line = _SPACES.sub(" ", line)
    return line.strip()


def clean_lines(lines: list[str], *, web: bool = True) -> list[str]:
    """Normalise lines, drop empty ones and (for web-derived text) furniture."""
    rules = furniture_rules() if web else None
    out: list[str] = []
    for raw in lines:
        line = normalize_line(raw)
        if not line.strip("\t "):
            continue
        if rules is not None and len(line) <= FURNITURE_MAX_LINE:
            if rules.is_furniture(line):
                continue
            if rules.inline_hint.search(line):
                line = rules.strip_inline(line)
            if not line:
                continue
        out.append(line)
    return out


def clean_text(text: str, *, web: bool = True) -> str:
    """One paragraph per line, no blank lines, furniture removed."""
    return "\n".join(clean_lines(normalize_chars(text).split("\n"), web=web))


def is_furniture_line(line: str) -> bool:
    return furniture_rules().is_furniture(normalize_line(normalize_chars(line)))
