"""Extractor fuzzing beyond tests/test_extract_robust.py: the whole Unicode range
(astral planes, combining marks, bidi and zero-width controls, NUL), domain fragments
spliced into noise, and long inputs.  The extractor must never raise and every
record must quote exactly the span it claims.  Time linearity is measured, not
asserted, by `python3 bench/extract.py --linearity`.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policytrack.extract import extract_text

FRAGMENTS = ["到2025年", "达到95%以上", "不低于90%", "（责任单位：县教育局、县财政局）", "2022年，全县学前三年毛入园率达到93.5%",
             "新建幼儿园3所", "二〇二二年八月底前", "一、", "（二）", "3.", "①", "\t", "\n", "|", "百分之九十五", "1.2万人", "增长10个百分点"]
ANY_CHAR = st.characters(codec=None, exclude_categories=("Cs",))  # every code point a str can hold except lone surrogates
NOISE = st.text(alphabet=ANY_CHAR, max_size=40)


def _check(text: str, meta=None) -> None:
    recs = extract_text(text, meta, doc="fuzz")
    for r in recs:
        assert 0 <= r.start <= r.end <= len(text)
        assert text[r.start:r.end] == r.quote


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ANY_CHAR, max_size=1000))
def test_any_unicode_never_raises(text):
    _check(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), NOISE), max_size=60),
       st.one_of(st.none(), st.fixed_dictionaries({"date": st.sampled_from(["2022-05-05", "1900-01-01", "9999-12-31", "x"]),
                                                   "doc_type": st.sampled_from(["plan", "report", "other"])})))
def test_domain_fragments_in_noise_never_raise(parts, meta):
    _check("".join(parts), meta)


@pytest.mark.parametrize("text", [
    "\x00" * 1000,
    "到2025年\x00达到95%\x00以上",
    "\u202e到2025年，全县学前三年毛入园率达到95%以上。\u202c",
    "到2025年，全县学前三年毛入园率达到9\u200b5%以上。",
    "到2025年，全县学前三年毛入园率达到９５％以上。",  # full-width digits
    "达到" * 5000,
    "95%" * 1500,  # time grows quadratically with such runs: see bench/extract.py --linearity
    "（" * 3000 + "责任单位：县教育局" + "）" * 3000,
    "一、" * 2000,
    "到2025年" * 3000,
    "\U0001f600" * 3000 + "到2025年达到95%",
    "e\u0301" * 3000,
    "\r\n" * 5000 + "到2025年达到95%",
    "\t|" * 5000,
], ids=lambda t: repr(t[:12]) + f"..{len(t)}")
def test_pathological_inputs(text):
    _check(text)
