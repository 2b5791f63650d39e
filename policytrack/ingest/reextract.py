"""Re-run extraction over stored documents, from their stored text (no files needed).

When the extractor or its lexicons change, the records stored by the older one
are stale (see `policytrack.ingest.extraction`).  Ingesting the files again fixes
the ones still on disk; this fixes every stored document, including those whose
file is gone.  Extraction runs in worker processes that read the text from the
store themselves (only the compact records travel back); each document's records
are swapped in one transaction in this process.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Callable

from policytrack.models import IngestOutcome

from .pipeline import DEFAULT_WORKERS, SMALL_BATCH_BYTES, _pool, one_line, read_only_row, warm_for_fork

if TYPE_CHECKING:
    from policytrack.store import Store

ProgressCallback = Callable[[IngestOutcome, int, int], None]


def stale_documents(store: "Store", *, force: bool = False) -> list[str]:
    """Ids of stored documents (every version) whose records an older extractor made;
    every stored document when `force`."""
    from .extraction import extraction_version

    version = extraction_version()
    return [d for d, v in store.extract_versions().items() if force or v != version]


def _extract_stored(db_path: str, doc_id: str) -> tuple[str, Any]:
    """Extract one stored document (runs in a worker): ("ok", (records, tokens)) or ("failed", reason)."""
    try:
        from policytrack.extract import extract_text
        from policytrack.lexicons.segment import index_tokens
        from policytrack.models import DocMeta
        from policytrack.store.write import name_records, record_tokens_source

        row = read_only_row(db_path, "SELECT text, meta FROM documents WHERE id = ?", (doc_id,))
        if row is None:
            return "failed", f"document {doc_id} is no longer stored"
        meta = DocMeta.model_validate_json(row[1]) if row[1] else None
        records = name_records(list(extract_text(row[0], meta, doc=doc_id)), doc_id)
        return "ok", (records, [index_tokens(record_tokens_source(r)) for r in records])
    except Exception as exc:  # noqa: BLE001 - one document's failure, not the batch's
        return "failed", one_line(f"extraction failed: {type(exc).__name__}: {exc}")


def reextract_documents(
    store: "Store",
    doc_ids: list[str] | None = None,
    *,
    force: bool = False,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> list[IngestOutcome]:
    """Re-extract the given documents (default: the stale ones; `force`: all of them).

    Runs in worker processes when there is enough text to pay for them (see
    `pipeline.SMALL_BATCH_BYTES`; an explicit `workers` is obeyed).  Outcome per document: "re_extracted", "unchanged" (named explicitly but already
    current and not forced) or "failed" with the reason."""
    from .extraction import extraction_version

    version = extraction_version()
    versions = store.extract_versions()
    if doc_ids is None:
        targets = stale_documents(store, force=force)
        skipped: list[str] = []
    else:
        targets = [d for d in doc_ids if force or versions.get(d) != version]
        skipped = [d for d in doc_ids if d not in targets]
    docs = {d["id"]: d for d in store.list_documents(current_only=False)}
    total = len(targets) + len(skipped)
    outcomes: list[IngestOutcome] = []

    def finish(out: IngestOutcome) -> None:
        outcomes.append(out)
        if on_progress:
            on_progress(out, len(outcomes), total)

    def path_of(doc_id: str) -> str:
        return (docs.get(doc_id) or {}).get("source_path") or doc_id

    for d in skipped:
        row = docs.get(d) or {}
        finish(IngestOutcome(path=path_of(d), status="unchanged", doc_id=d, title=row.get("title"),
                             records=(row.get("n_commitments") or 0) + (row.get("n_progress") or 0)))

    def handle(doc_id: str, status: str, payload: Any) -> None:
        title = (docs.get(doc_id) or {}).get("title")
        if status == "ok":
            records, tokens = payload
            try:
                n_c, n_p = store.replace_records(doc_id, records, version, record_tokens=tokens)
            except Exception as exc:  # noqa: BLE001 - e.g. disk full: this document keeps its old records
                finish(IngestOutcome(path=path_of(doc_id), status="failed", doc_id=doc_id, title=title,
                                     error=one_line(f"{path_of(doc_id)}: could not store the new records: {exc}")))
                return
            finish(IngestOutcome(path=path_of(doc_id), status="re_extracted", doc_id=doc_id, title=title, records=n_c + n_p))
        else:
            finish(IngestOutcome(path=path_of(doc_id), status="failed", doc_id=doc_id, title=title,
                                 error=f"{path_of(doc_id)}: {payload}"))

    db_path = str(store.path)
    n_workers = DEFAULT_WORKERS if workers is None else workers
    wanted = set(targets)
    text_bytes = sum(n or 0 for d, n in store.conn.execute("SELECT id, LENGTH(CAST(text AS BLOB)) FROM documents")
                     if d in wanted)
    if len(targets) <= 1 or n_workers <= 1 or (workers is None and text_bytes < SMALL_BATCH_BYTES):
        for d in targets:
            handle(d, *_extract_stored(db_path, d))
        return outcomes
    # the extractor is loaded once here; the forked workers share it (see pipeline.warm_for_fork)
    with warm_for_fork():
        pool: ProcessPoolExecutor = _pool(min(n_workers, len(targets)))
        try:
            futures = [(d, pool.submit(_extract_stored, db_path, d)) for d in targets]
            for d, fut in futures:
                try:
                    status, payload = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker killed mid-document
                    status, payload = "failed", one_line(f"worker error: {type(exc).__name__}: {exc}")
                handle(d, status, payload)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return outcomes
