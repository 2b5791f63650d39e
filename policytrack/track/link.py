"""Automatic linking of commitments to the progress reported against them.

A figure counts for a commitment only when it measures the same thing (same
canonical indicator, compatible unit), for the same jurisdiction (a county's
figure is not its city's), and for a year inside the commitment's horizon (from
the baseline year on; figures after the deadline are kept as evidence of late
completion).  Precision matters more than recall here: a wrong link silently
turns a missed target into a met one, while a missing link shows as no_data and
invites a manual `link add`.

Qualitative commitments have no figure: they are linked to report sentences that
state completion (or failure) of the same thing, which `completion_statements`
turns into Progress records with unit `完成情况` so they carry stable ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

from policytrack.lexicons import load_yaml
from policytrack.models import Commitment, Progress, assign_id

from .status import COMPLETION_UNIT

_UNIT_ALIASES = {"％": "%", "名": "人", "个百分点": "百分点"}
_BRACKETS = re.compile(r"[（(][^（）()]*[)）]")
_PUNCT = re.compile(r"[\s“”\"'《》、，,。；;：:（）()\[\]【】<>＜＞≥≤%％]")
_YEAR = re.compile(r"(20\d\d)年")


@dataclass(frozen=True)
class Link:
    commitment_id: str
    progress_id: str
    origin: str = "auto"  # auto | confirmed | added | rejected
    reason: str = ""


@lru_cache(maxsize=1)
def lexicon() -> dict:
    return load_yaml("completion.yaml")


@lru_cache(maxsize=65536)
def norm_unit(u: str | None) -> str:
    u = (u or "").strip()
    return _UNIT_ALIASES.get(u, u)


def units_compatible(a: str | None, b: str | None) -> bool:
    return norm_unit(a) == norm_unit(b)


@lru_cache(maxsize=65536)
def norm_indicator(s: str) -> str:
    """'学前三年毛入园率（%）' → '学前三年毛入园率': compare names without unit brackets and punctuation."""
    return _PUNCT.sub("", _BRACKETS.sub("", s or ""))


@lru_cache(maxsize=65536)
def admin_level(region: str | None) -> str | None:
    if not region:
        return None
    for suffix, level in sorted(lexicon()["region_suffixes"].items(), key=lambda kv: -len(kv[0])):
        if region.endswith(suffix):
            return level
    return None


@lru_cache(maxsize=65536)
def stated_scope(quote: str) -> str | None:
    """全市/全省… in the quote: whose figure this is, whatever document it sits in."""
    for word, level in lexicon()["scope_words"].items():
        if word in quote:
            return level
    return None


_SENT_START = re.compile(r"[。！？!?；;\n]")


def refine_region(p: Progress, text: str, doc_region: str | None, known_regions: Iterable[str]) -> str | None:
    """Whose figure `p` is, read from its own sentence.

    The nearest jurisdiction named before the figure in the same sentence wins: a
    county name (2023年青禾县…为94.1%, in a city's 督导报告), or a scope word (全市…,
    高于全市平均水平（95.9%）) which maps to the document's own region when the levels
    agree and to an unnamed other jurisdiction when they do not.
    """
    if not text or text[p.start : p.end] != p.quote:
        return p.region
    s = p.start
    while s > 0 and not _SENT_START.match(text[s - 1]):
        s -= 1
    window = text[s : p.end]
    best: tuple[int, str] | None = None
    for name in known_regions:
        if name:
            i = window.rfind(name)
            if i >= 0 and (best is None or i > best[0]):
                best = (i, name)
    for word, level in lexicon()["scope_words"].items():
        i = window.rfind(word)
        if i >= 0 and (best is None or i > best[0]):
            best = (i, word if admin_level(doc_region) != level else (doc_region or word))
    return best[1] if best else p.region


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def inherit_names(progress: list[Progress], text: str) -> list[Progress]:
    """Give an elliptical running total the name of the figure it sums.

    '2023年新增义务教育学位1080个，两年累计新增学位2280个': the total's own name drops the
    qualifier the sentence already gave, so it would never match the 新增义务教育学位 target
    it reports on (nor should it count for 新增公办学位).  A total (累计…) takes the name of the
    figure just before it in the same sentence when that figure has the same catalogue id
    and its name contains the total's words in order.  `progress` are one document's figures.
    """
    cum_words = tuple(lexicon().get("cumulative_words") or ())
    period = tuple(lexicon().get("period_words") or ())
    figs = sorted((p for p in progress if p.unit != COMPLETION_UNIT), key=lambda p: p.start)
    renamed: dict[str, str] = {}
    for i, p in enumerate(figs):
        if not p.indicator_id or not any(w in p.indicator for w in cum_words):
            continue
        core = name_core(p.indicator)
        for w in period:
            core = core.replace(w, "")
        for q in reversed(figs[:i]):
            if q.end > p.start or _SENT_START.search(text[q.end : p.start]) or q.indicator_id != p.indicator_id:
                break
            qcore = name_core(q.indicator)
            if core and qcore != core and _subsequence(core, qcore):
                renamed[p.id] = q.indicator
            break
    return [p.model_copy(update={"indicator": renamed[p.id]}) if p.id in renamed else p for p in progress]


def resolve_indicator(r: Commitment | Progress) -> Commitment | Progress:
    """Give a record the catalogue id its own quote names, when extraction left it unresolved.

    The extractor sometimes cuts an indicator's name short (公办园在园幼儿占比为45.0% →
    '公办园在园幼儿', no id); such a figure would then never link to the plan's
    catalogued target.  The quote is matched against the catalogue with the record's
    unit, so a count (所, 人) never picks up a rate's id.  Completion statements are
    tagged when they are made and are left alone.
    """
    if r.indicator_id:
        return r
    unit = r.unit if isinstance(r, Progress) else ((r.target.unit if r.target else None)
                                                   or (r.baseline.unit if r.baseline else None))
    if isinstance(r, Progress) and r.unit == COMPLETION_UNIT:
        return r
    try:
        from policytrack.extract.indicators import find_indicator_mentions, match_indicator
    except ImportError:
        return r
    iid = match_indicator(r.indicator, unit or None)
    i = r.quote.find(r.indicator) if r.indicator else -1
    if iid is None and i >= 0:
        # only a catalogue name that overlaps the record's own name in its quote: another
        # noun later in the sentence (…办成公办园或普惠性民办园) is not what was counted
        for _, a, b in find_indicator_mentions(r.quote):
            if a < i + len(r.indicator) and b > i:
                iid = match_indicator(r.quote[min(a, i) : max(b, i + len(r.indicator))], unit or None)
                if iid:
                    break
    return r.model_copy(update={"indicator_id": iid}) if iid else r


def is_end_state(c: Commitment) -> bool:
    """A target that is a state to reach rather than a level (大班额比例 0 = 全面消除,
    覆盖率 100% = 全覆盖): a report saying it was reached is evidence for it."""
    t = c.target
    if t is None or t.value is None:
        return True
    return abs(t.value) < 1e-9 or (norm_unit(t.unit) == "%" and abs(t.value - 100) < 1e-9)


def same_jurisdiction(c: Commitment, p: Progress) -> bool:
    if c.region and p.region and c.region != p.region:
        return False
    if (c.region is None) != (p.region is None) and c.doc != p.doc:
        return False
    scope = stated_scope(p.quote)
    level = admin_level(c.region or p.region)
    if scope and level and scope != level:
        return False
    return True


def same_indicator(c: Commitment, p: Progress) -> bool:
    if c.indicator_id and p.indicator_id:
        return c.indicator_id == p.indicator_id
    if c.indicator_id or p.indicator_id:
        return False  # one is catalogued and the other is not: different things
    # uncatalogued: the names must agree, one may carry more words than the other
    # (公开招聘中小学教师 / 县人力资源和社会保障局、县教体局公开招聘中小学教师)
    a, b = name_core(c.indicator), name_core(p.indicator)
    if a and a == b:
        return True
    # a count may be reported with a qualifying word the promise did not use
    # (招聘中小学教师 / 公开招聘中小学教师); not the other way round: 22所乡镇寄宿制学校 is
    # not a count of 乡镇寄宿制学校宿舍、食堂、厕所改造.  A rate's name must agree exactly.
    unit = norm_unit((c.target.unit if c.target else None) or (c.baseline.unit if c.baseline else None))
    return unit not in ("%", "‰") and len(a) >= 4 and a in b


def in_horizon(c: Commitment, p: Progress) -> bool:
    if p.year is None:
        return False
    if c.baseline is not None and c.baseline.year is not None:
        return p.year >= c.baseline.year
    return True


def link_reason(c: Commitment, p: Progress, *, horizon: bool = True) -> str | None:
    """Why `p` counts for `c`, or None when it does not."""
    if p.unit == COMPLETION_UNIT:
        return "completion" if accepts_statements(c) and _completion_matches(c, p) else None
    if c.target is None or c.target.value is None:
        return None
    if not same_indicator(c, p):
        return None
    unit = c.target.unit or (c.baseline.unit if c.baseline else "") or ""
    if not units_compatible(unit, p.unit):
        return None
    if not same_jurisdiction(c, p):
        return None
    if horizon and not in_horizon(c, p):
        return None
    if p.year is None:
        return None
    if not is_level(c, unit):
        # Counts and amounts (新建园舍面积, 招聘教师) are usually about one project or one
        # period: the catalogue's id is too coarse, so the names must agree as well, and
        # the plan's own account of the past is not progress unless it is its baseline.
        a, b = name_core(c.indicator), name_core(p.indicator)
        if not (a and b and (a in b or b in a)):
            return None
        if c.doc == p.doc and c.baseline is None:
            return None
    return f"indicator={c.indicator_id or norm_indicator(c.indicator)} unit={norm_unit(p.unit)} year={p.year}"


def accepts_statements(c: Commitment) -> bool:
    """Whether a sentence stating completion can be evidence for `c` at all.

    A level (覆盖率≥85%) or a cap (班额≤45人) is judged by figures, not by
    "提前完成…阶段目标" or "消除了大班额"; a count of projects (5所学校改扩建) may be
    reported done in words."""
    return not (c.target is not None and c.target.value is not None and not is_end_state(c) and (
        c.target.op not in ("=", ">=") or is_level(c, c.target.unit or "")))


@lru_cache(maxsize=65536)
def name_core(indicator: str) -> str:
    """'县财政局每年安排…专项资金' and '县财政局安排…专项资金' name the same flow: the
    words of recurrence and accumulation say how often, not what."""
    s = _without_departments(indicator or "")
    s = norm_indicator(s)
    lx = lexicon()
    for w in [*(lx.get("recurring_words") or ()), *(lx.get("cumulative_words") or ())]:
        s = s.replace(w, "")
    return s


def _without_departments(s: str) -> str:
    """'县人力资源和社会保障局、县教体局公开招聘中小学教师' → '、公开招聘中小学教师': who did it
    is not what was done (the extractor sometimes leaves the subject in the name)."""
    try:
        from policytrack.extract.departments import find_departments
    except ImportError:
        return s
    for _, a, b in sorted(find_departments(s), key=lambda t: -t[1]):
        s = s[:a] + s[b:]
    return s


@lru_cache(maxsize=4096)
def catalogue_kind(indicator_id: str | None) -> str | None:
    if not indicator_id:
        return None
    try:
        from policytrack.extract import indicators
    except ImportError:
        return None
    ind = indicators.get(indicator_id)
    return ind.kind if ind else None


def is_level(c: Commitment, unit: str) -> bool:
    """A rate or ratio (毛入园率 %) is a level: any later figure measures progress towards it.
    So is a per-head amount (生均公用经费 元): it is a standard, not one period's flow."""
    return _is_level(c.indicator, c.quote, c.indicator_id, unit)


