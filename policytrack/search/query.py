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
    concept_ids: set[str] = field(default_factory=set)
    exact: bool = False  # a quoted phrase: no expansion

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
    return Group(label=word, alternatives=_dedupe(alts), concept_ids=ids)


def _dedupe(alts: list[Alternative]) -> list[Alternative]:
    seen: set[Alternative] = set()
    out = []
    for a in alts:
        a = tuple(p for p in a if p)
        if a and a not in seen:
            seen.add(a)
            out.append(a)
    return out


def parse_query(q: str) -> ParsedQuery:
    """Parse quoted phrases, intent words, words and concepts (see module docstring)."""
    intents, stop, _ = _lexicon()
    ci = concept_index()
    q = (q or "").strip()
    groups: list[Group] = []
    intent_words: list[str] = []

    for m in _QUOTED.finditer(q):
        text = next(g for g in m.groups() if g is not None)
        ph = _phrase(text)
        if ph:
            groups.append(Group(label=text, alternatives=[(ph,)], exact=True))
    rest = _QUOTED.sub(" ", q)

    words: list[str] = []
    for chunk in rest.split():
        if chunk.lower() in intents:
            intent_words.append(chunk)
            continue
        if ci.ids_for(chunk) or len(chunk) <= _WORD_MAX_CHARS or chunk.lower() in ci.dictionary:
            words.append(chunk)
            continue
        for tok in index_tokens(chunk).split():
            if tok in intents:
                intent_words.append(tok)
            elif tok not in stop:
                words.append(tok)

    # adjacent words that together name an indicator (普惠性幼儿园 覆盖率) form one group:
    # the whole term OR both words anywhere
    i = 0
    while i < len(words):
        w = words[i]
        if i + 1 < len(words):
            joined = w + words[i + 1]
            jids = ci.ids_for(joined)
            if jids:
                g = _word_group(joined, ci)
                g1, g2 = _word_group(w, ci), _word_group(words[i + 1], ci)
                if g is not None and g1 is not None and g2 is not None:
                    both = tuple(p for a in (g1.alternatives[0], g2.alternatives[0]) for p in a)
                    g.alternatives = _dedupe([*g.alternatives, both])
                    g.label = f"{w} {words[i + 1]}"
                    groups.append(g)
                    i += 2
                    continue
        g = _word_group(w, ci)
        if g is not None and not (len(g.alternatives) == 1 and g.alternatives[0] == ((w,),) and w in stop):
            groups.append(g)
        i += 1

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
