"""The indicator catalogue: maps what a document measures, in its own words, to one id.

Why: a plan says 学前三年毛入园率 and the report three years later says 学前教育毛入园率;
only a shared id lets tracking put the two side by side.  The catalogue itself is data
(`policytrack/lexicons/indicators.yaml`); this module loads it once, checks it, and
matches phrases against every term with one trie-shaped regular expression so that
scanning a whole document costs one pass.

Matching rules (precision before recall):
- the longest catalogue term found in the phrase wins (小学班额 beats 班额,
  56人以上大班额比例 beats 大班额);
- the unit must fit the indicator (a % cannot be a count of classes); when it does not,
  the matcher moves to an indicator of the same `family` whose unit fits (大班额 + % →
  大班额比例), preferring a growth/decrease member when the phrase speaks of change;
- terms nested inside a rejected term are not tried (they name the same words);
- nothing found, or nothing fits → None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policytrack.lexicons import data_path, load_yaml

from .wordtrie import trie_alternation

_FILE = "indicators.yaml"
_DIRECTIONS = {"higher", "lower", "neutral"}
_KINDS = {"rate", "count", "amount", "ratio", "qualitative"}
_REQUIRED = ("id", "name", "unit", "direction", "domain", "kind")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_CHANGE_RE = re.compile(r"增长|增速|增幅|下降|减少|降低|上涨|涨幅|提高|提升|增加")

# Characters that vary between copies of the same term and carry no meaning for matching.
_DROP = str.maketrans("", "", "“”‘’\"'《》〈〉「」『』 \t\u3000")
_FOLD = {"（": "(", "）": ")", "—": "-", "－": "-", "–": "-", "％": "%", "＋": "+", "．": "."}
_FOLD.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)})  # ０-９
_FOLD.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FOLD.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FOLD_TABLE = str.maketrans(_FOLD)


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    synonyms: tuple[str, ...]
    unit: str
    direction: str
    domain: str
    kind: str
    family: str | None = None
    change: bool = False

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)


def normalize(s: str) -> str:
    """Fold the spelling differences copies of one term show (quotes, full-width, spaces)."""
    return s.translate(_FOLD_TABLE).translate(_DROP).upper()


def _fail(problem: str) -> CatalogueError:
    return CatalogueError(f"{data_path(_FILE)}: {problem}")


@lru_cache(maxsize=1)
def _data() -> dict:
    try:
        data = load_yaml(_FILE)
    except FileNotFoundError as exc:
        raise _fail("file not found") from exc
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
        raise _fail("expected a mapping with an 'indicators' list")
    return data


@lru_cache(maxsize=1)
def catalogue() -> list[Indicator]:
    """All indicators, validated (unique ids, one indicator per term, known enums)."""
    out: list[Indicator] = []
    seen_ids: set[str] = set()
    owner: dict[str, str] = {}
    for n, e in enumerate(_data()["indicators"], 1):
        if not isinstance(e, dict):
            raise _fail(f"entry {n} is not a mapping")
        missing = [k for k in _REQUIRED if k not in e]
        if missing:
            raise _fail(f"entry {n} ({e.get('id')}) lacks {', '.join(missing)}")
        iid = str(e["id"])
        if not _ID_RE.match(iid):
            raise _fail(f"entry {n}: id {iid!r} is not ascii snake_case")
        if iid in seen_ids:
            raise _fail(f"duplicate id {iid!r}")
        seen_ids.add(iid)
        if e["direction"] not in _DIRECTIONS:
            raise _fail(f"{iid}: direction {e['direction']!r} not in {sorted(_DIRECTIONS)}")
        if e["kind"] not in _KINDS:
            raise _fail(f"{iid}: kind {e['kind']!r} not in {sorted(_KINDS)}")
        ind = Indicator(
            id=iid,
            name=str(e["name"]),
            synonyms=tuple(str(s) for s in (e.get("synonyms") or [])),
            unit="" if e["unit"] is None else str(e["unit"]),
            direction=e["direction"],
            domain=str(e["domain"]),
            kind=e["kind"],
            family=e.get("family"),
            change=bool(e.get("change", False)),
        )
        for t in ind.terms:
            key = normalize(t)
            if not key:
                raise _fail(f"{iid}: empty term")
            if key in owner and owner[key] != iid:
                raise _fail(f"term {t!r} belongs to both {owner[key]} and {iid}")
            owner[key] = iid
        out.append(ind)
    return out


@lru_cache(maxsize=1)
def _by_id() -> dict[str, Indicator]:
    return {i.id: i for i in catalogue()}


def get(id: str) -> Indicator | None:  # noqa: A002 - the documented signature
    return _by_id().get(id)


def concept_terms(id: str) -> list[str]:  # noqa: A002
    """Name and synonyms of an indicator, for query expansion in search."""
    ind = get(id)
    return list(ind.terms) if ind else []


@lru_cache(maxsize=1)
def _families() -> dict[str, list[Indicator]]:
    fam: dict[str, list[Indicator]] = {}
    for i in catalogue():
        if i.family:
            fam.setdefault(i.family, []).append(i)
    return fam


# ---------------------------------------------------------------- units


@lru_cache(maxsize=1)
def _unit_class_map() -> dict[str, str]:
    classes = _data().get("unit_classes") or {}
    return {str(u): cls for cls, units in classes.items() for u in (units or [])}


def unit_class(unit: str | None) -> str | None:
    """The class a unit belongs to (percent, money, count …); None for 'no unit given'."""
    if unit is None:
        return None
    u = normalize(unit).lower()
    m = _unit_class_map()
    if u in m:
        return m[u]
    stripped = u.lstrip("十百千万亿")
    if stripped and stripped in m:
        return m[stripped]
    if u.endswith("元"):
        return "money"
    for ch in u:  # 台(件、套), 份/条: the first known count word decides
        if m.get(ch) == "count":
            return "count"
    return u


def _fits(ind: Indicator, unit: str | None) -> bool:
    if unit is None or normalize(unit) == "":
        return True
    if ind.kind == "qualitative":
        return False
    return unit_class(ind.unit) == unit_class(unit)


def _family_member(ind: Indicator, unit: str, phrase: str) -> Indicator | None:
    if not ind.family:
        return None
    members = [m for m in _families()[ind.family] if m.id != ind.id and _fits(m, unit)]
    if not members:
        return None
    wants_change = bool(_CHANGE_RE.search(phrase))
    u = normalize(unit)
    members.sort(key=lambda m: (m.change != wants_change, normalize(m.unit) != u))
    return members[0]


# ---------------------------------------------------------------- term regex


@lru_cache(maxsize=1)
def _normalized_index() -> tuple[re.Pattern[str], dict[str, str]]:
    owner = {normalize(t): i.id for i in catalogue() for t in i.terms}
    return re.compile("(?=(" + trie_alternation(owner) + "))"), owner


@lru_cache(maxsize=1)
def _text_index() -> tuple[re.Pattern[str], dict[str, str]]:
    """Terms as they can appear in raw text (both bracket widths), for offset-true scans."""
    owner: dict[str, str] = {}
    for i in catalogue():
        for t in i.terms:
            for v in {t, t.replace("(", "（").replace(")", "）"), t.replace("（", "(").replace("）", ")")}:
                owner.setdefault(v.lower(), i.id)
    return re.compile("(?=(" + trie_alternation(owner) + "))"), owner


def _longest_at_each_position(pattern: re.Pattern[str], s: str) -> list[tuple[int, int]]:
    spans = []
    for m in pattern.finditer(s):
        if m.group(1):
            spans.append((m.start(1), m.end(1)))
    return spans


@lru_cache(maxsize=1)
def _normalized_trie() -> dict:
    """The terms of _normalized_index as a dict trie: a record's indicator phrase is short,
    and walking it character by character is much cheaper than the regex, which tries every
    first character of the catalogue at every position of the phrase."""
    trie: dict = {}
    for w in _normalized_index()[1]:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True
    return trie


def _longest_walk(trie: dict, s: str) -> list[tuple[int, int]]:
    """(start, end) of the longest term starting at each position that starts one; the
    same spans as _longest_at_each_position with the trie's regex."""
    spans = []
    n = len(s)
    for i in range(n):
        node = trie.get(s[i])
        if node is None:
            continue
        best = i + 1 if "" in node else -1
        j = i + 1
        while j < n:
            node = node.get(s[j])
            if node is None:
                break
            j += 1
            if "" in node:
                best = j
        if best > i:
            spans.append((i, best))
    return spans


