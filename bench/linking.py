"""Precision and recall of automatic commitment–progress linking.

    python3 bench/linking.py            # both sources below, whichever are available
    python3 bench/linking.py --source gold
    python3 bench/linking.py -v         # name every missed and wrong pair
    python3 bench/linking.py --scale    # also time auto_links against round 1's linking
    python3 bench/linking.py --scale --db STORE   # and Tracker.snapshot() on a real store

Sources of records:
* gold     the hand-checked records of ../shared/gold for the seed documents
           (measures the linker alone, independent of extraction quality);
* extract  records extracted by policytrack from the seeds and the bundled corpus, linked
           the way the tracker links them (indicator repair, document dates; measures
           the whole chain; needs policytrack.ingest and policytrack.extract).
Targets: precision >= 0.95, recall >= 0.90 (over pairs whose records exist).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLD = ROOT / "tests" / "linking" / "gold.yaml"
sys.path.insert(0, str(ROOT))

from policytrack.models import Baseline, Commitment, Progress, Target, assign_id  # noqa: E402
from policytrack.track import linkeval  # noqa: E402
from policytrack.track.link import auto_links, completion_statements, refine_region, resolve_indicator  # noqa: E402
from policytrack.track.tracker import DocInfo, build_snapshot, inherit_names_by_doc, parse_date  # noqa: E402


def _indicator_id(name: str, unit: str | None) -> str | None:
    """What the extractor does for a record: the catalogue's matcher (None without it)."""
    try:
        from policytrack.extract.indicators import match_indicator
    except ImportError:
        return None
    return match_indicator(name, unit or None)


