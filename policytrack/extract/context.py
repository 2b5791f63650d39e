"""What the extractor knows about a document beyond one sentence.

A figure's meaning depends on its surroundings: the document type (a plan
promises, a report reports), the heading it sits under ("十三五"发展回顾 vs 发展目标,
"2021年工作安排"), the document date (for 年底前, 今年) and the period a plan covers
(for 规划期内).  This module gathers those once per document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from policytrack.lexicons import load_yaml
from policytrack.models import DocMeta, OutlineNode

from . import deadlines

_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
_YEAR_ANY = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_REVIEW_YEAR = re.compile(r"^\W*(?:[一二三四五六七八九十\d]+[、.．]\s*)?((?:19|20)\d\d)\s*年(?:度)?(?:[\u4e00-\u9fff]{0,8})(?:总结|回顾|工作情况|完成情况)")
_LEAD_FUTURE = re.compile(r"(?:今年|明年|年内)(?:将|要|计划)|将(?:继续)?(?:为民)?办[^，。；]{0,6}实事|计划(?:新建|新增|投资|实施)")
_COMPARED = re.compile(r"(?:比|较|从|由|自|同比)$")
_DATE_LINE = re.compile(r"((?:19|20)\d\d)\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]")


@lru_cache(maxsize=1)
def cues() -> dict:
    return load_yaml("cues.yaml")


@dataclass
class DocContext:
    text: str
    doc: str
    doc_type: str | None
    doc_year: int | None
    report_year: int | None
    plan_end: int | None
    region: str | None
    outline: list[OutlineNode] = field(default_factory=list)
    topics: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, bias) of short topic lines
    title_time: deadlines.TimeExpr | None = None
    type_reliable: bool = True  # False when the type was guessed from wording counts
    owner: list[str] = field(default_factory=list)  # the body a task list's title names (X局2020年为民办实事)
    covered_year: int | None = None  # the year a dated report without a year in its title looks back on

    def ancestors(self, offset: int) -> list[OutlineNode]:
        """Headings whose section contains offset, outermost first.

        Asked for every figure and sentence; between two consecutive heading starts/ends
        the answer cannot change, so it is worked out once per such stretch of this
        document (the memo lives on this context, i.e. for one document only)."""
        return list(self._stretch(offset)[0])

    def _stretch(self, offset: int) -> tuple[list[OutlineNode], dict]:
        """The (shared, not to be changed) ancestors at offset and the memo of the stretch
        between headings that offset lies in."""
        memo = self.__dict__.get("_anc_memo")
        if memo is None or memo[0] is not self.outline or memo[1] != len(self.outline):
            bounds = sorted({n.start for n in self.outline} | {n.end for n in self.outline})
            memo = (self.outline, len(self.outline), bounds, {})
            self.__dict__["_anc_memo"] = memo
        seg = bisect_right(memo[2], offset)
        hit = memo[3].get(seg)
        if hit is None:
            hit = memo[3][seg] = (self._ancestors(offset), {})
        return hit

    def _ancestors(self, offset: int) -> list[OutlineNode]:
        out: list[OutlineNode] = []
        for node in self.outline:
            if node.start > offset:
                break
            if node.start <= offset < node.end:
                while out and out[-1].level >= node.level:
                    out.pop()
                out.append(node)
        return out

    def heading_bias(self, offset: int) -> int:
        """+1 under a planning heading, -1 under a review heading.

        Short unnumbered topic lines (建议全年经济社会发展预期目标) count as headings for
        the lines after them, until the next numbered heading."""
        anc, memo = self._stretch(offset)
        inner = anc[-1].start if anc else -1
        # the last topic line ending at or before offset decides (topic lines are in text
        # order, so their ends ascend)
        ends = self.__dict__.get("_topic_ends")
        if ends is None or ends[0] is not self.topics or len(ends[1]) != len(self.topics):
            ends = (self.topics, [e for _s, e, _b in self.topics])
            self.__dict__["_topic_ends"] = ends
        k = bisect_right(ends[1], offset) - 1
        if k >= 0:
            s, _e, bias = self.topics[k]
            if s > inner and bias:
                return bias
        key = ("bias", self.doc_year)
        if key not in memo:
            memo[key] = self._outline_bias(anc)
        return memo[key]

    def _outline_bias(self, anc: list[OutlineNode]) -> int:
        """The outermost heading that says decides: every sub-heading of a 回顾 section
        reviews, whatever its own words (…保障能力明显优化)."""
        c = cues()
        for node in anc:
            t = re.sub(r"《[^》]*》", "", node.title)  # a cited plan's title says nothing about this section
            m = _YEAR.search(t)
            if m and self.doc_year and ("总结" in t or "回顾" in t):
                return -1
            if any(w in t for w in c["review_headings"]):
                return -1
            if any(w in t for w in c["plan_headings"]):
                return 1
        return 0

    def heading_time(self, offset: int) -> deadlines.TimeExpr | None:
        """A year or period named by an enclosing heading (2021年工作安排, 十四五(2021—2025)…)."""
        anc, memo = self._stretch(offset)
        key = ("time", self.doc_year, self.plan_end)
        if key not in memo:
            memo[key] = self._heading_time(anc)
        return memo[key] or self.title_time

    def _heading_time(self, anc: list[OutlineNode]) -> deadlines.TimeExpr | None:
        for node in reversed(anc):
            t = node.title
            ts = deadlines.find_times(t, 0, len(t), self.doc_year, self.plan_end)
            ts = [x for x in ts if x.explicit and not x.compare]
            if ts:
                return ts[-1]
        return None

    def ref_year(self, offset: int) -> int | None:
        """The year 年底前 / 今年 / 全年 resolve against at offset: the one year an enclosing
        heading names (a 2022 summary's "三、2023年工作打算" plans for 2023), else the year
        the report covers, else the document's year.  A heading naming a range or a plan
        period (十四五(2021—2025)工作安排) sets a deadline, not a reference year."""
        anc, memo = self._stretch(offset)
        if "ref" not in memo:
            memo["ref"] = self._heading_year(anc)
        return memo["ref"] or self.report_year or self.doc_year

    @staticmethod
    def _heading_year(anc: list[OutlineNode]) -> int | None:
        for node in reversed(anc):
            t = re.sub(r"《[^》]*》", "", node.title)
            years = _YEAR_ANY.findall(t)
            if len(years) == 1 and _YEAR.search(t):
                return int(years[0])
            if years:
                break
        return None

    def section(self, offset: int) -> str | None:
        anc = self._stretch(offset)[0]
        return anc[-1].path if anc else None


def _meta_dict(doc_meta: DocMeta | dict | None) -> dict:
    if doc_meta is None:
        return {}
    if isinstance(doc_meta, DocMeta):
        return doc_meta.model_dump()
    return dict(doc_meta)


def build_context(text: str, doc_meta: DocMeta | dict | None, doc: str) -> DocContext:
    from .outline import build_outline

    meta = _meta_dict(doc_meta)
    date = meta.get("date") or ""
    doc_year = int(date[:4]) if re.match(r"(19|20)\d\d", date or "") else None
    head = text[:3000]
    month = int(date[5:7]) if re.match(r"(19|20)\d\d-\d\d", date or "") else None
    if doc_year is None:
        m = _DATE_LINE.search(head)
        if m:
            doc_year = int(m.group(1))
            month = int(m.group(2))
    if doc_year is None:
        # a cited title's year (《玉溪教育现代化 2035》) is not when this document was written
        probe_head = re.sub(r"《[^》]{0,60}》", "", (meta.get("title") or "") + head[:200])
        m = re.search(r"(?<!\d)((?:19|20)\d\d)(?![\d.人个所万元亿名%％])", probe_head)
        if m:
            doc_year = int(m.group(1))
    title = meta.get("title") or ""
    doc_type = meta.get("doc_type")
    c = cues()
    probe = title or _title_line(head)
    if any(w in probe for w in c["title_plan_words"]) and not any(w in probe for w in c["title_report_words"]):
        doc_type = "plan"  # a 政府工作报告 task breakdown is a plan, whatever the word 报告 says
    elif doc_type in (None, "other") and any(w in probe for w in c["title_report_words"]):
        doc_type = "report"
    reliable = doc_type not in (None, "other")
    if not reliable:
        doc_type = _doc_type_from_signals(text)
    report_year = meta.get("report_year")
    if report_year is None and doc_type == "report":
        # the year the title names (2022全县…情况汇报, 2020年工作总结); a date line is when it was
        # written, not what it reports on
        m = re.search(r"(?<!\d)((?:19|20)\d\d)(?![\d.%％])", probe or "")
        if m is None and not title:
            # a web page without a formal title: its date line is the best evidence
            # …从2020年的6.46张增加到…, 比2020年增长: a base year compared against is not it
            m = next((y for y in _YEAR.finditer(head[:300]) if not _COMPARED.search(head, max(0, y.start() - 2), y.start())), None)
        report_year = int(m.group(1)) if m else None
    plan_end = deadlines.plan_end_year(title, head[:1500]) if doc_type != "report" else None
    try:
        outline = build_outline(text)
    except Exception:  # noqa: BLE001 - the outline only refines sections; extraction goes on without it
        outline = []
    if report_year is None and doc_type == "report":
        # an untitled-by-year summary reposted later (页面时间 2022, "一、2020年工作总结"): the
        # first review heading that names a year tells what the report reports on
        for node in outline:
            m = _REVIEW_YEAR.search(node.title)
            if m:
                report_year = int(m.group(1))
                break
    ctx = DocContext(text, doc, doc_type, doc_year, report_year, plan_end, meta.get("region"), outline)
    ctx.topics = _topic_lines(text)
    if doc_type == "report" and report_year is None and reliable:
        # a 督导报告 dated 2024-03 reviews 2023: written in the first half of a year, a report
        # looks back on the whole year before; later in the year it describes a year still
        # running, and its undated figures (现有学校138所) stay undated, as the gold has them
        dm = re.match(r"((?:19|20)\d\d)-(\d\d)", date or "")
        if dm and int(dm.group(2)) <= 6:
            ctx.covered_year = int(dm.group(1)) - 1
    if not reliable and doc_type == "plan" and _LEAD_FUTURE.search(_title_line(head) + "\n" + head[:300]):
        # 今年将继续为民办二十一项实事 / …将覆盖人口21万: a news page announcing plans says so up front
        reliable = True
    ctx.type_reliable = reliable
    if not reliable and doc_type != "plan" and doc_year and month and month <= 3 and ctx.covered_year is None:
        # an untyped page of early 2026 whose lead names 2025 (1月14日…获悉，2025年…圆满完成年度目标):
        # its undated figures are the year just closed
        lead = head[:600]
        if any(not _COMPARED.search(lead, max(0, y.start() - 2), y.start()) for y in re.finditer(f"{doc_year - 1}\\s*年", lead)) \
                and not re.search(f"{doc_year}\\s*年", re.sub(_DATE_LINE, "", lead)):
            ctx.covered_year = doc_year - 1
    if probe and reliable and doc_type == "plan" and not any(w in probe for w in ("关于", "印发", "通知", "转发")):
        try:
            from .departments import find_departments

            found = find_departments(probe)
            if found and found[0][1] == 0:
                ctx.owner = [found[0][0]]
        except Exception:  # noqa: BLE001 - the owner only fills departments nobody else named
            pass
    if probe and doc_type == "plan":
        ts = [t for t in deadlines.find_times(probe, 0, len(probe), doc_year, plan_end) if t.explicit and t.kind != "start" and not t.period and len(t.value) == 4]
        if ts:
            ctx.title_time = ts[-1]
            ty = int(ts[-1].value)
            if ctx.doc_year is None or ctx.doc_year > ty + 1:
                ctx.doc_year = ty  # a page republished years later: the title's year is the document's
    return ctx


def _title_line(head: str) -> str:
    """A web page's title: the first short line among the first few that names a document
    kind (…预算获批, …工作总结); page furniture (site names, dates) comes before it."""
    c = cues()
    lines_ = [ln.strip() for ln in head.split("\n") if ln.strip()][:6]
    for ln in lines_:
        if len(ln) <= 40 and any(w in ln for w in c["title_plan_words"] + c["title_report_words"]):
            return ln
    return lines_[0] if lines_ and len(lines_[0]) <= 40 else ""


def _doc_type_from_signals(text: str) -> str | None:
    """Plan or report by which kind of wording dominates (news pages carry no type)."""
    c = cues()
    sample = text[:20000]
    plan = sum(sample.count(w) for w in c["doc_plan_signals"])
    report = sum(sample.count(w) for w in c["doc_report_signals"])
    if plan > 1.5 * report:
        return "plan"
    if report > 1.5 * plan:
        return "report"
    return None


_TOPIC_END = re.compile(r"[。；;，,：:！？!?]$")


def _topic_lines(text: str) -> list[tuple[int, int, int]]:
    """Short lines without sentence punctuation: unnumbered headings of web pages."""
    c = cues()
    out: list[tuple[int, int, int]] = []
    pos = 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        t = line.strip()
        if not t or len(t) > 30 or _TOPIC_END.search(t) or "\t" in t or "|" in t or re.search(r"\d", t):
            continue
        bias = 0
        if any(w in t for w in c["review_headings"]):
            bias = -1
        elif any(w in t for w in c["plan_headings"]):
            bias = 1
        out.append((s, e, bias))
    return out
