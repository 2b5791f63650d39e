"""A real store database for the search tests.

Preferred: ingest the seed documents (and the bundled corpus) through the real
pipeline (`policytrack.ingest.pipeline.ingest_paths` into `policytrack.store.Store`).
While the pipeline is not usable, the seeds (one passage per line, long lines cut
at a 。) and their hand-checked gold records go through the real store's write
path (`Store.add_document`).  Without the store either, the tests build the documented store
contract (docs/ARCHITECTURE.md: `documents`, `passages`, `records`,
`passages_fts(tokens)`, `records_fts(tokens)` filled by `index_tokens`) from the
same real seed texts, one passage per non-empty line, with the hand-checked gold
records of ../shared/gold located in the text and mapped to the catalogue by
`match_indicator`.  Either way the search code under test is the same.
"""

from __future__ import annotations

import json
import warnings
import sqlite3
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REPO = Path(__file__).resolve().parents[1]
SEEDS = SHARED / "corpus" / "seeds"

CONTRACT_DDL = """
CREATE TABLE documents (id TEXT PRIMARY KEY, title TEXT, issuer TEXT, date TEXT, region TEXT, doc_type TEXT,
                        source TEXT, file_name TEXT, status TEXT DEFAULT 'current', text TEXT);
CREATE TABLE passages (id INTEGER PRIMARY KEY, doc_id TEXT, seq INTEGER, start INTEGER, "end" INTEGER,
                       page INTEGER, section TEXT, text TEXT);
CREATE TABLE records (id TEXT UNIQUE, doc_id TEXT, type TEXT, indicator_id TEXT, region TEXT, json TEXT);
CREATE VIRTUAL TABLE passages_fts USING fts5(tokens);
CREATE VIRTUAL TABLE records_fts USING fts5(tokens);
"""

# region / date / type of the seed documents, as a reader of their headers sees them
SEED_META = {
    "000_56090537b95e09ee.txt": ("清涧县", "2021-06-01", "plan", "清涧县人民政府办公室"),
    "001_86e6333c553186a1.txt": ("利通区", "2022-05-05", "plan", "吴忠市利通区人民政府办公室"),
    "002_d4f3389f7a163785.txt": ("阳谷县", "2017-08-02", "report", "阳谷县人民政府"),
    "003_60ce60f9984d98da.txt": (None, "2022-11-25", "report", None),
    "004_ea37bfe10d042d56.txt": (None, "2019-01-01", "plan", "市人民政府"),
}


def require_shared() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"shared seed corpus not found at {SEEDS} (../shared beside the checkout)")


def pipeline_available() -> bool:
    try:
        from policytrack.ingest.pipeline import ingest_paths  # noqa: F401
        from policytrack.store import Store  # noqa: F401
    except Exception:  # noqa: BLE001
        return False
    return True


def build_with_pipeline(db: Path, paths: list[Path]) -> Path:
    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    store = Store(db)
    try:
        outcomes = ingest_paths(paths, store)
    finally:
        getattr(store, "close", lambda: None)()
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        raise RuntimeError(f"ingest failed: {failed[0].error}")
    return db


