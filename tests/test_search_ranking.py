"""Ranking rules shared by the backends (issue 4, `大班额 目标`): what a commitment's sentence
states, and restatements of one commitment across documents collapsed into `also_in`."""

from __future__ import annotations

import pytest

from policytrack.search.results import (STATEMENT_FACTOR, Hit, collapse_restatements, restatement_key,
                                        statement)
from policytrack.search.storeview import DocInfo


@pytest.mark.parametrize("quote, sentence, level", [
    # table labels: the row's label is all the quote says
    ("56人以上大班额比例（%）", "56人以上大班额比例（%）\t6.8\t0\t约束性", 0),
    ("普惠性幼儿园覆盖率（%）", "普惠性幼儿园覆盖率（%）\t80\t85", 0),
    # topic and task lists commit to nothing checkable
    ("聚焦学位供给、大班额消除、教师队伍建设等重点任务",
     "2022年，县教育体育局聚焦学位供给、大班额消除、教师队伍建设等重点任务，扎实推进各项工作。", 1),
    ("进一步规范办学行为", "进一步规范办学行为。", 1),
    ("完成率", "项目完成率。", 1),  # a rate named, not a result stated
    # an end state or target without a time
    ("2.全面消除大班额", "2.全面消除大班额。", 2),
    ("小学班额不超过45人", "小学班额不超过45人，初中班额不超过50人。", 2),
    # with its deadline in the sentence (the quote may leave it out)
    ("（二）2023年秋季开学前全面消除56人以上大班额", "（二）2023年秋季开学前全面消除56人以上大班额。", 3),
    ("56人以上大班额比例降至3%以下", "到2022年底，56人以上大班额比例降至3%以下；2023年秋季开学前，全面消除56人以上大班额。", 3),
    ("普通高中大班额全部消除", "到2025年，高中阶段毛入学率达到92%以上，普通高中大班额全部消除。", 3),
])
def test_statement_levels(quote, sentence, level):
    assert statement({"quote": quote}, sentence) == level


def test_statement_orders_the_factors_and_is_memoised():
    assert list(STATEMENT_FACTOR) == sorted(STATEMENT_FACTOR) and STATEMENT_FACTOR[2] == 1.0
    rec = {"quote": "全面消除大班额"}
    assert statement(rec, "到2023年底全面消除大班额。") == 3
    assert statement(rec) == 3 and rec["_statement"] == 3  # the sentence is needed once


DOCS = {d: DocInfo(id=d, title=t, region="青禾县") for d, t in
        (("plan", "青禾县“十四五”教育事业发展规划"), ("scheme", "青禾县义务教育扩容提质实施方案"),
         ("summary", "青禾县教育体育局2022年工作总结"), ("other", "吴忠市利通区规划"))}


def _c(doc, quote, indicator=None, value=None, deadline=None, typ="commitment", key=0):
    target = {"value": value, "unit": "%", "op": "<="} if value is not None else None
    rec = {"id": f"{doc}{key}", "quote": quote, "indicator_id": indicator, "target": target, "deadline": deadline,
           "type": typ}
    return Hit(typ, key, doc, 1.0 - key / 100, rec=rec)


@pytest.mark.parametrize("a, b, same", [
    # same indicator, region, target and deadline in a plan and its implementation scheme
    (_c("plan", "56人以上大班额比例降至3%以下", "large_class_share", 3.0, "2022-12"),
     _c("scheme", "到2022年底大班额比例控制在3%以内", "large_class_share", 3.0, "2022-12", key=1), True),
    # another deadline: another commitment
    (_c("plan", "全面消除56人以上大班额", "large_class", None, "2025"),
     _c("scheme", "全面消除56人以上大班额", "large_class", None, "2023-12", key=1), False),
    # the same words once enumeration is gone (headings of two documents)
    (_c("plan", "2.全面消除大班额", "large_class"), _c("scheme", "（二）全面消除大班额", "large_class", key=1), True),
    # no target value: an indicator and deadline alone do not make two sentences one
    (_c("plan", "普通高中大班额全部消除", "large_class", None, "2025"),
     _c("summary", "聚焦学位供给、大班额消除等重点任务", "large_class", None, "2025", key=1), False),
    # progress figures are reported, not restated: never collapsed
    (_c("plan", "大班额比例为2.85%", "large_class_share", 2.85, typ="progress"),
     _c("scheme", "大班额比例为2.85%", "large_class_share", 2.85, typ="progress", key=1), False),
])
def test_restatement_key(a, b, same):
    ka, kb = restatement_key(a, DOCS), restatement_key(b, DOCS)
    assert (ka is not None and ka == kb) is same


def test_collapse_restatements_keeps_the_best_and_lists_the_others():
    hits = [_c("scheme", "56人以上大班额比例降至3%以下", "large_class_share", 3.0, "2022-12", key=0),
            _c("plan", "普通高中大班额全部消除", "large_class", None, "2025", key=1),
            _c("plan", "56人以上大班额比例降至3%以下", "large_class_share", 3.0, "2022-12", key=2),
            _c("scheme", "大班额比例降至3%以下（重申）", "large_class_share", 3.0, "2022-12", key=3),
            _c("summary", "56人以上大班额比例（%）", "large_class_share", 3.0, "2022-12", key=4)]
    out = collapse_restatements(hits, DOCS)
    assert [h.key for h in out] == [0, 1, 3]  # the same document's second statement stays apart
    assert [h.doc for h in out[0].also_in] == ["plan", "summary"]


def test_other_regions_are_not_restatements():
    a = _c("plan", "全面消除大班额", "large_class")
    b = _c("other", "全面消除大班额", "large_class", key=1)
    b.rec["region"] = "利通区"
    assert collapse_restatements([a, b], DOCS) == [a, b]


def test_es_documents_carry_the_statement_factor():
    from policytrack.search.es import rank_factor

    label = {"quote": "56人以上大班额比例（%）", "context": "56人以上大班额比例（%）\t6.8\t0"}
    assert rank_factor(label, "commitment") == STATEMENT_FACTOR[0]
    assert rank_factor({"quote": "x"}, "progress") == 1.0 and rank_factor(None, "passage") == 1.0


@pytest.mark.parametrize("quote, sentence, kind, factor", [
    ("学前教育毛入园率（%）", "学前教育毛入园率（%）\t92.5\t93.4\t≥95", "progress", STATEMENT_FACTOR[0]),
    ("学前三年毛入园率", "学前三年毛入园率\t91.5\t≥95", "progress", STATEMENT_FACTOR[0]),
    ("全县学前教育毛入园率达到93.4%", "全县学前教育毛入园率达到93.4%，较上年提高0.9个百分点。", "progress", 1.0),
    ("全面消除大班额", "到2023年底全面消除大班额。", "commitment", STATEMENT_FACTOR[3]),
    ("学前三年毛入园率（%）", "学前三年毛入园率（%）\t91.5\t≥95", "commitment", STATEMENT_FACTOR[0]),
    ("任何文字", None, "passage", 1.0),
])
def test_rank_prior(quote, sentence, kind, factor):
    from policytrack.search.results import rank_prior

    assert rank_prior({"quote": quote}, kind, sentence) == factor
