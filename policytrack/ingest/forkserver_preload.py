"""Imported once by multiprocessing's fork server (see `pipeline._pool`), never by hand.

Workers that parse untrusted uploads under resource limits are forked from that server, a
fresh single-threaded process, instead of from the caller: a caller with threads (the HTTP
server) can hold a lock at the moment it forks (pydantic-core's, SQLite's, the allocator's),
and the child then waits on it forever.  Running the workers' own code path here once, on
small .txt and .html samples, lets every worker start warm (copy-on-write): a profile under
bench/load.py showed cold upload workers spending ~2 s re-reading regions.yaml alone."""

import tempfile
from pathlib import Path

from policytrack.ingest.pipeline import prepare_file, warm_up

_SAMPLE = "青禾县教育工作计划\n到2025年，全县学前三年毛入园率达到95%以上。（责任单位：县教育局）\n青禾县人民政府\n2021年3月15日\n"

warm_up((".pdf", ".docx", ".html", ".txt"))
with tempfile.TemporaryDirectory(prefix="policytrack-warm-") as _tmp:
    for _name, _text in (("warm.txt", _SAMPLE),
                         ("warm.html", "<html><head><meta charset='utf-8'><title>计划</title></head>"
                                       f"<body><p>{_SAMPLE}</p></body></html>")):
        _f = Path(_tmp) / _name
        _f.write_text(_text, encoding="utf-8")
        prepare_file(str(_f), None, None, None)  # never raises; a failure shows on the real upload
