"""The extractor never raises, whatever the text (hypothesis), and stays linear-ish."""


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policytrack.extract import extract_text

ALPHABET = st.sampled_from(list("到2025年达到95%不低于以上以内左右万亿元人所个，。；、：\n\t|（）()责任单位牵头县教育局十四五百分之九十五一二三零〇 -.,1234567890abcXYZ《》“”") + ["\u00a0", "\u3000", "😀", "ا", "й"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=300))
def test_never_raises_on_domain_like_text(text):
    recs = extract_text(text, None, doc="x")
    for r in recs:
        assert text[r.start:r.end] == r.quote


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=200), st.one_of(st.none(), st.fixed_dictionaries({"date": st.sampled_from(["2022-05-05", "2022", "", "garbage"])})))
def test_never_raises_on_any_text_and_meta(text, meta):
    extract_text(text, meta, doc="x")


def test_empty_and_whitespace():
    assert extract_text("", None) == []
    assert extract_text("   \n\n\t", None) == []


def test_one_megabyte_without_punctuation_extracts():
    """1 MB with no sentence end: no exception and offsets stay true (time: bench/extract.py --linearity)."""
    text = ("全县义务教育巩固率达到95" * 80_000)[:1_000_000]
    recs = extract_text(text, {"date": "2022-01-01"}, doc="big")
    assert all(text[r.start:r.end] == r.quote for r in recs)


def test_mixed_scripts():
    text = "Target: 到2025年 coverage 达到95% ✓ — 县教育局 responsible (责任单位：县教育局)。ﾃｽﾄ 100%"
    recs = extract_text(text, None, doc="m")
    assert any(getattr(r, "target", None) and r.target.value == 95 for r in recs)


def test_ids_are_unique_and_stable():
    text = "到2025年，实现封闭化管理、保安配备、一键式报警、视频监控联网四个100%目标。学校80所，学校80所。"
    a = extract_text(text, {"date": "2022-01-01", "doc_type": "plan"}, doc="d")
    b = extract_text(text, {"date": "2022-01-01", "doc_type": "plan"}, doc="d")
    assert len({r.id for r in a}) == len(a)
    assert [r.id for r in a] == [r.id for r in b]
    assert sum(1 for r in a if r.type == "commitment" and r.target and r.target.value == 100) == 4
