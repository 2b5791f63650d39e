"""Deadlines and start dates of commitments, and years of progress figures.

Why: a deadline is the thing an auditor checks first, and plans state it in many
shapes: 到2025年, 2019年8月底前 (→ 2019-08), 2020年秋季开学前 (→ 2020-09), 年底前
(against the document's date), 十四五期间 (→ the period's last year), 3年内 (relative to
the document's date).  2021年起 opens an obligation, it is not a deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_D = "〇零一二三四五六七八九十两"


@dataclass
class TimeExpr:
    start: int
    end: int
    kind: str  # "deadline" | "start" | "year" (a plain reference year, e.g. 2020年全县…)
    value: str  # ISO-ish: YYYY, YYYY-MM, YYYY-MM-DD
    explicit: bool = True  # False for 年内/今年 (resolved against the document date)
    period: bool = False  # 十四五 / 规划期: a plan period, not a calendar reference
    compare: bool = False  # 比2010年, 较上年, 2011年以来/至今: not the year a figure refers to


def five_year_plan_end(n: int) -> int:
    """十四五 → 2025, 十三五 → 2020 (the Nth plan ends in 1955 + 5N)."""
    return 1955 + 5 * n


_PERIOD = re.compile(r"[“\"”「]?(十[一二三四五六七八九]|[一二三四五六七八九])五[”\"“」]?(?:规划)?(?:期间|时期|期末|末|以来|内)?")
_YM = re.compile(
    r"(?P<pre>到|至|截至|截止|于|在|力争|争取|确保)?\s*(?P<y>(?:19|20)\d\d)\s*年\s*"
    r"(?:(?P<m>1[0-2]|0?[1-9])\s*月\s*(?:(?P<d>[0-3]?\d)\s*日)?(?P<mend>底|末|中旬|上旬|下旬)?"
    r"|(?P<season>秋季|春季|暑期|暑假|寒假)(?:学期)?(?:开学)?"
    r"|(?P<yend>年底|年末|底|末))?"
    r"\s*(?P<post>前|之前|以前|起|开始|以来|完成|内)?"
)
_RANGE = re.compile(r"((?:19|20)\d\d)\s*[-－—–~～至到]+\s*((?:19|20)\d\d)\s*年")
_REL = re.compile(
    r"(?P<yb>今年|本年度|本年|年内|当年|年底前|年底|年末|明年|下一年|次年)"
    r"|(?P<n>[1-9一二三四五两])\s*年内"
    r"|(?<!\d)(?P<season>秋季|春季)(?:学期)?开学(?:前|之前|以前)"
    r"|(?<![\d年])(?P<mo>1[0-2]|[1-9])\s*月(?:(?P<day>[1-3]?\d)\s*日)?(?P<mend>底|末)?(?P<mpre>前|之前|以前)?(?P<act>\s*(?:建成|完成|启动|开工|投用|投入|竣工|到位|交付))?"
)
_SPAN_YEARS = re.compile(r"(?:将|用|利用|力争|计划)\s*(?P<n>[1-9一二两三四五])\s*年(?!内|底|末|级|制|\d)")
_YEAR_SPAN = re.compile(r"((?:19|20)\d\d)\s*年?\s*[-－—–~～至到]+\s*((?:19|20)\d\d)\s*年")
_PLAN_PERIOD = re.compile(r"规划期(?:内|末|间)")


def _inside_title(text: str, lo: int, pos: int) -> bool:
    """Inside 《…》 (a document title such as 《纲要(2011—2020年)》)."""
    o = text.rfind("《", lo, pos)
    return o >= 0 and text.rfind("》", o, pos) < 0


def _season_month(season: str) -> int:
    """A holiday used as a deadline means by its end (暑期开工 → August), a term by its start."""
    return {"秋季": 9, "春季": 3, "暑期": 8, "暑假": 8, "寒假": 2}.get(season, 9)


def find_times(text: str, start: int, end: int, doc_year: int | None = None, plan_end: int | None = None) -> list[TimeExpr]:
    """Time expressions in text[start:end], each resolved to an ISO-ish value."""
    out: list[TimeExpr] = []
    taken: list[tuple[int, int]] = []
    # every pattern needs 年 (ranges, dates, 今年/年内), 月 (8月底前), 五 (十四五), 开学 or 规划期:
    # a sentence without them (most clauses of a task list) is not scanned five times
    has_year = text.find("年", start, end) >= 0
    if not has_year and text.find("月", start, end) < 0 and text.find("五", start, end) < 0 \
            and text.find("开学", start, end) < 0 and (not plan_end or text.find("规划期", start, end) < 0):
        return out
    for m in (_RANGE.finditer(text, start, end) if has_year else ()):
        out.append(TimeExpr(m.start(), m.end(), "deadline", m.group(2), compare=_inside_title(text, start, m.start())))
        taken.append((m.start(), m.end()))
    for m in (_YM.finditer(text, start, end) if has_year else ()):
        if any(a <= m.start("y") < b for a, b in taken):
            continue
        # 2021-2022学年 and the like: year not followed by 年 handled by the regex itself
        y = int(m.group("y"))
        value = str(y)
        if m.group("m"):
            value = f"{y}-{int(m.group('m')):02d}"
            if m.group("d"):
                value += f"-{int(m.group('d')):02d}"
        elif m.group("season"):
            value = f"{y}-{_season_month(m.group('season')):02d}"
        elif m.group("yend"):
            value = f"{y}-12"
        post = m.group("post") or ""
        pre = m.group("pre") or ""
        if pre in ("截至", "截止") or (text.startswith("的", m.end()) and not m.group("m")):
            kind = "year"  # 截至2025年年底 / 增加到2023年的7.23张: the date of a stated value
        elif post in ("起", "开始"):
            kind = "start"
        elif post == "以来":
            kind = "year"
        elif pre in ("到", "至", "力争", "争取", "确保") or post in ("前", "之前", "以前", "完成", "内") or m.group("yend") or m.group("season") or m.group("mend"):
            kind = "deadline"
        else:
            kind = "year"
        prev = text[max(start, m.start() - 3): m.start()].rstrip()
        compare = post == "以来" or text.startswith("至今", m.end()) or prev.endswith(("比", "较", "与", "是", "于")) or _inside_title(text, start, m.start())
        out.append(TimeExpr(m.start(), m.end(), kind, value, compare=compare))
        taken.append((m.start(), m.end()))
    for m in _PERIOD.finditer(text, start, end):
        n = m.group(1)
        num = (10 + " 一二三四五六七八九".index(n[1])) if n.startswith("十") else " 一二三四五六七八九".index(n)
        if m.group(0).endswith("以来"):
            continue
        out.append(TimeExpr(m.start(), m.end(), "deadline", str(five_year_plan_end(num)), period=True))
    if plan_end:
        for m in _PLAN_PERIOD.finditer(text, start, end):
            out.append(TimeExpr(m.start(), m.end(), "deadline", str(plan_end), period=True))
    if doc_year:
        for m in _REL.finditer(text, start, end):
            if any(a <= m.start() < b for a, b in taken):
                continue
            if m.group("yb"):
                w = m.group("yb")
                if w in ("明年", "下一年", "次年"):
                    out.append(TimeExpr(m.start(), m.end(), "deadline", str(doc_year + 1), False))
                elif w in ("年底前", "年底", "年末"):
                    out.append(TimeExpr(m.start(), m.end(), "deadline", f"{doc_year}-12", False))
                elif text.startswith(("起", "开始"), m.end()) and w in ("今年", "本年", "明年"):
                    out.append(TimeExpr(m.start(), m.end() + 1, "start", str(doc_year + (w == "明年")), False))
                elif re.match(r"\s*(?:以来|前|上半年|一季度|[1-9一二三四]|截至)", text[m.end(): m.end() + 4]) and w in ("今年", "本年", "当年"):
                    # 今年以来 / 今年前9个月: the period a reported figure covers
                    out.append(TimeExpr(m.start(), m.end(), "year", str(doc_year), False))
                else:
                    out.append(TimeExpr(m.start(), m.end(), "deadline", str(doc_year), False))
            elif m.group("season"):
                # 秋季开学前 with no year: the coming term of the document's year
                out.append(TimeExpr(m.start(), m.end(), "deadline", f"{doc_year}-{_season_month(m.group('season')):02d}", False))
            elif m.group("n"):
                n = m.group("n")
                k = int(n) if n.isdigit() else "一二三四五".find(n) + 1 or 2
                # 三年行动计划(2014年—2016年)，计划三年内…: the named years are those three
                span = [r for r in _YEAR_SPAN.finditer(text, start, end) if int(r.group(2)) - int(r.group(1)) + 1 == k
                        and int(r.group(1)) <= doc_year <= int(r.group(2))]
                value = span[0].group(2) if span else str(doc_year + k)
                out.append(TimeExpr(m.start(), m.end(), "deadline", value, False))
            elif m.group("mo") and (m.group("mend") or m.group("mpre") or m.group("act")):
                if m.group("day") and not m.group("mpre"):
                    continue  # 1月13日上午: a date line, not a deadline
                value = f"{doc_year}-{int(m.group('mo')):02d}"
                if m.group("day"):
                    value += f"-{int(m.group('day')):02d}"
                end_ = m.end("act") - len(m.group("act")) if m.group("act") else m.end()
                out.append(TimeExpr(m.start(), end_, "deadline", value, False))
    starts = [t for t in out if t.kind == "start"]
    if starts:
        for m in _SPAN_YEARS.finditer(text, start, end):
            n = m.group("n")
            k = int(n) if n.isdigit() else "一二三四五".find(n) + 1 or 2
            y = int(starts[0].value[:4]) + k - 1
            out.append(TimeExpr(m.start("n"), m.end(), "deadline", str(y), starts[0].explicit))
    out.sort(key=lambda t: t.start)
    return out


def year_of(value: str) -> int:
    return int(value[:4])


_DOC_PERIOD = re.compile(r"((?:19|20)\d\d)\s*[-－—–~～至到]+\s*((?:19|20)\d\d)")


def plan_end_year(title: str | None, text_head: str) -> int | None:
    """The last year of the period a plan covers (十四五 → 2025; (2021—2025年) → 2025)."""
    for s in (title or "", text_head):
        m = _PERIOD.search(s)
        if m:
            n = m.group(1)
            num = (10 + " 一二三四五六七八九".index(n[1])) if n.startswith("十") else " 一二三四五六七八九".index(n)
            return five_year_plan_end(num)
        m = _DOC_PERIOD.search(s)
        if m:
            return int(m.group(2))
    return None
