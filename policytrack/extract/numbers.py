"""Numbers with their unit and comparator, as plans and reports write them.

Why a module of its own: every record hangs on a figure, and Chinese documents
write the same figure many ways (95%, 百分之九十五, 3000个以上, 近1万个, 三千, 1-2项).
SCHEMA.md fixes how they are normalised: counts with 万/亿 are expanded, money and
area keep the multiplier in the unit, 名 is 人.  Word lists live in
`lexicons/numbers.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policytrack.lexicons import load_yaml

from .wordtrie import trie_alternation

_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
_CN_VAL = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_MULT = {"万": 1e4, "亿": 1e8, "万亿": 1e12, "千万": 1e7, "百万": 1e6}


@dataclass
class NumberMention:
    """One figure in the text: [start, end) covers comparator words, number and unit."""

    start: int
    end: int
    num_start: int
    num_end: int
    value: float
    unit: str
    op: str
    raw: str
    range_high: float | None = None


def cn_to_number(s: str) -> float | None:
    """Chinese numerals (二十一, 三千, 一万, 1.5万 is handled elsewhere) to a number."""
    if not s:
        return None
    if re.search("[〇一二两三四五六七八九]{2}", s):
        # 二〇二五 (a year), 十四五 (a plan period): not a quantity
        return None
    total, section, digit = 0.0, 0.0, None
    for ch in s:
        if ch in _CN_VAL:
            digit = _CN_VAL[ch]
        elif ch in _CN_UNIT:
            section += (digit if digit is not None else 1) * _CN_UNIT[ch]
            digit = None
        elif ch in ("万", "亿"):
            section += digit if digit is not None else (0 if section or total else 1)
            total = (total + section) * (1e4 if ch == "万" else 1e8)
            section, digit = 0.0, None
        else:
            return None
    return total + section + (digit or 0)


@lru_cache(maxsize=1)
def _lex() -> dict:
    return load_yaml("numbers.yaml")


def _alt(words) -> str:
    """Alternation, longest spelling preferred (a trie: see wordtrie)."""
    return trie_alternation(words)


@lru_cache(maxsize=1)
def _regex() -> re.Pattern[str]:
    lx = _lex()
    units = _alt(lx["count_units"] + lx["measure_units"] + lx["percent_units"])
    before = _alt([w for ws in lx["ops_before"].values() for w in ws])
    after = _alt([w for ws in lx["ops_after"].values() for w in ws])
    arabic = r"\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?"
    cn = rf"[{_CN_NUM}]+"
    return re.compile(
        rf"(?P<before>{before})?\s*"
        rf"(?:(?P<pct>百分之(?P<pctnum>[{_CN_NUM}点]+))"
        rf"|(?P<num>{arabic})(?:\s*[-－—~～至到]\s*(?P<hi>{arabic}))?\s*(?P<approx>余|多)?(?P<mult>万亿|千万|百万|万|亿)?(?P<approx2>余|多)?"
        rf"|(?P<cn>{cn}))"
        rf"\s*(?P<unit>{units})?(?P<after>{after})?"
    )


@lru_cache(maxsize=1)
def _starts() -> re.Pattern[str]:
    """Every character a figure can start with (a comparator word's first character,
    whitespace, a digit, 百分之, a Chinese numeral).  The figure regex opens with optional
    groups, so the regex engine cannot skip ahead by itself; jumping to these characters
    and matching there visits the same positions as finditer where a match can begin."""
    lx = _lex()
    first = {w[0] for ws in lx["ops_before"].values() for w in ws if w}
    return re.compile("[" + "".join(re.escape(c) for c in sorted(first)) + r"\s\d百" + _CN_NUM + "]")


def _figures(text: str, start: int, end: int):
    """The matches of _regex().finditer(text, start, end), found faster (see _starts)."""
    find, match = _starts().search, _regex().match
    pos = start
    while True:
        c = find(text, pos, end)
        if c is None:
            return
        p = c.start()
        m = match(text, p, end)
        if m is None:
            pos = p + 1
        else:
            yield m
            pos = m.end()


_YEARLIKE = re.compile(r"[年月日号期届级批次]")


def _to_float(s: str) -> float:
    return float(s.replace(",", ""))


@lru_cache(maxsize=1)
def _op_tables() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """Word -> comparator (the first op in the file that lists the word), after and before."""
    lx = _lex()
    after: dict[str, str] = {}
    for op, ws in lx["ops_after"].items():
        for w in ws:
            after.setdefault(w, op)
    before: dict[str, str] = {}
    for op, ws in lx["ops_before"].items():
        for w in ws:
            before.setdefault(w, op)
    return after, before, frozenset(lx["plain_before"])


def _op_from(before: str | None, after: str | None) -> str:
    ops_after, ops_before, plain = _op_tables()
    if after and after in ops_after:
        return ops_after[after]
    if before and before not in plain and before in ops_before:
        return ops_before[before]
    return "="


def parse_numbers(text: str, start: int = 0, end: int | None = None) -> list[NumberMention]:
    """Every figure with a unit (or a percentage) in text[start:end]."""
    end = len(text) if end is None else end
    lx = _lex()
    counts = set(lx["count_units"])
    out: list[NumberMention] = []
    for m in _figures(text, start, end):
        unit = m.group("unit") or ""
        hi = None
        if m.group("pct"):
            cnv = m.group("pctnum")
            if "点" in cnv:
                a, _, b = cnv.partition("点")
                ia = cn_to_number(a)
                if ia is None or not b:
                    continue
                value = float(f"{int(ia)}." + "".join(str(_CN_VAL.get(c, 0)) for c in b))
            else:
                v = cn_to_number(cnv)
                if v is None:
                    continue
                value = v
            unit = "%"
            ns, ne = m.start("pct"), m.end("pct")
        elif m.group("num"):
            raw = m.group("num")
            ns, ne = m.start("num"), m.end("num")
            if ns > 0 and (text[ns - 1].isalnum() and text[ns - 1].isascii() or text[ns - 1] in "〔[【第《.-"):
                continue
            value = _to_float(raw)
            if m.group("hi"):
                hi = _to_float(m.group("hi"))
            mult = m.group("mult")
            if mult:
                if not unit or unit in counts:
                    value *= _MULT[mult]
                    if hi is not None:
                        hi *= _MULT[mult]
                    if not unit:
                        unit = "人" if "人" in text[m.end(): m.end() + 1] else ""
                        if not unit and any(w in text[max(0, ns - 8):ns] for w in lx.get("money_context", [])):
                            value, unit = _to_float(raw), mult + "元"  # 投入装备资金2914.95万: 元 left out
                else:
                    unit = mult + unit
            if not unit:
                if not ("." in raw and any(w in text[max(0, ns - 14):ns] for w in lx.get("unitless_context", []))):
                    continue  # a bare number; a decimal after 系数/指数 (综合差异系数为0.50) is kept
        else:
            cnv = m.group("cn")
            ns, ne = m.start("cn"), m.end("cn")
            if not unit or (len(cnv) < 2 and cnv not in "十百千万") :
                continue
            if cnv.endswith(("万", "亿")) and unit not in counts:
                v = cn_to_number(cnv[:-1])
                if v is None:
                    continue
                value, unit = v, cnv[-1] + unit
            else:
                v = cn_to_number(cnv)
                if v is None or v == 0:
                    continue
                value = v
            if text[ns - 1: ns] == "第" or text[ns:m.end("unit")] in lx.get("name_like_counts", []):
                continue
            if unit in lx.get("arabic_only_units", []):
                continue  # 十字道初中, 八字方针: a word, not a count of characters
        if unit == "年" and (1900 <= value <= 2100 or "." in text[ns:ne]):
            continue
        if unit in ("年", "月", "日") or (unit == "" and not m.group("pct")):
            nxt = text[m.end(): m.end() + 1]
            if nxt and _YEARLIKE.match(nxt):
                continue
        if unit and _YEARLIKE.match(text[m.end("unit") - 1: m.end("unit")] or "") and unit not in counts:
            continue
        if unit and any(text.startswith(b, m.end("unit")) for b in lx.get("unit_blockers", {}).get(unit, [])):
            continue
        if unit == "名":
            unit = "人"
        if unit == "％":
            unit = "%"
        op = _op_from(m.group("before"), m.group("after"))
        if op == "=" and (m.group("approx") or m.group("approx2")):
            op = ">="
        if hi is not None:
            op = ">=" if op == "=" else op
        s = m.start("before") if m.group("before") else ns
        out.append(NumberMention(s, m.end(), ns, ne, value, unit, op, text[s: m.end()], hi))
    return out