@lru_cache(maxsize=65536)
def _is_level(indicator: str, quote: str, indicator_id: str | None, unit: str) -> bool:
    # cached: linking asks it once per candidate pair, with the same commitment each time
    if any(w in indicator or w in quote for w in lexicon().get("per_head_words") or ()):
        return True
    kind = catalogue_kind(indicator_id)
    if kind is not None:
        return kind in ("rate", "ratio")
    return norm_unit(unit) in ("%", "‰")


def _key(r: Commitment | Progress) -> str:
    return r.indicator_id or "n:" + name_core(r.indicator)


@dataclass(frozen=True)
class _NameOnly:
    """A stand-in figure for same_indicator: an uncatalogued name core, nothing else."""
    indicator: str
    indicator_id: None = None


class _FigureIndex:
    """Figures by (indicator key, region), plus by (indicator key, document).

    same_jurisdiction lets a figure count for a commitment only when their regions are
    equal, or when one of them has no region and both sit in the same document; so
    those two buckets hold every figure link_reason can accept, and linking costs the
    number of plausible pairs rather than commitments × figures.
    """

    def __init__(self, progress: Iterable[Progress]):
        self.by_region: dict[tuple[str, str | None], list[tuple[int, Progress]]] = {}
        self.by_doc: dict[tuple[str, str], list[tuple[int, Progress]]] = {}
        self._grams: dict[tuple, set[str]] | None = None
        for i, p in enumerate(progress):
            if p.unit == COMPLETION_UNIT or p.year is None:
                continue
            k = _key(p)
            self.by_region.setdefault((k, p.region), []).append((i, p))
            self.by_doc.setdefault((k, p.doc), []).append((i, p))

    def _names(self, c: Commitment) -> list[str]:
        """Keys whose figures can match `c`: its own, and for an uncatalogued count the
        longer names containing its name (same_indicator), found through the bigrams of
        the names of its region and of its document."""
        k = _key(c)
        if c.indicator_id or c.target is None or c.target.value is None:
            return [k]
        unit = norm_unit(c.target.unit or (c.baseline.unit if c.baseline else None))
        core = k[2:]
        if unit in ("%", "‰") or len(core) < 4:
            return [k]
        if self._grams is None:
            self._grams = {}
            for kk, r in self.by_region:
                if kk.startswith("n:"):
                    for g in _bigrams(kk[2:]):
                        self._grams.setdefault((("r", r), g), set()).add(kk)
            for kk, d in self.by_doc:
                if kk.startswith("n:"):
                    for g in _bigrams(kk[2:]):
                        self._grams.setdefault((("d", d), g), set()).add(kk)
        out = {k}
        for where in (("r", c.region), ("d", c.doc)):
            # a name containing `core` contains its rarest bigram
            pool = min((self._grams.get((where, g), set()) for g in _bigrams(core)), key=len)
            out.update(kk for kk in pool if kk != k and same_indicator(c, _NameOnly(kk[2:])))  # type: ignore[arg-type]
        return sorted(out)

    def candidates(self, c: Commitment) -> list[Progress]:
        out: list[tuple[int, Progress]] = []
        for k in self._names(c):
            out += self.by_region.get((k, c.region), [])
            # the same document: a regionless record pairs with any region there
            out += [ip for ip in self.by_doc.get((k, c.doc), ()) if (ip[1].region is None) != (c.region is None)]
        out.sort(key=lambda ip: ip[0])  # input order, as before
        return [p for _, p in out]


