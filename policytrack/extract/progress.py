"""Progress figures: what a report (or a plan's review section) says was achieved.

Why a year matters: the tracker compares a figure with the target of the same
indicator for the same year, so every figure carries the year it refers to: the
year stated before it, else the year of its heading, else the reporting year of
the document (a 2020年工作总结 reports 2020), else the document's year.
"""

from __future__ import annotations

import re

from .context import DocContext
from .deadlines import TimeExpr

_PREV_YEAR = re.compile(r"(?:比上年|较上年|同比|比去年|较去年)")


_CHANGE = re.compile(r"(?:降为|降至|降到|下降到|下降至|提高到|提高至|提升到|提升至|增加到|增加至|增至|减少到|减少至|上升到|上升至|扩大到|缩小到)")


def progress_year(ctx: DocContext, offset: int, before: list[TimeExpr], para_before: list[TimeExpr]) -> int | None:
    """The year a figure at offset refers to."""
    groups = (before, para_before)
    for group in groups:
        for t in reversed(group):
            if t.period or t.compare or t.kind == "start":
                continue
            if group is before and _CHANGE.search(ctx.text, t.end, offset):
                continue  # 由2019年的17.6%降为2.85%: 2019 is the start value's year only
            return int(t.value[:4])
    ht = ctx.heading_time(offset)
    if ht is not None:
        return int(ht.value[:4])
    if ctx.report_year:
        return ctx.report_year
    if ctx.plan_end and ctx.doc_year and ctx.heading_bias(offset) < 0:
        return ctx.plan_end - 5  # the review section of a 十四五 plan reports on 2020
    if ctx.doc_type == "report" and ctx.type_reliable:
        # a report whose title names no year: the period its date implies, else undated
        return ctx.covered_year
    return ctx.covered_year or ctx.doc_year
