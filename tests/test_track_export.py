"""Export of commitments, progress and links; committed JSON Schemas equal the generated ones."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from track_fixtures import build_db

from policytrack.track import export as E
from policytrack.track.tracker import Tracker


def test_committed_schemas_equal_generated():
    gen = E.generate_schemas()
    assert set(gen) == {"commitment", "progress", "link"}
    for name, schema in gen.items():
        committed = E.SCHEMA_DIR / f"{name}.json"
        assert committed.is_file(), f"{committed} missing: run python3 -c 'from policytrack.track.export import write_schemas; write_schemas()'"
        assert committed.read_text(encoding="utf-8") == E.schema_text(schema), f"{committed} is stale"


@pytest.fixture
def snap(tmp_path):
    db = tmp_path / "p.db"
    build_db(db)
    return Tracker(db).snapshot()


def test_jsonl_validates_and_ids_stable(snap, tmp_path):
    lines = [json.loads(l) for l in E.to_jsonl(snap).splitlines()]
    schemas = E.generate_schemas()
    kinds = {l["type"] for l in lines}
    assert kinds == {"commitment", "progress", "link"}
    for rec in lines:
        jsonschema.validate(rec, schemas[rec["type"]])
    ids = {l["id"] for l in lines if l["type"] != "link"}
    for l in lines:
        if l["type"] == "link":
            assert l["commitment_id"] in ids and l["progress_id"] in ids
    again = E.to_jsonl(Tracker(tmp_path / "p.db").snapshot())
    assert again == E.to_jsonl(snap)


def test_bad_record_fails_schema():
    schema = E.generate_schemas()["progress"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "progress", "doc": "d", "quote": "q", "start": 0, "end": 1, "indicator": "x",
                             "value": "lots"}, schema)


def test_csv_and_xlsx(snap, tmp_path):
    rows = list(csv.DictReader(io.StringIO(E.to_csv(snap))))
    assert {"id", "type", "target_value", "target_op", "commitment_id"} <= set(rows[0])
    assert any(r["indicator"] == "'=小学生均公用经费" for r in rows)  # formula neutralised
    out = tmp_path / "e.xlsx"
    E.to_xlsx(snap, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["commitment", "progress", "link"]
    assert wb["commitment"].freeze_panes == "A2" and wb["link"].max_row >= 2
    for ws in wb.worksheets:  # formula injection neutralised in the XLSX too
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@")), c.coordinate


def test_cli_export(tmp_path):
    from policytrack.api.cli_track import app

    db = tmp_path / "d" / "policytrack.db"
    db.parent.mkdir()
    build_db(db)
    r = CliRunner().invoke(app, ["export", "--data-dir", str(db.parent)])
    assert r.exit_code == 0, r.output
    assert all(json.loads(l)["type"] in ("commitment", "progress", "link") for l in r.stdout.splitlines())
    r = CliRunner().invoke(app, ["export", "--format", "xlsx", "--data-dir", str(db.parent)])
    assert r.exit_code == 2 and "--output" in r.output
    r = CliRunner().invoke(app, ["export", "--data-dir", str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and "no database" in r.output