def _min_shared(n: int) -> int:
    """Fewest of n bigrams a sentence must share with a name for _completion_matches (>= 0.8)."""
    return next(k for k in range(n + 1) if k / n >= 0.8)


class _StatementIndex:
    """Completion statements by region and by the bigrams of their (normalised) sentence.

    _completion_matches accepts a sentence only when it carries the commitment's indicator
    id, contains one of its catalogue names or its core name, or shares >= 80% of the core
    name's bigrams; each of these implies the sentence contains at least one of a few
    rare bigrams of the commitment's names, so the posting lists of those bigrams hold
    every statement that can match (a superset, filtered by _completion_matches itself).
    """

    def __init__(self, statements: Iterable[Progress]):
        self.items: list[Progress] = []
        self.by_iid: dict[tuple[str | None, str], list[int]] = {}
        self.postings: dict[tuple[str | None, str], list[int]] = {}
        self._memo: dict[tuple, list[Progress]] = {}
        for p in statements:
            i = len(self.items)
            self.items.append(p)
            if p.indicator_id:
                self.by_iid.setdefault((p.region, p.indicator_id), []).append(i)
            for g in _bigrams(norm_indicator(p.quote)):
                self.postings.setdefault((p.region, g), []).append(i)

    def _rarest(self, region: str | None, grams: Iterable[str], n: int) -> list[int]:
        lists = sorted((self.postings.get((region, g), ()) for g in grams), key=len)[:n]
        return [i for lst in lists for i in lst]

    def candidates(self, c: Commitment) -> list[Progress]:
        if not self.items:
            return []
        # commitments restated across documents (a plan, its 实施方案, a report's 2025年目标
        # column) share their names and region: look them up once
        key = (c.region, c.indicator_id, _core_names(c))
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._candidates(c)
        return hit

    def _candidates(self, c: Commitment) -> list[Progress]:
        r = c.region  # statements of another region never match (same_jurisdiction, not the same document)
        idx: set[int] = set()
        if c.indicator_id:
            idx.update(self.by_iid.get((r, c.indicator_id), ()))
            for t in catalogue_terms(c.indicator_id):
                if len(t) >= 3:
                    idx.update(self._rarest(r, _bigrams(t), 1))
        for core in _core_names(c):
            grams = _bigrams(core)
            if grams:
                idx.update(self._rarest(r, grams, 1))
            if len(grams) >= 3:
                idx.update(self._rarest(r, grams, len(grams) - _min_shared(len(grams)) + 1))
        return [self.items[i] for i in sorted(idx)]


