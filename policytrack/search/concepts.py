"""Indicator concepts seen from the search side.

A query word that names an indicator (or one of its synonyms) must also find
records whose `indicator_id` is that indicator and passages that use any other
name of it: `大班额` has to reach 班额不超过45人 and 化解2000人以上大校额.  The
catalogue is owned by extraction (`policytrack.extract.indicators` over
`lexicons/indicators.yaml`); this module only reads it, defensively, because the
catalogue's shape may grow (`family` / `related` / `parent` keys are honoured
when present so related indicators are searched together).

Because the domain dictionary keeps catalogue terms whole when segmenting
(`56人以上大班额` is one token), a short query word would never match the
longer token; `containing()` expands a word to the dictionary terms that
contain it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

from policytrack.lexicons import load_yaml

_RELATION_KEYS = ("family", "related", "parent", "group", "see_also")


@dataclass
class ConceptIndex:
    """Term ↔ indicator id maps plus families of related indicators."""

    terms_by_id: dict[str, set[str]] = field(default_factory=dict)
    ids_by_term: dict[str, set[str]] = field(default_factory=dict)
    family_of: dict[str, set[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    dictionary: list[str] = field(default_factory=list)
    related: dict[str, set[str]] = field(default_factory=dict)

    def ids_for(self, word: str) -> set[str]:
        """Indicator ids the word names exactly (name or synonym), with their families."""
        ids = set(self.ids_by_term.get(_norm(word), ()))
        out: set[str] = set()
        for i in ids:
            out |= self.family_of.get(i, {i})
        return out

    def expand(self, ids: set[str]) -> set[str]:
        """Ids plus the search-side related ids (lexicons/search_concepts.yaml), for record matching."""
        out = set(ids)
        for i in ids:
            out |= self.related.get(i, set())
        return {i for i in out if i in self.terms_by_id}

    def terms_for(self, ids: set[str]) -> set[str]:
        out: set[str] = set()
        for i in ids:
            out |= self.terms_by_id.get(i, set())
        return out

    def containing(self, word: str, limit: int = 40) -> list[str]:
        """Dictionary terms that contain `word` (longer compounds kept whole by the segmenter)."""
        w = _norm(word)
        if len(w) < 2:
            return []
        hits = [t for t in self.dictionary if w in t and t != w]
        return hits[:limit] if len(hits) <= limit else []


def _norm(s: str) -> str:
    return s.strip().lower()


def _catalogue_entries() -> list[dict]:
    """Indicator entries as dicts, from the extractor's loader when it exists, else the YAML."""
    try:  # the extractor owns the catalogue; prefer its loader (it may merge files)
        from policytrack.extract import indicators as ind_mod  # type: ignore

        cat = ind_mod.catalogue()
        entries = cat.values() if isinstance(cat, dict) else cat
        out = []
        for e in entries:
            if hasattr(e, "model_dump"):
                e = e.model_dump()
            elif not isinstance(e, dict):
                e = {k: getattr(e, k) for k in dir(e) if not k.startswith("_")}
            out.append(e)
        if out:
            return out
    except Exception:  # noqa: BLE001 - catalogue module absent or mid-edit: fall back to data
        pass
    try:
        data = load_yaml("indicators.yaml") or {}
    except FileNotFoundError:
        return []
    items = data.get("indicators", []) if isinstance(data, dict) else data
    return [e for e in items if isinstance(e, dict)]


def _as_list(v) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    return [str(x) for x in v if x]


_lock = threading.Lock()


@lru_cache(maxsize=1)
def concept_index() -> ConceptIndex:
    """The process-wide concept index (built once; the catalogue is static data)."""
    with _lock:
        ci = ConceptIndex()
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def union(a: str, b: str) -> None:
            parent[find(a)] = find(b)

        for e in _catalogue_entries():
            iid = str(e.get("id") or "").strip()
            if not iid:
                continue
            name = str(e.get("name") or "").strip()
            terms = {_norm(t) for t in [name, *_as_list(e.get("synonyms"))] if t and str(t).strip()}
            # concept_terms() may add words the YAML keeps elsewhere (patterns, short names)
            terms |= {_norm(t) for t in _extra_terms(iid)}
            ci.terms_by_id[iid] = terms
            ci.names[iid] = name or iid
            for t in terms:
                ci.ids_by_term.setdefault(t, set()).add(iid)
            find(iid)
            for key in _RELATION_KEYS:
                for rel in _as_list(e.get(key)):
                    # a family/group is a label shared by members; the other keys name ids
                    union(iid, f"@{rel}" if key in ("family", "group") else rel)
        for x in list(parent):  # `family: class_size` where class_size is itself an id
            if x.startswith("@") and x[1:] in ci.terms_by_id:
                union(x, x[1:])
        members: dict[str, set[str]] = {}
        for x in list(parent):
            members.setdefault(find(x), set()).add(x)
        for group in members.values():
            ids = {m for m in group if m in ci.terms_by_id}
            for m in ids:
                ci.family_of[m] = ids
        try:
            from policytrack.lexicons.segment import domain_terms

            dict_terms = {_norm(t) for t in domain_terms()}
        except Exception:  # noqa: BLE001
            dict_terms = set()
        dict_terms |= set(ci.ids_by_term)
        ci.dictionary = sorted(dict_terms, key=lambda t: (len(t), t))
        ci.related = _related()
        return ci


def _related() -> dict[str, set[str]]:
    try:
        data = load_yaml("search_concepts.yaml") or {}
    except FileNotFoundError:
        return {}
    rel = data.get("related") or {}
    return {str(k): set(_as_list(v)) for k, v in rel.items()} if isinstance(rel, dict) else {}


def _extra_terms(iid: str) -> list[str]:
    try:
        from policytrack.extract import indicators as ind_mod  # type: ignore

        fn = getattr(ind_mod, "concept_terms", None)
        if fn is None:
            return []
        return _as_list(fn(iid))
    except Exception:  # noqa: BLE001
        return []