def _all_spans(s: str) -> list[tuple[int, int, str]]:
    """Every term occurrence in the normalized phrase (also shorter ones at a position)."""
    pattern, owner = _normalized_index()
    found: set[tuple[int, int]] = set()
    for start, end in _longest_walk(_normalized_trie(), s):
        # shorter terms starting here: try every prefix that is itself a term
        for e in range(end, start, -1):
            if s[start:e] in owner:
                found.add((start, e))
    return [(a, b, owner[s[a:b]]) for a, b in found]


# a change against an earlier time: 比2010年提高, 较上年分别增加, 与上年相比下降, 同比增长 (figures
# names a change-only clause with it; a name ending in it is the change of a level, not the level)
COMPARISON = (r"(?:同比|(?:比|较|与)\s*(?:(?:19|20)\d\d\s*年(?:底|末)?|上年|去年|上一年|上年度|上学年))"
              r"(?:同期)?(?:相比)?\s*(?:分别)?(?:增长|增加|提高|提升|下降|减少|降低|上升)")
_COMPARED_TAIL = re.compile(COMPARISON + "$")


def match_indicator(phrase: str, unit: str | None = None) -> str | None:
    """Canonical id for an indicator phrase in the document's words, or None."""
    if not phrase:
        return None
    s = normalize(phrase)
    spans = sorted(_all_spans(s), key=lambda x: (-(x[1] - x[0]), x[0]))
    rejected: list[tuple[int, int]] = []
    for a, b, iid in spans:
        if any(ra <= a and b <= rb for ra, rb in rejected):
            continue
        ind = get(iid)
        if ind is None:
            continue
        if not ind.change and _COMPARED_TAIL.match(s, b) and "百分点" not in (unit or ""):
            # 覆盖率比2020年提高5%, 专任教师比上年增加120人: the change of a level in the level's
            # own unit would pass for the level; only a change indicator of its family
            # (教育支出 -> 教育支出增长) names it.  A change in 百分点 keeps the level's id
            # (no tracker compares 百分点 with %).
            alt = _family_member(ind, unit or "", s)
            if alt is not None and alt.change:
                return alt.id
            rejected.append((a, b))
            continue
        if _fits(ind, unit):
            return ind.id
        alt = _family_member(ind, unit or "", s)
        if alt is not None:
            return alt.id
        rejected.append((a, b))
    return None


def find_indicator_mentions(text: str) -> list[tuple[str, int, int]]:
    """All catalogue mentions in a text as (id, start, end), longest non-overlapping first."""
    if not text:
        return []
    pattern, owner = _text_index()
    low = text.lower()  # ASCII terms (GDP, PM2.5) match in any case
    if len(low) != len(text):  # a few non-ASCII letters change length when lowered
        low = text
    spans = _longest_at_each_position(pattern, low)
    chosen: list[tuple[int, int]] = []
    taken = bytearray(len(text))
    for a, b in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0])):
        if any(taken[a:b]):
            continue
        taken[a:b] = b"\x01" * (b - a)
        chosen.append((a, b))
    chosen.sort()
    return [(owner[low[a:b]], a, b) for a, b in chosen]
