"""Search at scale: index build rate, query latency, and a plain-scan baseline.

Why: the embedded backend promises p95 < 50 ms at 100k passages on a 2-core
machine and an index build of >= 2,000 passages/s; this script measures both on
a scaled corpus, and — in the same run, over the same text and words — how long
Python's `re` (and `rg`, when installed) take to scan, so the index's worth is a
ratio rather than an impression.

    python3 bench/search.py [--passages 100000] [--runs 5] [--clients 8] [--keep DIR]
    python3 bench/search.py --quick          # 10k passages, fewer runs, short API load

The corpus: the real seed documents (../shared, with their hand-checked records),
the bundled TXT documents (corpus/) and the shared passages, copied with
variations (jurisdiction names, years, paragraph order) until the target is
reached, and written through the real store (`Store.add_document`: the same
transaction that fills the FTS tables at ingest).

The HTTP API is measured as deployed: `uvicorn policytrack.api.app:create_app`
on 127.0.0.1 in a subprocess over the same store, N client threads with
keep-alive connections sending 3,000 distinct generated queries (`bench_mix`,
with filters) for a fixed time; it prints requests/s and p50/p95/p99 as the clients saw them (the
clients share the 2 cores with the server, so this is a floor).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _proc import children, cpu_seconds  # noqa: E402

SHARED = REPO.parent / "shared"
REGIONS = ["青禾县", "云岭市", "清涧县", "利通区", "阳谷县", "长宁县", "平川区", "东山县", "西河县", "南湖区",
           "北岭县", "安平县", "永宁县", "定远县", "和顺县", "新华区"]

# (query, filters): what staff type, with and without narrowing
QUERY_MIX = [
    ("大班额 目标", {}),
    ("学前三年毛入园率", {}),
    ("乡村教师 生活补助", {}),
    ("县管校聘", {"type": ["passage"]}),
    ("市财政局 责任", {}),
    ("普惠性幼儿园 覆盖率 2025", {}),
    ("消除 大班额 进展", {"type": ["progress"]}),
    ("巩固率", {"region": "利通区"}),
    ("控辍保学", {"doc_type": "report"}),
    ('"优质均衡发展"', {"date_from": "2020", "date_to": "2023"}),
    ("营养改善计划", {"type": ["commitment", "progress"]}),
    ("教师培训", {}),
    ("新增 学位", {"indicator": "new_school_places"}),
    ("", {"department": "市财政局"}),
    ("校车 安全", {}),
    ("特殊教育", {"region": "青禾县"}),
]


# extra words staff type besides the indicator catalogue's names (which bench_mix adds)
_WORDS = ["大班额", "乡村教师", "生活补助", "县管校聘", "教师培训", "校车", "安全", "特殊教育", "营养改善计划",
          "控辍保学", "学位", "覆盖率", "普惠性幼儿园", "寄宿制学校", "薄弱学校", "教育信息化", "课后服务",
          "资助", "教师编制", "集团化办学", "双减", "职业教育", "校舍", "标准化建设", "足球", "近视"]
_INTENTS = ["", "", "", "目标", "进展", "任务", "完成"]
_DEPTS = ["市财政局", "县教育局", "人力资源社会保障局", "发展改革委", "住房城乡建设局", "卫生健康委"]


def bench_mix(n: int = 400, seed: int = 11) -> list[tuple[str, dict]]:
    """QUERY_MIX followed by n generated queries: one or two words (indicator names and
    synonyms from the catalogue, common policy words), sometimes an intent word, and
    filters drawn like a user narrowing a list (region, type, years, doc type, department,
    indicator).  Why: a fixed 16-query loop measures caches of those 16, not search."""
    from policytrack.search.concepts import concept_index

    rng = random.Random(seed)
    ci = concept_index()
    words = sorted({t for terms in ci.terms_by_id.values() for t in terms if 2 <= len(t) <= 12} | set(_WORDS))
    ids = sorted(ci.terms_by_id)
    out = list(QUERY_MIX)
    seen = {(q, json.dumps(f, sort_keys=True)) for q, f in out}
    while len(out) < len(QUERY_MIX) + n:
        q = " ".join(rng.sample(words, rng.choice((1, 1, 1, 2))) + [rng.choice(_INTENTS)]).strip()
        f: dict = {}
        if rng.random() < 0.3:
            f["region"] = rng.choice(REGIONS)
        if rng.random() < 0.25:
            f["type"] = rng.sample(["commitment", "progress", "passage"], rng.choice((1, 2)))
        if rng.random() < 0.2:
            y = rng.randint(2016, 2024)
            f["date_from"], f["date_to"] = str(y), str(y + rng.randint(0, 4))
        if rng.random() < 0.1:
            f["doc_type"] = rng.choice(["plan", "report"])
        if rng.random() < 0.05:
            f["department"] = rng.choice(_DEPTS)
        if rng.random() < 0.05:
            f["indicator"] = rng.choice(ids)
        key = (q, json.dumps(f, sort_keys=True))
        if key not in seen:
            seen.add(key)
            out.append((q, f))
    return out


def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (the machine is shared:
    wall-clock rates depend on the neighbours, CPU-time rates much less)."""
    import resource

    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _load() -> str:

    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _sources() -> list[tuple[str, object, list]]:
    """(name, ParsedDocument, records) of every real document available."""
    from policytrack.models import DocMeta, Paragraph, ParsedDocument
    from search_fixtures import _paragraphs, seed_documents

    out: list[tuple[str, object, list]] = []
    if (SHARED / "corpus" / "seeds").is_dir():
        out += [(p.name, parsed, recs) for p, parsed, recs in seed_documents()]
    for p in sorted((REPO / "corpus").glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        paras = [Paragraph(start=s, end=s + len(t)) for s, t in _paragraphs(text)]
        out.append((p.name, ParsedDocument(text=text, format="txt", paragraphs=paras,
                                           meta=DocMeta(title=p.stem, region="青禾县", doc_type="plan",
                                                        date="2021-06-01", source=p.name)), []))
    pj = SHARED / "corpus" / "passages.jsonl"
    if pj.exists():
        texts = [json.loads(line)["text"] for line in pj.read_text(encoding="utf-8").splitlines() if line.strip()]
        text = "\n".join(texts)
        paras = [Paragraph(start=s, end=s + len(t)) for s, t in _paragraphs(text)]
        out.append(("passages.txt", ParsedDocument(text=text, format="txt", paragraphs=paras,
                                                   meta=DocMeta(title="shared passages", doc_type="report",
                                                                date="2022-01-01", source="passages.jsonl")), []))
    if not out:
        raise SystemExit("no documents: need ../shared/corpus or corpus/*.txt")
    return out


def _variant(name: str, parsed, recs: list, k: int, rng: random.Random):
    """Copy k of a document: another jurisdiction, years shifted, paragraphs reordered."""
    from policytrack.models import DocMeta, Paragraph, ParsedDocument

    region = REGIONS[k % len(REGIONS)]
    shift = k % 5
    old_region = parsed.meta.region

    def vary(s: str) -> str:
        if old_region:
            s = s.replace(old_region, region)
        return re.sub(r"20(1\d|2\d)年", lambda m: f"20{int(m.group(1)) + shift}年", s)

    paras = [vary(parsed.text[p.start:p.end]) for p in parsed.paragraphs]
    head, body = paras[:3], paras[3:]
    rng.shuffle(body)
    paras = head + body + [f"（第{k}批汇编，{region}）"]
    text, spans, pos = "", [], 0
    for t in paras:
        spans.append(Paragraph(start=pos, end=pos + len(t)))
        text += t + "\n"
        pos += len(t) + 1
    year = int((parsed.meta.date or "2021")[:4]) + shift
    meta = DocMeta(**{**parsed.meta.model_dump(), "region": region if old_region or k else old_region,
                      "date": f"{year}{(parsed.meta.date or '2021-06-01')[4:]}"})
    new_recs = []
    for r in recs:
        q = vary(r.quote)
        i = text.find(q)
        if i < 0:
            continue
        new_recs.append(r.model_copy(update={"quote": q, "start": i, "end": i + len(q), "region": region, "id": "",
                                             "doc": ""}))
    return f"{k:04d}_{name}", ParsedDocument(text=text, format="txt", paragraphs=spans, meta=meta), new_recs


def _prepare(args):
    """Worker: make a variant and segment it (what ingest workers do before the store writes)."""
    from policytrack.lexicons.segment import index_tokens
    from policytrack.store import PreparedDocument
    from policytrack.store.write import record_tokens_source

    name, parsed, recs, k, seed = args
    vname, vparsed, vrecs = _variant(name, parsed, recs, k, random.Random(seed * 100_003 + k))
    prep = PreparedDocument(parsed=vparsed, records=vrecs, source_path=f"/bench/{vname}")
    prep.passage_tokens = [index_tokens(vparsed.text[p.start:p.end]) for p in prep.passages]
    prep.record_tokens = [index_tokens(record_tokens_source(r)) for r in prep.records]
    return prep


def build(db: Path, target: int, seed: int = 7, workers: int = 2) -> dict:
    """Segment in `workers` processes, write in this one (one transaction per document)."""
    import multiprocessing as mp

    from policytrack.store import Store

    sources = _sources()
    per_round = sum(len(p.paragraphs) + 1 for _, p, _ in sources)
    rounds = target // per_round + 1
    jobs = [(n, p, r, k, seed) for k in range(rounds) for n, p, r in sources]
    store = Store(db)
    n_pass = n_docs = n_recs = 0
    c0 = _cpu()
    t0 = time.perf_counter()
    with mp.get_context("fork").Pool(workers) as pool:
        for prep in pool.imap(_prepare, jobs, chunksize=4):
            if n_pass >= target:
                break
            store.add_document(prep)
            n_pass += len(prep.passages)
            n_recs += len(prep.records)
            n_docs += 1
        pool.terminate()
        pool.join()  # the workers' CPU time is counted once they are waited for
    dt = time.perf_counter() - t0
    cpu = _cpu() - c0
    store.close()
    return {"documents": n_docs, "passages": n_pass, "records": n_recs, "seconds": round(dt, 1),
            "passages_per_s": round(n_pass / dt), "workers": workers, "cpu_s": round(cpu, 1),
            "passages_per_cpu_s": round(n_pass / max(cpu, 1e-9))}


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def latency(db: Path, runs: int, mix: list[tuple[str, dict]]) -> dict:
    from policytrack.search.backend import SearchRequest
    from policytrack.search.fts import FtsBackend

    b = FtsBackend(db)
    t = time.perf_counter()
    b.search(SearchRequest(q="大班额"))  # load the caches once, as a long-running server does
    warm = time.perf_counter() - t
    times: list[float] = []
    per_q: dict[str, list[float]] = {}
    totals = {}
    c0 = time.process_time()
    for _ in range(runs):  # each run: the fixed 16, then distinct generated queries
        for q, f in mix:
            t = time.perf_counter()
            resp = b.search(SearchRequest(q=q, size=10, **f))
            ms = (time.perf_counter() - t) * 1000
            times.append(ms)
            label = f"{q} {f}" if f else q
            per_q.setdefault(label, []).append(ms)
            totals[label] = resp.total
        mix = mix[:len(QUERY_MIX)] + bench_mix(len(mix) - len(QUERY_MIX), seed=len(times))[len(QUERY_MIX):]
    cpu = time.process_time() - c0
    b.close()
    return {"queries": len(times), "distinct": len(per_q), "cpu_ms_per_query": round(cpu * 1000 / len(times), 1),
            "first_query_s": round(warm, 2), "p50_ms": round(_pct(times, 50), 1),
            "p95_ms": round(_pct(times, 95), 1), "p99_ms": round(_pct(times, 99), 1),
            "slowest": sorted(((round(statistics.median(v), 1), k, totals[k]) for k, v in per_q.items()),
                              reverse=True)[:3]}


def scan_baseline(db: Path, runs: int, mix: list[tuple[str, dict]] = QUERY_MIX) -> dict:
    """The same words found by scanning the same text: Python re, and rg when installed."""
    import sqlite3

    from policytrack.search.query import parse_query

    conn = sqlite3.connect(db)
    text = "\n".join(r[0].replace("\n", " ") for r in conn.execute("SELECT text FROM passages"))
    conn.close()
    pats = []
    for q, _ in mix:
        words = [w.strip('"') for w in q.split() if w.strip('"')] or ["市财政局"]
        pq = parse_query(q)
        words = [g.label.replace(" ", "") for g in pq.groups] or words
        pats.append("|".join(re.escape(w) for w in words))
    times = []
    for _ in range(max(1, runs // 2)):
        for p in pats:
            t = time.perf_counter()
            sum(1 for _ in re.finditer(p, text))
            times.append((time.perf_counter() - t) * 1000)
    out = {"chars": len(text), "re_p50_ms": round(_pct(times, 50), 1), "re_p95_ms": round(_pct(times, 95), 1)}
    rg = shutil.which("rg")
    if rg:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
            f.write(text)
        rts = []
        for p in pats:
            t = time.perf_counter()
            subprocess.run([rg, "-c", "-e", p, f.name], capture_output=True, check=False)
            rts.append((time.perf_counter() - t) * 1000)
        Path(f.name).unlink()
        out.update(rg_p50_ms=round(_pct(rts, 50), 1), rg_p95_ms=round(_pct(rts, 95), 1))
    return out


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _query_paths(n: int = 3000) -> list[str]:
    from urllib.parse import urlencode

    out = []
    for q, f in bench_mix(n, seed=23):
        params = {"q": q, "size": 10, **{k: (",".join(v) if isinstance(v, list) else v) for k, v in f.items()}}
        out.append("/search?" + urlencode(params))
    return out


def http_load(db: Path, clients: int, seconds: float, server_workers: int = 1, warm_timeout: float = 900,
              loop: str = "auto", http_impl: str = "auto") -> dict:
    """The API under concurrent load (see module docstring).  `loop`/`http` are uvicorn's
    (auto = uvloop and httptools when installed, as `policytrack serve` runs)."""
    import http.client
    import threading

    port = _free_port()
    env = {**os.environ, "POLICYTRACK_DATA": str(db.parent)}
    env.pop("POLICYTRACK_API_TOKEN", None)
    cmd = [sys.executable, "-m", "uvicorn", "policytrack.api.app:create_app", "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(server_workers),
           "--loop", loop, "--http", http_impl]
    proc = subprocess.Popen(cmd, env=env, cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    paths = _query_paths()
    try:
        deadline = time.time() + 120
        while True:  # ready when /health answers
            if proc.poll() is not None:
                raise SystemExit(f"uvicorn exited: {proc.stderr.read().decode(errors='replace')[-500:]}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    c.close()
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit("uvicorn did not answer /health within 120 s")
            time.sleep(0.3)
        t = time.perf_counter()
        for _ in range(server_workers * 2):  # load each worker's caches once, as a running server has
            for pth in paths[:2]:
                # the first search also builds the tracker's snapshot (commitment status for
                # filters and facets), which the API keeps until the database changes
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=warm_timeout)
                c.request("GET", pth)
                c.getresponse().read()
                c.close()
        warm = time.perf_counter() - t
        lat: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop = time.perf_counter() + seconds

        def client(i: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine: list[float] = []
            n = i
            while time.perf_counter() < stop:
                pth = paths[n % len(paths)]
                n += 1
                t0 = time.perf_counter()
                try:
                    conn.request("GET", pth)
                    r = conn.getresponse()
                    r.read()
                    ok = r.status == 200
                except (OSError, http.client.HTTPException):
                    ok = False
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                mine.append((time.perf_counter() - t0) * 1000)
                if not ok:
                    with lock:
                        errors[0] += 1
            conn.close()
            with lock:
                lat.extend(mine)

        cpu0, client0 = _proc_cpu(proc.pid), time.process_time()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        dt = time.perf_counter() - t0
        server_cpu = _proc_cpu(proc.pid) - cpu0
        client_cpu = time.process_time() - client0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if not lat:
        return {"requests": 0, "errors": errors[0]}
    return {"clients": clients, "server_workers": server_workers, "requests": len(lat), "errors": errors[0],
            "seconds": round(dt, 1), "rps": round(len(lat) / dt, 1), "p50_ms": round(_pct(lat, 50), 1),
            "p95_ms": round(_pct(lat, 95), 1), "p99_ms": round(_pct(lat, 99), 1), "warm_s": round(warm, 1),
            "server_cpu_ms_per_req": round(server_cpu * 1000 / len(lat), 1),
            "rps_per_server_cpu_s": round(len(lat) / max(server_cpu, 1e-9), 1),
            "server_cpu_share": round(server_cpu / dt, 2), "client_cpu_share": round(client_cpu / dt, 2),
            "client_cpu_ms_per_req": round(client_cpu * 1000 / len(lat), 2), "loop": loop, "http": http_impl}


def _proc_cpu(pid: int) -> float:
    """CPU seconds of a server process and its worker processes (Linux /proc; 0 elsewhere)."""
    try:
        pids = [pid, *children(pid)]
    except OSError:
        return 0.0
    return cpu_seconds(pids)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mix", type=int, default=200, help="generated queries per run besides the fixed 16")
    ap.add_argument("--workers", type=int, default=2, help="segmenting processes (the machine has 2 cores)")
    ap.add_argument("--keep", type=Path, help="keep the built store in this directory")
    ap.add_argument("--db", type=Path, help="measure an existing store (skip the build)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    ap.add_argument("--seconds", type=float, default=20.0, help="duration of the HTTP load")
    ap.add_argument("--server-workers", type=int, default=min(2, os.cpu_count() or 1),
                    help="uvicorn worker processes (default: one per core, at most 2; as `policytrack serve --workers 2`)")
    ap.add_argument("--loop", default="auto", help="uvicorn event loop: auto (uvloop when installed) or asyncio")
    ap.add_argument("--http", default="auto", help="uvicorn HTTP parser: auto (httptools when installed) or h11")
    ap.add_argument("--no-http", action="store_true", help="skip the HTTP API load")
    ap.add_argument("--http-only", action="store_true", help="with --db: only the HTTP API load")
    ap.add_argument("--warm-timeout", type=float, default=900, help="seconds the server may take to warm up")
    ap.add_argument("--quick", action="store_true", help="10k passages, 2 runs, 5 s of HTTP load")
    a = ap.parse_args(argv)
    if a.quick:
        a.passages, a.runs, a.seconds = min(a.passages, 10_000), 2, min(a.seconds, 5.0)
    tmp = Path(tempfile.mkdtemp(prefix="ptsearch-"))
    db = a.db or (a.keep or tmp) / "policytrack.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        if not a.db:
            b = build(db, a.passages, workers=a.workers)
            print(f"build: {b['documents']} documents, {b['passages']} passages, {b['records']} records in "
                  f"{b['seconds']} s = {b['passages_per_s']} passages/s with {b['workers']} segmenting "
                  f"processes (target >= 2000); CPU {b['cpu_s']} s = {b['passages_per_cpu_s']} passages per "
                  f"CPU-second (x{a.workers} cores when they are free); {_load()}", flush=True)
        if a.http_only:
            a.runs = 0
        mix = bench_mix(a.mix)
        lat = latency(db, a.runs, mix) if a.runs else None
        if lat:
            print(f"search (fts, single process, {lat['queries']} queries, {lat['distinct']} distinct, many with "
                  f"filters): p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms (target p95 < 50); "
                  f"CPU {lat['cpu_ms_per_query']} ms/query; first query (cache load) {lat['first_query_s']} s; "
                  f"{_load()}; slowest (median ms, query, hits): {lat['slowest']}")
            sc = scan_baseline(db, a.runs)
            line = f"scan of the same {sc['chars']:,} chars for the same words: re p50 {sc['re_p50_ms']} ms " \
                   f"(x{sc['re_p50_ms'] / max(lat['p50_ms'], 0.01):.1f} the index's p50)"
            if "rg_p50_ms" in sc:
                line += f", rg p50 {sc['rg_p50_ms']} ms (x{sc['rg_p50_ms'] / max(lat['p50_ms'], 0.01):.1f})"
            print(line)
            print("(a scan only finds the literal words: no ranking, facets, concepts or filters)", flush=True)
        if not a.no_http:
            h = http_load(db, a.clients, a.seconds, a.server_workers, a.warm_timeout, a.loop, a.http)
            if h.get("requests"):
                print(f"HTTP API (uvicorn --loop {h['loop']} --http {h['http']}, {h['server_workers']} worker(s), "
                      f"{h['clients']} concurrent clients, "
                      f"{h['seconds']} s, distinct queries with filters): {h['rps']} req/s, p50 {h['p50_ms']} ms, "
                      f"p95 {h['p95_ms']} ms, p99 {h['p99_ms']} ms, {h['errors']} errors of {h['requests']} "
                      f"(target >= 200 req/s, p95 < 100 ms); server CPU {h['server_cpu_ms_per_req']} ms/request = "
                      f"{h['rps_per_server_cpu_s']} req per server CPU-second; CPU share of one core: server "
                      f"{h['server_cpu_share']:.0%}, load clients {h['client_cpu_share']:.0%} "
                      f"({h['client_cpu_ms_per_req']} ms/request); server warm-up {h['warm_s']} s; "
                      f"{_load()}")
            else:
                print(f"HTTP API: no request completed ({h['errors']} errors)")
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
