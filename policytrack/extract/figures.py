"""Sentence by sentence: every figure becomes a commitment or a progress record,
and clauses that state an end state without a figure become qualitative commitments.

Why one pass for both: the same sentence shape (X达到95%) is a promise in a plan's
目标 section and an achievement in a report; the decision needs the same context
(document type, heading, time words), so both records are made here.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from .commitments import (clean_indicator, cue_alternation, cue_tuple, is_standing_or_end_state, looks_process, target_score,
                          without_cues)
from .context import DocContext, cues
from .deadlines import TimeExpr, find_times
from .numbers import NumberMention, _lex as _num_lex, cn_to_number, parse_numbers
from .indicators import COMPARISON
from .progress import progress_year
from .columns import Cell, cell_at, header_bias, header_unit, plain_number, table_cells
from .sentences import Piece, clauses, lines, sentences

_SPLIT_LIST = re.compile(r"[、和及与]")


@lru_cache(maxsize=1)
def _relative_hint() -> re.Pattern[str]:
    """Words a relative time (年底前, 今年, 5月底前, 3年内) needs (cues.yaml relative_time_hints):
    only such sentences need the section's year."""
    return re.compile(cue_alternation("relative_time_hints"))


@lru_cache(maxsize=1)
def _future_after() -> re.Pattern[str]:
    """A future marker a few characters after a year (cues.yaml future_markers): 2026年，我区将…"""
    return re.compile(r"[，,\s]?[\u4e00-\u9fff]{0,6}?(?:" + cue_alternation("future_markers") + ")")


def _descriptor(text: str, m: NumberMention) -> bool:
    lx = _num_lex()
    if m.num_start > 0 and text[m.num_start - 1] == "每" and m.unit in ("人", "名", "户"):
        return True  # 每千人口床位数, 每10万人口: the denominator of a rate, not a count
    o = text.rfind("“", max(0, m.num_start - 40), m.num_start)
    if o >= 0 and "”" not in text[o:m.num_start]:
        e = text.find("”", m.end, m.end + 40)
        if e > 0 and "“" not in text[m.end:e] and text[e - 2:e] in ("工程", "项目", "计划", "行动", "活动"):
            return True  # 将“58个贫困县改造建设316所幼儿园工程”确定为…: the name of a programme
    if m.unit in lx.get("duration_units", []):
        # 5年计划招聘120名, 3年内: the span of time a figure is counted over, not the figure
        tail = text[m.end: m.end + 4]
        if any(tail.startswith(w) for w in lx.get("duration_followers", [])):
            return True
    sets = lx.get("named_set_followers", {})
    if m.unit in sets and any(text[m.end: m.end + 4].startswith(w) for w in sets[m.unit]):
        return True  # 落实教师减负十项措施: the name of a set of rules, not a count to reach
    if m.start == m.num_start and m.end < len(text) and "\u4e00" <= text[m.end] <= "\u9fff":
        # 持续改善2所乡村学校办学条件, 在2所职业学校推行…: the figure picks out the schools a
        # process applies to; the figure is not what the sentence promises or reports
        head = text[max(0, m.num_start - 7): m.num_start]
        head = re.sub(r"(?:现有|全部|所有|全县|全区|全市)$", "", head)
        if any(head.endswith(v) for v in lx.get("object_verbs", [])):
            return True
    geo = lx.get("geography_nouns", [])
    if geo and m.unit in ("个", "") and any(text.startswith(g, m.end) for g in geo):
        # 辖15个镇、3个街道, 深入8个乡镇: the map, not an outcome (建成8个示范村 stays)
        if any(v in text[max(0, m.num_start - 12): m.num_start] for v in lx.get("territory_verbs", [])):
            return True
    if m.unit and text.startswith("的", m.end) and any(
            text.endswith(w, 0, m.num_start) for w in lx.get("group_bound_words", [])):
        return True  # 不足100人的小规模学校: the group a rule applies to
    if m.unit in lx["age_units"]:
        return not any(w in text[max(0, m.start - 8): m.start] for w in lx["age_quantity_words"])
    if m.unit not in lx["descriptor_units"]:
        return False
    tail = text[m.end: m.end + 6]
    return any(tail.startswith(w) for w in lx["descriptor_followers"])


# How far back from a figure its sentence is read for cues and names.  A figure's
# indicator is at most 40 characters and its cues sit in the same sentence; without a
# bound, a sentence of thousands of figures and no punctuation re-reads its whole
# prefix for each figure (quadratic: 12,000 characters of 95%95%… took 13 s).
_LOOKBACK = 600


def _clause_of(cls: list[Piece], offset: int, starts: list[int] | None = None) -> Piece | None:
    """The clause holding offset (bisect over the clause starts: a sentence can have thousands)."""
    if starts is None:
        starts = [c.start for c in cls]
    i = bisect_right(starts, offset) - 1
    if i >= 0 and cls[i].start <= offset < cls[i].end:
        return cls[i]
    return None


def _segment(text: str, clause: Piece, m: NumberMention, n_in_clause: int, seps: list[int] | None = None) -> Piece:
    """The 、-separated item holding the figure when a clause lists several figures
    (`seps`: the sorted offsets of 、 in the sentence, found once for all its figures)."""
    if n_in_clause <= 1:
        return clause
    if seps is None:
        seps = [k for k in range(clause.start, clause.end) if text[k] == "、"]
    s = clause.start
    i = bisect_left(seps, m.num_start) - 1  # the last 、 before the figure, inside the clause
    if i >= 0 and seps[i] >= clause.start:
        s = seps[i] + 1
    e = clause.end
    j = bisect_left(seps, m.end)  # the first 、 at or after the figure's end
    if j < len(seps) and seps[j] < clause.end:
        e = seps[j]
    return Piece(s, e)


def _topic(ctx: DocContext, para: Piece, offset: int, para_times: list[TimeExpr], kinds=("year",)) -> list[TimeExpr]:
    """Times that open the paragraph ("2020年，全县…", "到2025年，…") carry over to its later
    sentences; on run-on text (a whole document on one line) the section body is the paragraph."""
    anc = ctx.ancestors(offset)
    anchor = max(para.start, anc[-1].start if anc else para.start)
    # para_times are in text order (sentence by sentence, each sorted): look only at the
    # 16 characters after the anchor, not at every time of a long run-on paragraph
    out = []
    for k in range(bisect_left(para_times, anchor, key=_start_of), len(para_times)):
        t = para_times[k]
        if t.start - anchor > 16:
            break
        if t.kind in kinds and not t.compare:
            out.append(t)
    return out


def _start_of(t: TimeExpr) -> int:
    return t.start


