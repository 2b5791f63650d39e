"""The SQLite store on a real database file: migrations, identity, versions,
failures, atomicity and the FTS rows (datasette/sqlite-utils style: build a file,
then look inside it with plain SQL)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from policytrack.models import Commitment, DocMeta, Paragraph, ParsedDocument, Progress, Target
from policytrack.store import PreparedDocument, Store, document_id, normalise_text
from policytrack.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from policytrack.store.db import connect
from policytrack.store.write import name_records

PLAN = "青禾县教育发展规划\n一、发展目标\n到2025年，学前三年毛入园率达到95%以上。\n（责任单位：县教育局）\n"
REPORT = "青禾县2022年教育工作总结\n一、主要成绩\n学前三年毛入园率达到93.5%。\n"


def _tokens(text: str) -> str:
    """A cheap stand-in tokenizer (characters) so these tests do not load jieba;
    the real index_tokens is exercised in one test below."""
    return " ".join(ch for ch in text if ch.isalnum())


def _plan(text: str = PLAN, region: str = "青禾县") -> ParsedDocument:
    paras, pos = [], 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            paras.append(Paragraph(start=pos, end=pos + len(line.rstrip("\n"))))
        pos += len(line)
    return ParsedDocument(text=text, meta=DocMeta(title=text.splitlines()[0], region=region, doc_type="plan"),
                          format="txt", paragraphs=paras)


def _recs(text: str) -> list[Commitment | Progress]:
    out: list[Commitment | Progress] = []
    q = "学前三年毛入园率达到95%以上"
    if q in text:
        s = text.index(q)
        out.append(Commitment(doc="", quote=q, start=s, end=s + len(q), indicator="学前三年毛入园率", kind="quantitative",
                              target=Target(value=95, unit="%", op=">="), deadline="2025", departments=["县教育局"]))
    q = "学前三年毛入园率达到93.5%"
    if q in text:
        s = text.index(q)
        out.append(Progress(doc="", quote=q, start=s, end=s + len(q), indicator="学前三年毛入园率", value=93.5,
                            unit="%", year=2022))
    return out


def _prep(text: str = PLAN, path: str = "/in/plan.txt") -> PreparedDocument:
    return PreparedDocument(parsed=_plan(text), records=_recs(text), source_path=path)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data" / "policytrack.db", tokens=_tokens)


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as c:
        return c.execute(sql).fetchone()[0]


def _all_counts(db: Path) -> dict[str, int]:
    return {t: _count(db, f"SELECT COUNT(*) FROM {t}")
            for t in ("documents", "passages", "records", "failures", "passages_fts", "records_fts")}


# ---------------------------------------------------------------- schema


def test_connection_settings(store: Store):
    c = store.conn
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert c.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert c.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_migrations_idempotent(tmp_path: Path):
    db = tmp_path / "m.db"
    c = connect(db)
    assert migrate(c) == len(MIGRATIONS)
    assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    schema = c.execute("SELECT group_concat(sql, ';') FROM sqlite_master").fetchone()[0]
    assert migrate(c) == 0
    c.close()
    Store(db, tokens=_tokens)  # reopening migrates nothing and keeps the schema
    c = connect(db)
    assert c.execute("SELECT group_concat(sql, ';') FROM sqlite_master").fetchone()[0] == schema
    names = {r[0] for r in c.execute("SELECT name FROM sqlite_master")}
    assert {"documents", "passages", "records", "failures", "passages_fts", "records_fts"} <= names


def test_newer_schema_refused(tmp_path: Path):
    db = tmp_path / "n.db"
    with sqlite3.connect(db) as c:
        c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(RuntimeError, match=r"n\.db.*newer"):
        Store(db)


def test_not_a_database(tmp_path: Path):
    db = tmp_path / "junk.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(RuntimeError, match=r"junk\.db: cannot open the store"):
        Store(db)


# ---------------------------------------------------------------- identity


@pytest.mark.parametrize(
    "a, b",
    [
        ("到２０２５年，达到９５％", "到2025年,达到95%"),  # full-width forms (NFKC)
        ("学前三年\n毛入园率", "学前三年 毛入园率"),  # line wrapping
        ("  一、目标\r\n\r\n到2025年  ", "一、目标 到2025年"),  # leading/trailing/CRLF
    ],
)
def test_identity_ignores_normalisation(a: str, b: str):
    assert normalise_text(a) == normalise_text(b)
    assert document_id(a) == document_id(b)


def test_identity_sees_real_changes():
    assert document_id("达到95%") != document_id("达到96%")


# ---------------------------------------------------------------- semantics


def test_ingest_then_read_back(store: Store):
    out = store.add_document(_prep())
    assert out.status == "ingested" and out.records == 1 and out.title == "青禾县教育发展规划"
    doc = store.get_document(out.doc_id)
    assert doc["text"] == PLAN and doc["region"] == "青禾县" and doc["version"] == 1 and doc["status"] == "current"
    assert doc["meta"]["doc_type"] == "plan" and doc["file_name"] == "plan.txt"
    assert store.get_document(out.doc_id[:10])["id"] == out.doc_id  # unique prefix
    assert store.get_document("ffff" * 16) is None
    (rec,) = store.records(doc_id=out.doc_id)
    assert rec.doc == out.doc_id and rec.target.value == 95
    assert store.get_record(rec.id) == rec
    ps = store.passages(out.doc_id)
    assert [p["text"] for p in ps] == [line for line in PLAN.splitlines() if line]
    assert all(PLAN[p["start"]:p["end"]] == p["text"] for p in ps)


def test_unchanged_writes_nothing(store: Store):
    db = store.path
    store.add_document(_prep())
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = (db.stat().st_mtime_ns, db.stat().st_size, _all_counts(db))
    changes = store.conn.total_changes
    wal = Path(str(db) + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    # same content, re-wrapped and with full-width digits: same document
    again = _prep(PLAN.replace("2025", "２０２５").replace("\n（", "\n\n（"))
    out = store.add_document(again)
    assert out.status == "unchanged" and out.records == 1
    assert store.conn.total_changes == changes
    assert (db.stat().st_mtime_ns, db.stat().st_size, _all_counts(db)) == before
    assert (wal.stat().st_size if wal.exists() else 0) == wal_size


def test_new_version_supersedes(store: Store):
    v1 = store.add_document(_prep())
    v2 = store.add_document(_prep(PLAN.replace("95%", "97%")))
    assert v2.status == "new_version" and v2.doc_id != v1.doc_id
    old, new = store.get_document(v1.doc_id), store.get_document(v2.doc_id)
    assert old["status"] == "superseded" and old["superseded_by"] == v2.doc_id
    assert new["status"] == "current" and new["version"] == 2
    assert [d["id"] for d in store.list_documents()] == [v2.doc_id]
    assert {d["id"] for d in store.list_documents(current_only=False)} == {v1.doc_id, v2.doc_id}
    # records of both versions kept; listings show the current one
    assert len(store.records(doc_id=v1.doc_id)) == 1 and len(store.records(doc_id=v2.doc_id)) == 0
    assert store.records(type="commitment") == []
    assert len(store.records(current_only=False)) == 1
    s = store.stats()
    assert s["documents"] == 1 and s["superseded"] == 1
    # the same content at another path is still the same document
    assert store.add_document(_prep(path="/elsewhere/copy.txt")).status == "unchanged"


def test_records_filters(store: Store):
    store.add_document(_prep())
    store.add_document(_prep(REPORT, "/in/report.txt"))
    assert [r.type for r in store.records()] == ["commitment", "progress"]
    assert [r.type for r in store.records("progress")] == ["progress"]
    assert len(store.records(region="青禾县")) == 2 and store.records(region="别县") == []
    with pytest.raises(ValueError, match="record type"):
        store.records("goal")
    s = store.stats()
    assert (s["documents"], s["commitments"], s["progress"]) == (2, 1, 1)


def test_failure_recorded_then_resolved(store: Store):
    store.record_failure("/in/bad.pdf", "/in/bad.pdf: no text layer (scanned document?)")
    store.record_failure("/in/other.doc", "/in/other.doc: soffice not installed")
    fails = store.failures()
    assert [f["file_name"] for f in fails] == ["bad.pdf", "other.doc"]
    assert "no text layer" in fails[0]["reason"] and fails[0]["at"]
    assert store.list_documents(failed=True) == fails
    assert store.stats()["failed"] == 2
    # the same path succeeds later: its failure is marked resolved
    store.add_document(_prep(path="/in/bad.pdf"))
    assert [f["file_name"] for f in store.failures()] == ["other.doc"]
    assert len(store.failures(include_resolved=True)) == 2


@pytest.mark.parametrize("stage", ["document", "passages", "records"])
def test_transaction_is_atomic(store: Store, stage: str):
    from policytrack.store.write import store_document

    store.add_document(_prep(REPORT, "/in/report.txt"))
    before = _all_counts(store.path)

    def boom(at: str) -> None:
        if at == stage:
            raise RuntimeError(f"injected failure after {at}")

    with pytest.raises(RuntimeError, match="injected"):
        store_document(store.conn, _prep(), _tokens, _fail_after=boom)
    assert _all_counts(store.path) == before
    # and the same document stores fine afterwards
    assert store.add_document(_prep()).status == "ingested"


def test_superseding_is_atomic(store: Store):
    from policytrack.store.write import store_document

    v1 = store.add_document(_prep())

    def boom(at: str) -> None:
        if at == "records":
            raise RuntimeError("injected")

    with pytest.raises(RuntimeError):
        store_document(store.conn, _prep(PLAN.replace("95%", "97%")), _tokens, _fail_after=boom)
    assert store.get_document(v1.doc_id)["status"] == "current"


def test_fts_rows_agree(tmp_path: Path):
    """With the real segmenter: one FTS row per passage/record, same rowids, searchable."""
    store = Store(tmp_path / "f.db")
    store.add_document(_prep())
    store.add_document(_prep(REPORT, "/in/report.txt"))
    c = store.conn
    assert [r[0] for r in c.execute("SELECT id FROM passages ORDER BY id")] == \
        [r[0] for r in c.execute("SELECT rowid FROM passages_fts ORDER BY rowid")]
    assert [r[0] for r in c.execute("SELECT rid FROM records ORDER BY rid")] == \
        [r[0] for r in c.execute("SELECT rowid FROM records_fts ORDER BY rowid")]
    from policytrack.lexicons.segment import index_tokens

    q = index_tokens("学前三年毛入园率")
    hits = c.execute("SELECT p.text FROM passages_fts f JOIN passages p ON p.id = f.rowid"
                     " WHERE passages_fts MATCH ?", (f'"{q}"',)).fetchall()
    assert len(hits) == 2
    rec_hits = c.execute("SELECT r.type FROM records_fts f JOIN records r ON r.rid = f.rowid"
                         " WHERE records_fts MATCH ?", (f'"{index_tokens("县教育局")}"',)).fetchall()
    assert [h[0] for h in rec_hits] == ["commitment"]


def test_threads_get_own_connections(store: Store):
    store.add_document(_prep())
    errors: list[BaseException] = []
    seen: list[int] = []

    def work() -> None:
        try:
            seen.append(id(store.conn))
            assert len(store.list_documents()) == 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors and len(set(seen)) == 4


def test_concurrent_writers_queue(tmp_path: Path):
    """Two stores on one file writing at once: busy_timeout makes them wait, not fail."""
    db = tmp_path / "c.db"
    a, b = Store(db, tokens=_tokens), Store(db, tokens=_tokens)
    outs: list[str] = []

    def write(st: Store, i: int) -> None:
        for k in range(10):
            outs.append(st.add_document(_prep(PLAN + f"附{i}-{k}", f"/in/{i}-{k}.txt")).status)

    ts = [threading.Thread(target=write, args=(st, i)) for i, st in enumerate((a, b))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert outs.count("ingested") == 20 and a.stats()["documents"] == 20


def test_stored_meanwhile_becomes_unchanged(tmp_path: Path):
    """Two writers with the same new document: the second finds it under the write lock."""
    db = tmp_path / "r.db"
    a, b = Store(db, tokens=_tokens), Store(db, tokens=_tokens)
    prep = _prep()
    first_check = b.conn.execute  # b passes its unchanged check before a writes …
    calls = {"n": 0}

    class Conn:
        def __init__(self, c: sqlite3.Connection):
            self.c = c

        def execute(self, sql: str, *args):
            if sql.startswith("SELECT id, title") and calls["n"] == 0:
                calls["n"] += 1
                a.add_document(_prep())  # … and a stores the same document right then
                return first_check("SELECT id, title FROM documents WHERE 0")
            return self.c.execute(sql, *args)

    from policytrack.store.write import store_document

    out = store_document(Conn(b.conn), prep, _tokens)
    assert out.status == "unchanged" and _count(db, "SELECT COUNT(*) FROM documents") == 1


def test_incomplete_prepared_document_is_not_stored(store: Store):
    prep = _prep()
    prep.complete = False  # the worker skipped extraction because it saw the document stored
    with pytest.raises(RuntimeError, match="gone now"):
        store.add_document(prep)
    assert _all_counts(store.path)["documents"] == 0


def test_migrates_a_v1_file_with_tracker_tables(tmp_path: Path):
    """A file made at v1 whose tracker already created its tables upgrades cleanly."""
    db = tmp_path / "v1.db"
    c = connect(db)
    from policytrack.store.db import write_transaction

    with write_transaction(c):
        for sql in MIGRATIONS[0]:
            c.execute(sql)
        c.execute("PRAGMA user_version = 1")
    c.execute("CREATE TABLE track_link_decisions (commitment_id TEXT NOT NULL, progress_id TEXT NOT NULL, "
              "action TEXT NOT NULL, commitment_key TEXT, progress_key TEXT, note TEXT, decided_at TEXT NOT NULL, "
              "PRIMARY KEY (commitment_id, progress_id))")
    c.execute("INSERT INTO track_link_decisions VALUES ('c1', 'p1', 'confirm', NULL, NULL, NULL, 'now')")
    c.close()
    st = Store(db, tokens=_tokens)
    assert st.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert st.conn.execute("SELECT COUNT(*) FROM track_link_decisions").fetchone()[0] == 1
    assert st.conn.execute("SELECT COUNT(*) FROM track_imported_progress").fetchone()[0] == 0


# ---------------------------------------------------------------- re-extraction (extractor upgrade)


def _vprep(version: str | None, recs: list[Commitment | Progress] | None = None, text: str = PLAN,
           path: str = "/in/plan.txt") -> PreparedDocument:
    return PreparedDocument(parsed=_plan(text), records=_recs(text) if recs is None else recs, source_path=path,
                            extract_version=version)


def _moved_commitment(text: str = PLAN) -> Commitment:
    """What a better extractor might return for the same promise: a longer quote
    (so other offsets and another id), the same indicator, target and deadline."""
    q = "到2025年，学前三年毛入园率达到95%以上"
    s = text.index(q)
    return Commitment(doc="", quote=q, start=s, end=s + len(q), indicator="学前三年毛入园率", kind="quantitative",
                      target=Target(value=95, unit="%", op=">="), deadline="2025", departments=["县教育局"])


def _fts_agrees(store: Store) -> bool:
    c = store.conn
    return ([r[0] for r in c.execute("SELECT rid FROM records ORDER BY rid")]
            == [r[0] for r in c.execute("SELECT rowid FROM records_fts ORDER BY rowid")])


@pytest.mark.parametrize(
    "stored, incoming, status",
    [
        ("1-aaa", "1-aaa", "unchanged"),       # same extractor: nothing to do
        ("1-aaa", "2-aaa", "re_extracted"),    # EXTRACTOR_VERSION bumped
        ("1-aaa", "1-bbb", "re_extracted"),    # a lexicon file changed
        (None, "1-aaa", "re_extracted"),       # stored before versions existed
        ("1-aaa", None, "unchanged"),          # caller does not know its version: never a downgrade
    ],
)
def test_unchanged_text_reextracted_when_version_differs(store: Store, stored, incoming, status):
    first = store.add_document(_vprep(stored))
    passages_before = store.passages(first.doc_id)
    new_recs = [_moved_commitment()]
    out = store.add_document(_vprep(incoming, new_recs))
    assert out.status == status and out.doc_id == first.doc_id
    doc = store.get_document(first.doc_id)
    assert store.stats()["documents"] == 1 and doc["version"] == 1 and doc["ingested_at"]
    assert store.passages(first.doc_id) == passages_before  # the text did not change, nor its passages
    recs = store.records(doc_id=first.doc_id)
    if status == "re_extracted":
        assert [r.quote for r in recs] == ["到2025年，学前三年毛入园率达到95%以上"]
        assert doc["extract_version"] == incoming and doc["n_commitments"] == 1
    else:
        assert [r.quote for r in recs] == ["学前三年毛入园率达到95%以上"] and doc["extract_version"] == stored
    assert _fts_agrees(store)


def test_reextracted_records_are_searchable_and_old_ones_gone(tmp_path: Path):
    """With the real segmenter: the FTS rows follow the records in the same transaction."""
    from policytrack.lexicons.segment import index_tokens

    store = Store(tmp_path / "s.db")
    first = store.add_document(_vprep("1-old"))
    c = _moved_commitment()
    c.departments = ["县财政局"]  # the new extractor reads another department
    assert store.add_document(_vprep("1-new", [c])).status == "re_extracted"

    def hits(word: str) -> list[str]:
        return [r[0] for r in store.conn.execute(
            "SELECT r.id FROM records_fts f JOIN records r ON r.rid = f.rowid WHERE records_fts MATCH ?",
            (f'"{index_tokens(word)}"',))]

    (rec,) = store.records(doc_id=first.doc_id)
    assert hits("县财政局") == [rec.id] and hits("县教育局") == []
    assert _fts_agrees(store)
    # and the version now stored means the next ingest of the same text is free
    changes = store.conn.total_changes
    assert store.add_document(_vprep("1-new", [c])).status == "unchanged"
    assert store.conn.total_changes == changes


def test_manual_decisions_survive_reextraction(store: Store):
    """A confirmed link whose commitment moved (new id) follows it; one whose record
    kept its id is untouched; the tracker's apply() finds both pairs afterwards."""
    from policytrack.track import decisions

    plan = store.add_document(_vprep("1-old"))
    report = store.add_document(_vprep("1-old", text=REPORT, path="/in/report.txt"))
    (c_old,) = store.records(doc_id=plan.doc_id)
    (p,) = store.records(doc_id=report.doc_id)
    decisions.decide(store.conn, c_old, p, "confirm", "checked by hand")
    assert store.add_document(_vprep("1-new", [_moved_commitment()])).status == "re_extracted"
    (c_new,) = store.records(doc_id=plan.doc_id)
    assert c_new.id != c_old.id
    (d,) = decisions.load(store.conn)
    assert (d.commitment_id, d.progress_id, d.action, d.note) == (c_new.id, p.id, "confirm", "checked by hand")
    links = decisions.apply([], decisions.load(store.conn), store.records("commitment"), store.records("progress"))
    assert [(l.commitment_id, l.progress_id, l.origin) for l in links] == [(c_new.id, p.id, "confirmed")]
    # re-extracting the report with the same record keeps the progress id and the decision
    assert store.add_document(_vprep("1-new", text=REPORT, path="/in/report.txt")).status == "re_extracted"
    assert [(x.commitment_id, x.progress_id) for x in decisions.load(store.conn)] == [(c_new.id, p.id)]


