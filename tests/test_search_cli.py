"""`policytrack search` / `policytrack index` from the terminal."""

from __future__ import annotations

import json
import shutil
import warnings

import pytest
from typer.testing import CliRunner

from policytrack.api.cli import app

from search_fixtures import build_store, require_shared

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    require_shared()
    d = tmp_path_factory.mktemp("data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_store(d / "policytrack.db")
    return d


def test_search_json_is_total_and_results(data_dir):
    r = runner.invoke(app, ["search", "大班额 目标", "--json", "--limit", "5", "--data-dir", str(data_dir)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out) == {"total", "results"} and out["total"] >= 8 and len(out["results"]) == 5
    assert out["results"][0]["type"] == "commitment" and "<mark>" in out["results"][0]["snippet"]


def test_search_filters_from_the_command_line(data_dir):
    r = runner.invoke(app, ["search", "巩固率", "--type", "progress", "--region", "利通区", "--json",
                            "--data-dir", str(data_dir)])
    out = json.loads(r.output)
    assert out["total"] > 0 and all(x["type"] == "progress" and x["region"] == "利通区" for x in out["results"])


def test_search_human_output(data_dir):
    r = runner.invoke(app, ["search", "县管校聘", "-n", "2", "--data-dir", str(data_dir)])
    assert r.exit_code == 0 and "hits" in r.output and "县管校聘" in r.output


def test_search_without_store_is_one_line_error(tmp_path):
    r = runner.invoke(app, ["search", "x", "--data-dir", str(tmp_path)])
    assert r.exit_code == 2 and "policytrack.db" in r.output and "ingest" in r.output


def test_bad_option_value(data_dir):
    r = runner.invoke(app, ["search", "x", "--type", "bogus", "--data-dir", str(data_dir)])
    assert r.exit_code == 2 and "type" in r.output


def test_index_fts(data_dir, tmp_path):
    shutil.copy(data_dir / "policytrack.db", tmp_path / "policytrack.db")
    r = runner.invoke(app, ["index", "--data-dir", str(tmp_path)])
    assert r.exit_code == 0 and "passages" in r.output, r.output


def test_index_es_without_url(data_dir, monkeypatch):
    monkeypatch.delenv("POLICYTRACK_ES_URL", raising=False)
    r = runner.invoke(app, ["index", "--backend", "es", "--data-dir", str(data_dir)])
    assert r.exit_code == 2 and "POLICYTRACK_ES_URL" in r.output