def _inherits_deadline(ctx: DocContext, para: Piece, offset: int, times: list[TimeExpr], first_times: list[TimeExpr]) -> bool:
    """A sentence without its own time in a paragraph whose first sentence sets a deadline
    (根据…，到2025年，…) is a target; so is an item of a dated task list (2020年为民办实事)."""
    if [t for t in times if not t.compare]:
        return False
    if not first_times:
        return ctx.title_time is not None and ctx.doc_type == "plan" and ctx.type_reliable
    ref = ctx.ref_year(offset)  # "十三五"期间，… in a 2021 plan: the period a review looks back on
    if any(t.kind == "deadline" and not t.compare and not (ref and t.explicit and int(t.value[:4]) < ref) for t in first_times):
        return True
    if any(t.kind == "year" and t.explicit and not t.compare and not (ref and int(t.value[:4]) < ref)
           and _future_after().match(ctx.text, t.end, t.end + 12) for t in first_times):
        return True  # 2026年，我区将…。新增停车位800个: the year the paragraph plans for
    return ctx.title_time is not None and ctx.doc_type == "plan" and ctx.type_reliable


_DUN = re.compile("、")
_GAP = re.compile(r"(?:还需|仍需|还差|尚需|差距)[^，,。；;]{0,4}$")
_FROM = re.compile(r"(?:由|从)(?:(?:19|20)\d\d\s*年(?:底|末)?(?:的)?|目前的?|现在的?|上年的?|去年的?)?\s*$")
_TO = re.compile(r"^[^，,。；;]{0,4}?(?:提高|提升|增加|增长|降低|下降|减少|扩大|缩小|上升|降)(?:到|至|为)[^，,。；;]{0,6}$")


def _start_values(text: str, mentions: list[NumberMention]) -> dict[int, NumberMention]:
    """由X提高到Y / 从X增加到Y: {id(X): Y}."""
    out: dict[int, NumberMention] = {}
    for a, b in zip(mentions, mentions[1:]):
        if _FROM.search(text, max(0, a.start - 12), a.start) and _TO.match(text[a.end:b.num_start]):
            out[id(a)] = b
    return out


def _own_year(text: str, m: NumberMention, times: list[TimeExpr]) -> int | None:
    for t in times:
        if 0 <= m.start - t.end <= 3:
            return int(t.value[:4])
    return None


def _row_departments(cells: dict, line_start: int, text: str) -> list[str] | None:
    """The 责任单位 / 牵头单位 column of the record's row."""
    for c in cells.get(line_start, []):
        if c.header and any(w in c.header for w in ("责任单位", "牵头单位", "责任部门", "承办单位")):
            try:
                from .departments import split_departments

                deps = split_departments(text[c.start:c.end].strip())
            except Exception:  # noqa: BLE001
                return None
            return deps or None
    return None


_N_HUNDRED = re.compile(r"([两二三四五六七八九十])个[“\"]?$")


_CLAUSE_END = re.compile(r"[，,；;。：:]")
_EACH_OF = re.compile(r"([^，,；;。：:]{1,40}?)各$")


def _without_breakdowns(text: str, mentions: list[NumberMention]) -> list[NumberMention]:
    """新建4所幼儿园，甲、乙、丙和丁各1所: the places listed before 各 share out a total an
    earlier clause of the sentence states in the same unit, exactly; the share is part of that
    total, not a target of its own (a tracker would count the 4 schools twice).  Shares that
    do not add up to it (改扩建学校10所，新建小学和初中各2所) are targets of their own."""
    keep = []
    for m in mentions:
        each = _EACH_OF.search(text, max(0, m.num_start - 41), m.num_start) if m.unit else None
        if each is not None:
            places = len([x for x in _SPLIT_LIST.split(each.group(1)) if x.strip()])
            if any(k.unit == m.unit and k.end <= each.start() and _CLAUSE_END.search(text, k.end, each.start() + 1)
                   and abs(places * m.value - k.value) < 1e-9 for k in mentions):
                continue
        keep.append(m)
    return keep


def _times_hundred(text: str, m: NumberMention, clause_start: int, sent_end: int) -> int:
    """四个100% / 三个百分之百: the number of 100% targets the idiom bundles, when the
    sentence lists them (…、护学岗四个100%; “三个百分之百”…，推进校园封闭、保安配备、…) in the
    figure's clause or the next; an unlisted 学校安全管理“三个100%”全面落实 is one target, as
    nothing names the parts a tracker could follow one by one."""
    if m.value != 100 or m.unit != "%":
        return 1
    hit = _N_HUNDRED.search(text, max(0, m.start - 4), m.start)
    if not hit:
        return 1
    end = m.end
    for _ in range(2):
        e = _CLAUSE_END.search(text, end, sent_end)
        end = e.end() if e else sent_end
    return int(cn_to_number(hit.group(1)) or 1) if "、" in text[clause_start:end] else 1


# page furniture: file names, html remnants, catalogue numbers (11341602003165628D/2025…)
_FURNITURE = re.compile(r"\.s?html?\b|-->|<!--|/[a-z]+property|[0-9A-Z]{12,}|\d{4}-\d\d-\d\d\s+\d+\s+\d+\s")
_CODE_RUN = re.compile(r"[0-9A-Z]{12}")


def _may_be_furniture(st: str) -> bool:
    """What every _FURNITURE alternative needs (htm, a hyphen, property, a 12-character
    code): most sentences have none, and the full pattern cannot skip ahead by itself."""
    return "htm" in st or "-" in st or "property" in st or _CODE_RUN.search(st) is not None


_SHARED = re.compile(r"(?:均|分别)(?:(?:比|较)[^，,。；;]{0,12}?(?:下降|降低|减少|增长|提高|增加|上升))?(?:达到|达|为|超过|不低于|不少于|不超过|保持在|控制在|实现)?\s*$")


_SHARED_NOUNS = ("覆盖率", "达标率", "比例", "比重", "占比", "人数", "数量", "率")


def _shared_by(text: str, clause: Piece, m: NumberMention, n_in_clause: int) -> list[str]:
    """甲率、乙率、丙率均达到100% (or 分别达到 with one figure): the listed indicators, one
    record each; [] when the figure belongs to one indicator."""
    if n_in_clause != 1:
        return []
    if not _SHARED.search(text, clause.start, m.num_start):
        return _joint_subjects(text, clause, m)
    j = max(text.rfind("均", clause.start, m.num_start), text.rfind("分别", clause.start, m.num_start))
    items = text[clause.start:j].split("、")
    return items if len(items) > 1 else []


@lru_cache(maxsize=1)
def _joint_subject_rx() -> re.Pattern[str]:
    nouns = cue_alternation("joint_subject_nouns")
    verbs = cue_alternation("joint_subject_verbs")
    return re.compile(r"([^，,。；;、和与及]{2,16}?(?:" + nouns + r"))(?:和|与|及|、)([^，,。；;、和与及]{2,16}?(?:" + nouns
                      + r"))(?:均|都)?(?:" + verbs + r")(?:了)?\s*$")