def test_decision_on_a_record_that_disappears_is_kept(store: Store):
    """The new extractor no longer finds the figure: the decision stays (with its keys),
    it is not silently deleted or pointed at something else."""
    from policytrack.track import decisions

    plan = store.add_document(_vprep("1-old"))
    report = store.add_document(_vprep("1-old", text=REPORT, path="/in/report.txt"))
    (c,) = store.records(doc_id=plan.doc_id)
    (p,) = store.records(doc_id=report.doc_id)
    decisions.decide(store.conn, c, p, "reject")
    assert store.add_document(_vprep("1-new", [], text=REPORT, path="/in/report.txt")).status == "re_extracted"
    assert store.records(doc_id=report.doc_id) == []
    assert store.get_document(report.doc_id)["n_progress"] == 0
    (d,) = decisions.load(store.conn)
    assert (d.commitment_id, d.progress_id, d.action) == (c.id, p.id, "reject") and d.progress_key


@pytest.mark.parametrize("stage", ["deleted", "records"])
def test_reextraction_is_atomic(store: Store, stage: str):
    from policytrack.store.write import replace_records
    from policytrack.track import decisions

    plan = store.add_document(_vprep("1-old"))
    report = store.add_document(_vprep("1-old", text=REPORT, path="/in/report.txt"))
    (c,) = store.records(doc_id=plan.doc_id)
    (p,) = store.records(doc_id=report.doc_id)
    decisions.decide(store.conn, c, p, "confirm")
    before = (_all_counts(store.path), store.records(doc_id=plan.doc_id), store.get_document(plan.doc_id))

    def boom(at: str) -> None:
        if at == stage:
            raise RuntimeError(f"injected failure after {at}")

    with pytest.raises(RuntimeError, match="injected"):
        replace_records(store.conn, plan.doc_id, [_moved_commitment()], _tokens, "1-new", _fail_after=boom)
    assert (_all_counts(store.path), store.records(doc_id=plan.doc_id), store.get_document(plan.doc_id)) == before
    assert [x.commitment_id for x in decisions.load(store.conn)] == [c.id]
    assert store.add_document(_vprep("1-new", [_moved_commitment()])).status == "re_extracted"


