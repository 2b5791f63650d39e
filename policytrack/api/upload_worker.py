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
    """Run the workers' own code path (`prepare_file`) once in the server, on small .txt and
    .html samples, before the first fork: every worker then inherits the parsers, the
    region and lexicon tables, compiled patterns, jieba's dictionary and the extraction
    pipeline (copy-on-write) instead of loading them again under its memory limit; a
    profile under bench/load.py showed each upload worker spending ~2 s re-reading
    regions.yaml before this."""
    global _warmed
    with _warm_lock:
        if _warmed:
            return
        import tempfile
        from pathlib import Path

        from policytrack.ingest.pipeline import prepare_file

        sample = "青禾县教育工作计划\n到2025年，全县学前三年毛入园率达到95%以上。（责任单位：县教育局）\n青禾县人民政府\n2021年3月15日\n"
        with tempfile.TemporaryDirectory(prefix="policytrack-warm-") as tmp:
            for name, text in (("warm.txt", sample),
                               ("warm.html", f"<html><head><meta charset='utf-8'><title>计划</title></head><body><p>{sample}</p></body></html>")):
                f = Path(tmp) / name
                f.write_text(text, encoding="utf-8")
                prepare_file(str(f), None, None, None)  # never raises; a failure shows on the real upload
        _warmed = True
