#!/usr/bin/env python3
"""Measure the lexicons against the hand-checked gold (approximate, for development).

Why: the catalogue and the department rules are judged by how much of the real gold
they cover, split into the part looked at while writing them (dev) and a held-out part
chosen by hash (eval), so the eval figure is not inflated by tuning.

1. indicators: share of gold `indicator` strings (seeds + passages, with the record's
   unit) that `match_indicator` maps to some catalogue id;
2. departments: for each gold commitment, the departments predicted from the quote's
   own clause (`subject_departments`) plus the first responsibility block that follows
   the quote in its paragraph (`responsibility_blocks`), compared with gold `departments`
   as an exact ordered list.

Usage: python3 scripts/lexicon_coverage.py [--shared ../shared] [-v]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from policytrack.extract.departments import responsibility_blocks, subject_departments
from policytrack.extract.indicators import match_indicator


def held_out(key: str) -> bool:
    """~30% of items, chosen by hash, kept out of rule writing."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 10 < 3


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_sets(shared: Path) -> list[tuple[dict[str, str], list[dict]]]:
    """[(doc texts, gold records)] for the seeds and for the passages."""
    gold = shared / "gold"
    seeds = {p.name: p.read_text(encoding="utf-8") for p in (shared / "corpus" / "seeds").glob("*.txt")}
    seed_recs = [r for p in sorted(gold.glob("*.jsonl")) for r in load_jsonl(p)]
    passages = {d["id"]: d["text"] for d in load_jsonl(shared / "corpus" / "passages.jsonl")}
    pas_recs = [r for p in sorted((gold / "passages").glob("*.jsonl")) for r in load_jsonl(p)]
    return [(seeds, seed_recs), (passages, pas_recs)]


def record_unit(r: dict) -> str:
    if "value" in r:
        return r.get("unit") or ""
    return ((r.get("target") or {}).get("unit")) or ""


def predict_departments(text: str, start: int, end: int, blocks) -> list[str]:
    """Subject of the quote's clause, then the first block after it in the same paragraph."""
    clause_start = max(text.rfind(c, 0, start) for c in "。\n") + 1
    out = list(subject_departments(text[clause_start:end]))
    if not out:  # the quote's own comma clause: …，国务院要派督导组
        comma = max(text.rfind(c, clause_start, start + 1) for c in "，,")
        if comma >= 0:
            out = list(subject_departments(text[comma + 1 : end]))
    for b in blocks:
        if b.start <= start and end <= b.end:  # a table row whose 责任单位 cell covers the quote
            out += [d for d in b.departments if d not in out]
            break
        if b.start < end:
            continue
        between = text[end : b.start]
        # the block belongs to the quote's task paragraph: same line, or right below it
        if "\n" not in between or between.strip() == "":
            for d in b.departments:
                if d not in out:
                    out.append(d)
        break
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    ap.add_argument("-v", "--verbose", action="store_true", help="list misses of the dev split")
    args = ap.parse_args(argv)
    if not (args.shared / "gold").is_dir():
        print(f"{args.shared}: no gold/ directory (pass --shared)", file=sys.stderr)
        return 2
    sets = load_sets(args.shared)

    # ---- indicators
    pairs = {(r["indicator"], record_unit(r)) for _, recs in sets for r in recs}
    for split in ("dev", "eval"):
        items = [p for p in pairs if held_out(p[0]) == (split == "eval")]
        hit = [p for p in items if match_indicator(p[0], p[1] or None)]
        print(f"indicators {split}: {len(hit)}/{len(items)} distinct (indicator, unit) map to an id ({len(hit) / max(1, len(items)):.1%})")
    recs_all = [r for _, recs in sets for r in recs]
    n_hit = sum(1 for r in recs_all if match_indicator(r["indicator"], record_unit(r) or None))
    print(f"indicators all records: {n_hit}/{len(recs_all)} ({n_hit / len(recs_all):.1%})")

    # ---- departments
    stats = {s: {"n": 0, "ok": 0, "n_dep": 0, "ok_dep": 0, "n_empty": 0, "ok_empty": 0} for s in ("dev", "eval")}
    misses = []
    for texts, recs in sets:
        blocks_by_doc = {d: responsibility_blocks(t) for d, t in texts.items()}
        for r in recs:
            if "departments" not in r:  # progress records name no departments
                continue
            text = texts.get(r["doc"])
            if text is None or r["quote"] not in text:
                continue
            start = text.index(r["quote"])
            pred = predict_departments(text, start, start + len(r["quote"]), blocks_by_doc[r["doc"]])
            gold = r.get("departments") or []
            s = stats["eval" if held_out(r["doc"] + r["quote"]) else "dev"]
            s["n"] += 1
            s["ok"] += pred == gold
            key = "dep" if gold else "empty"
            s["n_" + key] += 1
            s["ok_" + key] += pred == gold
            if pred != gold and not held_out(r["doc"] + r["quote"]):
                misses.append((r["doc"], r["quote"][:50], gold, pred))
    for split, s in stats.items():
        print(
            f"departments {split}: exact {s['ok']}/{s['n']} ({s['ok'] / max(1, s['n']):.1%}); "
            f"with gold departments {s['ok_dep']}/{s['n_dep']} ({s['ok_dep'] / max(1, s['n_dep']):.1%}); "
            f"gold empty {s['ok_empty']}/{s['n_empty']} ({s['ok_empty'] / max(1, s['n_empty']):.1%})"
        )
    if args.verbose:
        for m in misses:
            print("  miss", *m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