def test_v3_file_documents_count_as_stale(tmp_path: Path):
    """A store written before migration v4 opens with extract_version NULL for every
    document, so the next ingest re-extracts them instead of keeping old records forever."""
    db = tmp_path / "v3.db"
    c = connect(db)
    from policytrack.store.db import write_transaction

    for n, steps in enumerate(MIGRATIONS[:3], start=1):
        with write_transaction(c):
            for sql in steps:
                c.execute(sql)
            c.execute(f"PRAGMA user_version = {n}")
    c.execute("INSERT INTO documents (id, format, text, ingested_at) VALUES (?, 'txt', ?, 'then')",
              (document_id(PLAN), PLAN))
    c.close()
    st = Store(db, tokens=_tokens)
    assert st.extract_versions() == {document_id(PLAN): None}
    assert st.add_document(_vprep("1-aaa")).status == "re_extracted"
    assert st.extract_versions() == {document_id(PLAN): "1-aaa"} and len(st.records()) == 1


def test_reextracted_records_get_new_rowids(store: Store):
    """Readers that notice writes by the highest rowid (the search cache) must see a
    re-extraction even when the document was the last one stored and keeps its count."""
    out = store.add_document(_vprep("1-old"))
    before = store.conn.execute("SELECT MAX(rid), COUNT(*) FROM records").fetchone()
    assert store.add_document(_vprep("1-new")).status == "re_extracted"
    after = store.conn.execute("SELECT MAX(rid), COUNT(*) FROM records").fetchone()
    assert after[1] == before[1] and after[0] > before[0]
    assert [r.id for r in store.records(doc_id=out.doc_id)] == [r.id for r in name_records(_recs(PLAN), out.doc_id)]
    assert _fts_agrees(store)
