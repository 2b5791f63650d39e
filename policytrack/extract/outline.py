"""Numbered headings of a Chinese government document and the section of any offset.

Citations elsewhere ("三、（二）5.") and deadline inheritance from headings both need
to know which numbered section a sentence sits in.  Headings are found at the start of
a line; on run-on text (a whole document pasted as one line, headings inline as in
"制定本方案。一、总体要求(一)指导思想坚持……") they are also searched inline, but only
after a sentence boundary or right after another heading, and only when the number
continues the sequence, so "小学一、二年级" is not a heading.  Pure: no I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from policytrack.models import OutlineNode

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_CN = "一二三四五六七八九十"

# (level, regex).  Order matters: （1） before 1. so "(1)" is not read as something else.
_LABELS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"([{_CN}]{{1,3}})、")),
    (2, re.compile(rf"[（(]([{_CN}]{{1,3}})[）)]")),
    (4, re.compile(r"[（(](\d{1,2})[）)]")),
    (3, re.compile(r"(\d{1,2})(?:[.．、](?![\d%％])|\s(?=[\u4e00-\u9fff]))")),
    (5, re.compile(rf"([{_CIRCLED}])")),
]
_ANY_LABEL = re.compile(
    rf"[{_CN}]{{1,3}}、|[（(][{_CN}]{{1,3}}[）)]|[（(]\d{{1,2}}[）)]|\d{{1,2}}[.．、](?![\d%％])|[{_CIRCLED}]"
)
_TITLE_STOP = re.compile(r"[。；;：:！？!?\n\t]")
_INLINE_TITLE_STOP = re.compile(r"[，,。；;：:！？!?\n\t]")
_INLINE_BOUNDARY = set("。；;！？!?)）】\n")
RUN_ON_LINE = 500  # a line this long is treated as run-on text and searched inline
MAX_TITLE = 40
MAX_INLINE_TITLE = 24


def cn_to_int(s: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23 (headings never go past 99)."""
    if s in _CIRCLED:
        return _CIRCLED.index(s) + 1
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(s, 0)


@dataclass
class _Open:
    level: int
    number: int
    label: str


_LABEL_FIRST = frozenset(_CN + "（(0123456789" + _CIRCLED)  # every label starts with one of these


def _match_label(text: str, pos: int) -> tuple[int, int, str, int] | None:
    """(level, number, label, end) of a heading label starting exactly at pos."""
    if pos >= len(text) or text[pos] not in _LABEL_FIRST:  # most lines: no regex tried
        return None
    for level, rx in _LABELS:
        m = rx.match(text, pos)
        if m:
            label = m.group(0).rstrip()
            return level, cn_to_int(m.group(1)), label, pos + len(label)
    return None


def _expected(stack: list[_Open], level: int) -> int:
    for o in reversed(stack):
        if o.level == level:
            return o.number + 1
        if o.level < level:
            break
    return 1


def _plausible_next(stack: list[_Open], level: int, number: int) -> bool:
    """At a line start, a heading may skip a number or two (documents do), but once a
    sibling exists it may not go back: "1." after "7." in the same section is a list or
    a flattened table row, not a new heading."""
    for o in reversed(stack):
        if o.level == level:
            return o.number < number <= o.number + 3
        if o.level < level:
            break
    return True


def _push(stack: list[_Open], level: int, number: int, label: str) -> str:
    while stack and stack[-1].level >= level:
        stack.pop()
    stack.append(_Open(level, number, label))
    return "".join(o.label for o in stack)


def _title(text: str, start: int, line_end: int, inline: bool) -> str:
    stop_rx = _INLINE_TITLE_STOP if inline else _TITLE_STOP
    limit = min(line_end, start + (MAX_INLINE_TITLE if inline else MAX_TITLE))
    m = stop_rx.search(text, start, limit)
    end = m.start() if m else limit
    if inline:
        nxt = _ANY_LABEL.search(text, start, end)
        if nxt and nxt.start() > start:
            end = nxt.start()
    return text[start:end].strip()


def build_outline(text: str) -> list[OutlineNode]:
    """All numbered headings in document order with their section ranges and paths."""
    found: list[tuple[int, int, str, int, str]] = []  # start, level, label, number, title
    stack: list[_Open] = []
    paths: list[str] = []
    pos = 0
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip() or "\t" in line:
            continue
        lead = len(line) - len(line.lstrip())
        first = _match_label(text, line_start + lead)
        if first and line_end > first[3] and _plausible_next(stack, first[0], first[1]):
            level, number, label, lab_end = first
            paths.append(_push(stack, level, number, label))
            found.append((line_start + lead, level, label, number, _title(text, lab_end, line_end, False)))
        if len(line) >= RUN_ON_LINE:
            _scan_inline(text, line_start, line_end, stack, found, paths, skip=line_start + lead if first else -1)
    order = sorted(range(len(found)), key=lambda i: found[i][0])
    found = [found[i] for i in order]
    paths = [paths[i] for i in order]
    nodes: list[OutlineNode] = []
    for i, (start, level, label, _number, title) in enumerate(found):
        end = len(text)
        for later in found[i + 1 :]:
            if later[1] <= level:
                end = later[0]
                break
        nodes.append(OutlineNode(level=level, label=label, title=title, start=start, end=end, path=paths[i]))
    return nodes


def _scan_inline(text: str, start: int, end: int, stack: list[_Open], found: list, paths: list[str], skip: int) -> None:
    """Headings inside one run-on line: after a boundary or right after a heading title,
    and only when the number continues the sequence."""
    last_heading_end = -1
    for m in _ANY_LABEL.finditer(text, start, end):
        s = m.start()
        if s == skip:
            last_heading_end = m.end()
            continue
        prev = text[s - 1] if s > start else "\n"
        after_heading = 0 <= last_heading_end and s - last_heading_end <= MAX_INLINE_TITLE and not _INLINE_TITLE_STOP.search(text, last_heading_end, s)
        if prev not in _INLINE_BOUNDARY and s != start and not after_heading:
            continue
        hit = _match_label(text, s)
        if not hit:
            continue
        level, number, label, lab_end = hit
        if lab_end >= end or number != _expected(stack, level):
            continue
        if level > 1 and not any(o.level < level for o in stack) and level != 1:
            # a sub-heading with no parent at all is only believed at level 2
            if level > 2:
                continue
        paths.append(_push(stack, level, number, label))
        found.append((s, level, label, number, _title(text, lab_end, end, True)))
        last_heading_end = lab_end


def section_at(outline: list[OutlineNode], offset: int, *, starts: list[int] | None = None) -> str | None:
    """Path of the innermost heading whose section contains offset (None before the first).

    Nodes are in document order and sections nest, so the answer is the last node that
    starts at or before offset and whose range still covers it.  Callers asking for many
    offsets can pass `starts` ([n.start for n in outline]) to skip rebuilding it."""
    i = bisect_right(starts if starts is not None else [n.start for n in outline], offset)
    for k in range(i - 1, -1, -1):
        if offset < outline[k].end:
            return outline[k].path
    return None
