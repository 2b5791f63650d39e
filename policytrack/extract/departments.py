"""Responsible departments: responsibility blocks, acting subjects, organ mentions.

Why: an auditor asks "who answers for this target?".  Plans say it in two ways: a
tag block after the task paragraph ((责任单位：市教育局、市财政局，各乡镇),
(牵头单位：…；责任单位：…), 牵头责任单位：… lines, (市建委牵头)), or the subject of
the sentence (县教体局负责…, 由中央财政承担).  Organ names contain 和 (市发展和改革局,
人力资源和社会保障局), so a naive split on 和 breaks them; splitting only happens between
parts that each look like a whole organ or collective.

The language knowledge (names, stems, suffixes, collectives, tags, subject markers,
words that are not departments) is in `policytrack/lexicons/departments.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from policytrack.lexicons import data_path, load_yaml

from .wordtrie import trie_alternation

_FILE = "departments.yaml"
_CJK = "\u4e00-\u9fff"
_SEP_RE = re.compile(r"[、，,；;/\s]+")
_CONJ_RE = re.compile(r"(和|及|以及|与)")
_BOUNDARY = set("，,。；;：:、（(）)\n\t 由请和及与　|")
_GOV_WORDS = ("人民政府", "政府", "管委会")
_LEAD_NUM_RE = re.compile(r"^[\s　]*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.．、]|[①-⑳])?[\s　]*(?:请)?")


class LexiconError(ValueError):
    """The department lexicon is malformed; the message names the file and the key."""


@dataclass
class RespBlock:
    """A responsibility block: its span, the bodies in document order, and their roles.

    `roles` maps a role (lead | responsible | support, from the YAML `tags`) to the
    bodies named under it."""

    start: int
    end: int
    departments: list[str]
    roles: dict[str, list[str]] = field(default_factory=dict)


# ---------------------------------------------------------------- lexicon


@lru_cache(maxsize=1)
def _lex() -> dict:
    try:
        data = load_yaml(_FILE)
    except FileNotFoundError as exc:
        raise LexiconError(f"{data_path(_FILE)}: file not found") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{data_path(_FILE)}: expected a mapping")
    for key in ("names", "suffixes", "collectives", "prefixes", "tags", "not_departments"):
        if key not in data:
            raise LexiconError(f"{data_path(_FILE)}: missing key {key!r}")
    if not isinstance(data["tags"], dict):
        raise LexiconError(f"{data_path(_FILE)}: 'tags' must map a tag to a role")
    return data


def _alt(words) -> str:
    """Alternation, longest spelling preferred (a trie: see wordtrie)."""
    return trie_alternation(words)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    lx = _lex()
    organ_core = set(lx["names"])
    organ_core |= {s + x for s in lx.get("stems", []) for x in lx["suffixes"]}
    prefixes = _alt(lx["prefixes"])
    place = _alt(lx.get("place_suffixes", []))
    tags = _alt(lx["tags"])
    general = set(lx["collectives"]) - set(lx.get("context_only") or [])
    return {
        # longest organ starting at each position (lookahead keeps overlapping starts)
        "organ": re.compile(f"(?=((?:{prefixes})?(?:{_alt(organ_core)})))"),
        "collective": re.compile(f"(?=({_alt(general)}))"),
        "any_collective": re.compile(f"(?=({_alt(lx['collectives'])}))"),
        "tag_paren": re.compile(rf"[（(]\s*((?:{tags})\s*[:：][^（）()]*(?:[（(][^（）()]*[)）][^（）()]*)*)[)）]"),
        # （A牵头，B、C等按职责分工负责）: bodies before role words (paren_roles); parsed by _parse_roles
        "role_paren": re.compile(rf"[（(]([^（）()\n]{{2,120}}?(?:{_alt(_paren_roles()[1])}))[)）]"),
        # a tag opening a line of its own (not inside parentheses): no lookbehind in the regex,
        # which would keep the engine from skipping ahead; _tag_lines applies it by hand
        "tag_line_body": re.compile(rf"({tags})\s*[:：]"),
        "tag_in": re.compile(rf"({tags})\s*[:：]"),
        "place_end": re.compile(f"(?:{place})$"),
        "subject_marker": re.compile(f"^(?:{_alt(lx.get('subject_markers', []))})"),
    }


@lru_cache(maxsize=1)
def _not_departments() -> frozenset[str]:
    return frozenset(_lex()["not_departments"])


@lru_cache(maxsize=1)
def _collectives() -> frozenset[str]:
    return frozenset(_lex()["collectives"])


@lru_cache(maxsize=1)
def rule_subjects_only() -> frozenset[str]:
    """Bodies a rule is about (学校…), which a later clause's subject does not make responsible."""
    return frozenset(_lex().get("rule_subjects_only") or ())