def _joint_subjects(text: str, clause: Piece, m: NumberMention) -> list[str]:
    """财政总收入和地方财政收入增长7%: two measures (cues.yaml joint_subject_nouns) growing by
    the one figure are two targets, each with the verb (财政总收入增长, 地方财政收入增长)."""
    hit = _joint_subject_rx().search(text, max(clause.start, m.num_start - 40), m.num_start)
    if hit is None or hit.start() < clause.start:
        return []
    verb = text[hit.end(2):m.num_start].strip()
    verb = re.sub(r"^(?:均|都)|了$", "", verb)
    return [clean_indicator(hit.group(1)) + verb, hit.group(2) + verb]


_PAYER = re.compile(r"由((?:中央|省级|省|市级|市|县级|县|区级|区|本级)财政)(?:全额)?承担")
_JOINT_STATE = re.compile(r"^(?P<a>[^，,。；;]{2,40}?(?P<w>全覆盖|全部完成|投入使用|通过验收|达标))(?:和|及|与|、)(?P<b>[^，,。；;]{2,40}?(?P=w))$")


_JOINT_PLACES = re.compile(r"^(?P<a>[^，,。；;和]{3,30}?(?P<h>[县区市校园村镇]))和(?P<b>[^，,。；;和]{3,30}?(?P=h))"
                           r"(?P<rest>(?:创建|建设)?(?:通过|建成|达标|完成)[^，,。；;和]{0,12})$")


def _joint_states(clause: str) -> list[str]:
    """…学校全覆盖和…学生全覆盖: the same end state said twice, of two subjects, is two end
    states; so is one end state of two places of one kind (甲县和乙县创建通过验收); [] otherwise."""
    body = clause.rstrip("。；;，, ")
    hit = _JOINT_STATE.match(body)
    if hit is not None:
        return [clean_indicator(hit.group("a")), clean_indicator(hit.group("b"))]
    hit = _JOINT_PLACES.match(body)
    if hit is not None:
        return [clean_indicator(hit.group("a") + hit.group("rest")), clean_indicator(hit.group("b") + hit.group("rest"))]
    return []


_CLAUSE_STOP = "，,；;：:。！？!?\n"


def _without_times(text: str, a: int, b: int, times: list[TimeExpr]) -> str:
    """text[a:b] with its time expressions cut out: a deadline is never an indicator's name."""
    parts, k = [], a
    for t in times:
        if t.end <= a or t.start >= b:
            continue
        parts.append(text[k:max(k, t.start)])
        k = max(k, t.end)
    parts.append(text[k:b])
    return "".join(parts)


def _list_items(src: str, n: int) -> list[str]:
    """The n names of a 分别 list (甲、乙; 甲和乙), with a noun the last item shares given
    to the short heads before it (小学、初中生均公用经费 → 小学生均公用经费, 初中生均公用经费)."""
    for rx in ("、", "[、和及与]"):
        items = [clean_indicator(x) for x in re.split(rx, src)]
        if len(items) == n and all(len(x) >= 2 for x in items):
            break
    else:
        return []
    last = items[-1]
    head = len(items[0])
    if all(len(x) <= 3 for x in items[:-1]) and len(last) > head + 1:
        tail = last[head:]
        items = [x if x.endswith(tail) else x + tail for x in items[:-1]] + [last]
    return items


def _respective_names(text: str, sent: Piece, mentions: list[NumberMention], times: list[TimeExpr]) -> dict[int, tuple[str, int, int]]:
    """甲和乙分别达到50%、85%，2025年分别达到55%、92%: the k-th figure after 分别 is the
    k-th item of the list before it; a later 分别 without a list of its own reuses the
    sentence's last list.  {id(mention): (indicator, quote start, quote end)}."""
    out: dict[int, tuple[str, int, int]] = {}
    items: list[str] = []
    k = text.find("分别", sent.start, sent.end)
    while k >= 0:
        stop = k + 2
        while stop < sent.end and text[stop] not in _CLAUSE_STOP:
            stop += 1
        figs = [m for m in mentions if k < m.num_start < stop]
        cs = k
        while cs > sent.start and text[cs - 1] not in _CLAUSE_STOP:
            cs -= 1
        src = _without_times(text, cs, k, times)
        if len(figs) >= 2:
            own = _list_items(src, len(figs))
            if own:
                items = own
            elif not re.search("[、和及与]", src) and len(clean_indicator(src)) >= 2:
                # 到2022年和2030年，…水平分别不低于22%和30%: one name, the years make the list
                items = [clean_indicator(src)] * len(figs)
            if len(items) == len(figs):
                while cs < k and text[cs].isspace():
                    cs += 1
                for m, name in zip(figs, items):
                    out[id(m)] = (name, cs, figs[-1].end)  # one quote for the whole list
        k = text.find("分别", stop, sent.end)
    return out


@lru_cache(maxsize=1)
def _verb_only() -> re.Pattern[str]:
    words = cues().get("count_verbs") or ["完成"]
    return re.compile("(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + ")*")


@lru_cache(maxsize=1)
def _object_end() -> re.Pattern[str]:
    words = cues().get("object_end_words") or ["达到"]
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r"|[，,。；;：:（(\n\t]")


def _named(text: str, clause: Piece, m: NumberMention, before: str) -> str:
    """The indicator of a figure whose own words before it are only a verb or nothing:
    完成22所乡镇寄宿制学校改造 counts what follows the unit (完成乡镇寄宿制学校改造), and
    85%以上的班额达到…标准 measures 班额, not what an earlier clause named."""
    # 对全市34所学校实行…, 完成甲校及13处农村学校…: the words before the figure only frame
    # or coordinate it; 完成泉山学校一期2座教学楼建设: a verb's object goes on after the unit
    framed = bool(before) and _FRAME_ONLY.fullmatch(before) is not None
    conj = before.endswith(("及", "和", "与", "、"))
    lead = _verb_only().match(before).end() if before else 0
    if before and not framed and not conj and lead == 0:
        return before
    after = text[m.end:min(clause.end, m.end + _LOOKBACK)]
    after = after[1:] if after.startswith("的") else after
    cut = _object_end().search(after)
    obj = clean_indicator(after[:cut.start()] if cut else after)
    if len(obj) < 2 or not ("\u4e00" <= obj[0] <= "\u9fff"):
        return before
    return obj if framed or conj else before + obj


