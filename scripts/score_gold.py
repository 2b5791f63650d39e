#!/usr/bin/env python3
"""Run the extractor over the shared development sets and score it with ../shared/gold/score.py.

    python3 scripts/score_gold.py [--misses] [--shared DIR] [--out DIR]

Seeds: doc = file name, metadata from policytrack.ingest.meta.detect_meta (no
hand-written per-document metadata).  Passages: doc = passage id, same detection.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))


def _meta(text: str, source: str | None = None):
    try:
        from policytrack.ingest.meta import detect_meta

        return detect_meta(text, source=source)
    except Exception:  # noqa: BLE001 - fall back to the extractor's own heuristics
        return None


def predict(docs: list[tuple[str, str, str | None]], out: Path) -> int:
    from policytrack.extract import extract_text

    n = 0
    with out.open("w", encoding="utf-8") as f:
        for name, text, source in docs:
            for rec in extract_text(text, _meta(text, source), doc=name):
                f.write(rec.model_dump_json() + "\n")
                n += 1
    return n


def load_sets(shared: Path) -> dict[str, tuple[list[tuple[str, str]], Path, Path]]:
    seeds_dir = shared / "corpus" / "seeds"
    seeds = [(p.name, p.read_text(encoding="utf-8"), p.name) for p in sorted(seeds_dir.glob("*.txt"))]
    pfile = shared / "corpus" / "passages.jsonl"
    passages = []
    for line in pfile.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            passages.append((r["id"], r["text"], r.get("url")))  # the page's address, as ingest records it
    return {
        "seeds": (seeds, shared / "gold", seeds_dir),
        "passages": (passages, shared / "gold" / "passages", pfile),
    }


def score(shared: Path, outdir: Path, misses: bool = False, as_json: bool = False) -> dict[str, str]:
    results = {}
    for name, (docs, gold, docs_arg) in load_sets(shared).items():
        pred = outdir / f"pred_{name}.jsonl"
        predict(docs, pred)
        cmd = [sys.executable, str(shared / "gold" / "score.py"), "--gold", str(gold), "--docs", str(docs_arg), "--pred", str(pred)]
        if misses:
            cmd.append("--misses")
        if as_json:
            cmd.append("--json")
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[name] = res.stdout
        print(f"== {name}")
        print(res.stdout, end="")
        if misses:
            print(res.stderr, end="")
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--out", default=None, help="folder for pred_*.jsonl (default: a temp folder)")
    ap.add_argument("--misses", action="store_true")
    a = ap.parse_args()
    shared = Path(a.shared)
    if not (shared / "gold" / "score.py").exists():
        print(f"{shared}: no gold/score.py here (the shared development set is missing)", file=sys.stderr)
        return 2
    if a.out:
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        score(shared, out, a.misses)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            score(shared, Path(tmp), a.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
