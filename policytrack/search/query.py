"""Turn what a member of staff types into a backend-neutral query.

The parsed form is the contract between the query language and the backends:
FTS5 renders it as a MATCH expression, Elasticsearch as a bool query, and both
use the same tokens because every word goes through `index_tokens`, the one
segmenter used at index time.

A query is an AND of *groups*; a group is an OR of *alternatives*; an
alternative is an AND of *phrases* (token sequences that must be adjacent).
A word that names an indicator becomes a group whose alternatives are every
name of that indicator (and its family), and whose `concept_ids` let records
match by `indicator_id` even when they use none of the words.  Intent words
(目标 / 进展 …) are not required to match; they set `intent`, which boosts one
record type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from policytrack.lexicons import load_yaml
from policytrack.lexicons.segment import index_tokens

from .concepts import ConceptIndex, concept_index

Phrase = tuple[str, ...]
Alternative = tuple[Phrase, ...]
Intent = Literal["commitment", "progress"]

_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』')
# a chunk this short is one word the user typed (县管校聘), searched as a phrase;
# longer chunks without spaces are split into words that must all appear
_WORD_MAX_CHARS = 4


@dataclass
class Group:
    """One thing the hit must contain (in one of several ways)."""

    label: str
    alternatives: list[Alternative]
    concept_ids: set[str] = field(default_factory=set)  # indicator ids records may match by
    direct_ids: set[str] = field(default_factory=set)  # the ids the word names (and their family)
    exact: bool = False  # a quoted phrase: no concept expansion
    # alternatives[n_direct:] are the names of *related* indicators (search_concepts.yaml):
    # 大班额 also finds text saying 班额不超过45人 or 大校额, ranked below direct matches
    n_direct: int | None = None

    def direct_alternatives(self) -> list[Alternative]:
        return self.alternatives if self.n_direct is None else self.alternatives[:self.n_direct]

    @property
    def has_related(self) -> bool:
        return self.n_direct is not None and self.n_direct < len(self.alternatives)

    def tokens(self) -> set[str]:
        return {t for alt in self.alternatives for ph in alt for t in ph}


@dataclass
class ParsedQuery:
    raw: str
    groups: list[Group]
    intent: Intent | None = None
    intent_words: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def has_related(self) -> bool:
        return any(g.has_related for g in self.groups)

    def direct_only(self) -> ParsedQuery:
        """The same query without related-indicator terms (to tell direct matches apart)."""
        gs = [Group(g.label, g.direct_alternatives(), g.concept_ids, g.direct_ids, g.exact) for g in self.groups]
        return ParsedQuery(raw=self.raw, groups=gs, intent=self.intent, intent_words=self.intent_words)

    @property
    def concept_ids(self) -> set[str]:
        out: set[str] = set()
        for g in self.groups:
            out |= g.concept_ids
        return out

    def highlight_tokens(self) -> set[str]:
        out: set[str] = set()
        for g in self.groups:
            out |= g.tokens()
        return out

    def describe(self) -> dict:
        """What the engine understood, for the response (`why` at query level)."""
        ci = concept_index()
        return {
            "groups": [
                {
                    "label": g.label,
                    "exact": g.exact,
                    "alternatives": [" + ".join(" ".join(p) for p in a) for a in g.alternatives],
                    "concepts": sorted(ci.names.get(i, i) for i in g.concept_ids),
                }
                for g in self.groups
            ],
            "intent": self.intent,
            "intent_words": self.intent_words,
        }


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, Intent], frozenset[str], float]:
    data = load_yaml("search_intents.yaml") or {}
    intents: dict[str, Intent] = {}
    for kind in ("commitment", "progress"):
        for w in data.get(kind, []) or []:
            intents[str(w).lower()] = kind  # type: ignore[assignment]
    stop = frozenset(str(w) for w in data.get("stopwords", []) or [])
    return intents, stop, float(data.get("boost", 2.0))


def intent_boost() -> float:
    return _lexicon()[2]


@lru_cache(maxsize=8192)
def _phrase(text: str) -> Phrase:
    return tuple(index_tokens(text).split())


def _word_group(word: str, ci: ConceptIndex) -> Group | None:
    """A group for one user word, expanded by concept and by dictionary compounds."""
    ph = _phrase(word)
    if not ph:
        return None
    alts: list[Alternative] = [(ph,)]
    lw = word.strip().lower()
    if len(ph) > 1 and lw.isalnum():
        alts.append(((lw,),))  # the text may have kept it whole where the query split it
    ids = ci.ids_for(word)
    for term in sorted(ci.terms_for(ids)):
        alts.append((_phrase(term),))
    for term in ci.containing(word):
        alts.append((_phrase(term),))
    alts = _dedupe(alts)
    related_ids = ci.expand(ids) - ids
    n_direct = len(alts)
    rel = _dedupe(alts + [(_phrase(t),) for t in sorted(ci.terms_for(related_ids))])[n_direct:]
    return Group(label=word, alternatives=alts + rel, concept_ids=ci.expand(ids), direct_ids=ids,
                 n_direct=n_direct if rel else None)


def _dedupe(alts: list[Alternative]) -> list[Alternative]:
    seen: set[Alternative] = set()
    out = []
    for a in alts:
        a = tuple(p for p in a if p)
        if a and a not in seen:
            seen.add(a)
            out.append(a)
    return out


def _chunk_groups(chunk: str, ci: ConceptIndex, intents: dict, stop: frozenset[str], intent_words: list[str]) -> list[Group]:
    """Groups for one space-separated chunk: one word, or the words of a longer run of text."""
    if chunk in stop:
        return []
    if ci.ids_for(chunk) or len(chunk) <= _WORD_MAX_CHARS or chunk.lower() in ci.dictionary:
        g = _word_group(chunk, ci)
        return [g] if g is not None else []
    out = []
    for tok in index_tokens(chunk).split():
        if tok in intents:
            intent_words.append(tok)
        elif tok not in stop and (g := _word_group(tok, ci)) is not None:
            out.append(g)
    return out


def parse_query(q: str) -> ParsedQuery:
    """Parse quoted phrases, intent words, words and concepts (see module docstring).

    Memoised: staff repeat queries, and parsing segments every name of every concept the
    query touches (a few ms); the result is only read afterwards."""
    return _parse_query(q)


@lru_cache(maxsize=2048)
def _parse_query(q: str) -> ParsedQuery:
    intents, stop, _ = _lexicon()
    ci = concept_index()
    q = (q or "").strip()
    groups: list[Group] = []
    intent_words: list[str] = []

    for m in _QUOTED.finditer(q):
        text = next(g for g in m.groups() if g is not None)
        ph = _phrase(text)
        if ph:
            # the segmenter keeps dictionary compounds whole, so an exact phrase inside
            # one (优质均衡发展 in 义务教育优质均衡发展) is found through that compound
            alts: list[Alternative] = [(ph,)]
            alts += [(_phrase(t),) for t in ci.containing(text)]
            groups.append(Group(label=text, alternatives=_dedupe(alts), exact=True))
    rest = _QUOTED.sub(" ", q)

    chunks: list[str] = []
    for chunk in rest.split():
        if chunk.lower() in intents:
            intent_words.append(chunk)
        else:
            chunks.append(chunk)

    i = 0
    while i < len(chunks):
        # adjacent chunks that together name an indicator (普惠性幼儿园 覆盖率) form one
        # group: any name of the indicator, OR all the chunks anywhere
        for j in range(len(chunks), i + 1, -1):
            joined = "".join(chunks[i:j])
            if ci.ids_for(joined):
                g = _word_group(joined, ci)
                if g is not None:
                    both = tuple(ph for c in chunks[i:j] if (ph := _phrase(c)))
                    g.alternatives = _dedupe([*g.alternatives, both])
                    g.label = " ".join(chunks[i:j])
                    groups.append(g)
                break
        else:
            j = i + 1
            groups += _chunk_groups(chunks[i], ci, intents, stop, intent_words)
        i = j

    kinds = {intents[w.lower()] for w in intent_words if w.lower() in intents}
    intent: Intent | None = kinds.pop() if len(kinds) == 1 else None
    if not groups and intent_words:
        # only intent words were typed: search them as words too
        for w in intent_words:
            g = _word_group(w, ci)
            if g is not None:
                groups.append(g)
    return ParsedQuery(raw=q, groups=groups, intent=intent, intent_words=intent_words)


def matched_groups(pq: ParsedQuery, tokens: set[str]) -> list[tuple[Group, Alternative]]:
    """For each group, the first alternative fully present in a hit's tokens."""
    out = []
    for g in pq.groups:
        for alt in g.alternatives:
            if all(t in tokens for ph in alt for t in ph):
                out.append((g, alt))
                break
    return out