_FROM_YEAR = re.compile(r"(?:19|20)\d\d\s*年")
_COUNTED_AFTER = re.compile(r"\s*等?\s*[\d一二两三四五六七八九十]+\s*[所个座栋处家]")
_COUNTED_BEFORE = re.compile(r"[\d一二两三四五六七八九十]\s*[所个座栋处家]$")
_GENERIC_FACILITY = re.compile(r"(?:[一二三四五六七八九十\d]|公办|民办|普惠|乡镇|农村|城区|城镇|中小|各类|一批|标准化|寄宿制)")
_FRAME_ONLY = re.compile(r"(?:对|在|为|向|给)?(?:全市|全县|全区|全省|全国|全镇|全乡)?")


@lru_cache(maxsize=1)
def _bare_verbs() -> re.Pattern[str]:
    c = cues()
    words = set(c.get("end_states") or []) | set(c.get("count_verbs") or []) | set(c.get("bare_task_words") or [])
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


@lru_cache(maxsize=1)
def _facility() -> re.Pattern[str]:
    sfx = cues().get("facility_suffixes") or ["学校"]
    return re.compile(r"[\u4e00-\u9fff“”]{2,16}(?:" + "|".join(map(re.escape, sfx)) + ")")


def _facility_named(text: str, a: int, b: int, name: str) -> str:
    """新建城东幼儿园，新增学位360个: places counted for one school are that school's, not the
    region's 新增学位 (the tracker would add them to the plan-wide target)."""
    found = None
    for found in _facility().finditer(text, max(a, b - 60), b):
        pass
    if found is None:
        return name
    if _COUNTED_AFTER.match(text, found.end()) or _COUNTED_BEFORE.search(text, max(a, found.start() - 4), found.start() + 1):
        return name  # 新建成投用幼儿园2所 / 新建城南、河西2所公办幼儿园，新增学位540个: schools counted, not one
    head = clean_indicator(found.group(0))
    lead = _verb_only().match(head)
    head = head[lead.end():] if lead else head
    if len(head) < 4 or _GENERIC_FACILITY.match(head):
        return name  # 新建公办幼儿园5所，新增学位3000个: a kind of school, not one school
    return head + name


def _qual_indicator(text: str, sent: Piece, c: Piece, cls: list[Piece], times: list[TimeExpr]) -> str:
    """An end state's name without its deadline; a bare verb (2023年8月底前建成并投入使用)
    takes the facility an earlier clause of the sentence names (新建城区第三小学), so the
    record still says what is to be built."""
    ind = clean_indicator(_without_times(text, c.start, c.end, times)) or clean_indicator(text[c.start:c.end])
    if len(_bare_verbs().sub("", ind)) >= 2:
        return ind
    lead = _verb_only()
    for p in reversed([x for x in cls if sent.start <= x.start and x.end <= c.start]):
        body = clean_indicator(_without_times(text, p.start, p.end, times))
        body = body[lead.match(body).end():]
        hit = _facility().match(body)
        if hit:
            return hit.group(0) + ind
    return ind


def _header_year(header: str | None) -> str | None:
    """2022年度任务目标 → 2022: a target column's year is its cells' deadline."""
    if not header or header_bias(header) <= 0:
        return None
    m = re.search(r"((?:19|20)\d\d)\s*年", header)
    return m.group(1) if m else None


def _plain_cells(ctx: DocContext, row: list[Cell], sent: Piece, times: list[TimeExpr]) -> list[dict]:
    """Cells holding a bare number under a header that gives the unit (资助人数 | 671)."""
    out = []
    text = ctx.text
    for c in row:
        if not (sent.start <= c.start and c.end <= sent.end + 1):
            continue
        v = plain_number(text[c.start:c.end])
        unit = header_unit(c.header)
        if v is None or unit is None:
            continue
        label = text[row[0].start:row[0].end].strip()
        rec = {"start": c.start, "end": c.end, "indicator": clean_indicator(label + (c.header or "")), "value": v,
               "unit": unit, "op": "=", "confidence": 0.6}
        if header_bias(c.header) > 0:
            rec.update(type="commitment", kind="quantitative", deadline=None, start_date=None, sent=sent)
        else:
            rec.update(type="progress", year=progress_year(ctx, c.start, [t for t in times if t.end <= c.start], []))
        out.append(rec)
    return out


@lru_cache(maxsize=1)
def _ops_distant() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """numbers.yaml's ops_distant, one compiled alternation per comparator."""
    return tuple((op, re.compile("|".join(f"(?:{p})" for p in pats)))
                 for op, pats in _num_lex().get("ops_distant", {}).items() if pats)


def _nearby_op(text: str, clause: Piece, m: NumberMention, group: list[NumberMention], i: int | None = None,
               memo: dict[int, str] | None = None) -> str:
    """至少组织2次 (a bound a few characters before the figure), and the later figures of
    分别达到50%、85% (the bound of the first figure of the list).  `i`: m's index in group
    (given by the caller: searching for it per figure was quadratic in long lists)."""
    if m.op != "=":
        return m.op
    window = text[max(clause.start, m.num_start - 8):m.num_start]
    for op, words in _num_lex().get("ops_nearby", {}).items():
        if any(w in window for w in words):
            return op
    far = text[max(clause.start, m.num_start - 40):m.num_start]
    for op, rx in _ops_distant():
        if rx.search(far):
            return op
    if i is None:
        i = next((k for k, g in enumerate(group) if g is m), 0)  # identity: == on mentions is slow
    if i > 0:
        between = text[group[i - 1].end:m.start]
        if between.strip(" 、和及与") == "" and group[i - 1].op != "=":
            return group[i - 1].op
        # 至少组织2次指导和2次实践活动, 至少召开1次家长会、举办1次开放日: the bound reaches
        # over a short coordinated list in the same clause (the previous figure's answer, kept
        # in memo by the caller, which walks the list in order: a long list stays linear)
        if _COORDINATED.fullmatch(between):
            if memo is not None and (i - 1) in memo:
                return memo[i - 1]
            return _nearby_op(text, clause, group[i - 1], group, i - 1, memo)
    return m.op


_UNDATED = re.compile(r"待[^，,。；;]{1,20}后|最终|长远|远期")
_PER_UNIT = re.compile(r"\s*每(?:所|个|校|生|班|周|月|学期|学年|名|人|位)")
_COORDINATED = re.compile(r"[^，,。；;]{0,12}[、和及与][\u4e00-\u9fff]{0,2}")


def _respective(text: str, sent: Piece, m: NumberMention, mentions: list[NumberMention], times: list[TimeExpr]) -> str | None:
    """到2022年和2030年…分别不低于22%和30%: the k-th figure after 分别 takes the k-th year."""
    k = text.find("分别", sent.start, sent.end)
    if k < 0 or m.start < k:
        return None
    dl = [t for t in times if t.kind in ("deadline", "year") and not t.compare and t.end <= k]
    if len(dl) < 2:
        return None
    after = [x for x in mentions if x.start >= k]
    if len(after) != len(dl) or m not in after:
        return None
    return dl[after.index(m)].value




