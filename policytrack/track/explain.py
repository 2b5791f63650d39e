"""Plain Chinese explanations of a commitment's status.

An auditor hands the explanation to a department as it is, so it must read as
a sentence a person would write and cite every number with its source
(document title and section) — the reader should never have to look up where a
figure came from.
"""

from __future__ import annotations

import re

OP_SYMBOL = {">=": "≥", "<=": "≤", "=": "", "~": "约"}
STATUS_PHRASE = {
    "met": "已达标",
    "on_track": "进展正常，预计可按期完成",
    "at_risk": "存在风险",
    "missed": "未按期完成",
    "no_data": "暂无进展数据",
    "not_due": "尚未到可报告进展的时间",
}
STATUS_LABEL = {
    "met": "已完成",
    "on_track": "正常推进",
    "at_risk": "存在风险",
    "missed": "未完成",
    "no_data": "无数据",
    "not_due": "未到期",
}

_PART = re.compile(r"^([一二三四五六七八九十百]+)、")


def fmt_number(v: float | None) -> str:
    """93.20 → 93.2, 95.0 → 95: figures are quoted the way documents write them."""
    if v is None:
        return "—"
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fmt_value(v: float | None, unit: str) -> str:
    return f"{fmt_number(v)}{unit or ''}"


def fmt_section(section: str | None) -> str:
    """'一、（八）' → '第一部分（八）', the way Chinese readers cite a part of a document."""
    if not section:
        return ""
    m = _PART.match(section)
    if m:
        return f"第{m.group(1)}部分" + section[m.end():]
    return section


def fmt_source(title: str | None, section: str | None, page: int | None = None) -> str:
    parts = []
    if title:
        parts.append(title if title.startswith("《") else f"《{title}》")
    if section:
        parts.append(fmt_section(section))
    if page:
        parts.append(f"第{page}页")
    return "".join(parts)


def gap_unit(unit: str) -> str:
    """A gap between two percentages is measured in 百分点, not in %."""
    return "百分点" if unit.strip() in ("%", "％") else unit


def fmt_gap(gap: float, unit: str) -> str:
    gu = gap_unit(unit)
    if gu == "百分点":
        return f"差{fmt_number(gap)}个百分点"
    return f"差{fmt_number(gap)}{gu}"


def fmt_target(indicator: str, op: str, value: float | None, unit: str, deadline: str | None) -> str:
    when = f"（{deadline_label(deadline)}）" if deadline else ""
    if value is None:
        return f"目标：{indicator}{when}"
    return f"目标：{indicator}{OP_SYMBOL.get(op, '')}{fmt_value(value, unit)}{when}"


def deadline_label(deadline: str | None) -> str:
    if not deadline:
        return ""
    parts = deadline.split("-")
    out = f"{int(parts[0])}年"
    if len(parts) > 1:
        out += f"{int(parts[1])}月"
    if len(parts) > 2:
        out += f"{int(parts[2])}日"
    return out