def _role(tag: str) -> str:
    return str(_lex()["tags"].get(tag, "responsible"))


# ---------------------------------------------------------------- mentions


def _longest_spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [(m.start(1), m.end(1)) for m in pattern.finditer(text) if m.group(1)]


def _extend_place(text: str, a: int, b: int) -> int:
    """洪山区 + 人民政府: take a named place written directly before a government word.

    Place names are short (two characters and a suffix: 湖州市, 洪山区, 东湖高新区), so
    only that much is taken, and never across words such as 已经/代表/年度 that end the
    run of text before a name (年度湖州市政府 → 湖州市政府, 已经县政府 → 县政府)."""
    core = text[a:b]
    k = min((i for i in (core.find(w) for w in _GOV_WORDS) if i >= 0), default=-1)
    if k < 0 or k > 3 or core[k:] not in _GOV_WORDS:
        return a
    run_start = a
    while run_start > 0 and a - run_start < 8 and text[run_start - 1] not in _BOUNDARY and re.match(f"[{_CJK}]", text[run_start - 1]):
        run_start -= 1
    run = text[run_start:a] + core[:k]
    m = _patterns()["place_end"].search(run)
    if not m:
        return a
    stop = set(_lex().get("not_place_chars", ""))
    head_end = m.start()
    head_start = head_end
    while head_start > 0 and head_end - head_start < 2 and run[head_start - 1] not in stop:
        head_start -= 1
    if head_start == head_end:
        return a
    new_a = run_start + head_start
    place = text[new_a : a + k]
    if new_a >= a or place in _not_departments():
        return a
    return new_a


def find_departments(text: str) -> list[tuple[str, int, int]]:
    """All organ and collective mentions as (name, start, end), longest non-overlapping.

    Collectives that are also ordinary words (学校, 各地) are left out here; they count
    only inside blocks and as clause subjects."""
    return _find(text, context=False)


def _find(text: str, *, context: bool) -> list[tuple[str, int, int]]:
    if not text:
        return []
    p = _patterns()
    spans = _longest_spans(p["organ"], text)
    spans += _longest_spans(p["any_collective" if context else "collective"], text)
    taken = bytearray(len(text))
    out: list[tuple[str, int, int]] = []
    for a, b in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if any(taken[a:b]):
            continue
        a2 = _extend_place(text, a, b)
        if any(taken[a2:a]):
            a2 = a
        name = text[a2:b]
        if name in _not_departments() or name in _GOV_WORDS:  # a bare 政府 names no one
            continue
        taken[a2:b] = b"\x01" * (b - a2)
        out.append((name, a2, b))
    out.sort(key=lambda x: x[1])
    return out


# ---------------------------------------------------------------- splitting


def _looks_whole(part: str) -> bool:
    """A part that is an organ or collective on its own (so 和 before it separates)."""
    part = part.strip()
    if not part:
        return False
    if part in _collectives():
        return True
    found = _find(part, context=True)
    return bool(found) and found[-1][2] == len(part)


def _clean(item: str) -> str:
    item = item.strip(" \t\u3000。.：:“”\"'")
    item = re.sub(r"^(?:由|请|是)", "", item)
    item = re.sub(r"(?:等(?:部门|单位)?|牵头)$", "", item)
    return item.strip()


def split_departments(s: str) -> list[str]:
    """Split a list of bodies on 、/，/,/；/和 without breaking names that contain 和."""
    out: list[str] = []
    for chunk in _SEP_RE.split(s or ""):
        chunk = _clean(chunk)
        if not chunk:
            continue
        pieces = _CONJ_RE.split(chunk)
        # pieces alternate text, conjunction, text…: join back unless both sides are whole
        cur = pieces[0]
        i = 1
        while i < len(pieces) - 1:
            conj, nxt = pieces[i], pieces[i + 1]
            if _looks_whole(cur) and _looks_whole(nxt):
                if _clean(cur):
                    out.append(_clean(cur))
                cur = nxt
            else:
                cur = cur + conj + nxt
            i += 2
        cur = _clean(cur)
        if cur and cur not in _not_departments():
            out.append(cur)
    return out