def _paragraph_deadline(ctx: DocContext, offset: int, para_times: list[TimeExpr]) -> str | None:
    """The year an earlier sentence of the paragraph announces as the one it plans for
    (2023年东昌府区将…；…新招录教师400名).  A deadline of an earlier sentence does not carry
    (the gold leaves 到2025年…。逐步实现… undated), nor does a past year (it dates a review)."""
    ref = ctx.ref_year(offset)
    for t in reversed(para_times):
        if t.compare or t.start >= offset or t.kind == "start" or not t.explicit:
            continue
        if ref and int(t.value[:4]) < ref:
            return None
        if t.kind == "year" and _future_after().match(ctx.text, t.end, t.end + 12):
            return t.value
        return None
    return None


def _year_pairs(text: str, m: NumberMention, group: list[NumberMention], times: list[TimeExpr]) -> str | None:
    """到2022年和2030年，甲分别不少于90%和92%，乙达到37%和40%: coordinated years pair with
    the figures of each clause in order (the k-th figure of a clause takes the k-th year)."""
    if len(group) < 2:
        return None
    dl = [t for t in times if t.kind in ("deadline", "year") and not t.compare and t.end <= group[0].start]
    if len(dl) < 2:
        return None
    run = [dl[-1]]
    for t in reversed(dl[:-1]):
        if text[t.end:run[0].start].strip() not in cue_tuple("year_connectors"):
            break
        run.insert(0, t)
    if len(run) != len(group):
        return None
    i = next((k for k, g in enumerate(group) if g is m), None)
    return run[i].value if i is not None else None


def _dated_parts(text: str, cls: list[Piece], times: list[TimeExpr], by_clause: dict) -> list[Piece]:
    """力争6月底前启动二期建设、年底前启动三期建设: a clause whose 、 opens a deadline of its
    own holds two tasks, each checkable by its own date."""
    out: list[Piece] = []
    opens = [t.start for t in times if t.start > 0 and text[t.start - 1] == "、" and t.kind == "deadline" and not t.compare]
    if not opens:
        return cls
    for c in cls:
        lo = bisect_right(opens, c.start + 1)
        hi = bisect_right(opens, c.end)  # times are sorted by start: linear in a long sentence
        cuts = opens[lo:hi] if c.start not in by_clause else []
        a = c.start
        for k in cuts:
            out.append(Piece(a, k - 1))
            a = k
        out.append(Piece(a, c.end) if cuts else c)
    return out


def _deadline(ctx: DocContext, para: Piece, offset: int, times: list[TimeExpr], para_times: list[TimeExpr], first_times: list[TimeExpr]) -> str | None:
    """The sentence's own time (a plain year in a target sentence is its deadline), else the
    paragraph's opening time, else the enclosing heading's."""
    dl = [t for t in times if t.kind in ("deadline", "year") and not t.compare]
    pick = [t for t in dl if t.end <= offset] or dl
    if len(pick) > 1:
        # 2025年5月底前完成2024年度…项目: a 年度 naming the project is no deadline
        pick = [t for t in pick if not (t.kind == "year" and ctx.text.startswith("度", t.end))] or pick
    if pick:
        return pick[-1].value
    pdl = _topic(ctx, para, offset, para_times, ("deadline", "year"))
    if pdl:
        return pdl[-1].value
    first = [t for t in first_times if t.kind == "deadline" and not t.compare]
    if first:
        return first[-1].value
    carried = _paragraph_deadline(ctx, offset, para_times)
    if carried:
        return carried
    ht = ctx.heading_time(offset)
    if ht is not None and ht.kind != "start":
        return ht.value
    if ctx.doc_year and not ctx.plan_end:
        # 计划新招录教师400人 in a dated page or an annual list: this year's target
        sent_text = ctx.text[max(para.start, offset - 60):offset + 20]
        if any(w in sent_text for w in cues().get("this_year_words") or ()):
            return str(ctx.doc_year)
    return None


