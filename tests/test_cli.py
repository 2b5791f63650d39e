"""The `policytrack` command end to end on a folder written by the test: real
parsers, real extractor, a real SQLite file in tmp_path."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from policytrack.api.cli import app
from tests.cli_fixtures import PLAN, cli_cmd, env_with_repo, write_corpus

runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()


def run(*args: str, code: int | None = 0):
    res = runner.invoke(app, list(args), catch_exceptions=False)
    if code is not None:
        assert res.exit_code == code, f"exit {res.exit_code}\nstdout:\n{res.stdout}\nstderr:\n{_err(res)}"
    return res


def _err(res) -> str:
    try:
        return res.stderr
    except ValueError:
        return ""


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """One batch over the corpus folder, shared by the read-only tests.  In-process
    (--workers 1) so the extractor loads once for this whole file; the process pool
    is exercised by test_crash_safety.py."""
    base = tmp_path_factory.mktemp("cli")
    files = write_corpus(base / "docs")
    data = base / "data"
    res = run("ingest", str(base / "docs"), "--data-dir", str(data), "--workers", "1", code=None)
    return base, files, data, res


# ---------------------------------------------------------------- ingest


def test_ingest_folder_with_bad_files(ingested):
    _, files, data, res = ingested
    assert res.exit_code == 1, res.stdout
    out = res.stdout
    assert "4 files: 2 ingested, 0 new version, 0 re-extracted, 0 unchanged, 2 failed" in out
    assert "notes.xyz" not in out  # unsupported extensions inside a folder are skipped, not failed
    fail_lines = [line.strip() for line in out.splitlines() if "bad.pdf" in line or "empty.txt" in line]
    assert len(fail_lines) == 2 and all(": " in line for line in fail_lines)  # "file: reason"
    assert (data / "policytrack.db").exists()


def test_ingest_counts_records(ingested):
    _, _, _, res = ingested
    summary = next(line for line in res.stdout.splitlines() if line.startswith("4 files"))
    n_c = int(summary.split("; ")[1].split(" commitments")[0])
    assert n_c >= 2, summary


def test_docs_list_json(ingested):
    _, _, data, _ = ingested
    rows = json.loads(run("docs", "list", "--json", "--data-dir", str(data)).stdout)
    assert isinstance(rows, list) and len(rows) == 2
    for r in rows:
        assert {"id", "title", "file_name", "format", "region", "date", "doc_type", "version", "status",
                "n_commitments", "n_progress", "meta"} <= set(r)
        assert r["status"] == "current" and len(r["id"]) == 64 and "text" not in r
    assert {r["format"] for r in rows} == {"txt", "html"}


def test_docs_list_failed_json(ingested):
    _, _, data, _ = ingested
    rows = json.loads(run("docs", "list", "--failed", "--json", "--data-dir", str(data)).stdout)
    assert sorted(r["file_name"] for r in rows) == ["bad.pdf", "empty.txt"]
    assert all(r["reason"] and r["at"] and r["path"] for r in rows)
    table = run("docs", "list", "--failed", "--data-dir", str(data)).stdout
    assert "bad.pdf" in table and "empty.txt" in table


def test_docs_show(ingested):
    _, _, data, _ = ingested
    rows = json.loads(run("docs", "list", "--json", "--data-dir", str(data)).stdout)
    plan = next(r for r in rows if r["file_name"] == "plan.txt")
    doc = json.loads(run("docs", "show", plan["id"][:8], "--json", "--data-dir", str(data)).stdout)
    assert doc["id"] == plan["id"] and "text" not in doc
    assert isinstance(doc["outline"], list) and isinstance(doc["meta"], dict)
    assert doc["commitments"] and all(c["doc"] == plan["id"] for c in doc["commitments"])
    with_text = json.loads(run("docs", "show", plan["id"], "--json", "--text", "--data-dir", str(data)).stdout)
    assert "学前三年毛入园率" in with_text["text"]
    human = run("docs", "show", plan["id"][:8], "--text", "--data-dir", str(data)).stdout
    assert "plan.txt" in human and "学前三年毛入园率" in human


def test_docs_show_unknown_id(ingested):
    _, _, data, _ = ingested
    res = run("docs", "show", "0000000000", "--data-dir", str(data), code=2)
    assert "no document" in _err(res) + res.stdout


def test_stats_json(ingested):
    _, _, data, _ = ingested
    s = json.loads(run("stats", "--json", "--data-dir", str(data)).stdout)
    assert s["documents"] == 2 and s["failed"] == 2 and s["commitments"] >= 2 and s["passages"] > 0


def test_reingest_unchanged_then_new_version(tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    data = str(tmp_path / "data")
    run("ingest", str(files["plan"]), "--data-dir", data)
    res = run("ingest", str(files["plan"]), "--data-dir", data)
    assert "1 unchanged" in res.stdout
    files["plan"].write_text(PLAN.replace("95%", "97%"), encoding="utf-8")
    res = run("ingest", str(files["plan"]), "--data-dir", data, "--json")
    (out,) = json.loads(res.stdout)
    assert out["status"] == "new_version" and out["commitments"] >= 1
    assert len(json.loads(run("docs", "list", "--json", "--data-dir", data).stdout)) == 1
    both = json.loads(run("docs", "list", "--all-versions", "--json", "--data-dir", data).stdout)
    assert sorted(d["status"] for d in both) == ["current", "superseded"]


def test_failure_cleared_by_later_success(tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    data = str(tmp_path / "data")
    run("ingest", str(files["empty"]), "--data-dir", data, code=1)
    assert len(json.loads(run("docs", "list", "--failed", "--json", "--data-dir", data).stdout)) == 1
    files["empty"].write_text(PLAN, encoding="utf-8")
    run("ingest", str(files["empty"]), "--data-dir", data)
    assert json.loads(run("docs", "list", "--failed", "--json", "--data-dir", data).stdout) == []


def test_metadata_overrides(tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    data = str(tmp_path / "data")
    run("ingest", str(files["plan"]), "--data-dir", data, "--region", "白水县", "--date", "2021-03-16",
        "--type", "plan", "--title", "测试标题")
    (doc,) = json.loads(run("docs", "list", "--json", "--data-dir", data).stdout)
    assert (doc["region"], doc["date"], doc["doc_type"], doc["title"]) == ("白水县", "2021-03-16", "plan", "测试标题")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--date", "2021/03/16"], "--date must be"),
        (["--type", "notice"], "--type must be"),
        (["--max-size", "0"], "--max-size"),
    ],
)
def test_bad_options(tmp_path: Path, args: list[str], message: str):
    res = run("ingest", str(tmp_path), "--data-dir", str(tmp_path / "d"), *args, code=2)
    assert message in _err(res) + res.stdout


def test_missing_path_fails(tmp_path: Path):
    res = run("ingest", str(tmp_path / "nope.txt"), "--data-dir", str(tmp_path / "d"), code=1)
    assert "nope.txt: no such file or directory" in res.stdout


def test_max_size(tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    big = tmp_path / "docs" / "big.txt"
    big.write_text(PLAN * 2000, encoding="utf-8")  # ~0.4 MB
    res = run("ingest", str(big), str(files["plan"]), "--max-size", "0.1", "--data-dir", str(tmp_path / "d"), code=1)
    assert "1 ingested" in res.stdout and "big.txt" in res.stdout


# ---------------------------------------------------------------- extract


def test_extract_jsonl(tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    res = run("extract", str(files["plan"]), str(files["report"]))
    recs = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    assert {r["doc"] for r in recs} == {"plan.txt", "report.html"}
    assert any(r["type"] == "commitment" and (r.get("target") or {}).get("value") == 95 for r in recs)
    assert any(r["type"] == "progress" and r["value"] == 93.5 for r in recs)
    assert not (tmp_path / "policytrack-data").exists()  # nothing stored


def test_extract_csv(tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    out = tmp_path / "r.csv"
    run("extract", str(files["plan"]), "--format", "csv", "--output", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {"target_value", "target_unit", "target_op", "baseline_value", "baseline_year", "departments",
            "deadline"} <= set(rows[0])
    assert any(r["departments"] and "县教育局" in r["departments"] for r in rows)
    assert any("、" in r["departments"] for r in rows)  # several departments joined with 、


def test_extract_xlsx(tmp_path: Path):
    from openpyxl import load_workbook

    files = write_corpus(tmp_path / "docs")
    out = tmp_path / "r.xlsx"
    run("extract", str(files["plan"]), str(files["report"]), "--format", "xlsx", "--output", str(out))
    wb = load_workbook(out)
    assert wb.sheetnames == ["commitments", "progress"]
    head = [c.value for c in wb["commitments"][1]]
    assert head[:3] == ["doc", "id", "type"] and "target_value" in head
    assert wb["commitments"].max_row >= 2 and wb["progress"].max_row >= 2


def test_extract_bad_file_goes_on(tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    res = run("extract", str(files["bad"]), str(files["plan"]), code=1)
    assert "bad.pdf" in _err(res)
    assert any(json.loads(line)["doc"] == "plan.txt" for line in res.stdout.splitlines() if line.strip())


def test_extract_xlsx_needs_output(tmp_path: Path):
    run("extract", str(tmp_path / "x.txt"), "--format", "xlsx", code=2)


# ---------------------------------------------------------------- help and start-up


def _command_paths(cmd, prefix=()):
    yield prefix
    if isinstance(getattr(cmd, "commands", None), dict):  # a group (typer may vendor its own click)
        for name, sub in cmd.commands.items():
            yield from _command_paths(sub, prefix + (name,))


COMMANDS = list(_command_paths(typer.main.get_command(app)))


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "policytrack")
def test_help_on_every_command(path):
    res = run(*path, "--help")
    assert "Usage" in res.stdout


def test_own_commands_present():
    names = {" ".join(p) for p in COMMANDS}
    assert {"ingest", "docs list", "docs show", "extract", "stats"} <= names


@pytest.mark.parametrize("args", [["--help"], ["docs", "list"], ["docs", "list", "--failed", "--json"], ["stats"]])
def test_light_commands_do_not_import_heavy_modules(tmp_path: Path, args: list[str]):
    """Measured with -X importtime in a fresh interpreter."""
    cmd = cli_cmd(*args)
    if args != ["--help"]:
        cmd += ["--data-dir", str(tmp_path)]
    proc = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True,
                          env=env_with_repo(), cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    for heavy in ("spacy", "jieba", "pdfplumber", "trafilatura", "openpyxl", "torch"):
        assert heavy not in imported, f"{' '.join(args)} imported {heavy}"


def test_recursive(tmp_path: Path):
    top = tmp_path / "docs"
    files = write_corpus(top)
    sub = top / "2022" / "deep"
    sub.mkdir(parents=True)
    shutil.copy(files["report"], sub / "report2.html")
    (sub / "report2.html").write_bytes((sub / "report2.html").read_bytes().replace("93.5".encode(), b"94.1"))
    for f in ("bad", "empty"):
        files[f].unlink()
    flat = json.loads(run("ingest", str(top), "--json", "--workers", "1", "--data-dir", str(tmp_path / "a")).stdout)
    deep = json.loads(run("ingest", str(top), "-r", "--json", "--workers", "1", "--data-dir", str(tmp_path / "b")).stdout)
    assert sorted(Path(o["path"]).name for o in flat) == ["plan.txt", "report.html"]
    assert sorted(Path(o["path"]).name for o in deep) == ["plan.txt", "report.html", "report2.html"]


# ---------------------------------------------------------------- every failure mode in one batch


def test_every_failure_mode_reported_and_batch_goes_on(tmp_path: Path):
    """Scanned, encrypted, truncated, empty, garbage and oversize files each fail with
    their own one-line reason, are recorded for `docs list --failed`, and the good files
    of the same batch are stored."""
    from tests.ingest_fixtures import make_pdf, make_scanned_pdf

    d = tmp_path / "docs"
    files = write_corpus(d)
    files["bad"].unlink()
    files["empty"].unlink()
    make_scanned_pdf(d / "scan.pdf")
    make_pdf(d / "locked.pdf", encrypt="secret")
    whole = make_pdf(tmp_path / "whole.pdf", repeat=3).read_bytes()
    (d / "cut.pdf").write_bytes(whole[: len(whole) // 2])
    (d / "empty.docx").write_bytes(b"")
    (d / "garbage.html").write_bytes(bytes(range(256)) * 64)  # binary with a document extension
    (d / "garbage.docx").write_bytes(bytes(range(256)) * 64)
    (d / "big.txt").write_text(PLAN * 3000, encoding="utf-8")  # ~0.6 MB, over the 0.3 MB limit below
    data = str(tmp_path / "data")
    res = run("ingest", str(d), "--max-size", "0.3", "--workers", "1", "--data-dir", data, code=1)
    assert "2 ingested" in res.stdout and "7 failed" in res.stdout
    failed = {r["file_name"]: r["reason"] for r in json.loads(run("docs", "list", "--failed", "--json", "--data-dir", data).stdout)}
    expected = {
        "scan.pdf": "no text layer (scanned document?)",
        "locked.pdf": "encrypted PDF",
        "cut.pdf": "truncated or damaged PDF",
        "empty.docx": "empty file",
        "garbage.html": "binary content, not an HTML page",
        "garbage.docx": "DOCX",
        "big.txt": "file too large",
    }
    assert set(failed) == set(expected)
    for name, part in expected.items():
        reason = failed[name]
        assert reason and "\n" not in reason and part in reason, (name, reason)
    listed = {r["file_name"] for r in json.loads(run("docs", "list", "--json", "--data-dir", data).stdout)}
    assert listed == {"plan.txt", "report.html"}


def test_data_dir_and_size_limit_from_environment(tmp_path: Path, monkeypatch):
    files = write_corpus(tmp_path / "docs")
    data = tmp_path / "from-env"
    monkeypatch.setenv("POLICYTRACK_DATA", str(data))
    monkeypatch.setenv("POLICYTRACK_MAX_FILE_BYTES", "200")  # smaller than plan.txt
    res = run("ingest", str(files["plan"]), "--workers", "1", code=1)
    assert "file too large" in res.stdout
    assert (data / "policytrack.db").exists()
    monkeypatch.delenv("POLICYTRACK_MAX_FILE_BYTES")
    run("ingest", str(files["plan"]), "--workers", "1")
    rows = json.loads(run("docs", "list", "--json").stdout)
    assert [r["file_name"] for r in rows] == ["plan.txt"]
    assert json.loads(run("docs", "list", "--failed", "--json").stdout) == []  # the later success clears it


# ---------------------------------------------------------------- re-extraction after an extractor upgrade


@pytest.fixture
def old_extractor(monkeypatch):
    """Run as an older extractor would have (EXTRACTOR_VERSION 0); call the returned
    function to 'upgrade' back to the installed one."""
    import policytrack.extract as ex
    from policytrack.ingest.extraction import extraction_version

    real = ex.EXTRACTOR_VERSION
    monkeypatch.setattr(ex, "EXTRACTOR_VERSION", 0)
    extraction_version.cache_clear()

    def upgrade() -> str:
        monkeypatch.setattr(ex, "EXTRACTOR_VERSION", real)
        extraction_version.cache_clear()
        return extraction_version()

    yield upgrade
    extraction_version.cache_clear()


def _lose_records(db: Path, doc_id: str, keep: str) -> int:
    """Make the stored records look like an older, weaker extractor's: drop the
    progress figures (all but `keep`, which a person has already checked)."""
    import sqlite3

    with sqlite3.connect(db) as c:
        rids = [r[0] for r in c.execute("SELECT rid FROM records WHERE doc_id = ? AND type = 'progress' AND id != ?",
                                        (doc_id, keep))]
        c.executemany("DELETE FROM records_fts WHERE rowid = ?", [(r,) for r in rids])
        c.executemany("DELETE FROM records WHERE rid = ?", [(r,) for r in rids])
        c.execute("UPDATE documents SET n_progress = n_progress - ? WHERE id = ?", (len(rids), doc_id))
    return len(rids)


def _stored(data: Path) -> dict:
    docs = json.loads(run("docs", "list", "--data-dir", str(data), "--json").stdout)
    return {d["file_name"]: d for d in docs}


def _decide_first_pair(db: Path):
    from policytrack.store import Store
    from policytrack.track import decisions

    st = Store(db)
    try:
        c, p = st.records("commitment")[0], st.records("progress")[0]
        decisions.decide(st.conn, c, p, "confirm", "checked by hand")
        return c.id, p.id
    finally:
        st.close()


def _links(db: Path) -> list[tuple[str, str, str]]:
    from policytrack.store import Store
    from policytrack.track import decisions

    st = Store(db)
    try:
        links = decisions.apply([], decisions.load(st.conn), st.records("commitment"), st.records("progress"))
        return [(l.commitment_id, l.progress_id, l.origin) for l in links]
    finally:
        st.close()


def test_ingest_reextracts_after_upgrade_and_keeps_decisions(tmp_path, old_extractor):
    files = write_corpus(tmp_path / "docs")
    data = tmp_path / "data"
    db = data / "policytrack.db"
    good = [str(files["plan"]), str(files["report"])]
    run("ingest", *good, "--data-dir", str(data), "--workers", "1")
    full = _stored(data)
    assert full["report.html"]["n_progress"] >= 2, "the report fixture should yield several progress figures"
    cid, pid = _decide_first_pair(db)
    lost = _lose_records(db, full["report.html"]["id"], keep=pid)
    assert lost >= 1 and _stored(data)["report.html"]["n_progress"] == full["report.html"]["n_progress"] - lost

    res = run("ingest", *good, "--data-dir", str(data), "--workers", "1")
    assert "2 files: 0 ingested, 0 new version, 0 re-extracted, 2 unchanged, 0 failed" in res.stdout

    version = old_extractor()  # the extractor is upgraded
    res = run("ingest", *good, "--data-dir", str(data), "--workers", "1")
    assert "2 files: 0 ingested, 0 new version, 2 re-extracted, 0 unchanged, 0 failed" in res.stdout
    assert "re-extracted report.html" in " ".join(res.stdout.split())
    after = _stored(data)
    assert {k: (d["id"], d["n_commitments"], d["n_progress"]) for k, d in after.items()} == \
        {k: (d["id"], d["n_commitments"], d["n_progress"]) for k, d in full.items()}
    assert (cid, pid, "confirmed") in _links(db)
    from policytrack.store import Store

    assert set(Store(db).extract_versions().values()) == {version}
    res = run("ingest", *good, "--data-dir", str(data), "--workers", "1")
    assert "0 re-extracted, 2 unchanged" in res.stdout


def test_reextract_command_from_stored_text(tmp_path, old_extractor):
    """No files needed: the source folder is deleted before re-extracting."""
    files = write_corpus(tmp_path / "docs")
    data = tmp_path / "data"
    db = data / "policytrack.db"
    run("ingest", str(files["plan"]), str(files["report"]), "--data-dir", str(data), "--workers", "1")
    full = _stored(data)
    cid, pid = _decide_first_pair(db)
    _lose_records(db, full["report.html"]["id"], keep=pid)
    shutil.rmtree(tmp_path / "docs")

    res = run("reextract", "--data-dir", str(data))
    assert "0 documents: 0 re-extracted" in res.stdout and "every stored document is current" in res.stdout

    old_extractor()
    out = json.loads(run("reextract", "--data-dir", str(data), "--json", "--workers", "2").stdout)
    assert sorted((Path(o["path"]).name, o["status"]) for o in out) == [("plan.txt", "re_extracted"), ("report.html", "re_extracted")]
    assert {k: d["n_progress"] for k, d in _stored(data).items()} == {k: d["n_progress"] for k, d in full.items()}
    assert (cid, pid, "confirmed") in _links(db)

    report_id = full["report.html"]["id"]
    res = run("reextract", report_id[:10], "--data-dir", str(data))
    assert "1 documents: 0 re-extracted, 1 already current, 0 failed" in res.stdout
    res = run("reextract", "--all", "--data-dir", str(data), "--workers", "1")
    assert "2 documents: 2 re-extracted, 0 already current, 0 failed" in res.stdout
    assert (cid, pid, "confirmed") in _links(db)
    res = run("reextract", "ffffffffff", "--data-dir", str(data), code=2)
    assert "no document with id" in _err(res)


def test_reextract_help_and_empty_data_dir(tmp_path):
    assert "--all" in run("reextract", "--help").stdout
    res = run("reextract", "--data-dir", str(tmp_path / "nothing"))
    assert "0 documents" in res.stdout and not (tmp_path / "nothing" / "policytrack.db").exists()