def history_links(commitments: Iterable[Commitment], progress: Iterable[Progress]) -> list[Link]:
    """Figures of the same indicator and jurisdiction from before a commitment's baseline year.

    They are not progress against it (a 2024 target set from a 2023 baseline is not met by
    2021's figure), but they are the indicator's trend: projection uses them
    (公办园在园幼儿占比 45.0% in 2023, +0.9/yr since 2020 → 45.9% in 2024).
    """
    return _history_links(commitments, _FigureIndex(progress))


def _history_links(commitments: Iterable[Commitment], figures: _FigureIndex) -> list[Link]:
    out = []
    for c in commitments:
        if c.baseline is None or c.baseline.year is None:
            continue
        for p in figures.candidates(c):
            if p.year < c.baseline.year:  # type: ignore[operator]
                why = link_reason(c, p, horizon=False)
                if why:
                    out.append(Link(c.id, p.id, "history", why))
    return out


def auto_links(commitments: Iterable[Commitment], progress: Iterable[Progress]) -> list[Link]:
    """Every automatic link.

    Figures are looked up by (indicator, region) and statements by region and name
    bigrams (see the index classes), and only those candidates go through link_reason:
    the cost grows with the number of records and of plausible pairs, not with
    commitments × records (45k records took minutes pair by pair)."""
    return _auto_links(commitments, list(progress), None)