def extract_figures(ctx: DocContext, skip: list[tuple[int, int]] | None = None, *,
                    window: tuple[int, int] | None = None, state: dict | None = None) -> list[dict]:
    """Raw records (dicts) for all figures and qualitative end states of the text.

    `window`: only the paragraphs starting in [a, b) of ctx.text (a long document is read
    in chunks; offsets stay those of the whole text).  `state`: what the chunks of one
    document share (the paragraphs already seen, the table cells), so reading in chunks
    gives the same records as one pass."""
    text = ctx.text
    out: list[dict] = []
    skip = skip or []
    state = {} if state is None else state
    seen_paras: set[str] = state.setdefault("seen_paras", set())
    if "cells" not in state:
        state["cells"] = table_cells(text) if ("|" in text or "\t" in text) else {}
    cells = state["cells"]
    paras = state.get("paras")
    if paras is None:  # chunks of one long text share its paragraph split
        paras = state["paras"] = lines(text)
    if window is not None:
        a, b = window
        paras = [Piece(max(p.start, a), min(p.end, b)) for p in paras if p.end >= a and p.start < b]
    for para in paras:
        if para.end <= para.start or not text[para.start:para.end].strip():
            continue
        key = "".join(text[para.start:para.end].split())  # str.split and \s agree on whitespace
        if len(key) >= 12:
            # a block repeated word for word on the same page is recorded once
            if key in seen_paras:
                continue
            seen_paras.add(key)
        if any(a <= para.start and para.end <= b for a, b in skip):
            continue
        para_times: list[TimeExpr] = []
        para_first = len(out)
        carried: list[TimeExpr] = []  # 2016年，全县…；初中…: the year opening a ；-joined run
        past_run: list[TimeExpr] = []  # the past year opening the paragraph's last dated sentence
        first_times: list[TimeExpr] | None = None
        for sent in sentences(text, para.start, para.end):
            st = text[sent.start:sent.end]
            junk = list(_FURNITURE.finditer(st)) if _may_be_furniture(st) else []
            if junk:
                # a web page's bylines, file names and catalogue numbers run into the first
                # sentence of the article: keep what follows them
                k = junk[-1].end()
                while k < len(st) and (st[k].isspace() or st[k].isascii()):
                    k += 1
                if len(st) - k < 4:
                    continue
                sent = Piece(sent.start + k, sent.end)
                st = text[sent.start:sent.end]
            ref = ctx.ref_year(sent.start) if _relative_hint().search(text, sent.start, sent.end) else (ctx.report_year or ctx.doc_year)
            times = find_times(text, sent.start, sent.end, ref, ctx.plan_end)
            if first_times is None:
                first_times_now: list[TimeExpr] = []
            else:
                first_times_now = first_times
            own_times = [t for t in times if not t.compare]
            mentions = [m for m in parse_numbers(text, sent.start, sent.end) if not _descriptor(text, m)]
            mentions = [m for m in mentions if not any(t.start <= m.num_start < t.end for t in times)]
            if "各" in st:
                mentions = _without_breakdowns(text, mentions)
            cls = clauses(text, sent.start, sent.end)
            cl_starts = [c.start for c in cls]
            seps = [k.start() for k in _DUN.finditer(text, sent.start, sent.end)]
            by_clause: dict[int, list[NumberMention]] = {}
            index_in: dict[int, int] = {}  # id(mention) -> its index in its clause's group
            op_memo: dict[int, dict[int, str]] = {}
            for m in mentions:
                c = _clause_of(cls, m.num_start, cl_starts)
                if c is not None:
                    grp = by_clause.setdefault(c.start, [])
                    index_in[id(m)] = len(grp)
                    grp.append(m)
            start_values = _start_values(text, mentions)
            resp = _respective_names(text, sent, mentions, times) if "分别" in st else {}
            sent_first = len(out)
            for m in mentions:
                c = _clause_of(cls, m.num_start, cl_starts)
                if c is None:
                    continue
                if _GAP.search(text, max(c.start, m.start - 6), m.start) or (m.value == 0 and not m.unit.endswith("%")):
                    continue  # 还需提高0.5个百分点: a gap to a target; 0人参与: page furniture
                group = by_clause[c.start]
                seg = _segment(text, c, m, len(group), seps)
                memo = op_memo.setdefault(c.start, {})
                prefix = text[max(sent.start, m.start - _LOOKBACK):m.start]
                before = [t for t in times if t.end <= m.start]
                score = target_score(ctx, st, prefix, m, [t for t in times if t.start < c.end])  # a later clause's year dates its own figures
                if past_run and not own_times:
                    score -= 2  # 2023年我市共新建幼儿园32所…。新改扩建中小学28所…: the account goes on
                cell = cell_at(cells, para.start, m.start) if cells else None
                if cell is not None:
                    score += header_bias(cell.header)
                if _inherits_deadline(ctx, para, m.start, times, first_times_now):
                    score += 2
                pair = resp.get(id(m))
                if pair:
                    seg = Piece(pair[1], pair[2])
                near = max(seg.start, m.start - _LOOKBACK)  # a name is at most 40 characters
                indicator = (pair and pair[0]) or _named(text, c, m, clean_indicator(_without_times(text, near, m.start, times))) \
                    or clean_indicator(_without_times(text, c.start, min(group[0].start, c.start + _LOOKBACK), times)) \
                    or clean_indicator(_without_times(text, max(sent.start, m.start - _LOOKBACK), m.start, times))
                if indicator in cue_tuple("bare_count_names") and c.start > sent.start:
                    indicator = _facility_named(text, sent.start, c.start, indicator)
                rec = {
                    "start": seg.start, "end": seg.end, "indicator": indicator,
                    "value": m.value, "unit": m.unit, "op": _nearby_op(text, c, m, group, index_in[id(m)], memo), "mention": m,
                }
                memo[index_in[id(m)]] = rec["op"]
                if id(m) in start_values:
                    score = min(score, 0)  # 由2019年的17.6%降为…: the starting value is a reported figure
                if score > 0:
                    base = next((x for x in mentions if start_values.get(id(x)) is m), None)
                    if base is not None:
                        by = _own_year(text, base, times)
                        rec["baseline"] = {"value": base.value, "year": by or ctx.report_year or ctx.doc_year, "unit": base.unit or None}
                    deadline = _deadline(ctx, para, m.start, times, para_times, first_times_now)
                    if deadline is None and ctx.doc_year and not ctx.plan_end and not (ctx.type_reliable and ctx.doc_type == "plan"):
                        # a dated news page or speech: this year's target, or the horizon the page
                        # announced earlier (…到2020年，…。PM2.5浓度下降18%: the same plan's)
                        deadline = _horizon(ctx, m.start, state) or str(ctx.doc_year)
                    if cell is not None and (hy := _header_year(cell.header)):
                        deadline = deadline if deadline and deadline.startswith(hy) else hy
                    if not own_times and (_PER_UNIT.match(text, c.start, m.start) or _UNDATED.search(text, sent.start, m.start)):
                        # 每所新建公办园设置2个托育班: a standing norm, due whenever a school opens;
                        # 待全部投入使用后，将新增…: due on an event, not by a date
                        deadline = None
                    paired = _year_pairs(text, m, group, times) or _respective(text, sent, m, mentions, times)
                    if paired:
                        deadline = paired
                    starts = [t for t in times if t.kind == "start"]
                    if cell is not None and (rd := _row_departments(cells, para.start, text)):
                        rec["departments"] = rd
                    rec.update(type="commitment", kind="quantitative", deadline=deadline,
                               start_date=starts[0].value if starts else None, sent=sent)
                elif m.unit in _num_lex().get("progress_excluded_units", []):
                    continue
                else:
                    year = progress_year(ctx, m.start, before, _topic(ctx, para, m.start, para_times) + carried)
                    if id(m) in start_values and not _FROM_YEAR.search(text, max(sent.start, m.start - 12), m.start):
                        # …从2020年的6.46张增加到2023年的7.23张；医师由2.90人提高到3.40人: an undated
                        # start value shares the sentence's start year, not its end year
                        starts_y = [t for t in para_times[-8:] + before if not t.compare and t.kind == "year"
                                    and re.search(r"[从由]$", text[max(para.start, t.start - 1):t.start])]
                        if starts_y:
                            year = int(starts_y[-1].value[:4])
                    if year and re.search(r"(?:比|较|同比)(?:上年|去年|上一年)(?:同期)?$", text[max(c.start, m.start - 6):m.start]):
                        year -= 1
                    rec.update(type="progress", year=year)
                out.append(rec)
                shared = _shared_by(text, c, m, len(group))
                if shared:
                    # a shared noun ends the last item only (公办园、民办园比例 → 公办园比例 …)
                    names = [clean_indicator(x) for x in shared]
                    tail = next((w for w in _SHARED_NOUNS if names[-1].endswith(w)), "")
                    names = [n + tail if tail and not n.endswith(_SHARED_NOUNS) else n for n in names]
                    rec["indicator"] = names[0] or rec["indicator"]
                    for name in names[1:]:
                        out.append(dict(rec, indicator=name or rec["indicator"]))
                for _ in range(_times_hundred(text, m, c.start, sent.end) - 1):
                    out.append(dict(rec))  # 四个100%: four targets of 100% stated at once
            _align_with_siblings(ctx, out, sent_first, sent)
            _growth_of_target(ctx, out, sent_first, sent)
            _name_changes(text, out, sent_first, cls, cl_starts)
            # qualitative end states: clauses without figures in a promising context
            n_before = len(out)
            dated = [t for t in times if t.kind == "deadline" and t.explicit and not t.compare
                     and text[t.end - 1:t.end] == "前" and t.start - sent.start <= 2]
            for c in _dated_parts(text, cls, times, by_clause):
                if c.start in by_clause:
                    continue
                ct = text[c.start:c.end]
                if len(ct) < 4:
                    continue
                if not is_standing_or_end_state(ct, any(t.explicit and t.kind == "deadline" and not t.compare for t in times),
                                                timed=bool(own_times)) or looks_process(ct):
                    # 2019年8月底前，…制定时间表、路线图: a task that opens with its own date is
                    # checkable by that date whatever its verb; one record for the sentence
                    if not (dated and c is cls[-1] and len(out) == n_before and c.start > dated[0].end):
                        continue
                fake = NumberMention(c.start, c.end, c.start, c.start, 0, "", "=", ct)
                # the clause's own words count too: 确保…投入使用 promises, 已于8月底全部完成 reports
                score = target_score(ctx, st, text[max(sent.start, c.end - _LOOKBACK):c.end], fake, [t for t in times if t.start < c.end])
                own_pledge_only = False
                if c.start > sent.start and _own_pledge(ct):
                    # 2020年以来，…，全力做到…全覆盖: the past the opener describes is not the pledge's time
                    # (scored on its own words and times, the pledge weighing as a strong cue: 全力做到
                    # is not one in a window, where it would make a later figure a target)
                    rest = ct[_pledge_open().match(ct).end():]
                    own = target_score(ctx, st, rest, fake, [t for t in times if c.start <= t.start < c.end]) + 2
                    own_pledge_only = score <= 0 < own  # the earlier clauses alone would drop it
                    score = max(score, own)
                if _RULE_MODAL.search(_rule_probe(ct)):
                    score += 3  # 评估认定应在…达到…标准后进行: a rule stated (or quoted by a report) binds from now on
                if _inherits_deadline(ctx, para, c.start, times, first_times_now):
                    score += 2
                elif not ctx.type_reliable and ctx.doc_type == "plan" and _para_goal(ctx, para, state):
                    score += 2  # 1.实施…行动。…修订…通则。…到2022年和2030年，…不低于22%: a paragraph of tasks
                qcell = cell_at(cells, para.start, c.start) if cells else None
                if qcell is not None:
                    score += header_bias(qcell.header)
                if score <= 1 and not (score > 0 and (ctx.heading_bias(c.start) > 0 or (_own_pledge(ct) and ctx.heading_bias(c.start) == 0))):
                    continue  # 确保教育经费投入“两个只增不减” in a report: the clause pledges it itself
                deadline = _deadline(ctx, para, c.end, times, para_times, first_times_now)
                if own_pledge_only and not any(c.start <= t.start < c.end for t in own_times):
                    deadline = None  # a standing pledge; the sentence's years date its other clauses
                if not own_times and _UNDATED.search(text, sent.start, c.end):
                    deadline = None  # 最终将建成…: an eventual end state, whatever the paragraph's date
                if qcell is not None and (hy := _header_year(qcell.header)):
                    deadline = deadline if deadline and deadline.startswith(hy) else hy
                qstarts = [t for t in times if t.kind == "start" and not t.compare]
                qrec = {"type": "commitment", "kind": "qualitative", "start": c.start, "end": c.end,
                        "indicator": _qual_indicator(text, sent, c, cls, times), "deadline": deadline, "sent": sent,
                        "start_date": qstarts[0].value if qstarts else None}
                if qcell is not None and (rd := _row_departments(cells, para.start, text)):
                    qrec["departments"] = rd
                if payer := _PAYER.search(ct):
                    qrec["departments"] = [payer.group(1)]  # 所需资金由中央财政承担: the payer named acts
                out.append(qrec)
                for name in _joint_states(ct)[1:]:
                    out.append(dict(qrec, indicator=name))  # 学校全覆盖和学生全覆盖: two end states
                if "分别" in ct:
                    # 请各单位分别于6月30日和12月10日前报送…: one hand-in per date
                    own = [t for t in times if c.start <= t.start < c.end and t.kind in ("deadline", "year") and not t.compare]
                    if len(own) >= 2 and own[-1].kind == "deadline" and len(own[0].value) > 4:
                        qrec["deadline"] = own[0].value
                        out.extend(dict(qrec, deadline=t.value) for t in own[1:])
            para_times.extend(times)
            opening = [t for t in times if t.kind == "year" and not t.compare and t.start - sent.start <= 2]
            if own_times:
                ref = ctx.ref_year(sent.start) if opening else None
                past_run = opening[:1] if opening and ref and int(opening[0].value[:4]) < ref else []
            if text[sent.end:sent.end + 1] in (";", "；"):
                carried = opening or carried
            elif own_times and past_run and text[sent.end:sent.end + 1] == "。" and not ctx.ancestors(sent.start):
                # 2023年我市共新建幼儿园32所…。新改扩建中小学28所…: on a page without headings the
                # next sentence of the account goes on in the past year the sentence opened with
                # (under a heading, the heading's period dates what follows an event's year)
                carried = past_run
            else:
                carried = []
            if para.start in cells:
                out.extend(_plain_cells(ctx, cells[para.start], sent, times))
            if first_times is None:
                first_times = times
        _phased_deadline(ctx, para, para_times, out, para_first)
    return out


