"""Turn raw figure dicts into the shared pydantic records, with departments,
section, region, indicator id and stable ids.

Why separate: departments come from the whole task paragraph (a （责任单位：…） tag
after it) or from the sentence's subject, which needs the text around a record,
not just the record.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from policytrack.models import Baseline, Commitment, Progress, Target, assign_id, record_id

from .context import DocContext


def _para_start(text: str, offset: int) -> int:
    i = text.rfind("\n", 0, offset)
    return i + 1


_SENT_SPLIT = re.compile(r"[。；;！!？?]")


@lru_cache(maxsize=4096)
def _subject_of(part: str) -> tuple[str, ...]:
    from .departments import subject_departments

    return tuple(subject_departments(part))


def _paragraph_subject(text: str, para_start: int, sent_start: int) -> list[str]:
    """The body an earlier sentence of the paragraph names as its subject (今年，市教育局将…。
    其中，计划新改扩建中小学28所…): it acts for the sentences after it until another does."""
    if sent_start - para_start > 600:
        para_start = sent_start - 600  # run-on text: only the nearby sentences
    parts = [x for x in _SENT_SPLIT.split(text[para_start:sent_start]) if x.strip()]
    for part in reversed(parts[-4:]):
        deps = _subject_of(part.strip())
        if deps:
            return list(deps)
    return []


_CLAUSE_SPLIT = re.compile(r"[，,：:]")


def _clause_subject(sent_text: str) -> list[str]:
    """The body a clause of the sentence up to the record names as its subject, the nearest
    first (各地正在抢抓农时，…，力争在5月底前完成…; 省委、省政府研究决定，今年将继续…): a
    sentence's later clauses go on with the actor an earlier one names."""
    from .departments import rule_subjects_only

    parts = [x for x in _CLAUSE_SPLIT.split(sent_text) if x.strip()]
    for part in reversed(parts[1:][-4:]):
        deps = [d for d in _subject_of(part.strip()) if d not in rule_subjects_only()]
        if deps:
            return deps
    return []


class BlockIndex:
    """Where each responsibility block's task paragraph starts, found once per document.

    Why: finding it again for every record made a long document quadratic (13,000
    blocks × 13,000 records in a 1.2M-character plan).  With blocks in order and not
    overlapping (what responsibility_blocks gives), the block of a record is found by
    bisection; otherwise the blocks are scanned in order as before."""

    def __init__(self, text: str, blocks) -> None:
        self.blocks = list(blocks)
        self.ps: list[int] = []
        prev_end = 0
        for b in self.blocks:
            ps = _para_start(text, b.start)
            if ps == b.start or not text[ps:b.start].strip():
                # a tag line of its own (牵头责任单位：…) tags the paragraph above it
                k = ps - 1
                while k > 0 and text[k - 1] in "\n \t\u3000\r":
                    k -= 1
                ps = _para_start(text, k)
            self.ps.append(max(prev_end, ps))
            prev_end = b.end
        self.starts = [b.start for b in self.blocks]
        self.ordered = all(x.end <= y.start for x, y in zip(self.blocks, self.blocks[1:])) and \
            all(b.start < b.end for b in self.blocks)

    def find(self, start: int, end: int):
        """The first block (in order) after the record whose paragraph holds it, or that holds it."""
        if not self.ordered:
            for b, ps in zip(self.blocks, self.ps):
                if (b.start >= end and ps <= start) or b.start <= start < b.end:
                    return b
            return None
        j = bisect_left(self.starts, end)  # the first block at or after the record's end
        i = bisect_right(self.starts, start) - 1  # the last block starting at or before the record
        if 0 <= i < j and start < self.blocks[i].end:
            return self.blocks[i]
        if j < len(self.blocks) and self.ps[j] <= start:
            return self.blocks[j]
        return None


def departments_for(ctx: DocContext, blocks, start: int, end: int, sent_text: str, sent_start: int | None = None) -> list[str]:
    """Tag block of the task paragraph, else the acting subject of the sentence, else the
    subject an earlier sentence of the same paragraph names.  `blocks`: the document's
    responsibility blocks, or their BlockIndex (built once for many records)."""
    text = ctx.text
    index = blocks if isinstance(blocks, BlockIndex) else BlockIndex(text, blocks)
    hit = index.find(start, end)
    if hit is not None:
        return list(hit.departments)
    try:
        from .departments import subject_departments

        own = subject_departments(sent_text)
        if not own:
            own = _clause_subject(sent_text)
        if not own and sent_start is not None:
            own = _paragraph_subject(text, _para_start(text, sent_start), sent_start)
        return own or list(ctx.owner)
    except Exception:  # noqa: BLE001 - a failing lexicon must not lose the record
        return list(ctx.owner)


def _indicator_id(phrase: str, unit: str | None) -> str | None:
    try:
        from .indicators import match_indicator

        return match_indicator(phrase, unit)
    except Exception:  # noqa: BLE001
        return None


