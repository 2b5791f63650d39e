"""The tracker over the real store (policytrack.store): documents and records written by
`Store.add_document`, statuses read back, and a decision surviving a new version."""

from __future__ import annotations

from datetime import date

import pytest

from policytrack.models import Baseline, Commitment, DocMeta, ParsedDocument, Progress, Target

store_mod = pytest.importorskip("policytrack.store", reason="the store is not built yet")
try:
    from policytrack.store.write import PreparedDocument
except ImportError:  # pragma: no cover - store mid-edit
    pytest.skip("policytrack.store.write.PreparedDocument not available", allow_module_level=True)

from policytrack.track.tracker import Tracker

PLAN = "青禾县教育规划\n到2025年，学前三年毛入园率达到95%以上。\n"
REPORT = "青禾县2023年工作总结\n一、工作完成情况\n全县学前三年毛入园率提高到93.2%。\n"


def _plan(text: str) -> PreparedDocument:
    q = "学前三年毛入园率达到95%以上"
    s = text.index(q)
    c = Commitment(doc="", quote=q, start=s, end=s + len(q), region="青禾县", indicator="学前三年毛入园率",
                   indicator_id="preschool_gross_enrollment", kind="quantitative", target=Target(value=95, unit="%", op=">="),
                   baseline=Baseline(value=91.5, year=2020), deadline="2025", departments=["县教体局"])
    meta = DocMeta(title="青禾县教育规划", date="2021-06-18", region="青禾县", doc_type="plan")
    return PreparedDocument(parsed=ParsedDocument(text=text, meta=meta, format="txt"), records=[c], source_path="/in/plan.txt")


def _report() -> PreparedDocument:
    q = "学前三年毛入园率提高到93.2%"
    s = REPORT.index(q)
    p = Progress(doc="", quote=q, start=s, end=s + len(q), region="青禾县", indicator="学前三年毛入园率",
                 indicator_id="preschool_gross_enrollment", value=93.2, unit="%", year=2023, section="一、")
    meta = DocMeta(title="青禾县2023年工作总结", date="2024-01-15", region="青禾县", doc_type="report", report_year=2023)
    return PreparedDocument(parsed=ParsedDocument(text=REPORT, meta=meta, format="txt"), records=[p], source_path="/in/r2023.txt")


def test_status_and_surviving_decision_over_real_store(tmp_path):
    db = tmp_path / "policytrack.db"
    store = store_mod.Store(db)
    store.add_document(_plan(PLAN))
    store.add_document(_report())
    tr = Tracker(db)
    snap = tr.snapshot()
    (c,) = snap.commitments
    r = snap.evaluate(c, date(2024, 6, 30))
    assert r.status == "at_risk" and "《青禾县2023年工作总结》第一部分" in r.explanation
    p = next(p for p in snap.progress if p.value == 93.2)
    tr.decide(c.id, p.id, "reject", "checked by hand")
    # a new version of the plan (same file, text changed): new document id, new record ids
    store.add_document(_plan("（修订）" + PLAN))
    snap = tr.snapshot()
    (c2,) = snap.commitments
    assert c2.id != c.id
    assert snap.evaluate(c2, date(2024, 6, 30)).status == "no_data"  # the rejection still applies
    store.close()
