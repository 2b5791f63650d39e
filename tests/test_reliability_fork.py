"""Upload workers start clean even when another server thread holds a lock (issue 7).

A worker forked straight from a threaded server inherits every lock in the state it was in
at the fork: if another thread was loading the segmenter (holding its lock), the child
waits forever for a release that never comes in its copy.  The server's workers come from
multiprocessing's fork server instead (`api.upload_worker`), a fresh single-threaded
process that loaded the extractor once.  The scenario runs in a fresh interpreter so the
segmenter really is unloaded and its lock really is held while the upload is parsed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import json, sys, threading
    from pathlib import Path

    from policytrack.api import upload_worker
    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.lexicons import segment
    from policytrack.store import Store

    tmp = Path(sys.argv[1])
    f = tmp / "plan.txt"
    f.write_text("青禾县教育工作计划\\n到2025年，全县学前三年毛入园率达到95%以上。\\n", encoding="utf-8")
    held, release = threading.Event(), threading.Event()

    def loader():  # another server thread in the middle of loading the segmenter
        with segment._lock:
            held.set()
            release.wait()

    threading.Thread(target=loader, daemon=True).start()
    held.wait()
    store = Store(tmp / "policytrack.db")
    limits = upload_worker.limits(1024, 5)  # a stuck worker is killed after 2*5+30 s
    outs = ingest_paths([f], store, workers=1, limits=limits)
    release.set()
    print(json.dumps({"method": limits.start_method,
                      "outcomes": [[o.status, o.error, o.records] for o in outs]}))
''')


def test_upload_worker_is_not_forked_from_a_thread_holding_a_lock(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["method"] == "forkserver"
    [(status, error, records)] = out["outcomes"]
    assert status == "ingested" and error is None and records >= 1, out
