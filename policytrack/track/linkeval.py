"""Precision and recall of automatic linking against a hand-checked gold set.

The gold set (tests/linking/gold.yaml) names records by document file name,
quote substring and value, because record ids depend on the extractor's exact
offsets.  Recall is measured over the gold pairs whose two records exist (the
linker cannot link what the extractor did not find); pairs with a missing record
are reported separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policytrack.models import Commitment, Progress

from .link import Link
from .status import COMPLETION_UNIT


@dataclass
class Score:
    true_pos: int = 0
    false_pos: int = 0
    gold_pairs: int = 0
    found_pairs: int = 0
    unavailable_pairs: int = 0
    unscored_links: int = 0  # automatic links from commitments the gold set does not cover
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        n = self.true_pos + self.false_pos
        return self.true_pos / n if n else 1.0

    @property
    def recall(self) -> float:
        return self.found_pairs / self.gold_pairs if self.gold_pairs else 1.0


def load_gold(path: str | Path) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def _matches(spec: dict[str, Any], rec: Commitment | Progress, doc_name: str) -> bool:
    if doc_name != spec["doc"] or spec["quote"] not in rec.quote:
        return False
    if isinstance(rec, Progress):
        if spec.get("completion"):
            return rec.unit == COMPLETION_UNIT
        if rec.unit == COMPLETION_UNIT:
            return False
        if "value" in spec and abs(rec.value - float(spec["value"])) > 1e-6:
            return False
        if "year" in spec and rec.year != spec["year"]:
            return False
        return True
    if "value" in spec:
        tv = rec.target.value if rec.target else None
        return tv is not None and abs(tv - float(spec["value"])) < 1e-6
    return True


def find(spec: dict[str, Any], records: list, doc_names: dict[str, str]) -> set[str]:
    return {r.id for r in records if _matches(spec, r, doc_names.get(r.doc, r.doc))}


def _describe(r: Commitment | Progress | None, doc_names: dict[str, str]) -> str:
    if r is None:
        return "?"
    v = (r.target.value if isinstance(r, Commitment) and r.target else getattr(r, "value", None))
    y = getattr(r, "year", None)
    return f"{r.id[:10]} {doc_names.get(r.doc, r.doc)[:14]} “{r.quote[:40]}” {v}{'/' + str(y) if y else ''}"


def score(gold: dict[str, Any], commitments: list[Commitment], progress: list[Progress], links: list[Link],
          doc_names: dict[str, str], *, docs: set[str] | None = None) -> Score:
    """`docs`: only groups whose documents are all among these file names are scored."""
    s = Score()
    by_id = {r.id: r for r in [*commitments, *progress]}

    def pair(c: str, p: str) -> str:
        return f"{_describe(by_id.get(c), doc_names)} ← {_describe(by_id.get(p), doc_names)}"

    auto = {(l.commitment_id, l.progress_id) for l in links if l.origin != "rejected"}
    covered: set[str] = set()
    for g in gold["groups"]:
        names = {x["doc"] for part in ("commitments", "progress", "not", "ambiguous") for x in g.get(part) or []}
        if docs is not None and not names <= docs:
            continue
        c_sets = [find(c, commitments, doc_names) for c in g["commitments"]]
        p_sets = [find(p, progress, doc_names) for p in g["progress"]]
        good_p = set().union(*p_sets) if p_sets else set()
        ambiguous = set().union(*[find(p, progress, doc_names) for p in g.get("ambiguous") or []] or [set()])
        for cs in c_sets:
            for ps in p_sets:
                s.gold_pairs += 1
                if not cs or not ps:
                    s.unavailable_pairs += 1
                    s.gold_pairs -= 1
                    continue
                if any((c, p) in auto for c in cs for p in ps):
                    s.found_pairs += 1
                else:
                    s.errors.append(f"missed: {g['name']}: {pair(sorted(cs)[0], sorted(ps)[0])}")
        all_c = set().union(*c_sets) if c_sets else set()
        covered |= all_c
        for c, p in auto:
            if c not in all_c or p in ambiguous:
                continue
            if p in good_p:
                s.true_pos += 1
            else:
                s.false_pos += 1
                s.errors.append(f"wrong: {g['name']}: {pair(c, p)}")
    s.unscored_links = sum(1 for c, _ in auto if c not in covered)
    return s
