"""One regex for a long word list, shaped as a character trie.

Several thousand organ names, units or catalogue terms joined as a plain alternation make
the regex engine try every word at every character.  As a trie, the words that can match at
one position share their prefix, so a position is rejected on its first character, and the
greedy optional groups prefer the longer continuation: the same matches (and backtracking)
as the list sorted longest first."""

from __future__ import annotations

import re
from typing import Iterable


def trie_alternation(words: Iterable[str]) -> str:
    """The pattern text (no group around it); empty words are ignored."""
    trie: dict = {}
    for w in {w for w in words if w}:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True
    return _node(trie)


def _node(node: dict) -> str:
    alts = [re.escape(ch) + _node(child) for ch, child in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in node else body