def to_records(ctx: DocContext, raw: list[dict], blocks) -> list[Commitment | Progress]:
    text = ctx.text
    out: list[Commitment | Progress] = []
    blocks = BlockIndex(text, blocks)
    for r in raw:
        quote = text[r["start"]:r["end"]]
        if not quote.strip():
            continue
        common = dict(doc=ctx.doc, quote=quote, start=r["start"], end=r["end"], section=ctx.section(r["start"]),
                      region=ctx.region, indicator=r.get("indicator") or quote[:40])
        if r["type"] == "progress":
            rec = Progress(**common, indicator_id=_indicator_id(common["indicator"], r["unit"]), value=r["value"],
                           unit=r["unit"], year=r.get("year"), confidence=r.get("confidence", 0.8))
        else:
            sent = r.get("sent")
            sent_text = text[sent.start:r["start"]] + quote if sent is not None else quote
            target = None
            if r["kind"] == "quantitative":
                target = Target(value=r["value"], unit=r["unit"], op=r["op"])
            baseline = None
            if r.get("baseline") is not None:
                baseline = Baseline(**r["baseline"])
            rec = Commitment(
                **common, kind=r["kind"], target=target, baseline=baseline, deadline=r.get("deadline"),
                start_date=r.get("start_date"), level=r.get("level"),
                departments=r.get("departments") if r.get("departments") is not None else departments_for(ctx, blocks, r["start"], r["end"], sent_text, sent.start if sent is not None else None),
                indicator_id=_indicator_id(common["indicator"], r.get("unit")), confidence=r.get("confidence", 0.8),
            )
        out.append(assign_id(rec))
    out.sort(key=lambda x: (x.start, x.end))
    _link_baselines(out)
    _unique_ids(out)
    return out


def _unique_ids(records: list[Commitment | Progress]) -> None:
    """Two records with the same quote, indicator and value (四个100%) still need distinct ids;
    the n-th repeat hashes its ordinal in, so re-extraction gives the same ids again."""
    seen: dict[str, int] = {}
    for r in records:
        n = seen.get(r.id, 0)
        seen[r.id] = n + 1
        if n:
            value = r.value if isinstance(r, Progress) else (r.target.value if r.target else None)
            r.id = record_id(r.doc, r.type, r.start, r.end, f"{r.indicator}#{n}", value)


def _nearest_latest(by_year, indicator: str, unit: str, before: int | None, at: int) -> Progress | None:
    """The latest year's figure (before `before`) of the indicator in that unit, the nearest
    to offset `at` in that year; of two equally near, the earlier (as max() over text order)."""
    years = by_year.get((indicator, unit))
    if not years:
        return None
    ok = [y for y in years if before is None or y < before]
    if not ok:
        return None
    ps = years[max(ok)]
    starts = [p.start for p in ps]
    k = bisect_left(starts, at)
    cands = [ps[i] for i in (k - 1, k) if 0 <= i < len(ps)]
    # equal starts: the first of them in text order has the same distance and comes first
    best = None
    for p in cands:
        if best is None or abs(p.start - at) < abs(best.start - at):
            best = p
    if best is not None:
        best = ps[bisect_left(starts, best.start)]
    return best


@lru_cache(maxsize=1)
def _flows() -> frozenset[str]:
    """Catalogue count indicators named as additions over a period (新增学位, 新建幼儿园)."""
    from .commitments import cue_tuple
    from .indicators import catalogue

    lead = cue_tuple("flow_leads")
    return frozenset(i.id for i in catalogue() if i.kind == "count" and i.name.startswith(lead))


def _link_baselines(records: list[Commitment | Progress]) -> None:
    """A target stated in prose takes its baseline (and 约束性/预期性) from the document's own
    indicator table or reported figure for the same catalogue indicator: the plan's 学前三年毛入园率
    达到95% starts from the table's 93.91 (2020)."""
    table: dict[str, Commitment] = {}
    by_indicator: dict[str, list[Progress]] = {}
    for r in records:
        if isinstance(r, Progress) and r.indicator_id and r.year is not None:
            by_indicator.setdefault(r.indicator_id, []).append(r)
    # figures by (indicator, unit) and year, in text order: a long report has thousands
    # of figures of one indicator, and scanning them all per target was quadratic
    by_year: dict[tuple[str, str], dict[int, list[Progress]]] = {}
    for ind, ps in by_indicator.items():
        for p in ps:
            by_year.setdefault((ind, p.unit or ""), {}).setdefault(p.year, []).append(p)
    for r in records:
        if isinstance(r, Commitment) and r.indicator_id and r.baseline is not None and r.level:
            table.setdefault(r.indicator_id, r)
    for c in records:
        if not isinstance(c, Commitment) or not c.indicator_id or c.target is None:
            continue
        if c.level is None and c.indicator_id in table and table[c.indicator_id] is not c:
            c.level = table[c.indicator_id].level
        if c.baseline is not None:
            continue
        src = table.get(c.indicator_id)
        if src is not None and src is not c and src.baseline is not None:
            c.baseline = src.baseline.model_copy()
            continue
        if c.indicator_id in _flows():
            continue  # 新增学位 counts one period's additions: last year's is no starting value
        dl = int(c.deadline[:4]) if c.deadline else None
        best = _nearest_latest(by_year, c.indicator_id, c.target.unit or "", dl, c.start)
        if best is not None:
            c.baseline = Baseline(value=best.value, year=best.year, unit=best.unit or None)
