"""One audit row per commitment, however often it is restated.

A plan states a target in its indicator table and again in the text, its 实施方案
repeats it, a 工作总结 restates it and a 督导报告 turns it into an 整改要求: the
extractor rightly keeps each statement as its own record (exports and other tools
rely on those ids), but an auditor wants one row per promise, citing every place
that makes it, with the departments of all of them.

Two commitments restate each other when they have the same grouping key:
the same jurisdiction, the same deadline, and
* quantitative: the same catalogue indicator (and the same school stages named,
  see lexicons/track_groups.yaml) or, uncatalogued, the same normalised name; the
  same target value, comparator and unit;
* qualitative: the same normalised end state (the name), since one catalogue id
  covers different promises (消除56人以上大班额 and 普通高中大班额全部消除).
A different deadline or target is a different promise (a 督导报告 that extends a
deadline makes a new one), so it is not merged.

The group's representative is the most authoritative, earliest statement: plans
(规划, 实施方案) before reports, then the earlier document, then the earlier place
in it.  Its id is the group's id (a stable record id).  The status is computed
for the representative over the union of its members' links; a manual decision
on any member outranks automatic links (confirmed/added > rejected > auto).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from policytrack.models import Commitment

from . import explain as X
from .departments import canonical_department
from .link import Link, norm_indicator, norm_unit
from .status import TrackResult

if TYPE_CHECKING:  # pragma: no cover
    from .tracker import Snapshot

AUTHORITY = {"plan": 0, "scheme": 0, "opinion": 0, "notice": 0, "report": 1}
ORIGIN_RANK = {"confirmed": 3, "added": 3, "rejected": 2, "auto": 1}


@lru_cache(maxsize=1)
def _stage_words() -> tuple[tuple[str, str], ...]:
    from policytrack.lexicons import load_yaml

    words = (load_yaml("track_groups.yaml") or {}).get("stage_words") or {}
    return tuple(sorted(words.items(), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=65536)
def stages(name: str) -> frozenset[str]:
    """The school stages a name mentions ('义务教育专任教师…' → {义务教育})."""
    return frozenset(stage for word, stage in _stage_words() if word in (name or ""))


@lru_cache(maxsize=65536)
def norm_name(name: str) -> str:
    """Names compared without punctuation, brackets or a leading formula sign."""
    return norm_indicator((name or "").lstrip("=+-@ "))


def group_key(c: Commitment) -> tuple:
    """Deterministic: equal keys ⇔ the same promise restated."""
    region = c.region or ""
    deadline = c.deadline or ""
    t = c.target
    if t is not None and t.value is not None:
        what = ("id", c.indicator_id, stages(c.indicator)) if c.indicator_id else ("name", norm_name(c.indicator))
        return ("target", region, deadline, what, round(float(t.value), 6), t.op or "", norm_unit(t.unit))
    return ("state", region, deadline, norm_name(c.indicator))


@dataclass
class Group:
    key: tuple
    members: list[Commitment]  # the representative first
    representative: Commitment  # members[0] with the group's merged departments
    departments: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.members[0].id

    @property
    def others(self) -> list[Commitment]:
        return self.members[1:]


def _rank(snap: "Snapshot", c: Commitment) -> tuple:
    d = snap.docs.get(c.doc)
    return (AUTHORITY.get((d.doc_type if d else None) or "", 2), (d.date if d and d.date else date.max),
            c.doc, c.start, c.id)


def merged_departments(members: list[Commitment], known_regions: tuple[str, ...] = ()) -> list[str]:
    """Every member's departments, each office once (县教体局 and 青禾县教育体育局 are one),
    in order of first mention and as first written (filters match the documents' words)."""
    out: dict[str, str] = {}
    for c in members:
        for d in c.departments:
            out.setdefault(canonical_department(d, c.region, known_regions), d)
    return list(out.values())


def _without_region(key: tuple) -> tuple:
    return key[:1] + key[2:]


def group_commitments(snap: "Snapshot") -> list[Group]:
    by_key: dict[tuple, list[Commitment]] = {}
    for c in snap.commitments:
        by_key.setdefault(group_key(c), []).append(c)
    # A statement without a jurisdiction (a 督导报告 by the city's office restating the
    # county's targets) joins the one group that makes the same promise somewhere; when
    # several jurisdictions make it, which one is meant is unknown and it stays apart.
    placed: dict[tuple, list[tuple]] = {}
    for key in by_key:
        if key[1]:
            placed.setdefault(_without_region(key), []).append(key)
    for key in [k for k in by_key if not k[1]]:
        home = placed.get(_without_region(key), [])
        if len(home) == 1:
            by_key[home[0]].extend(by_key.pop(key))
    known = tuple(sorted({c.region for c in snap.commitments if c.region}, key=len, reverse=True))
    out = []
    for key, cs in by_key.items():
        cs = sorted(cs, key=lambda c: _rank(snap, c))
        rep = cs[0]
        depts = merged_departments(cs, known) if len(cs) > 1 else list(rep.departments)
        update: dict = {"departments": depts}
        if rep.baseline is None:  # a restatement may give the baseline the first statement left out
            base = next((m.baseline for m in cs[1:] if m.baseline is not None), None)
            if base is not None:
                update["baseline"] = base
        out.append(Group(key=key, members=cs, representative=rep.model_copy(update=update), departments=depts))
    out.sort(key=lambda g: _rank(snap, g.members[0]))
    return out


def union_links(links: list[Link]) -> list[Link]:
    """One link per figure: a manual decision on any member outranks automatic links."""
    best: dict[str, Link] = {}
    for l in links:
        held = best.get(l.progress_id)
        if held is None or ORIGIN_RANK.get(l.origin, 0) > ORIGIN_RANK.get(held.origin, 0):
            best[l.progress_id] = l
    return list(best.values())


def citation(snap: "Snapshot", c: Commitment) -> str:
    d = snap.docs.get(c.doc)
    page = d.page_at(c.start) if d else None
    return X.fmt_source((d.title or d.file_name) if d else c.doc, c.section) + (f"（第{page}页）" if page else "")


def also_in(snap: "Snapshot", g: Group) -> list[str]:
    """The other places that state the promise, each once."""
    first = citation(snap, g.members[0])
    out: dict[str, None] = {}
    for m in g.others:
        cite = citation(snap, m)
        if cite and cite != first:
            out.setdefault(cite, None)
    return list(out)


def evaluate_group(snap: "Snapshot", g: Group, as_of: date) -> TrackResult:
    rep = g.representative
    if len(g.members) == 1:
        return snap.evaluate(rep, as_of)
    links = union_links([l for m in g.members for l in snap.links_of(m.id)])
    history = union_links([l for m in g.members for l in snap.history_of(m.id)])
    r = snap.evaluate_links(rep, links, history, as_of)
    cites = also_in(snap, g)
    if cites:
        r = replace(r, explanation=r.explanation.rstrip("。") + "。另见" + "、".join(cites) + "。")
    return r
