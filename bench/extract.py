#!/usr/bin/env python3
"""Throughput of the whole extractor on the seed documents repeated to >= 5 MB.

    python3 bench/extract.py [--mb 5] [--shared ../shared]

Prints jieba-alone segmentation speed as the baseline on the same text (stock
`jieba.lcut`, as the issue measures its ~210k characters/s, and jieba's cut with the
domain dictionary and no HMM), the extractor's characters/s and the ratios (wall clock
and CPU time: on a shared machine the CPU-time ratio is the steadier one; the target
150k against jieba's 210k is a ratio of 0.71), the wall rate over a 2-process pool (as ingest
runs the extractor), the time at 1x, 2x and 4x sizes (to show linear growth) and the
peak resident memory of the process.

    python3 bench/extract.py --linearity

Time per character of ONE growing text at several sizes, for normal prose (a plan's
task paragraphs with 责任单位 blocks, up to 1.6M characters: past nlp.max_length,
read in chunks) and for figure-dense text (95%95%…, 95%、95%、…, no sentence ends):
a flat "vs smallest" column means linear.  Each row is measured in this process
against the smallest size of the same kind.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def corpus(shared: Path, chars: int) -> list[str]:
    """Seed documents repeated until `chars` characters (whole documents, each extracted separately)."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted((shared / "corpus" / "seeds").glob("*.txt"))]
    if not seeds:
        raise SystemExit(f"{shared}/corpus/seeds: no seed documents found")
    out, n, i = [], 0, 0
    while n < chars:
        out.append(seeds[i % len(seeds)])
        n += len(out[-1])
        i += 1
    return out


def run_extract(docs: list[str], cpu: list[float] | None = None) -> float:
    """Wall seconds; the process CPU seconds are appended to `cpu` (on a shared machine the
    CPU time is the steadier figure)."""
    from policytrack.extract import extract_text
    from policytrack.ingest.meta import detect_meta

    c0, t0 = time.process_time(), time.perf_counter()
    for k, d in enumerate(docs):
        extract_text(d, detect_meta(d), doc=f"doc{k}")
    if cpu is not None:
        cpu.append(time.process_time() - c0)
    return time.perf_counter() - t0


def run_jieba(docs: list[str], cpu: list[float] | None = None, stock: bool = True) -> float:
    """jieba alone.  stock: `jieba.lcut` as it ships (default dictionary, HMM on), the
    issue's "jieba alone segments ~210k characters/s"; else jieba's own cut with the
    project's domain dictionary and HMM off (the words the extractor's Doc holds, which
    it gets from the faster `segment.words`)."""
    import logging

    import jieba

    from policytrack.lexicons.segment import tokenizer

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    tk = tokenizer()
    cut = jieba.lcut if stock else (lambda d: list(tk.cut(d, HMM=False)))
    c0, t0 = time.process_time(), time.perf_counter()
    for d in docs:
        cut(d)
    if cpu is not None:
        cpu.append(time.process_time() - c0)
    return time.perf_counter() - t0


def _pool_warm() -> None:
    run_extract(["到2025年，全县学前三年毛入园率达到95%以上（责任单位：县教育局）。"])


def _pool_one(d: str) -> int:
    from policytrack.extract import extract_text
    from policytrack.ingest.meta import detect_meta

    return len(extract_text(d, detect_meta(d), doc="pool"))


