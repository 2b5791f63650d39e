"""How the server starts the processes that parse uploads (see `data.ingest_uploads`).

Workers come from multiprocessing's fork server, not from the server itself: the server
has threads (request threads, the tracker rebuild), and a fork taken while one of them
holds a lock (pydantic-core's, SQLite's, the allocator's) leaves the child waiting on it
forever; a limited upload worker was seen stuck that way under load.  The fork server is
a fresh single-threaded process that loads the parsers and the extraction pipeline once
(`policytrack.ingest.forkserver_preload`), so an upload still pays for a fork, not for
loading jieba and spaCy again, and the caller's __main__ is not re-run there.
"""

from __future__ import annotations

START_METHOD = "forkserver"


def limits(memory_mb: int, cpu_seconds: int):
    from policytrack.ingest.pipeline import WorkerLimits

    return WorkerLimits(memory_mb=memory_mb, cpu_seconds=cpu_seconds, start_method=START_METHOD)


def prestart() -> None:
    """Start the upload workers' fork server in the background as the server starts, so the
    first upload does not wait for it to load the extractor."""
    import threading

    from policytrack.ingest.pipeline import start_fork_server

    threading.Thread(target=start_fork_server, daemon=True, name="policytrack-forkserver-start").start()
