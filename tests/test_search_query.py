"""Query parsing: what a member of staff types → groups, phrases, concepts, intent."""

from __future__ import annotations

import pytest

from policytrack.search.query import parse_query
from policytrack.search.rrf import rrf
from policytrack.search.snippet import snippet

# developed on: the example queries
INTENT = [
    ("大班额 目标", "commitment"),
    ("学前三年毛入园率 指标", "commitment"),
    ("消除 大班额 进展", "progress"),
    ("毛入园率 完成", "progress"),
    ("县管校聘", None),
    ("目标 进展", None),  # both kinds asked for: no boost
]


@pytest.mark.parametrize("q,intent", INTENT)
def test_intent(q, intent):
    assert parse_query(q).intent == intent


def test_intent_words_are_not_required():
    pq = parse_query("大班额 目标")
    assert [g.label for g in pq.groups] == ["大班额"]
    assert pq.intent_words == ["目标"]


def test_only_intent_word_is_searched_as_a_word():
    pq = parse_query("目标")
    assert [g.label for g in pq.groups] == ["目标"]


CONCEPTS = [
    # word, ids it must reach by indicator_id
    ("大班额", {"large_class", "large_class_share", "large_school", "class_size_primary", "class_size"}),
    ("学前三年毛入园率", {"preschool_gross_enrollment"}),
    ("学前教育毛入园率", {"preschool_gross_enrollment"}),  # a synonym
    ("大校额", {"large_school", "large_class"}),
]


@pytest.mark.parametrize("word,ids", CONCEPTS)
def test_concepts(word, ids):
    pq = parse_query(word)
    assert ids <= pq.concept_ids


def test_related_ids_are_directional():
    # 班额 is a broader word: it must not pull in every 大班额 record
    assert "large_class" not in parse_query("班额").concept_ids


def test_adjacent_words_naming_an_indicator_form_one_group():
    pq = parse_query("普惠性幼儿园 覆盖率 2025")
    assert [g.label for g in pq.groups] == ["普惠性幼儿园 覆盖率", "2025"]
    assert "inclusive_kindergarten_coverage" in pq.groups[0].concept_ids
    alts = {" ".join(" ".join(p) for p in a) for a in pq.groups[0].alternatives}
    assert "普惠性幼儿园覆盖率" in alts


def test_quoted_phrase_is_exact_and_not_expanded():
    pq = parse_query('"县管校聘" 改革')
    g = pq.groups[0]
    assert g.exact and g.label == "县管校聘" and not g.concept_ids


def test_quoted_phrase_inside_a_dictionary_compound():
    # bug caught: the segmenter keeps 义务教育优质均衡发展 whole, so the phrase alone found nothing
    pq = parse_query('"优质均衡发展"')
    alts = {" ".join(" ".join(p) for p in a) for a in pq.groups[0].alternatives}
    assert "义务教育优质均衡发展" in alts


@pytest.mark.parametrize("q", ["", "   ", "的", "的 和"])
def test_empty_queries(q):
    assert parse_query(q).empty


# ------------------------------------------------------------------ snippets

def test_snippet_marks_and_escapes():
    html, matched = snippet("a<b & 消除大班额现象", (("大班额",),))
    assert html == "a&lt;b &amp; 消除<mark>大班额</mark>现象"
    assert matched == ["大班额"]


def test_snippet_window_centres_on_matches():
    text = "无关内容。" * 80 + "全面消除大班额" + "其他内容。" * 80
    html, _ = snippet(text, (("大班额",),), width=60)
    assert "<mark>大班额</mark>" in html and html.startswith("…") and html.endswith("…")
    assert len(html) < 120


def test_snippet_phrase_across_tokens():
    html, _ = snippet("实施县管校聘改革", (("县管校聘", "改革"),))
    assert "<mark>县管校聘改革</mark>" in html


# ------------------------------------------------------------------ fusion

def test_rrf_fuses_and_keeps_single_list_order():
    assert [k for k, _ in rrf([["a", "b", "c"]])] == ["a", "b", "c"]
    fused = [k for k, _ in rrf([["a", "b", "c"], ["b", "x", "a"]])]
    assert fused[0] == "b" and set(fused) == {"a", "b", "c", "x"}
