"""Figures that disagree: the same indicator, jurisdiction and year, different values
in different documents (a work summary says 94.3%, the 督导报告 94.1%).

They are listed, never resolved silently: a person decides which figure counts
(`policytrack link confirm`), and until then status uses the less favourable one.
"""

from __future__ import annotations

from dataclasses import dataclass

from policytrack.models import Progress

from .link import norm_unit
from .status import COMPLETION_UNIT


@dataclass
class Conflict:
    indicator_id: str
    region: str | None
    year: int
    unit: str
    figures: list[Progress]

    @property
    def values(self) -> list[float]:
        return sorted({round(p.value, 6) for p in self.figures})


def find_conflicts(progress: list[Progress]) -> list[Conflict]:
    """Catalogued figures only: an uncatalogued name is not enough to say two figures measure one thing."""
    groups: dict[tuple[str, str | None, int, str], list[Progress]] = {}
    for p in progress:
        if p.unit == COMPLETION_UNIT or not p.indicator_id or p.year is None:
            continue
        groups.setdefault((p.indicator_id, p.region, p.year, norm_unit(p.unit)), []).append(p)
    out = []
    for (iid, region, year, unit), figs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])):
        if len({round(p.value, 6) for p in figs}) > 1 and len({p.doc for p in figs}) > 1:
            out.append(Conflict(iid, region, year, unit, figs))
    return out
