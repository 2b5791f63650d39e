"""Parse many files on all cores.

Parsing is CPU-bound Python (trafilatura, pdfminer, regexes), so a batch gains almost
linearly from worker processes.  Results come back in input order, each either a
ParsedDocument or the IngestError that file raised, so one bad file never stops the
batch.  Inside a worker, PDFs are read page-serially (no nested pools).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from policytrack.ingest import parse_file
from policytrack.ingest.errors import IngestError
from policytrack.models import DocMeta, ParsedDocument

Result = tuple[Path, "ParsedDocument | IngestError"]


def _init_worker() -> None:
    from policytrack.ingest import pdf

    pdf.PARALLEL_WORKERS = 1


def _one(path: Path, max_bytes: int | None, overrides: DocMeta | dict | None) -> ParsedDocument | IngestError:
    try:
        return parse_file(path, max_bytes=max_bytes, overrides=overrides)
    except IngestError as exc:
        return exc
    except Exception as exc:  # a reader bug must not kill the batch; report it per file
        return IngestError(path, f"unexpected error: {type(exc).__name__}: {exc}")


def parse_many(
    paths: Iterable[str | os.PathLike],
    *,
    workers: int | None = None,
    max_bytes: int | None = None,
    overrides: DocMeta | dict | None = None,
) -> Iterator[Result]:
    """Yield (path, document or error) in input order.  workers=None uses every CPU;
    workers=1 parses in this process."""
    items = [Path(p) for p in paths]
    n = workers or os.cpu_count() or 1
    if n <= 1 or len(items) <= 1:
        for p in items:
            yield p, _one(p, max_bytes, overrides)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker) as ex:
        results = ex.map(_one, items, [max_bytes] * len(items), [overrides] * len(items), chunksize=4)
        yield from zip(items, results)
