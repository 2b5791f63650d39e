"""Manual link decisions override automatic links and survive re-ingest."""

from __future__ import annotations

import sqlite3
from datetime import date

from track_fixtures import PLAN_TEXT, build_db

from policytrack.track import decisions as D
from policytrack.track.tracker import Tracker

AS_OF = date(2024, 6, 30)


def test_reject_overrides_auto_link(tmp_path):
    db = tmp_path / "p.db"
    recs = build_db(db)
    tr = Tracker(db)
    c, p = recs["enrol"], recs["p_enrol"]
    assert any(l.commitment_id == c.id and l.progress_id == p.id and l.origin == "auto" for l in tr.snapshot().links)
    tr.decide(c.id, p.id, "reject", "figure is for another county")
    snap = tr.snapshot()
    assert [l.origin for l in snap.links if l.commitment_id == c.id and l.progress_id == p.id] == ["rejected"]
    assert snap.evaluate(c, AS_OF).status == "no_data"


def test_add_links_what_the_linker_missed(tmp_path):
    db = tmp_path / "p.db"
    recs = build_db(db)
    tr = Tracker(db)
    c, p = recs["fund"], recs["p_enrol"]  # deliberately odd pair: a manual link is taken as given
    assert not any(l.commitment_id == c.id and l.progress_id == p.id for l in tr.snapshot().links)
    tr.decide(c.id, p.id, "add")
    snap = tr.snapshot()
    ev = snap.evidence_for(c)
    assert any(e.progress.id == p.id and e.origin == "added" for e in ev)


def test_latest_decision_wins(tmp_path):
    db = tmp_path / "p.db"
    recs = build_db(db)
    tr = Tracker(db)
    c, p = recs["enrol"], recs["p_enrol"]
    tr.decide(c.id, p.id, "reject")
    tr.decide(c.id, p.id, "confirm")
    assert [d.action for d in D.load(tr.conn)] == ["confirm"]
    assert snap_origin(tr, c.id, p.id) == "confirmed"


def snap_origin(tr, cid, pid):
    return next(l.origin for l in tr.snapshot().links if l.commitment_id == cid and l.progress_id == pid)


def test_decision_survives_reingest_with_new_ids(tmp_path):
    """A new version of the plan shifts offsets: ids change, the fallback key re-attaches the decision."""
    db = tmp_path / "p.db"
    recs = build_db(db)
    tr = Tracker(db)
    c, p = recs["enrol"], recs["p_enrol"]
    tr.decide(c.id, p.id, "reject", "wrong county")
    tr.close()
    # re-ingest: the plan gains a preface line, so every offset (and id) in it moves
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM records WHERE doc_id='docplan'")
        conn.execute("UPDATE documents SET status='superseded' WHERE id='docplan'")
    conn.close()
    new = build_db(db, plan_text="（修订版）\n" + PLAN_TEXT)
    assert new["enrol"].id != c.id
    tr = Tracker(db)
    snap = tr.snapshot()
    assert snap_origin(tr, new["enrol"].id, p.id) == "rejected"
    assert snap.evaluate(new["enrol"], AS_OF).status == "no_data"


def test_unknown_action_is_rejected(tmp_path):
    db = tmp_path / "p.db"
    recs = build_db(db)
    tr = Tracker(db)
    try:
        tr.decide(recs["enrol"].id, recs["p_enrol"].id, "approve")
    except ValueError as exc:
        assert "approve" in str(exc)
    else:
        raise AssertionError("unknown action accepted")


def test_cli_link_and_status(tmp_path):
    import json

    from typer.testing import CliRunner

    from policytrack.api.cli_track import app

    db = tmp_path / "d" / "policytrack.db"
    db.parent.mkdir()
    recs = build_db(db)
    c, p = recs["enrol"], recs["p_enrol"]
    run = lambda *a: CliRunner().invoke(app, [*a, "--data-dir", str(db.parent)])  # noqa: E731
    r = run("status", c.id[:8], "--as-of", "2024-06-30", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["status"] == "at_risk"
    r = run("link", "reject", c.id[:8], p.id, "--note", "other county")
    assert r.exit_code == 0 and "reject" in r.output
    r = run("status", c.id, "--as-of", "2024-06-30", "--json")
    assert json.loads(r.stdout)[0]["status"] == "no_data"
    r = run("link", "confirm", "cffffff", p.id)
    assert r.exit_code == 2 and "no commitment" in r.output