_RULE_MODAL = re.compile(r"^[^，,；;：:]{0,24}?(?:应当|应|必须|不得|严禁)(?!是|有|该)")


def _rule_probe(clause: str) -> str:
    """The clause without the words that contain a modal character (供应, 相应, 应用…)."""
    return without_cues("cue_false_friends", clause, "··")


@lru_cache(maxsize=1)
def _pledge_open() -> re.Pattern[str]:
    """A clause that opens with a pledge word (cues.yaml clause_pledges: 确保, 力争…)."""
    return re.compile(r"^(?:[一二三四五六七八九十\d]+[、.．]\s*)?(?:" + cue_alternation("clause_pledges") + ")")


def _own_pledge(clause: str) -> bool:
    return _pledge_open().match(clause) is not None


_HORIZON = re.compile(r"到\s*((?:19|20)\d\d)\s*年")


def _horizon(ctx: DocContext, offset: int, state: dict) -> str | None:
    """The last 到YYYY年 before offset that lies after the page's date, as a year."""
    found = state.get("horizons")
    if found is None:
        found = state["horizons"] = [(h.start(), int(h.group(1))) for h in _HORIZON.finditer(ctx.text)]
    i = bisect_left(found, (offset, 0)) - 1
    if i >= 0 and ctx.doc_year and found[i][1] > ctx.doc_year:
        return str(found[i][1])
    return None


