"""Status of one commitment as of a date, from the evidence linked to it.

Pure logic over models: the same function serves the CLI, the audit list and
the API, so a status never means two things.  Statuses:

* ``met``      latest figure satisfies the target (or completion is stated)
* ``on_track`` deadline ahead, linear trend of baseline + figures reaches the target
* ``at_risk``  deadline ahead, trend falls short (or cannot be projected)
* ``missed``   deadline passed and the latest figure fails / no completion stated
* ``no_data``  nothing linked although figures could exist, or only the plan's own
  baseline (whatever the deadline: there is no progress to judge)
* ``not_due``  nothing linked, the deadline still ahead, and no figure can exist yet
  (the promise was made this year, or its obligation has not started)

Disagreeing figures for the same year are a conflict: the status is computed on
the less favourable figure (an auditor should see the worse case) and the
explanation names both sources.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
import dataclasses
from functools import lru_cache

from policytrack.models import Commitment, Progress

from . import explain as X

STATUSES = ("met", "on_track", "at_risk", "missed", "no_data", "not_due")
EPS = 1e-9


@dataclass
class Evidence:
    """One linked item: a progress figure, or a sentence stating (non-)completion.

    ``completion`` is True when the sentence states completion, False when it
    states failure, None for a plain figure or an in-progress statement.
    """

    progress: Progress
    origin: str = "auto"  # auto | confirmed | added
    source_title: str | None = None
    page: int | None = None
    published: date | None = None
    completion: bool | None = None

    @property
    def is_figure(self) -> bool:
        return self.completion is None and self.progress.unit != COMPLETION_UNIT


# Completion statements are stored as Progress records with this unit, value 1
# (completed) / 0 (failed) / 0.5 (in progress), so they get stable ids and can be
# linked, confirmed and exported like any figure.
COMPLETION_UNIT = "完成情况"


@dataclass
class Projection:
    from_year: int
    to_year: int
    value: float
    at_year: int


@dataclass
class TrackResult:
    commitment_id: str
    status: str
    explanation: str
    gap: float | None = None
    gap_unit: str | None = None
    latest_value: float | None = None
    latest_year: int | None = None
    latest: Evidence | None = None
    projection: Projection | None = None
    conflict: bool = False
    conflicts: list[list[Evidence]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


def info(r: TrackResult) -> dict:
    """The fields the API's TrackInfo carries (status, gap, latest figure, explanation, conflict)."""
    return {"status": r.status, "gap": r.gap, "gap_unit": r.gap_unit, "latest_value": r.latest_value,
            "latest_year": r.latest_year, "explanation": r.explanation, "conflict": r.conflict}


def deadline_end(deadline: str | None) -> date | None:
    """'2025' → 2025-12-31, '2023-09' → 2023-09-30: a deadline runs to the end of its period."""
    if not deadline:
        return None
    try:
        parts = [int(p) for p in deadline.split("-")]
        if len(parts) == 1:
            return date(parts[0], 12, 31)
        if len(parts) == 2:
            return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
        return date(parts[0], parts[1], parts[2])
    except (ValueError, IndexError):
        return None


def direction(c: Commitment, catalogue_direction: str | None = None) -> str:
    """'higher' or 'lower' is better.  The op decides when it can (≥ / ≤); for '='
    targets (大班额比例 0) the catalogue's direction."""
    op = c.target.op if c.target else "="
    if op == ">=":
        return "higher"
    if op == "<=":
        return "lower"
    if catalogue_direction in ("higher", "lower"):
        return catalogue_direction
    # Without the catalogue: a plain target of 0 is an elimination (大班额 0); any other
    # plain target is a level to reach.  Baseline vs target is no guide: 巩固率 baselines
    # above 100% (103.5) sit over a 97% target that is still a floor.
    if c.target and c.target.value == 0:
        return "lower"
    return "higher"