def run_pool(docs: list[str], workers: int = 2) -> float:
    """Wall seconds for the documents over a process pool (as ingest runs the extractor);
    the workers load spaCy and the dictionaries before the clock starts."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, wait

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_pool_warm) as ex:
        wait([ex.submit(time.sleep, 0.2) for _ in range(workers)])  # both workers started and warm
        t0 = time.perf_counter()
        list(ex.map(_pool_one, docs, chunksize=1))
        return time.perf_counter() - t0


def _prose(chars: int) -> str:
    """Task paragraphs, each different (a repeated paragraph is read once)."""
    parts, n, k = ["某县教育事业发展“十四五”规划\n2021年5月10日\n二、“十四五”（2021—2025）工作安排\n"], 0, 0
    while n < chars:
        parts.append(f"（{k % 9 + 1}）实施第{k}批学校改造工程。第{k}片区学前三年毛入园率达到{90 + k % 9}%以上，"
                     f"新建幼儿园{k % 7 + 2}所，2020年已达到{80 + k % 11}.5%。（责任单位：县教育局、县财政局）\n")
        n += len(parts[-1])
        k += 1
    return "".join(parts)[:chars]


def linearity() -> None:
    from policytrack.extract import extract_text

    extract_text(_prose(3000), None, doc="warm")
    kinds = [
        ("prose", _prose, (100_000, 200_000, 400_000, 800_000, 1_600_000)),
        ("95%95%…", lambda n: ("95%" * (n // 3 + 1))[:n], (3_000, 6_000, 12_000, 24_000, 48_000)),
        ("95%、95%、…", lambda n: ("95%、" * (n // 4 + 1))[:n], (3_000, 6_000, 12_000, 24_000, 48_000)),
    ]
    for name, make, sizes in kinds:
        print(f"{name}:")
        base = None
        for n in sizes:
            text = make(n)
            t0 = time.perf_counter()
            recs = extract_text(text, None, doc="lin")
            dt = time.perf_counter() - t0
            per = dt / n * 1e6
            base = base or per
            print(f"  {n:>9,} chars  {dt:7.2f} s  {per:7.2f} µs/char  vs smallest {per / base:5.2f}  records {len(recs):,}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--linearity", action="store_true", help="time per char by size, normal and figure-dense text")
    ap.add_argument("--no-pool", action="store_true", help="skip the 2-process pool figure")
    ap.add_argument("--no-linearity", action="store_true", help="skip the 1x/2x/4x sizes")
    a = ap.parse_args()
    if a.linearity:
        linearity()
        return 0
    shared = Path(a.shared)
    target = int(a.mb * 1_000_000)
    docs = corpus(shared, target)
    n = sum(map(len, docs))
    run_extract(docs[:5])  # warm-up: loads spaCy, jieba dictionary, lexicons
    # jieba and the extractor take turns on groups of 10 documents, so both see the same
    # load from the machine's other users (one long run each drifted by +-30% here)
    cj: list[float] = []
    cd: list[float] = []
    ce: list[float] = []
    tj = td = te = 0.0
    for k in range(0, len(docs), 10):
        tj += run_jieba(docs[k:k + 10], cj)
        td += run_jieba(docs[k:k + 10], cd, stock=False)
        te += run_extract(docs[k:k + 10], ce)
    cj, cd, ce = sum(cj), sum(cd), sum(ce)
    print(f"text: {n:,} characters in {len(docs)} documents")
    print(f"jieba alone (jieba.lcut as shipped): {n / tj:,.0f} chars/s ({tj:.1f} s)  cpu {n / cj:,.0f} chars/cpu-s")
    print(f"jieba, domain dictionary, no HMM   : {n / td:,.0f} chars/s ({td:.1f} s)  cpu {n / cd:,.0f} chars/cpu-s")
    print(f"extractor   : {n / te:,.0f} chars/s ({te:.1f} s)  ratio to jieba alone {tj / te:.2f}"
          f"  cpu {n / ce:,.0f} chars/cpu-s  cpu ratio to jieba alone {cj / ce:.2f} (target >= 0.71),"
          f" to domain jieba {cd / ce:.2f}")
    if not a.no_pool:
        tp = run_pool(docs)
        print(f"2-process pool: {n / tp:,.0f} chars/s ({tp:.1f} s)  {te / tp:.2f}x one core (the machine's other load shows here)")
    if a.no_linearity:
        print(f"peak memory : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
        return 0
    print("linearity (extractor time by size):")
    base = None
    for mult in (1, 2, 4):
        sub = corpus(shared, target * mult // 4)
        t = run_extract(sub)
        m = sum(map(len, sub))
        base = base or t / m
        print(f"  {mult}x {m:>10,} chars  {t:6.2f} s  {m / t:,.0f} chars/s  time/char vs 1x {t / m / base:.2f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory : {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
