#!/usr/bin/env python3
"""Sustained load on the real HTTP server: a search mix with 10% uploads.

Starts `uvicorn` (one process, as `policytrack serve` runs it) over a fresh data
directory filled from the bundled corpus, then drives it from client threads in
this process for a fixed time and prints requests/s, latency percentiles per kind,
errors, and the server's peak resident memory (VmHWM).  On the shared 2-core
machine the clients and the server compete for the same cores, so the figures
are a floor.

    python3 bench/load.py [--duration 30] [--clients 8] [--upload-share 0.1] [--workers 1]
    python3 bench/load.py --db /tmp/big/policytrack.db   # start from a copy of that store (e.g. the
                                                         # 100k-passage one bench/search.py --keep built)

Figures go to stdout; docs/RELIABILITY.md records one run.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _proc import cpu_seconds, tree  # noqa: E402

QUERIES = [
    ("/search", {"q": "学前三年毛入园率"}), ("/search", {"q": "普惠性幼儿园覆盖率", "type": "commitment"}),
    ("/search", {"q": "县教育局 责任单位"}), ("/search", {"q": "大班额"}), ("/search", {"q": "到2025年 达到"}),
    ("/search", {"q": "义务教育巩固率", "type": "progress"}), ("/search", {"q": "教师 培训", "type": "passage"}),
    ("/search", {"q": "新建 幼儿园 所"}), ("/commitments", {"size": 20}), ("/documents", {}),
]
TOKEN = "load-token"
# as `policytrack serve --workers N` runs it: the app factory, settings from the environment
SERVER = """
import sys, uvicorn
uvicorn.run("policytrack.api.app:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]),
            workers=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _upload_body(i: int) -> tuple[str, bytes]:
    k = i % 40
    text = (f"青禾县第{i}学区{2021 + k % 4}年教育工作总结\n一、主要成绩\n{2021 + k % 4}年，学区学前三年毛入园率达到{55 + k}.{i % 10}%，"
            f"普惠性幼儿园覆盖率达到{45 + k}%，新建幼儿园{k + 1}所。\n二、下一步计划\n到2025年，毛入园率达到95%以上。（责任单位：县教育局）\n"
            f"青禾县第{i}学区\n{2022 + k % 4}年1月{1 + k % 27}日\n")
    return f"学区{i:05d}.txt", text.encode("utf-8")


def _status_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _peak_rss_mb(pid: int) -> float:
    """Sum of peak RSS over the server's processes (an upper bound: shared pages count per process)."""
    return sum(_status_mb(p, "VmHWM") for p in tree(pid))


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of the server's processes, including reaped upload workers."""
    return cpu_seconds(tree(pid), reaped=True)


class _Client:
    """A keep-alive HTTP/1.1 connection with nothing on top (http.client): the load runs on
    the same cores as the server, and httpx spent about a millisecond of CPU per request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            r = self.conn.getresponse()
            return r.status, r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            raise

    def get(self, path: str, params: dict | None = None) -> tuple[int, bytes]:
        return self.request("GET", path + ("?" + urlencode(params) if params else ""))

    def upload(self, name: str, body: bytes) -> tuple[int, bytes]:
        boundary = f"pt{random.getrandbits(64):016x}"
        data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                f"Content-Type: text/plain\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
        return self.request("POST", "/documents", data, {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                        "Authorization": f"Bearer {TOKEN}"})

    def close(self) -> None:
        self.conn.close()


def load(duration: float, clients: int, upload_share: float, workers: int = 1, db: Path | None = None) -> None:
    import json
    import shutil

    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    data = Path(tempfile.mkdtemp(prefix="policytrack-load-"))
    t0 = time.perf_counter()
    if db is not None:  # a copy: uploads write to it
        shutil.copy(db, data / "policytrack.db")
        print(f"store: copy of {db} in {time.perf_counter() - t0:.1f} s")
    else:
        corpus = sorted(p for p in (REPO / "corpus").iterdir() if p.suffix.lower() in (".pdf", ".docx", ".html", ".htm", ".txt"))
        outs = ingest_paths(corpus, Store(data / "policytrack.db"))
        print(f"corpus: {sum(o.status == 'ingested' for o in outs)} documents ingested in {time.perf_counter() - t0:.1f} s")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "POLICYTRACK_DATA": str(data), "POLICYTRACK_API_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(workers)], cwd=REPO, env=env,
                            start_new_session=True)
    try:
        warm_client = _Client(port)
        for _ in range(300):
            try:
                if warm_client.get("/health")[0] == 200:
                    break
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
        idle_mb = _peak_rss_mb(proc.pid)
        # warm-up outside the measured window: the first search loads jieba, the first upload the
        # extractor; with several uvicorn workers each needs its own, so warm each a few times
        t_warm = time.perf_counter()
        for k in range(2 * workers):
            name, body = _upload_body(10**8 + k)
            warm_client.upload(name, body)
            for path, params in QUERIES:
                warm_client.get(path, params)
        warm_client.close()
        warm_s = time.perf_counter() - t_warm
        warm_mb = _peak_rss_mb(proc.pid)
        lat: dict[str, list[float]] = {"search": [], "browse": [], "upload": []}
        errors: list[str] = []
        counter = iter(range(10**9))
        lock = threading.Lock()
        stop = time.monotonic() + duration

        def client(n: int) -> None:
            rnd = random.Random(n)
            c = _Client(port)
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    if rnd.random() < upload_share:
                        with lock:
                            i = next(counter)
                        name, body = _upload_body(i)
                        status, text = c.upload(name, body)
                        kind = "upload"
                        ok = status == 200 and json.loads(text)["results"][0]["status"] == "ingested"
                    else:
                        path, params = rnd.choice(QUERIES)
                        status, text = c.get(path, {**params, "size": params.get("size", 10)} if path == "/search" else params)
                        kind = "search" if path == "/search" else "browse"
                        ok = status == 200
                except (OSError, http.client.HTTPException) as exc:
                    kind, ok, status, text = "search", False, 0, str(exc).encode()
                dt = time.perf_counter() - t
                with lock:
                    lat[kind].append(dt)
                    if not ok or b"locked" in text:
                        errors.append(f"{kind} {status} {text[:120].decode(errors='replace')}")
            c.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        load_before = os.getloadavg()
        cpu_server0, cpu_self0 = _cpu_s(proc.pid), time.process_time()
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        cpu_server, cpu_self = _cpu_s(proc.pid) - cpu_server0, time.process_time() - cpu_self0
        load_after = os.getloadavg()
        peak = _peak_rss_mb(proc.pid)
        all_lat = [x for xs in lat.values() for x in xs]
        print(f"load: {clients} clients for {wall:.1f} s on {os.cpu_count()} cores, upload share {upload_share:.0%}, "
              f"uvicorn workers {workers}")
        print(f"  machine load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f} (shared machine)")
        print(f"  CPU: server {cpu_server:.1f} s ({cpu_server / wall:.0%} of one core), load clients {cpu_self:.1f} s "
              f"({cpu_self / wall:.0%} of one core); per request: server {cpu_server / max(1, len(all_lat)) * 1000:.1f} ms, "
              f"clients {cpu_self / max(1, len(all_lat)) * 1000:.2f} ms; server warm-up {warm_s:.1f} s")
        print(f"  requests: {len(all_lat)}  sustained: {len(all_lat) / wall:.1f} req/s  errors: {len(errors)}")
        print(f"  all     p50 {_pct(all_lat, 50) * 1000:7.1f} ms  p95 {_pct(all_lat, 95) * 1000:7.1f} ms  p99 {_pct(all_lat, 99) * 1000:7.1f} ms")
        for kind, xs in lat.items():
            if xs:
                print(f"  {kind:7} n={len(xs):5d}  p50 {_pct(xs, 50) * 1000:7.1f} ms  p95 {_pct(xs, 95) * 1000:7.1f} ms  "
                      f"mean {statistics.fmean(xs) * 1000:7.1f} ms")
        print(f"  server memory: idle {idle_mb:.0f} MB, after warm-up {warm_mb:.0f} MB, peak {peak:.0f} MB "
              f"(VmHWM summed over its processes)")
        for e in errors[:5]:
            print(f"  error: {e}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        import shutil

        shutil.rmtree(data, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--upload-share", type=float, default=0.10)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (as `serve --workers`)")
    ap.add_argument("--db", type=Path, help="start from a copy of this store instead of ingesting corpus/")
    a = ap.parse_args()
    load(a.duration, a.clients, a.upload_share, a.workers, a.db)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