def _para_goal(ctx: DocContext, para: Piece, state: dict) -> bool:
    """The paragraph sets a dated goal of its own (到2022年…): its other sentences are tasks
    toward it, not an account, on a page whose type is only a guess."""
    memo = state.setdefault("para_goal", {})
    if para.start not in memo:
        ts = find_times(ctx.text, para.start, para.end, ctx.doc_year, ctx.plan_end)
        memo[para.start] = any(t.kind == "deadline" and t.explicit and not t.compare and not t.period
                               and "到" in ctx.text[max(para.start, t.start - 1):t.start + 1]
                               and (ctx.doc_year is None or int(t.value[:4]) >= ctx.doc_year) for t in ts)
    return memo[para.start]


def _align_with_siblings(ctx: DocContext, out: list[dict], first: int, sent: Piece) -> None:
    """…浓度比2015年下降18%以上，…优良天数比率达到80%，…比率下降25%以上: a list of targets
    is read as one; a figure without a cue of its own, a past year or a report's wording
    takes the status and deadline of the targets around it."""
    recs = out[first:]
    goals = [r for r in recs if r.get("type") == "commitment" and r.get("kind") == "quantitative"]
    if len(goals) < 2 or ctx.doc_type == "report":
        return
    text = ctx.text
    for i, r in enumerate(recs):
        if r.get("type") != "progress" or r.get("year") not in (None, ctx.doc_year, ctx.plan_end):
            continue
        m = r["mention"]
        if not (goals[0]["start"] < m.start and any(g["start"] > m.end for g in goals)):
            continue  # only a figure between two targets of the same sentence
        if _PAST_HERE.search(text, max(sent.start, m.start - 40), min(sent.end, m.end + 6)):
            continue
        r.pop("year", None)
        r.update(type="commitment", kind="quantitative", deadline=goals[0].get("deadline"), start_date=None, sent=sent)


_GROWTH_OF_PREV = re.compile(r"[，,]\s*(?:较|比)(?:上年|去年|上一年)(?:同期)?(?:增长|增加|提高|下降|减少)\s*$")


def _growth_of_target(ctx: DocContext, out: list[dict], first: int, sent: Piece) -> None:
    """2023年初预算安排教育支出67233万元，较上年增长25.8%: the rate of change of a promised
    figure, stated right after it, is part of the promise (not a reported change)."""
    recs = out[first:]
    text = ctx.text
    for prev, r in zip(recs, recs[1:]):
        if prev.get("type") != "commitment" or prev.get("kind") != "quantitative" or r.get("type") != "progress":
            continue
        m, pm = r.get("mention"), prev.get("mention")
        if m is None or pm is None or not m.unit.endswith("%") or pm.unit.endswith("%"):
            continue
        if not _GROWTH_OF_PREV.fullmatch(text, pm.end, m.num_start):
            continue
        r.pop("year", None)
        r.update(type="commitment", kind="quantitative", deadline=prev.get("deadline"), start_date=None, sent=sent,
                 start=prev["start"], indicator=prev["indicator"] + "增长")


# a clause that only says what a figure changed by: 比2010年提高28.6个百分点, 较上年分别增加0.3平方米和…
_CHANGE_ONLY = re.compile(COMPARISON + r"了?\s*(?:分别)?\s*$")
_CHANGE_NOISE = re.compile(r"分别|了|\s|相比|同期")


def _name_changes(text: str, out: list[dict], first: int, cls: list[Piece], starts: list[int]) -> None:
    """…毛入园率为85.2%，比2010年提高28.6个百分点 / …分别达到5.2平方米、6.8平方米，较上年分别提高
    0.3平方米和0.5平方米: a clause that only states a change names no indicator of its own; it
    is the change of the figures the nearest clause before it states that is no change itself
    (…1200人，比上年增加120人，比2015年增加300人: both of the 1200), the k-th change of the k-th
    figure when they pair up, named as that indicator plus the comparison."""
    recs = out[first:]
    by_clause: dict[int, list[dict]] = {}
    for r in recs:
        m = r.get("mention")
        c = _clause_of(cls, m.num_start, starts) if m is not None else None
        if c is not None:
            by_clause.setdefault(c.start, []).append(r)
    order = sorted(by_clause)
    if len(order) < 2:
        return
    level = order[0]  # the latest clause that states levels, not changes
    for cs in order[1:]:
        changes = by_clause[cs]
        ms = [r["mention"] for r in changes]
        cm = _CHANGE_ONLY.fullmatch(text[cs:ms[0].num_start].strip())
        if cm is None or any(not _JOINED.fullmatch(text, a.end, b.num_start) for a, b in zip(ms, ms[1:]) if a is not b):  # copies of one record share its mention
            level = cs
            continue  # only a change, and further changes joined to it by 、/和 (…0.3平方米和0.5平方米)
        prev = [r for r in by_clause[level] if r.get("indicator")]
        if not prev:
            continue
        phrase = _CHANGE_NOISE.sub("", cm.group(0))
        pick = prev if len(prev) == len(changes) else [prev[-1]] * len(changes)
        for r, p in zip(changes, pick):
            r["indicator"] = p["indicator"] + phrase


_JOINED = re.compile(r"\s*[、和及与]?\s*")


_PAST_HERE = re.compile(r"已|累计|共有|同比|比上年|较上年|截至|截止|目前|现有|了")
_PHASED = re.compile(r"(?:分批|分期|分年度|分[两三四五]年|[两三四五]个年度)[^，,。；;]{0,6}(?:推进|实施|建设|完成)")


def _phased_deadline(ctx: DocContext, para: Piece, para_times: list[TimeExpr], out: list[dict], first: int) -> None:
    """新建幼儿园13所…。项目规划按三个年度分批推进，2017年…；2018年…；2019年…: the project's
    figures are due when its last phase is, not in the year a page reposting it was dated."""
    m = _PHASED.search(ctx.text, para.start, para.end)
    if m is None:
        return
    years = sorted({int(t.value[:4]) for t in para_times if t.start > m.start() and t.explicit and not t.compare and t.kind in ("year", "deadline")})
    if len(years) < 2 or years[-1] - years[0] != len(years) - 1:
        return
    for rec in out[first:]:
        if rec.get("type") == "commitment" and rec["start"] < m.start() and rec.get("deadline") in (None, str(ctx.doc_year)):
            rec["deadline"] = str(years[-1])
        elif rec.get("type") == "progress" and rec["start"] > m.start() and rec.get("year") in years \
                and not _PAST_HERE.search(ctx.text, rec["start"], rec["end"]):
            # …分批推进，2017年…；2018年有4所幼儿园: a phase of the plan, due in its year
            y = rec.pop("year")
            rec.update(type="commitment", kind="quantitative", deadline=str(y), start_date=None,
                       sent=Piece(rec["start"], rec["end"]))