# ---------------------------------------------------------------- blocks


_ROLE_PART_SEP = re.compile(r"[，,；;]")


@lru_cache(maxsize=1)
def _paren_roles() -> tuple[dict[str, str], tuple[str, ...]]:
    """departments.yaml paren_roles (role word -> role) and its words, longest first."""
    roles_of = _lex().get("paren_roles") or {"牵头": "lead"}
    return roles_of, tuple(sorted(roles_of, key=len, reverse=True))


def _parse_roles(body: str) -> tuple[list[str], dict[str, list[str]]] | None:
    """'省教育厅牵头，省财政厅、省人社厅等按职责分工负责' → ([省教育厅, 省财政厅, 省人社厅],
    {lead: [省教育厅], responsible: [省财政厅, 省人社厅]}); None unless every part is bodies
    followed by a role word (…负责 after a phrase is a sentence, not a block)."""
    roles_of, words = _paren_roles()
    deps: list[str] = []
    roles: dict[str, list[str]] = {}
    for part in _ROLE_PART_SEP.split(body):
        part = part.strip()
        word = next((w for w in words if part.endswith(w)), None)
        if word is None:
            return None
        names = split_departments(part[: -len(word)].rstrip().removesuffix("等"))
        if not names or not all(_looks_whole(n) for n in names):
            return None
        roles.setdefault(roles_of[word], []).extend(names)
        deps.extend(names)
    return deps, roles


def _parse_tagged(body: str) -> tuple[list[str], dict[str, list[str]]]:
    """'牵头单位：A；责任单位：B、C' → ([A, B, C], {lead: [A], responsible: [B, C]})."""
    p = _patterns()
    marks = list(p["tag_in"].finditer(body))
    deps: list[str] = []
    roles: dict[str, list[str]] = {}
    for k, m in enumerate(marks):
        seg_end = marks[k + 1].start() if k + 1 < len(marks) else len(body)
        names = split_departments(body[m.end() : seg_end])
        roles.setdefault(_role(m.group(1)), []).extend(names)
        deps.extend(names)
    return deps, roles


def _tag_lines(text: str):
    """Tags followed by a colon that do not open a parenthesis (责任单位：… on a line of its
    own): a match right after （ or ( is dropped and the scan goes on from the next
    character, as a regex lookbehind (?<![（(]) would."""
    search = _patterns()["tag_line_body"].search
    pos = 0
    while True:
        m = search(text, pos)
        if m is None:
            return
        a = m.start()
        if a > 0 and text[a - 1] in "（(":
            pos = a + 1
            continue
        yield m
        pos = m.end()


def responsibility_blocks(text: str) -> list[RespBlock]:
    """Responsibility blocks in document order (parenthesised, '(X牵头)', and tag lines)."""
    if not text:
        return []
    p = _patterns()
    blocks: list[RespBlock] = []
    covered = bytearray(len(text))

    def add(a: int, b: int, deps: list[str], roles: dict[str, list[str]]) -> None:
        if deps:
            blocks.append(RespBlock(a, b, deps, roles))
            covered[a:b] = b"\x01" * (b - a)

    for m in p["tag_paren"].finditer(text):
        deps, roles = _parse_tagged(m.group(1))
        add(m.start(), m.end(), deps, roles)
    for m in p["role_paren"].finditer(text):
        if any(covered[m.start() : m.end()]):
            continue
        parsed = _parse_roles(m.group(1))
        if parsed is None:
            continue  # (…负责) where … is not a list of bodies: a phrase, not a block
        add(m.start(), m.end(), *parsed)

    # tag lines without parentheses; adjacent lines (牵头… / 协作…) form one block
    line_blocks: list[RespBlock] = []
    for m in _tag_lines(text):
        if covered[m.start()]:
            continue
        end = m.end()
        while end < len(text) and text[end] not in "\n。|\t（(）)":
            end += 1
        deps, roles = _parse_tagged(text[m.start() : end])
        if not deps:
            continue
        prev = line_blocks[-1] if line_blocks else None
        if prev is not None and text[prev.end : m.start()].strip(" \t\u3000\n;；，,") == "":
            prev.end = end
            prev.departments.extend(deps)
            for r, names in roles.items():
                prev.roles.setdefault(r, []).extend(names)
            # the tag scan can find a later tag inside an already parsed line
        elif prev is not None and m.start() < prev.end:
            continue
        else:
            line_blocks.append(RespBlock(m.start(), end, deps, roles))
    blocks.extend(line_blocks)
    blocks.extend(b for b in _table_column_blocks(text) if not any(covered[b.start : b.end]))
    blocks.sort(key=lambda b: b.start)
    return blocks