def link_all(commitments: list[Commitment], progress: list[Progress]) -> tuple[list[Link], list[Link]]:
    """(auto_links, history_links) over one shared index of the figures."""
    figures = _FigureIndex(progress)
    return _auto_links(commitments, progress, figures), _history_links(commitments, figures)


def _auto_links(commitments: Iterable[Commitment], progress: list[Progress], figures: _FigureIndex | None) -> list[Link]:
    figures = figures or _FigureIndex(progress)
    statements = _StatementIndex(p for p in progress if p.unit == COMPLETION_UNIT)
    out: list[Link] = []
    for c in commitments:
        cands = figures.candidates(c)
        if accepts_statements(c):
            cands += statements.candidates(c)
        for p in cands:
            why = link_reason(c, p)
            if why:
                out.append(Link(c.id, p.id, "auto", why))
    return out


# ---------------------------------------------------------------- completion statements


# "2023年底前", "2024年9月底前", "2023年秋季开学前": when, not what.
_WHEN = re.compile(r"(?:在|于|到)?(?:20\d\d年(?:\d{1,2}月)?(?:\d{1,2}日)?(?:[春秋]季(?:学期)?)?(?:开学)?(?:底|末|年底)?(?:以前|前|起)?"
                   r"|年底前|年内|年底)")


@lru_cache(maxsize=65536)
def core_terms(indicator: str) -> str:
    """The thing a qualitative commitment is about, without the verbs of promising."""
    s = _WHEN.sub("", norm_indicator(indicator))
    for v in sorted(lexicon()["verbs"], key=len, reverse=True):
        s = s.replace(v, "")
    return s


@lru_cache(maxsize=65536)
def _bigrams(s: str) -> frozenset[str]:
    return frozenset(s[i : i + 2] for i in range(len(s) - 1))


@lru_cache(maxsize=512)
def catalogue_terms(indicator_id: str) -> tuple[str, ...]:
    """Every name of a catalogued indicator ((), when the catalogue is not installed)."""
    try:
        from policytrack.extract import indicators
    except ImportError:
        return ()
    ind = indicators.get(indicator_id)
    return tuple(norm_indicator(t) for t in ind.terms) if ind else ()


def catalogue_tag(sentence: str) -> str | None:
    """The first catalogued indicator a sentence mentions."""
    try:
        from policytrack.extract import indicators
    except ImportError:
        return None
    found = indicators.find_indicator_mentions(sentence)
    return found[0][0] if found else None


_DUE = re.compile(r"(20\d\d)年(?:(\d{1,2})月)?[^，。；]{0,10}?前")