def _gold(kind: str) -> list[dict]:
    out = []
    for f in sorted((SHARED / "gold").glob(f"{kind}_*.jsonl")):
        out += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def _paragraphs(text: str, max_chars: int = 300) -> list[tuple[int, str]]:
    """Lines, with over-long lines (some pages are one line) cut after a 。 near max_chars."""
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        while len(line) > max_chars:
            cut = line.find("。", max_chars // 2)
            if cut < 0 or cut > 2 * max_chars:
                break
            out.append((start, line[:cut + 1]))
            start, line = start + cut + 1, line[cut + 1:]
        if line.strip():
            out.append((start, line))
    return out


def _rec_source(rec) -> str:
    """What the store indexes for a record (policytrack.store.write.record_tokens_source)."""
    try:
        from policytrack.store.write import record_tokens_source

        return record_tokens_source(rec)
    except ImportError:
        return "\n".join(p for p in [rec.quote, rec.indicator, *getattr(rec, "departments", [])] if p)


def build_contract_db(db: Path) -> Path:
    """The documented store layout from the seed texts and gold records (see module docstring)."""
    from policytrack.extract.indicators import match_indicator
    from policytrack.lexicons.segment import index_tokens
    from policytrack.models import Commitment, Progress, assign_id

    conn = sqlite3.connect(db)
    conn.executescript(CONTRACT_DDL)
    texts: dict[str, str] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts[path.name] = text
        region, date, dtype, issuer = SEED_META.get(path.name, (None, None, None, None))
        title = next((ln.strip() for ln in text.splitlines() if len(ln.strip()) > 8), path.name)
        conn.execute(
            "INSERT INTO documents (id, title, issuer, date, region, doc_type, source, file_name, text)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (path.name, title[:80], issuer, date, region, dtype, str(path), path.name, text),
        )
        for seq, (start, line) in enumerate(_paragraphs(text)):
            cur = conn.execute(
                'INSERT INTO passages (doc_id, seq, start, "end", page, section, text) VALUES (?,?,?,?,?,?,?)',
                (path.name, seq, start, start + len(line), None, None, line),
            )
            conn.execute("INSERT INTO passages_fts (rowid, tokens) VALUES (?,?)", (cur.lastrowid, index_tokens(line)))
    seen: set[str] = set()
    for kind, model in (("commitments", Commitment), ("progress", Progress)):
        for g in _gold(kind):
            text = texts.get(g["doc"])
            if text is None or g["quote"] not in text:
                continue
            start = text.index(g["quote"])
            fields = {k: v for k, v in g.items() if k in model.model_fields}
            region = SEED_META.get(g["doc"], (None,))[0]
            unit = (g.get("target") or {}).get("unit") if kind == "commitments" else g.get("unit")
            rec = assign_id(model(**fields, start=start, end=start + len(g["quote"]), region=region,
                                  indicator_id=match_indicator(g["indicator"], unit) or match_indicator(g["quote"])))
            if rec.id in seen:
                continue
            seen.add(rec.id)
            cur = conn.execute(
                "INSERT INTO records (id, doc_id, type, indicator_id, region, json) VALUES (?,?,?,?,?,?)",
                (rec.id, rec.doc, rec.type, rec.indicator_id, rec.region, rec.model_dump_json()),
            )
            conn.execute("INSERT INTO records_fts (rowid, tokens) VALUES (?,?)", (cur.lastrowid, index_tokens(_rec_source(rec))))
    conn.commit()
    conn.close()
    return db


def seed_documents() -> list[tuple[Path, "object", list]]:
    """(path, ParsedDocument, gold records located in its text) for each seed."""
    from policytrack.extract.indicators import match_indicator
    from policytrack.models import Commitment, DocMeta, Paragraph, ParsedDocument, Progress

    gold = {"commitments": _gold("commitments"), "progress": _gold("progress")}
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        region, date, dtype, issuer = SEED_META.get(path.name, (None, None, None, None))
        title = next((ln.strip() for ln in text.splitlines() if len(ln.strip()) > 8), path.name)[:80]
        paras = [Paragraph(start=s0, end=s0 + len(t)) for s0, t in _paragraphs(text)]
        parsed = ParsedDocument(text=text, format="txt", paragraphs=paras, meta=DocMeta(
            title=title, issuer=issuer, date=date, region=region, doc_type=dtype, source=path.name))
        recs = []
        for kind, model in (("commitments", Commitment), ("progress", Progress)):
            for g in gold[kind]:
                if g["doc"] != path.name or g["quote"] not in text:
                    continue
                start = text.index(g["quote"])
                fields = {k: v for k, v in g.items() if k in model.model_fields}
                unit = (g.get("target") or {}).get("unit") if kind == "commitments" else g.get("unit")
                recs.append(model(**fields, start=start, end=start + len(g["quote"]), region=region,
                                  indicator_id=match_indicator(g["indicator"], unit) or match_indicator(g["quote"])))
        out.append((path, parsed, recs))
    return out


def build_with_store(db: Path) -> Path:
    """The real store's write path (policytrack.store) with the seeds and their gold records."""
    from policytrack.store import PreparedDocument, Store

    store = Store(db)
    try:
        for path, parsed, recs in seed_documents():
            store.add_document(PreparedDocument(parsed=parsed, records=recs, source_path=str(path)))
    finally:
        store.close()
    return db


def corpus_paths() -> list[Path]:
    return sorted(p for p in (REPO / "corpus").glob("*") if p.is_file() and p.suffix in (".txt", ".html", ".docx", ".pdf"))


def build_store(db: Path, source: str = "gold", include_corpus: bool = True) -> Path:
    """The test database.

    source="gold" (default): the seeds and their hand-checked records through the real
    store's write path, so search tests measure search, not the extractor's recall.
    source="pipeline": seeds + bundled corpus through the real ingest pipeline
    (parse + extract + store); falls back to "gold" while the pipeline is unusable.
    """
    if source == "pipeline" and pipeline_available():
        seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
        paths = seeds + (corpus_paths() if include_corpus else [])
        if not paths:
            require_shared()
        try:
            return build_with_pipeline(db, paths)
        except Exception as exc:  # noqa: BLE001 - the pipeline is being built by a colleague
            warnings.warn(f"real ingest pipeline unusable ({exc}); storing seeds + gold records", stacklevel=2)
            for p in db.parent.glob(db.name + "*"):
                p.unlink()
    require_shared()
    try:
        from policytrack.store import PreparedDocument, Store  # noqa: F401
    except ImportError:
        return build_contract_db(db)
    return build_with_store(db)