def gold_records(regions: dict[str, str]) -> tuple[list[Commitment], list[Progress], dict[str, str]]:
    """Records of ../shared/gold as models, with offsets found in the seed texts."""
    seeds = SHARED / "corpus" / "seeds"
    texts = {p.name: p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")}
    cs: list[Commitment] = []
    ps: list[Progress] = []
    for kind in ("commitments", "progress"):
        for f in sorted((SHARED / "gold").glob(f"{kind}_*.jsonl")):
            for line in f.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                d = json.loads(line)
                text = texts.get(d["doc"], "")
                start = max(text.find(d["quote"]), 0)
                common = dict(doc=d["doc"], quote=d["quote"], start=start, end=start + len(d["quote"]),
                              region=regions.get(d["doc"]), indicator=d["indicator"],
                              indicator_id=_indicator_id(d["indicator"], (d.get("target") or {}).get("unit") or d.get("unit")))
                if kind == "commitments":
                    t, b = d.get("target"), d.get("baseline")
                    rec = Commitment(kind=d["kind"], target=Target(**t) if t else None,
                                     baseline=Baseline(value=b["value"], year=b.get("year")) if b else None,
                                     deadline=d.get("deadline"), departments=d.get("departments") or [],
                                     level=d.get("level"), **common)
                    cs.append(assign_id(rec))  # type: ignore[arg-type]
                else:
                    rec = Progress(value=d["value"], unit=d.get("unit") or "", year=d.get("year"), **common)
                    ps.append(assign_id(rec))  # type: ignore[arg-type]
    # de-duplicate the two annotators' files
    cs = list({c.id: c for c in cs}.values())
    ps = list({p.id: p for p in ps}.values())
    return cs, ps, {d: d for d in texts}


DOCS: dict[str, DocInfo] = {}  # of the last extracted_records() call: dates decide what can report on what


def extracted_records(regions: dict[str, str]) -> tuple[list[Commitment], list[Progress], dict[str, str]]:
    from policytrack.extract import extract_text  # type: ignore[attr-defined]
    from policytrack.ingest import parse_file  # type: ignore[attr-defined]

    paths = sorted((SHARED / "corpus" / "seeds").glob("*.txt")) + sorted(
        p for p in (ROOT / "corpus").iterdir() if p.suffix.lower() in (".pdf", ".docx", ".html", ".txt"))
    cs: list[Commitment] = []
    ps: list[Progress] = []
    texts: dict[str, tuple[str, str | None]] = {}
    DOCS.clear()
    for path in paths:
        parsed = parse_file(path)
        region = parsed.meta.region or regions.get(path.name)
        texts[path.name] = (parsed.text, region)
        DOCS[path.name] = DocInfo(id=path.name, title=parsed.meta.title, file_name=path.name,
                                  date=parse_date(parsed.meta.date), region=region, doc_type=parsed.meta.doc_type,
                                  report_year=parsed.meta.report_year)
        for r in extract_text(parsed.text, parsed.meta, doc=path.name):
            if r.region is None:
                r.region = region
            (cs if isinstance(r, Commitment) else ps).append(r)
        if parsed.meta.doc_type == "report":
            ps.extend(completion_statements(path.name, parsed.text, region=region, report_year=parsed.meta.report_year))
    known = {r for _, r in texts.values() if r} | {c.region for c in cs if c.region}
    ps = [p.model_copy(update={"region": refine_region(p, *texts[p.doc], known)}) for p in ps]
    ps = inherit_names_by_doc(ps, {doc: text for doc, (text, _) in texts.items()})
    # the same repair of unresolved indicator ids the tracker makes (tracker.Tracker.snapshot)
    return [resolve_indicator(c) for c in cs], [resolve_indicator(p) for p in ps], {}  # type: ignore[misc]


def run(source: str, verbose: bool) -> bool:
    gold = linkeval.load_gold(GOLD)
    if source == "gold":
        cs, ps, names = gold_records(gold["regions"])
        docs = set(names)
    else:
        cs, ps, names = extracted_records(gold["regions"])
        docs = None
    # the tracker's own chain (build_snapshot: automatic links, minus statements published
    # before the promise they would report on); gold records carry no dates
    links = auto_links(cs, ps) if source == "gold" else build_snapshot(cs, ps, DOCS).links
    s = linkeval.score(gold, cs, ps, links, names, docs=docs)
    print(f"[{source}] {len(cs)} commitments, {len(ps)} progress, {len(links)} automatic links")
    print(f"[{source}] precision {s.precision:.3f} ({s.true_pos}/{s.true_pos + s.false_pos})  "
          f"recall {s.recall:.3f} ({s.found_pairs}/{s.gold_pairs})  pairs with a missing record: {s.unavailable_pairs}  "
          f"links outside the gold set: {s.unscored_links}")
    if verbose:
        for e in s.errors:
            print("   ", e)
    return s.precision >= 0.95 and s.recall >= 0.90


def _previous_links(cs: list[Commitment], ps: list[Progress]) -> int:
    """The linking of round 1, kept as the baseline: figures bucketed by indicator only,
    and every completion statement examined for every commitment."""
    from policytrack.track.link import _key, link_reason
    from policytrack.track.status import COMPLETION_UNIT

    buckets: dict[str, list[Progress]] = {}
    statements: list[Progress] = []
    for p in ps:
        (statements if p.unit == COMPLETION_UNIT else buckets.setdefault(_key(p), [])).append(p)
    return sum(1 for c in cs for p in [*buckets.get(_key(c), ()), *statements] if link_reason(c, p))


def synthetic(n_c: int, n_p: int, n_s: int, n_names: int = 200, seed: int = 1):
    """Commitments, figures and completion statements spread over 16 regions and n_names
    indicators, half of the commitments qualitative (they examine statements)."""
    import random

    rnd = random.Random(seed)
    regions = [f"县{i}" for i in range(16)]
    names = [f"指标{i}覆盖率" for i in range(n_names)]
    works = [f"第{i}号工程建设" for i in range(n_names)]
    cs = []
    for i in range(n_c):
        if i % 2:
            cs.append(Commitment(doc=f"d{i % 20}", quote="q", start=i, end=i + 1, region=rnd.choice(regions),
                                 indicator=rnd.choice(names), kind="quantitative",
                                 target=Target(value=90.0, unit="%", op=">="), deadline="2025"))
        else:
            w = rnd.choice(works)
            cs.append(Commitment(doc=f"d{i % 20}", quote=f"完成{w}", start=i, end=i + 1, region=rnd.choice(regions),
                                 indicator=w, kind="qualitative", deadline="2024"))
    ps = [Progress(doc=f"r{i % 50}", quote="q", start=i, end=i + 1, region=rnd.choice(regions), indicator=rnd.choice(names),
                   value=80.0, unit="%", year=2022) for i in range(n_p)]
    ps += completion_statements_synthetic(rnd, regions, works, n_s)
    return [assign_id(c) for c in cs], [assign_id(p) for p in ps]  # type: ignore[misc]


def completion_statements_synthetic(rnd, regions, works, n_s: int) -> list[Progress]:
    from policytrack.track.status import COMPLETION_UNIT

    out = []
    for i in range(n_s):
        q = f"{rnd.choice(works)}已全部完成并投入使用。"
        out.append(Progress(doc=f"s{i % 50}", quote=q, start=i, end=i + len(q), region=rnd.choice(regions),
                            indicator=q[:40], value=1.0, unit=COMPLETION_UNIT, year=2023))
    return out


def scale(sizes=((2000, 10000, 1000), (4000, 20000, 2000), (8000, 40000, 4000))) -> None:
    """auto_links on synthetic records at growing sizes vs round 1's linking, same process."""
    import time

    for n_c, n_p, n_s in sizes:
        # more documents bring more indicators and places: names grow with the records, so the
        # number of true links grows linearly too and the timing shows the linker's own growth
        cs, ps = synthetic(n_c, n_p, n_s, n_names=n_c // 10)
        t = time.perf_counter()
        links = auto_links(cs, ps)
        fast = time.perf_counter() - t
        sample = cs[: max(1, n_c // 50)]  # round 1's linking on 2% of the commitments, scaled up
        t = time.perf_counter()
        naive = _previous_links(sample, ps)
        slow = (time.perf_counter() - t) * (n_c / len(sample))
        ids = {c.id for c in sample}
        check = sum(1 for l in links if l.commitment_id in ids)
        print(f"[scale] {n_c} commitments x {n_p} figures + {n_s} statements: auto_links {fast:.2f}s "
              f"({len(links)} links, {1e6 * fast / (n_c + n_p + n_s):.0f} us/record); round-1 linking (estimated) "
              f"{slow:.1f}s; ratio {slow / max(fast, 1e-9):.0f}x  (sample links {naive} = {check})")


def scale_db(db: Path) -> None:
    """Tracker(db).snapshot() on a real store (e.g. one kept by bench/search.py --keep),
    with round 1's linking timed on a sample of the same records."""
    import time

    from policytrack.track import tracker as T

    seen: dict = {}
    real = T.build_snapshot

    def spy(cs, ps, *a, **k):  # keep the records the snapshot links
        seen.update(cs=cs, ps=ps)
        return real(cs, ps, *a, **k)

    T.build_snapshot = spy
    try:
        t = time.perf_counter()
        snap = T.Tracker(db).snapshot()
        dt = time.perf_counter() - t
    finally:
        T.build_snapshot = real
    cs, ps = seen["cs"], seen["ps"]
    sample = cs[: max(1, len(cs) // 100)]
    t = time.perf_counter()
    _previous_links(sample, ps)
    slow = (time.perf_counter() - t) * (len(cs) / len(sample))
    t = time.perf_counter()
    auto_links(cs, ps)
    fast = time.perf_counter() - t
    print(f"[scale-db] {db}: {len(cs)} commitments, {len(ps)} figures/statements, {len(snap.links)} links; "
          f"snapshot {dt:.2f}s; auto_links {fast:.2f}s vs round-1 linking (estimated) {slow:.1f}s; "
          f"ratio {slow / max(fast, 1e-9):.0f}x")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", choices=["gold", "extract", "all"], default="all")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--scale", action="store_true", help="also time auto_links on synthetic records")
    ap.add_argument("--db", type=Path, help="with --scale: also time Tracker.snapshot() on this store")
    a = ap.parse_args()
    if a.scale:
        scale()
        if a.db:
            scale_db(a.db)
    if not SHARED.is_dir():
        print(f"{SHARED}: shared seeds absent; nothing to measure", file=sys.stderr)
        return 2
    ok = True
    for src in (["gold", "extract"] if a.source == "all" else [a.source]):
        try:
            ok &= run(src, a.verbose)
        except ImportError as exc:
            print(f"[{src}] skipped: {exc}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
