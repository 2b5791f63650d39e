"""Indicator tables: indicator, baseline (with the header's year), target (with its
year) and 约束性/预期性.

Why special handling: a table row has no sentence around it; the meaning of a
number comes from its column header (2020年 = baseline, 2025年 = target).  Three
shapes occur:
- real tables rendered one row per line, cells joined by TAB (or " | " in web copies);
- the same tables flattened one cell per line (web copies, seed 001);
- transposed tables (a row of indicator names, then "2022年目标值", then a row of values).
The baseline column is also a progress record with the baseline's year (SCHEMA.md).
"""

from __future__ import annotations

import re

from .context import DocContext
from .sentences import lines

_YEAR_HEAD = re.compile(r"^\s*((?:19|20)\d\d)\s*年?\s*(?:年底|年末)?\s*(?:目标值?|目标数|基数|基期值?|现状值?|实际完成值?|实际值?|实际数|预期值?|完成值?|完成数|值)?\s*$")
_LEVEL = re.compile(r"^\s*(约束性|预期性)\s*$")
_ATTR = re.compile(r"^\s*(?:指标)?属\s*性\s*$")
_VALUE = re.compile(r"^\s*(?P<op>[>≥＞<≤＜]=?|不低于|不少于|不超过|约)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|％|‰|[^\d\s]{0,6})?\s*(?P<after>以上|以下|以内|左右)?\s*$")
_LABEL_UNIT = re.compile(r"[（(]\s*([^()（）]{1,8}?)\s*[)）]\s*$")
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\s*[.．、]|[（(]\d{1,2}[)）]|[①-⑳])\s*")
_CELL_SPLIT = re.compile(r"\t|\s*\|\s*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _squeeze(s: str) -> str:
    return "".join(s.split())  # str.split and \s agree on whitespace


def _value(cell: str):
    m = _VALUE.match(cell.replace(",", ""))
    if not m:
        return None
    op = "="
    o = m.group("op") or ""
    if o and o[0] in ">≥＞" or o in ("不低于", "不少于") or m.group("after") == "以上":
        op = ">="
    elif o and o[0] in "<≤＜" or o == "不超过" or m.group("after") in ("以下", "以内"):
        op = "<="
    elif o == "约" or m.group("after") == "左右":
        op = "~"
    unit = (m.group("unit") or "").strip()
    if unit and _CJK.search(unit) and unit not in ("亿吨", "万元", "亿元", "万人", "人", "个", "所", "年", "万元/人", "亿人次", "人次", "万亩", "元"):
        return None
    value = float(m.group("num"))
    if unit == "％":
        unit = "%"
    if unit.startswith("万") and unit[1:] in ("人", "人次", "个") or unit.startswith("亿") and unit[1:] in ("人", "人次", "个"):
        value *= 1e4 if unit[0] == "万" else 1e8
        unit = unit[1:]
    return value, unit, op


def _label(cell: str) -> tuple[str, str]:
    """('学前教育毛入园率', '%') from '1.学前教育毛入园率(%)'."""
    s = _NUMBERING.sub("", cell.strip())
    unit = ""
    m = _LABEL_UNIT.search(s)
    if m:
        unit = m.group(1).strip()
        s = s[: m.start()].strip()
    if unit in ("％",):
        unit = "%"
    if unit == "名":
        unit = "人"
    return _squeeze(s), unit


_TARGET_HEAD = re.compile(r"目标|预期|规划值")
_ACTUAL_HEAD = re.compile(r"完成|实际|实现值|达成")


def _report_columns(heads: list[str]) -> tuple[int, list[int]] | None:
    """A review's table puts what was achieved after what was promised (2023年目标值 | 2023年
    完成值): (the target column, the achieved columns) when the last year column is an
    achieved value and an earlier one a target; None for a plan's table (基数 … 目标)."""
    if len(heads) < 2 or not _ACTUAL_HEAD.search(heads[-1]):
        return None
    targets = [q for q, h in enumerate(heads) if _TARGET_HEAD.search(h) and not _ACTUAL_HEAD.search(h)]
    if not targets:
        return None
    return targets[-1], [q for q, h in enumerate(heads) if _ACTUAL_HEAD.search(h)]


def _target(qs: int, qe: int, indicator: str, value: float, unit: str, op: str, deadline: str | None,
            baseline: dict | None, level: str | None) -> dict:
    return {"type": "commitment", "kind": "quantitative", "start": qs, "end": qe, "indicator": indicator,
            "value": value, "unit": unit, "op": op, "deadline": deadline, "baseline": baseline, "level": level,
            "start_date": None, "departments": [], "confidence": 0.9}


def _reported(qs: int, qe: int, indicator: str, value: float, unit: str, year: int) -> dict:
    return {"type": "progress", "start": qs, "end": qe, "indicator": indicator, "value": value, "unit": unit,
            "year": year, "confidence": 0.9}


def _records(ctx: DocContext, qs: int, qe: int, label_cell: str, cells: list[str], years: list[int], level: str | None,
             heads: list[str] | None = None) -> list[dict]:
    indicator, lunit = _label(label_cell)
    vals = [_value(c) for c in cells]
    if not indicator or not vals:
        return []
    report = _report_columns(heads) if heads and len(heads) == len(vals) else None
    if report is not None:
        return _review_records(qs, qe, indicator, lunit, vals, years, level, *report)
    if vals[-1] is None:
        return []
    out: list[dict] = []
    tv, tunit, top = vals[-1]
    unit = tunit or lunit
    if lunit.startswith("万") and not tunit and lunit[1:] in ("人", "人次", "个"):
        tv *= 1e4
        unit = lunit[1:]
    baseline = None
    if len(vals) >= 2 and vals[0] is not None and len(years) >= 2:
        bv = vals[0][0]
        baseline = {"value": bv, "year": years[0], "unit": unit or None}
        out.append(_reported(qs, qe, indicator, bv, vals[0][1] or unit, years[0]))
    out.append(_target(qs, qe, indicator, tv, unit, top, str(years[-1]) if years else None, baseline, level))
    return out


def _review_records(qs: int, qe: int, indicator: str, lunit: str, vals: list, years: list[int], level: str | None,
                    t: int, actual: list[int]) -> list[dict]:
    """A review table's row: the target of its year, and what was achieved, as progress of that year."""
    out: list[dict] = []
    if vals[t] is not None:
        tv, tunit, top = vals[t]
        out.append(_target(qs, qe, indicator, tv, tunit or lunit, top, str(years[t]), None, level))
    out.extend(_reported(qs, qe, indicator, vals[q][0], vals[q][1] or lunit, years[q]) for q in actual if vals[q] is not None)
    return out


def _flattened(ctx: DocContext, ls: list) -> tuple[list[dict], list[tuple[int, int]]]:
    """Tables flattened one cell per line: header cells, then label / values / level lines."""
    text = ctx.text
    nonempty = [p for p in ls if text[p.start:p.end].strip()]
    out: list[dict] = []
    covered: list[tuple[int, int]] = []
    i = 0
    n = len(nonempty)
    while i < n:
        t = text[nonempty[i].start:nonempty[i].end]
        if not _ATTR.match(t):
            i += 1
            continue
        # header: year cells just before 属性
        years: list[int] = []
        j = i - 1
        while j >= 0 and i - j <= 6:
            m = _YEAR_HEAD.match(text[nonempty[j].start:nonempty[j].end])
            if m:
                years.insert(0, int(m.group(1)))
            elif years:
                break
            j -= 1
        if not years:
            i += 1
            continue
        k = i + 1
        start_cover = nonempty[max(j, 0)].start
        while k < n:
            lab = nonempty[k]
            lt = text[lab.start:lab.end].strip()
            if len(lt) > 40 or not _CJK.search(lt) or _LEVEL.match(lt):
                break
            cells = [text[nonempty[k + 1 + q].start:nonempty[k + 1 + q].end].strip() for q in range(len(years)) if k + 1 + q < n]
            if len(cells) == len(years) and all(_value(c) is not None for c in cells):
                nxt = k + 1 + len(years)
                level = None
                if nxt < n and _LEVEL.match(text[nonempty[nxt].start:nonempty[nxt].end]):
                    level = _LEVEL.match(text[nonempty[nxt].start:nonempty[nxt].end]).group(1)
                    nxt += 1
                s = lab.start + (len(text[lab.start:lab.end]) - len(text[lab.start:lab.end].lstrip()))
                out.extend(_records(ctx, s, s + len(lt), lt, cells, years, level))
                k = nxt
            elif k + 1 < n and len(text[nonempty[k + 1].start:nonempty[k + 1].end].strip()) <= 40 and _CJK.search(text[nonempty[k + 1].start:nonempty[k + 1].end]):
                k += 1  # a category cell (学前教育) before the indicator
            else:
                break
        covered.append((start_cover, nonempty[k - 1].end if k - 1 < n else len(text)))
        i = k
    return out, covered


def _cells_of(line: str) -> list[str]:
    return [c.strip() for c in _CELL_SPLIT.split(line.strip().strip("|")) if c.strip()] if ("\t" in line or "|" in line) else []


def _row_tables(ctx: DocContext, ls: list) -> tuple[list[dict], list[tuple[int, int]]]:
    """TAB / pipe rows: a header row with year columns, or a transposed block
    (labels row, "2022年目标值" row, values row, 属性 row)."""
    text = ctx.text
    out: list[dict] = []
    covered: list[tuple[int, int]] = []
    rows = [(p, _cells_of(text[p.start:p.end])) for p in ls]
    header: tuple[list[int], list[int], int | None, list[str]] | None = None  # year columns, years, level column, their heads
    header_at: tuple[int, int] | None = None  # the header row, covered with the table's first row
    for idx, (p, cells) in enumerate(rows):
        if not cells:
            if not text[p.start:p.end].strip():
                continue
            header = None if _cells_of(text[p.start:p.end]) == [] and not _YEAR_HEAD.match(_squeeze(text[p.start:p.end]).strip("|")) else header
        sq = [_squeeze(c) for c in cells]
        ycols = [(q, int(_YEAR_HEAD.match(c).group(1))) for q, c in enumerate(sq) if _YEAR_HEAD.match(c)]
        if ycols and len(cells) >= 2:
            lvl = next((q for q, c in enumerate(sq) if _ATTR.match(c)), None)
            header = ([q for q, _ in ycols], [y for _, y in ycols], lvl, [sq[q] for q, _ in ycols])
            header_at = (p.start, p.end)
            continue
        # transposed: this row is a year header of one cell, previous row labels, next row values
        whole = _squeeze(text[p.start:p.end]).strip("|")
        m = _YEAR_HEAD.match(whole)
        if m and idx >= 1 and idx + 1 < len(rows):
            labels_p, labels = rows[idx - 1]
            vals_p, vals = rows[idx + 1]
            if labels and vals and len(labels) == len(vals):
                level_cells: list[str] = []
                if idx + 2 < len(rows):
                    lc = rows[idx + 2][1]
                    if lc and _ATTR.match(_squeeze(lc[0])):
                        level_cells = lc[1:]
                pos = labels_p.start
                for q, (lab, val) in enumerate(zip(labels, vals)):
                    s = text.find(lab, pos, labels_p.end)
                    if s < 0:
                        continue
                    pos = s + len(lab)
                    lvl = level_cells[q] if q < len(level_cells) and _LEVEL.match(level_cells[q]) else None
                    out.extend(_records(ctx, s, s + len(lab), lab, [val], [int(m.group(1))], lvl))
                covered.append((labels_p.start, (rows[idx + 2][0].end if level_cells else vals_p.end)))
            continue
        if header and cells:
            cols, years, lvl, heads = header
            if max(cols) < len(cells) and _CJK.search(cells[0]):
                vals = [cells[q] for q in cols]
                if all(_value(v) is not None for v in vals):
                    lab = next((c for c in cells[: min(cols)] if _CJK.search(c) and len(c) > 2), cells[0])
                    s = text.find(lab, p.start, p.end)
                    level = cells[lvl] if lvl is not None and lvl < len(cells) and _LEVEL.match(cells[lvl]) else None
                    out.extend(_records(ctx, s, s + len(lab), lab, vals, years, level, heads))
                    if header_at is not None:
                        covered.append(header_at)  # its 完成值/目标 words are no end state of their own
                        header_at = None
                    covered.append((p.start, p.end))
    return out, covered


def extract_tables(ctx: DocContext) -> tuple[list[dict], list[tuple[int, int]]]:
    """Records from indicator tables, and the spans they cover (prose extraction skips them)."""
    ls = lines(ctx.text)
    a, ca = _flattened(ctx, ls)
    b, cb = _row_tables(ctx, ls)
    return a + b, ca + cb
