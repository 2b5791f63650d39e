"""How the server starts the processes that parse uploads (see `data.ingest_uploads`).

Workers are forked from the server, as the CLI's batch workers are: they start with
the parsers, the segmenter's dictionary and the extraction pipeline the server has
already loaded, so an upload pays for a fork, not for loading jieba and spaCy again.
(A fork server would avoid inheriting a lock held by another server thread, but it
re-runs the caller's __main__ in every worker, which breaks scripts and test
runners; the workers take no lock a server thread holds: no logging, no printing,
their own SQLite connection.)
"""

from __future__ import annotations

import threading

START_METHOD = "fork"


def limits(memory_mb: int, cpu_seconds: int):
    from policytrack.ingest.pipeline import WorkerLimits

    return WorkerLimits(memory_mb=memory_mb, cpu_seconds=cpu_seconds, start_method=START_METHOD)


_warm_lock = threading.Lock()
_warmed = False


def warm() -> None:
    """Load the parsers, the segmenter's dictionary and the extraction pipeline in the server
    once, before the first fork: every worker then inherits them (copy-on-write) instead of
    importing numpy and spaCy under its memory limit, which cost ~3 s per upload."""
    global _warmed
    with _warm_lock:
        if _warmed:
            return
        try:
            import policytrack.ingest  # noqa: F401
            import policytrack.store.write  # noqa: F401
            from policytrack.extract import extract_text
            from policytrack.lexicons.segment import index_tokens

            sample = "到2025年，学前三年毛入园率达到95%以上。（责任单位：县教育局）"
            index_tokens(sample)
            extract_text(sample, None, doc="warm")
        except Exception:  # noqa: BLE001 - the upload itself will report what is missing
            pass
        _warmed = True
