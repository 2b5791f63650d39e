"""Reciprocal rank fusion, done in policytrack rather than in Elasticsearch
(its built-in RRF needs a paid licence) so both backends fuse the same way."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

DEFAULT_K = 60


def rrf(lists: Sequence[Sequence[Hashable]], k: int = DEFAULT_K) -> list[tuple[Hashable, float]]:
    """Fuse ranked lists of ids: score(id) = sum over lists of 1 / (k + rank).

    Ties keep the order of first appearance, so fusing one list returns it unchanged.
    """
    scores: dict[Hashable, float] = {}
    for lst in lists:
        for rank, key in enumerate(lst, start=1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    order = {key: i for i, key in enumerate(dict.fromkeys(x for lst in lists for x in lst))}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))
