"""segment.words() and segment.cut() are jieba's cut without and with HMM, word for word:
the extractor's Doc is built from the first, the search index and queries from the second
(through index_tokens), so index and query time must keep segmenting as jieba does."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policytrack.lexicons.segment import cut, domain_terms, tokenizer, words

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def jieba_words(text: str) -> list[str]:
    return list(tokenizer().cut(text, HMM=False))


def jieba_hmm(text: str) -> list[str]:
    return list(tokenizer().cut(text, HMM=True))


def same(text: str) -> bool:
    return words(text) == jieba_words(text) and cut(text) == jieba_hmm(text)


@pytest.mark.parametrize("text", [
    "",
    "到2025年，全县学前三年毛入园率达到95%以上（责任单位：县教育局、县财政局）。",
    "56人以上大班额全面消除，义务教育巩固率保持在97%以上。",
    "投入资金1.25亿元，新增学位3000个；PM2.5浓度下降18%。",
    "a1b2 C++ c# R&D 3.14 -- ..% x_y",  # ASCII runs jieba joins or splits
    "\r\n\r\n\t \u3000 ９５％ ｂｃ 𠀀 😀 ا й",  # whitespace, full-width, outside the Han block
    "学前学前学前三年三年毛毛毛入园率率率",  # prefixes that are no word, repeated words
    "一" * 500,
    "青禾县喀什噶尔乡阿依古丽同学获奖",  # unknown names: HMM joins characters no dictionary word covers
])
def test_same_words_as_jieba_on_phrases(text):
    assert words(text) == jieba_words(text)
    assert cut(text) == jieba_hmm(text)


def _real_texts() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus").glob("*.txt"))]
    out += [(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus" / "src").rglob("*.txt"))]
    return out


@pytest.mark.parametrize("name,text", _real_texts())
def test_same_words_as_jieba_on_bundled_corpus(name, text):
    assert same(text), name


def test_same_words_as_jieba_on_shared_corpus():
    seeds = sorted((SHARED / "corpus" / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip(f"{SHARED}/corpus/seeds not found (the shared development material is not beside the checkout)")
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    passages = SHARED / "corpus" / "passages.jsonl"
    if passages.is_file():
        texts += [json.loads(line)["text"] for line in passages.read_text(encoding="utf-8").splitlines() if line.strip()]
    for text in texts:
        assert same(text)


# dictionary words and their pieces, so the generated text exercises long matches, prefixes that
# are no word, ties and unknown characters
_PIECES = [t for t in domain_terms()[:400]] + [t[:k] for t in domain_terms()[:200] for k in (1, 2, 3)] + list(
    "的了在是到达年月日县市省局委办%0123456789.abcXYZ-_#&+，。、；：（）\n\r\t \u3000😀й")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join))
def test_same_words_as_jieba_on_generated_text(text):
    assert same(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_same_words_as_jieba_on_any_text(text):
    assert same(text)
