"""The extractor against the hand-checked gold of ../shared (seeds and passages).

A floor against regressions, per set, just below the scores reached; the full
scores are printed so CI output shows where quality stands.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.seeds

# floors just below what the extractor reaches (raise them when it improves; the issue's
# minimum was 0.75 / 0.80, its goal 0.92)
COMMITMENT_FLOOR = {"seeds": 0.95, "passages": 0.93}
PROGRESS_FLOOR = {"seeds": 0.955, "passages": 0.955}
# field accuracy on matched commitments (deadline and departments are what an auditor checks first)
FIELD_FLOOR = {("seeds", "deadline"): 0.97, ("seeds", "departments"): 0.98,
               ("passages", "deadline"): 0.965, ("passages", "departments"): 0.985}


@pytest.fixture(scope="module")
def scores(tmp_path_factory, pytestconfig):
    if not (SHARED / "gold" / "score.py").exists():
        pytest.skip(f"{SHARED}: the shared development set (gold/score.py) is not beside the checkout")
    sys.path.insert(0, str(ROOT / "scripts"))
    import score_gold  # noqa: E402

    out = tmp_path_factory.mktemp("pred")
    results = {}
    for name, (docs, gold, docs_arg) in score_gold.load_sets(SHARED).items():
        pred = out / f"pred_{name}.jsonl"
        score_gold.predict(docs, pred)
        cmd = [sys.executable, str(SHARED / "gold" / "score.py"), "--gold", str(gold), "--docs", str(docs_arg), "--pred", str(pred)]
        full = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        capture = pytestconfig.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():  # shown in CI output even when the tests pass
            print(f"\n== {name} (../shared/gold/score.py)\n{full}", flush=True)
        results[name] = json.loads(subprocess.run(cmd + ["--json"], capture_output=True, text=True, check=True).stdout)
    return results


@pytest.mark.parametrize("name", ["seeds", "passages"])
def test_commitment_f1_floor(scores, name):
    s = scores[name]["commitments"]
    assert s["f1"] >= COMMITMENT_FLOOR[name], f"{name}: commitment F1 {s['f1']} < {COMMITMENT_FLOOR[name]}: {s}"


@pytest.mark.parametrize("name", ["seeds", "passages"])
def test_progress_f1_floor(scores, name):
    s = scores[name]["progress"]
    assert s["f1"] >= PROGRESS_FLOOR[name], f"{name}: progress F1 {s['f1']} < {PROGRESS_FLOOR[name]}: {s}"


@pytest.mark.parametrize("name,field", sorted(FIELD_FLOOR))
def test_commitment_field_floor(scores, name, field):
    acc = scores[name]["commitments"]["field_accuracy"][field]
    assert acc >= FIELD_FLOOR[(name, field)], f"{name}: {field} accuracy {acc} < {FIELD_FLOOR[(name, field)]}"


def test_quotes_are_substrings_at_their_offsets():
    if not (SHARED / "corpus" / "seeds").exists():
        pytest.skip(f"{SHARED}/corpus/seeds is absent")
    from policytrack.extract import extract_text

    for p in sorted((SHARED / "corpus" / "seeds").glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        for rec in extract_text(text, None, doc=p.name):
            assert text[rec.start:rec.end] == rec.quote, (p.name, rec)
