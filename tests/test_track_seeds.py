"""The tracker on the shared seed documents, through the real parser and extractor
(tests/test_track_link.py checks the same facts on the hand-checked gold records).

Skipped when ../shared is absent or ingest/extract are not importable.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"

pytestmark = pytest.mark.seeds


@pytest.fixture(scope="module")
def snap():
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} absent: the shared seeds are not beside this checkout")
    try:
        from policytrack.extract import extract_text  # type: ignore[attr-defined]
        from policytrack.ingest import parse_file  # type: ignore[attr-defined]
    except ImportError as exc:
        pytest.skip(f"ingest/extract not available: {exc}")
    from policytrack.models import Commitment
    from policytrack.track.link import resolve_indicator
    from policytrack.track.tracker import DocInfo, build_snapshot, parse_date

    cs, ps, docs = [], [], {}
    for name in ("001_86e6333c553186a1.txt", "003_60ce60f9984d98da.txt"):
        d = parse_file(SEEDS / name)
        m = d.meta
        docs[name] = DocInfo(id=name, title=m.title, file_name=name, date=parse_date(m.date), region=m.region,
                             doc_type=m.doc_type, report_year=m.report_year)
        for r in extract_text(d.text, m, doc=name):
            r = resolve_indicator(r)
            (cs if isinstance(r, Commitment) else ps).append(r)
    return build_snapshot(cs, ps, docs)


def test_003_coverage_figure_linked_to_its_2025_target(snap):
    cs = [c for c in snap.commitments if c.doc.startswith("003_") and c.indicator_id == "inclusive_kindergarten_coverage"
          and c.target and c.target.value == 80 and (c.deadline or "").startswith("2025")]
    assert cs, "003: 普惠性幼儿园覆盖率达到80% (2025) not extracted"
    r = snap.evaluate(cs[0], date(2023, 6, 30))
    assert any(e.progress.value == 76.63 and e.progress.year == 2020 for e in r.evidence), r.explanation
    # the report's own 2020 figure: shown with its gap; no later figure, so no trend to judge
    assert r.status == "no_data" and r.gap == pytest.approx(3.37) and r.gap_unit == "百分点"
    assert "2020年76.63%" in r.explanation and "差3.37个百分点" in r.explanation and "《教育局工作总结" in r.explanation


def test_001_table_baselines_link_to_own_targets(snap):
    table = [c for c in snap.commitments if c.doc.startswith("001_") and c.baseline and re.match(r"\d\.", c.quote)]
    assert len(table) == 7
    for c in table:
        mine = [snap._progress_by_id[l.progress_id] for l in snap.links_of(c.id) if l.origin != "rejected"]
        assert any(p.doc == c.doc and p.value == c.baseline.value and p.year == c.baseline.year for p in mine), c.quote
        r = snap.evaluate(c, date(2023, 6, 30))
        assert f"{c.baseline.year}年" in r.explanation and r.status in ("no_data", "met")