_CELL_SPLIT = re.compile(r"\t|\s*\|\s*")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in _CELL_SPLIT.split(line.strip().strip("|"))]


def _table_column_blocks(text: str) -> list[RespBlock]:
    """A 责任单位/牵头单位 column of a row-style table: each row's cell is a block that
    spans the whole row (so it covers the commitments written in the row's other cells).
    Rows are lines with cells joined by TAB (ParsedDocument tables) or '|' (web copies)."""
    tags = _lex()["tags"]
    out: list[RespBlock] = []
    columns: dict[int, str] = {}
    width = 0
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if "\t" not in line and "|" not in line:
            columns, width = {}, 0
            continue
        cells = _cells(line)
        header = {i: c for i, c in enumerate(cells) if c in tags}
        if header:
            columns, width = header, len(cells)
            continue
        if not columns or abs(len(cells) - width) > 1:
            continue
        deps: list[str] = []
        roles: dict[str, list[str]] = {}
        for i, tag in columns.items():
            if i < len(cells):
                names = [n for n in split_departments(cells[i]) if _looks_whole(n)]
                deps.extend(names)
                if names:
                    roles.setdefault(_role(tag), []).extend(names)
        if deps:
            lead = len(line) - len(line.lstrip())
            out.append(RespBlock(start + lead, end, deps, roles))
    return out


# ---------------------------------------------------------------- subjects


@lru_cache(maxsize=1)
def _lead_adverbial() -> re.Pattern[str]:
    """今年，/ 2023年， / 同时， before the subject: time and connective openers to skip."""
    words = _alt(_lex().get("lead_adverbials", []))
    return re.compile(rf"^(?:(?:\d{{4}}年(?:度)?|{words})[^，,。；;]{{0,6}}[，,]\s*)")


@lru_cache(maxsize=1)
def _shared_suffix_re() -> re.Pattern[str]:
    lx = _lex()
    stems = _alt(lx.get("stems", []))
    return re.compile(rf"((?:{stems})(?:[、和及与](?:{stems}))+)({_alt(lx['suffixes'])})")


def _shared_suffix(s: str) -> tuple[list[str], int] | None:
    """发改、住建、自然资源部门 → 发改部门, 住建部门, 自然资源部门 (one suffix for a list of stems)."""
    m = _shared_suffix_re().match(s)
    if not m:
        return None
    parts = re.split(r"[、和及与]", m.group(1))
    return [x + m.group(2) for x in parts if x], m.end()



def subject_departments(clause: str) -> list[str]:
    """Bodies named as the acting subject of a clause (县教体局负责…, 由县财政局承担)."""
    if not clause:
        return []
    p = _patterns()
    out: list[str] = []
    # 由 X 承担/负责…: X is the subject wherever the phrase sits in the clause
    for m in re.finditer(rf"由([^，,。；;由]{{2,40}}?)(?:承担|负责|牵头|统筹|组织|落实|实施|安排|保障|解决|提供|兜底)", clause):
        for d in split_departments(m.group(1)):
            if _looks_whole(d) and d not in out:
                out.append(d)
    # a chain of bodies at the start of the clause followed by a verb or modal
    body = _LEAD_NUM_RE.sub("", clause, count=1)
    body = _lead_adverbial().sub("", body, count=1)
    shared = _shared_suffix(body)
    if shared:
        names, end = shared
        if p["subject_marker"].match(body[end:].lstrip(" \u3000")):
            return out + [n for n in names if n not in out]
    mentions = _find(body, context=True)
    chain: list[str] = []
    pos = 0
    for name, a, b in mentions:
        gap = body[pos:a]
        if gap.strip(" 、，,和及与以及\u3000") != "" or (not chain and a != 0):
            break
        chain.append(name)
        pos = b
    if chain and p["subject_marker"].match(body[pos:].lstrip(" \u3000")):
        for d in chain:
            if d not in out:
                out.append(d)
    return out