def _completion_matches(c: Commitment, p: Progress) -> bool:
    if not same_jurisdiction(c, p):
        return False
    if p.doc == c.doc:
        return False  # a document does not report on its own promises
    due = [(int(y), int(m) if m else None) for y, m in _DUE.findall(p.quote)]
    if due and c.deadline and c.deadline[:4].isdigit():
        dl = (int(c.deadline[:4]), int(c.deadline[5:7]) if c.deadline[5:7].isdigit() else 12)
        if all((y, m) < dl if m else y < dl[0] for y, m in due):
            # the sentence is about an earlier deadline (an earlier promise of the same thing):
            # 未按…于2023年8月底前投入使用 says nothing about 2023年底前建成并投入使用
            return False
    sentence = norm_indicator(p.quote)
    if c.indicator_id:
        if p.indicator_id == c.indicator_id:
            return True
        if any(len(t) >= 3 and t in sentence for t in catalogue_terms(c.indicator_id)):
            return True
    cores = _core_names(c)
    if not cores:
        return False
    core = cores[0]
    if core in sentence:
        return True
    grams = _bigrams(core)
    return len(grams) >= 3 and len(grams & _bigrams(sentence)) / len(grams) >= 0.8


def _core_names(c: Commitment) -> tuple[str, ...]:
    """The name a statement must carry to report on `c` (empty: too short to judge)."""
    zero = c.target is not None and c.target.value is not None and abs(c.target.value) < 1e-9
    return _core_name(c.indicator, zero)


@lru_cache(maxsize=65536)
def _core_name(indicator: str, zero_target: bool) -> tuple[str, ...]:
    core = core_terms(indicator)
    if zero_target:
        # 大班额比例 0 is 消除大班额: the measure word is not in the sentence that says so
        for w in lexicon().get("measure_words") or ():
            if core.endswith(w) and len(core) - len(w) >= 3:
                core = core[: -len(w)]
                break
    return (core,) if len(core) >= 3 else ()


@lru_cache(maxsize=1)
def _word_groups() -> tuple[tuple[re.Pattern[str], float | None], ...]:
    """One alternation per group of completion.yaml: every report sentence is classified,
    so one regex search per group instead of one `in` per word."""
    lx = lexicon()
    return tuple((re.compile("|".join(map(re.escape, sorted(lx[g], key=len, reverse=True)))), v)
                 for g, v in (("failed", 0.0), ("planned", None), ("completed", 1.0), ("in_progress", 0.5)) if lx.get(g))


def classify_sentence(sentence: str) -> float | None:
    """1 completed, 0 failed, 0.5 in progress, None: not a statement of progress."""
    for rx, value in _word_groups():
        if rx.search(sentence):
            return value
    return None


_SENT = re.compile(r"[^。；;！!\n]+[。；;！!]?")
_L1_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+、")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])")


def completion_statements(
    doc: str,
    text: str,
    *,
    region: str | None = None,
    report_year: int | None = None,
    tag: Callable[[str], str | None] | None = catalogue_tag,
) -> list[Progress]:
    """Sentences of a report that state completion/failure/progress of something.

    Sentences in a plans section (三、2024年工作计划) are skipped: a plan is not progress.
    `tag` gives a sentence its canonical indicator (default: the catalogue's first mention).
    """
    lx = lexicon()
    out: list[Progress] = []
    in_plans = False
    pos = 0
    for line in text.splitlines(keepends=True):
        if _L1_HEADING.match(line):
            in_plans = any(w in line for w in lx["plan_headings"])
        if not in_plans and "\t" not in line and not (_HEADING.match(line) and "。" not in line):
            for m in _SENT.finditer(line):
                sent = m.group(0)
                value = classify_sentence(sent)
                if value is None:
                    continue
                due = [int(y) for y, _m in _DUE.findall(sent)]
                if value and report_year and due and min(due) > report_year:
                    continue  # "2024年底前，完成…" in a 2023 report: a promise, not progress
                stripped = sent.strip()
                start = pos + m.start() + (len(sent) - len(sent.lstrip()))
                years = [int(y) for y in _YEAR.findall(sent)]
                # the report's own year: a report states where things stand at its end
                year = report_year or (max(years) if years else None)
                iid = tag(stripped) if tag else None
                rec = Progress(doc=doc, quote=stripped, start=start, end=start + len(stripped), region=region,
                               indicator=stripped[:40], indicator_id=iid, value=value, unit=COMPLETION_UNIT, year=year,
                               confidence=0.7)
                out.append(assign_id(rec))  # type: ignore[arg-type]
        pos += len(line)
    return out