def satisfies(value: float, c: Commitment, dirn: str) -> bool:
    t = c.target
    if t is None or t.value is None:
        return False
    if t.op == "~":
        return abs(value - t.value) <= max(abs(t.value) * 0.05, EPS)
    if dirn == "lower":
        return value <= t.value + EPS
    return value >= t.value - EPS


def shortfall(value: float, c: Commitment, dirn: str) -> float:
    """How far from the target, >= 0, in the target's unit (百分点 for %)."""
    assert c.target is not None and c.target.value is not None
    g = (c.target.value - value) if dirn == "higher" else (value - c.target.value)
    return round(max(g, 0.0), 4)


def linear_projection(points: list[tuple[int, float]], at_year: int) -> Projection | None:
    """Least-squares line through (year, value); None with fewer than two distinct years."""
    years = sorted({y for y, _ in points})
    if len(years) < 2:
        return None
    n = len(points)
    mx = sum(y for y, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((y - mx) ** 2 for y, _ in points)
    sxy = sum((y - mx) * (v - my) for y, v in points)
    slope = sxy / sxx
    value = my + slope * (at_year - mx)
    return Projection(from_year=years[0], to_year=years[-1], value=round(value, 4), at_year=at_year)


def _available(e: Evidence, as_of: date) -> bool:
    if e.published is not None:
        return e.published <= as_of
    y = e.progress.year
    return y is None or y <= as_of.year


def _unit(c: Commitment) -> str:
    if c.target and c.target.unit:
        return c.target.unit
    if c.baseline and c.baseline.unit:
        return c.baseline.unit
    return ""


def evaluate(
    c: Commitment,
    evidence: list[Evidence],
    as_of: date | None = None,
    *,
    issued: date | None = None,
    catalogue_direction: str | None = None,
    indicator_name: str | None = None,
    history: list[Evidence] | None = None,
) -> TrackResult:
    """Status, gap, projection and explanation of `c` as of `as_of` (default today).

    `issued` is the plan's issue date: before the first reporting year after it
    no figure can exist, so an empty evidence list means ``not_due``, not ``no_data``.
    `history`: the indicator's figures from before the baseline year; not progress,
    but part of the trend the projection follows.
    """
    as_of = as_of or date.today()
    ev = [e for e in evidence if _available(e, as_of)]
    name = indicator_name or c.indicator
    unit = _unit(c)
    dirn = direction(c, catalogue_direction)
    end = deadline_end(c.deadline)
    passed = end is not None and as_of > end
    tv = c.target.value if c.target else None
    head = X.fmt_target(name, c.target.op if c.target else "=", tv, unit, c.deadline)
    res = TrackResult(commitment_id=c.id, status="no_data", explanation="", evidence=ev)

    first_year = _first_report_year(c, issued)

    completions = [e for e in ev if not e.is_figure]
    figures = [e for e in ev if e.is_figure]
    # asked once (it reads the lexicon); only figures can make a running total
    total_target = bool(figures) and end is not None and is_cumulative_target(c, unit)
    if total_target and first_year is not None:
        # a total to add up from the promise on: what was added before it counts for
        # earlier promises (2022's 1200 new places are not progress on a target set in 2023)
        figures = [e for e in figures if e.progress.year is None or e.progress.year >= first_year]

    # ---- completion statements decide first: they are what qualitative targets have
    done = [e for e in completions if _completion(e, c) is True]
    failed = [e for e in completions if _completion(e, c) is False]
    if done and not (figures and tv is not None and _order(max(done, key=_order))[:2] < _order(max(figures, key=_order))[:2]):
        # completion stated, and no figure newer than the statement says otherwise;
        # cite the first statement of completion: that is when it was achieved
        e = min(done, key=_order)
        res.status = "met"
        res.latest = e
        res.latest_year = e.progress.year
        late = "（逾期完成）" if end is not None and e.progress.year is not None and e.progress.year > end.year else ""
        res.explanation = f"{head}；{_year(e)}{_cite_quote(e)}，{X.STATUS_PHRASE['met']}{late}"
        return res

    reported = [e for e in figures if not _is_own_baseline(c, e)]
    if figures and not reported and not completions:
        # Only the plan's own starting point: nothing has been reported against it yet.
        e = max(figures, key=_order)
        base = f"基期{_year(e)}{X.fmt_value(e.progress.value, e.progress.unit or unit)}{_cite(e)}"
        res.latest, res.latest_value, res.latest_year = e, e.progress.value, e.progress.year
        if tv is not None:
            res.gap, res.gap_unit = shortfall(e.progress.value, c, dirn), X.gap_unit(unit)
            if satisfies(e.progress.value, c, dirn):
                res.status = "met"
                res.explanation = f"{head}；{base}，基期已达到目标"
                return res
        gap_txt = f"，{X.fmt_gap(res.gap, unit)}" if res.gap else ""
        if _awaiting_first_report(first_year, as_of, passed) is not None:
            res.status = "not_due"
            res.explanation = f"{head}；{base}{gap_txt}；{X.STATUS_PHRASE['not_due']}"
        else:
            res.status = "no_data"
            res.explanation = f"{head}；{base}{gap_txt}；此后{X.STATUS_PHRASE['no_data']}"
        return res

    if not figures:
        if completions:
            # the latest statement; within one report the narrative (first) before the problems list
            e = max(completions, key=lambda e: (*_order(e)[:2], -e.progress.start))
            res.latest, res.latest_year = e, e.progress.year
            said = _cite_quote(e)
            if passed:
                res.status = "missed"
                why = "" if e in failed else f"截至{X.deadline_label(c.deadline)}未见完成的表述，"
                res.explanation = f"{head}；{_year(e)}{said}，{why}{X.STATUS_PHRASE['missed']}"
            elif failed and e in failed:
                res.status = "at_risk"
                res.explanation = f"{head}；{_year(e)}{said}，{X.STATUS_PHRASE['at_risk']}"
            else:
                res.status = "on_track"
                res.explanation = f"{head}；{_year(e)}{said}，正在推进"
            return res
        awaited = _awaiting_first_report(first_year, as_of, passed)
        if awaited is not None:
            res.status = "not_due"
            res.explanation = f"{head}；{X.STATUS_PHRASE['not_due']}（{awaited}年数据尚未发布）"
        else:
            res.status = "no_data"
            res.explanation = f"{head}；{X.STATUS_PHRASE['no_data']}"
        return res

    # ---- figures: one value per year; disagreeing values are a conflict
    figures = _without_starting_points(figures)
    by_year: dict[int | None, list[Evidence]] = {}
    for e in figures:
        by_year.setdefault(e.progress.year, []).append(e)
    chosen: dict[int | None, Evidence] = {}
    for y, group in by_year.items():
        manual = [e for e in group if e.origin in ("confirmed", "added")]
        pool = manual or group
        cumulative = [e for e in pool if any(w in e.progress.quote for w in _cumulative_words())]
        if cumulative and len(cumulative) < len(pool):
            pool = cumulative  # the period's running total, not one year's increment
        distinct = {round(e.progress.value, 6) for e in pool}
        if len(distinct) > 1:
            res.conflict = True
            res.conflicts.append(pool)
        # the less favourable figure: an auditor should see the worse case; among equal
        # values the first published source (a report before the inspection repeating it)
        pool = sorted(pool, key=lambda e: (e.published or date.max, e.progress.doc, e.progress.start))
        chosen[y] = min(pool, key=lambda e: e.progress.value) if dirn == "higher" else max(pool, key=lambda e: e.progress.value)
    dated = sorted((y for y in chosen if y is not None))
    totals: dict[int, str] = {}  # year → how its running total was obtained (cumulative targets)
    window_start: int | None = None
    if dated and total_target:
        window_start = first_year or dated[0]
        summed, totals = _running_totals(chosen, window_start, unit)
        if totals:  # else every figure predates the window: judged as reported
            chosen, dated = summed, sorted(totals)
    latest = chosen[dated[-1]] if dated else chosen[None]
    res.latest = latest
    res.latest_value = latest.progress.value
    res.latest_year = latest.progress.year
    res.gap_unit = X.gap_unit(unit)
    if totals:
        lat = totals[dated[-1]]
    else:
        lat = f"{_year(latest)}实际{X.fmt_value(latest.progress.value, latest.progress.unit or unit)}{_cite(latest)}"
    conflict_txt = ""
    if res.conflict:
        conflict_txt = "；数据冲突：" + "；".join(
            "、".join(f"{_source(e) or '未注明来源'}报{X.fmt_value(e.progress.value, e.progress.unit or unit)}" for e in grp)
            + (f"（{grp[0].progress.year}年）" if grp[0].progress.year else "")
            for grp in res.conflicts
        ) + "，按较不利数值判断"

    if tv is None:  # a figure without a numeric target: report it, cannot judge
        res.status = "on_track" if not passed else "missed"
        res.explanation = f"{head}；{lat}{conflict_txt}；目标无量化值，无法判断差距"
        return res

    gap = shortfall(latest.progress.value, c, dirn)
    res.gap = gap
    if end is None and (is_recurring(c) or is_standing(c)):
        return _recurring(res, c, chosen, dirn, unit, head, first_year, "每年" if is_recurring(c) else "持续保持")
    if satisfies(latest.progress.value, c, dirn):
        res.status = "met"
        # when was it first reached: on time or late is what an auditor asks next
        reached = [chosen[y] for y in dated if satisfies(chosen[y].progress.value, c, dirn)
                   and all(satisfies(chosen[z].progress.value, c, dirn) for z in dated if z >= y)]
        first = reached[0] if reached else latest
        late = ""
        if end is not None and first.progress.year is not None and first.progress.year > end.year:
            late = "（逾期完成）"
        since = ""
        if first is not latest:
            since = f"（{_year(first)}已达{X.fmt_value(first.progress.value, first.progress.unit or unit)}{_cite(first)}）"
        res.explanation = f"{head}；{lat}{conflict_txt}，{X.STATUS_PHRASE['met']}{since}{late}"
        return res

    gap_txt = X.fmt_gap(gap, unit)
    if passed:
        res.status = "missed"
        res.explanation = f"{head}；{lat}，{gap_txt}{conflict_txt}；期限已过，{X.STATUS_PHRASE['missed']}"
        return res

    points = [(y, e.progress.value) for y, e in chosen.items() if y is not None]
    if totals and window_start is not None:
        # a running total starts from nothing the year before its window; its trend is
        # the yearly increment, and the plan's baseline or older figures are no part of it
        points = [(window_start - 1, 0.0), *((y, chosen[y].progress.value) for y in dated)]
        history = None
    elif c.baseline is not None and c.baseline.year is not None and c.baseline.year not in chosen:
        points.append((c.baseline.year, c.baseline.value))
    past: dict[int, float] = {}
    for e in _without_starting_points([h for h in history or () if h.is_figure and _available(h, as_of)]):
        y = e.progress.year
        if y is not None and all(y != py for py, _ in points):
            # one value per year, the less favourable when documents disagree (as above)
            v = e.progress.value
            past[y] = v if y not in past else (min(past[y], v) if dirn == "higher" else max(past[y], v))
    points.extend(past.items())
    target_year = end.year if end else None
    proj = linear_projection(points, target_year) if target_year else None
    res.projection = proj
    if proj is None:
        res.status = "at_risk"
        why = "未设完成期限" if target_year is None else "数据点不足，无法判断趋势"
        res.explanation = f"{head}；{lat}，{gap_txt}{conflict_txt}；{why}，{X.STATUS_PHRASE['at_risk']}"
        return res
    ok = satisfies(proj.value, c, dirn)
    res.status = "on_track" if ok else "at_risk"
    trend = f"按{proj.from_year}—{proj.to_year}年趋势预计{proj.at_year}年达{X.fmt_value(proj.value, unit)}"
    res.explanation = f"{head}；{lat}，{gap_txt}{conflict_txt}；{trend}，{X.STATUS_PHRASE[res.status]}"
    return res


def _without_starting_points(figures: list[Evidence]) -> list[Evidence]:
    """大班额比例由4.6%降为2.85%: one sentence, two figures given the same year; the one
    after 由/从 is where the year started, not a second report of where it ended."""
    from policytrack.lexicons import load_yaml

    words = tuple(load_yaml("completion.yaml").get("from_words") or ())
    out = []
    for e in figures:
        p = e.progress
        q = p.quote
        twins = [o for o in figures if o is not e and o.progress.doc == p.doc and o.progress.quote == q
                 and o.progress.year == p.year and o.progress.value != p.value]
        num = X.fmt_number(p.value)
        i = q.find(num)
        if twins and i > 0 and any(q[:i].endswith(w) for w in words):
            continue
        out.append(e)
    return out


@lru_cache(maxsize=1)
def _cumulative_words() -> tuple[str, ...]:
    from policytrack.lexicons import load_yaml

    return tuple(load_yaml("completion.yaml").get("cumulative_words") or ())


def is_cumulative_target(c: Commitment, unit: str) -> bool:
    """新增义务教育学位2800个以上 (by a date): a total over the plan's period, not a level."""
    from policytrack.lexicons import load_yaml

    lx = load_yaml("completion.yaml")
    if c.target is None or c.target.value is None or c.target.value <= 0 or c.target.op not in (">=", "=", ">"):
        return False
    if unit.strip() in ("%", "％", "‰", "百分点") or is_recurring(c) or is_standing(c):
        return False
    if any(w in c.indicator or w in c.quote for w in lx.get("per_head_words") or ()):
        return False
    return any(w in c.indicator for w in lx.get("cumulative_target_words") or ())


def _running_totals(chosen: dict, start: int, unit: str) -> tuple[dict, dict[int, str]]:
    """Year → the period's running total from `start`: a reported 累计 figure when there is
    one, else the sum of the yearly figures (an explanation citing each part)."""
    out: dict = {}
    texts: dict[int, str] = {}
    total, parts, first = 0.0, [], start
    for y in sorted(y for y in chosen if y is not None and y >= start):
        e = chosen[y]
        v = e.progress.value
        fig = f"{X.fmt_value(v, e.progress.unit or unit)}{_cite(e)}"
        if any(w in e.progress.quote for w in _cumulative_words()):
            total, parts = v, []
            texts[y] = f"截至{y}年累计{fig}"
        else:
            total += v
            parts.append(f"{y}年{fig}")
            span = f"{first}—{y}年" if y > first else f"{y}年"
            # one yearly figure is its own total: "2022年实际1200个", not "2021—2022年累计1200个（2022年1200个…）"
            texts[y] = (f"{span}累计{X.fmt_value(total, e.progress.unit or unit)}（{'、'.join(parts)}）"
                        if len(parts) > 1 else f"{y}年实际{fig}")
        out[y] = dataclasses.replace(e, progress=e.progress.model_copy(update={"value": total})) if total != v else e
    return out, texts


def is_recurring(c: Commitment) -> bool:
    """每年招聘教师不少于120名: an obligation every year, not one target at one date."""
    from policytrack.lexicons import load_yaml

    words = load_yaml("completion.yaml").get("recurring_words") or ()
    return any(w in c.quote for w in words)


def is_standing(c: Commitment) -> bool:
    """九年义务教育巩固率保持在97%以上: a rule in force every year, with no date to reach it by."""
    from policytrack.lexicons import load_yaml

    words = load_yaml("completion.yaml").get("standing_words") or ()
    return any(w in c.quote for w in words)


def _recurring(res: TrackResult, c: Commitment, chosen: dict, dirn: str, unit: str, head: str,
               start: int | None, label: str = "每年") -> TrackResult:
    """Each year on its own: the latest year decides, earlier shortfalls are named.
    Serves yearly obligations (每年招聘) and standing rules (保持在…以上) alike; years
    before `start` (the first report year) belong to earlier promises."""
    yrs = sorted(y for y in chosen if y is not None and (start is None or y >= start)) or sorted(y for y in chosen if y is not None)
    listing = "、".join(f"{y}年{X.fmt_value(chosen[y].progress.value, chosen[y].progress.unit or unit)}{_cite(chosen[y])}" for y in yrs)
    fails = [y for y in yrs if not satisfies(chosen[y].progress.value, c, dirn)]
    latest = yrs[-1] if yrs else None
    if latest is not None and latest in fails:
        res.status = "missed"
        res.explanation = f"{head}（{label}）；{listing}；{latest}年未达到，{X.fmt_gap(res.gap or 0.0, unit)}"
    else:
        res.status = "met"
        earlier = f"；其中{'、'.join(f'{y}年' for y in fails)}未达到" if fails else ""
        res.explanation = f"{head}（{label}）；{listing}{earlier}；最近一年{X.STATUS_PHRASE['met']}"
    return res


def _is_own_baseline(c: Commitment, e: Evidence) -> bool:
    """A figure from the commitment's own document, at or before its baseline year:
    the starting point the plan states, not progress reported since."""
    if e.progress.doc != c.doc or e.origin in ("confirmed", "added"):
        return False
    if c.baseline is None or c.baseline.year is None or e.progress.year is None:
        return True
    return e.progress.year <= c.baseline.year


def _completion(e: Evidence, c: Commitment | None = None) -> bool | None:
    if e.completion is not None:
        return e.completion
    if e.progress.unit == COMPLETION_UNIT:
        v = e.progress.value
        if 0 < v < 1 and c is not None and _starts(c, e.progress.quote):
            return True
        return True if v >= 1 else (False if v <= 0 else None)
    return None


def _starts(c: Commitment, quote: str) -> bool:
    """城区第三小学开工 is done when a report says 于2022年4月开工建设: work under way is
    the promise itself when the promise was to start it."""
    from policytrack.lexicons import load_yaml

    return any(w in c.indicator and w in quote for w in load_yaml("completion.yaml").get("start_words") or ())


def _order(e: Evidence) -> tuple:
    return (e.progress.year or 0, e.published or date.min, e.progress.start)


def _year(e: Evidence) -> str:
    return f"{e.progress.year}年" if e.progress.year else ""


def _source(e: Evidence) -> str:
    src = X.fmt_source(e.source_title, e.progress.section, e.page)
    if e.origin == "added" and not src:
        src = "人工补充"
    return src


def _cite(e: Evidence) -> str:
    src = _source(e)
    return f"（{src}）" if src else ""


def _cite_quote(e: Evidence) -> str:
    q = e.progress.quote.strip()
    if len(q) > 90:
        q = q[:90] + "…"
    return f"报告“{q}”{_cite(e)}"


def _awaiting_first_report(first_year: int | None, as_of: date, passed: bool) -> int | None:
    """The year whose figures cannot be published yet as of `as_of` (so the status is not_due),
    or None when a report could already exist or the deadline has passed."""
    if first_year is not None and as_of.year <= first_year and not passed:
        return first_year
    return None


def _first_report_year(c: Commitment, issued: date | None) -> int | None:
    """The first year for which a figure could have been published by now."""
    years = []
    if issued is not None:
        years.append(issued.year)
    if c.start_date:
        try:
            years.append(int(c.start_date[:4]))
        except ValueError:
            pass
    return max(years) if years else None
