"""Invariants of status over random figure histories (hypothesis)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from policytrack.models import Baseline, Commitment, Progress, Target
from policytrack.track.status import STATUSES, Evidence, evaluate, satisfies, direction

years = st.integers(min_value=2021, max_value=2026)
values = st.floats(min_value=0, max_value=200, allow_nan=False).map(lambda v: round(v, 2))


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from([">=", "<="]), target=values, base=values,
       history=st.lists(st.tuples(years, values), min_size=0, max_size=6),
       deadline=st.integers(min_value=2022, max_value=2026), as_of_year=st.integers(min_value=2021, max_value=2028))
def test_status_invariants(op, target, base, history, deadline, as_of_year):
    c = Commitment(id="c", doc="plan", quote="q", start=0, end=1, indicator="x", kind="quantitative",
                   target=Target(value=target, unit="%", op=op), baseline=Baseline(value=base, year=2020), deadline=str(deadline))
    ev = [Evidence(Progress(id=f"p{i}", doc=f"r{y}", quote="q", start=i, end=i + 1, indicator="x", value=v, unit="%", year=y))
          for i, (y, v) in enumerate(history)]
    as_of = date(as_of_year, 6, 30)
    r = evaluate(c, ev, as_of)
    assert r.status in STATUSES and r.explanation.startswith("目标：")
    visible = [e for e in ev if e.progress.year <= as_of_year]
    if not visible:
        assert r.status in ("no_data", "not_due") and r.gap is None
        return
    assert r.gap is not None and r.gap >= 0 and r.gap_unit == "百分点"
    dirn = direction(c)
    latest_year = max(e.progress.year for e in visible)
    latest = [e.progress.value for e in visible if e.progress.year == latest_year]
    worst = min(latest) if dirn == "higher" else max(latest)
    assert r.latest_value == worst  # conflicts resolve to the less favourable figure
    assert (r.status == "met") == satisfies(worst, c, dirn)
    if r.status != "met" and as_of > date(deadline, 12, 31):
        assert r.status == "missed"
    if r.status in ("on_track", "at_risk"):
        assert as_of <= date(deadline, 12, 31)
    assert r.conflict == (len(set(latest)) > 1 or any(len({e.progress.value for e in visible if e.progress.year == y}) > 1
                                                      for y in {e.progress.year for e in visible}))
