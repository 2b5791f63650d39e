"""Backend-neutral pieces of a search: filters, facets, ranking and result objects.

Both backends find candidate hits their own way (FTS5 MATCH, an Elasticsearch
query) but must agree on what a filter means, how concept matches and intent
words change the score, and what a result looks like; keeping those rules here
is what makes "one interface, same results" true rather than aspirational.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policytrack.lexicons import load_yaml

from .backend import FACET_FIELDS, FacetValue, SearchRequest, SearchResult
from .query import ParsedQuery, intent_boost
from .snippet import snippet
from .storeview import DocInfo

# A provider of commitment status (tracking computes it; search may not import
# tracking, so the caller injects it): record ids -> {id: status}.
StatusProvider = Callable[[list[str]], dict[str, str]]

# Lexical scores are normalised per kind of hit (best = 1.0), because BM25 over
# one-sentence records and over paragraphs are not on one scale.  A record whose
# indicator_id is the concept a query word names gains CONCEPT_SCORE per group
# (RELATED_SCORE when reached through search_concepts.yaml), so 班额不超过45人 is
# found by 大班额 though it never says it.
CONCEPT_SCORE = 0.6
RELATED_SCORE = 0.45
# A lexical match through a related indicator's words only (班额 for 大班额) keeps this
# share of its BM25 score: in the list, but below text that says the word itself.
RELATED_FACTOR = 0.5
# A record that says the query word itself, not one of its concept's synonyms, gains this
# much more: 公办园在园幼儿占比 first for 公办园在园幼儿占比, before the looser 公办园占比率
# (a synonym in the catalogue, but a short sentence scores high on BM25 alone).
LITERAL_SCORE = 0.2
RECORD_ONLY_FILTERS = ("department", "indicator", "status")


@dataclass(slots=True)
class Hit:
    """A candidate hit before paging: enough to filter, facet and rank it."""

    type: str
    key: int  # rowid in passages / records
    doc: str
    score: float = 0.0
    concepts: list[str] = field(default_factory=list)
    rec: dict[str, Any] | None = None  # the record's fields (records only)
    passage: dict[str, Any] | None = None  # passage fields when the backend returns them with the hit
    docinfo: DocInfo | None = None  # document fields when the backend returns them with the hit
    also: list[Hit] = field(default_factory=list)  # lower-ranked records of the same sentence
    context: str | None = None  # the source sentence of a record (filled for the page shown)
    also_in: list[Hit] = field(default_factory=list)  # the same commitment restated in other documents


# A record's sentence ends at these (the semicolon separates clauses with their own targets
# in plan prose, but the sentence is what a reader needs to judge the commitment).
SENTENCE_END = "。！？!?\n"


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of `text` holding [start, end): from after the previous terminator to the next one."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    s = max(text.rfind(c, 0, start) for c in SENTENCE_END) + 1
    ends = [i for c in SENTENCE_END if (i := text.find(c, max(end - 1, start))) >= 0]
    return s, (min(ends) + 1 if ends else len(text))


# A passage holding a record already listed above it repeats what the reader has seen
# (the record shows its sentence); it keeps this share of its score, so passages with
# something new (a sentence no record came from) come first.
COVERED_PASSAGE = 0.5


def demote_covered(ranked: list[Hit], spans: dict[int, tuple[int, int]]) -> list[Hit]:
    """Re-rank `ranked` after demoting passages that contain a higher-ranked record."""
    shown: dict[str, list[tuple[int, int]]] = {}
    changed = False
    for h in ranked:
        if h.rec is not None:
            st, en = h.rec.get("start"), h.rec.get("end")
            if isinstance(st, int) and isinstance(en, int):
                shown.setdefault(h.doc, []).append((st, en))
        elif h.key in spans:
            ps, pe = spans[h.key]
            if any(ps <= st and en <= pe for st, en in shown.get(h.doc, ())):
                h.score *= COVERED_PASSAGE
                changed = True
    return rank(ranked) if changed else ranked


def collapse_sentences(ranked: list[Hit], key_of: Callable[[Hit], Any]) -> list[Hit]:
    """One result per source sentence: records extracted from the same sentence of the same
    document (到2020年基本消除56人以上大班额 and the plan it belongs to) are one hit, the best
    one, carrying the others in `also`.  Passages and records without a key stay as they are.

    Why: a sentence often yields several records; listed one by one they push other
    documents' commitments off the first page while telling the reader nothing new."""
    out: list[Hit] = []
    first: dict[Any, Hit] = {}
    for h in ranked:
        k = key_of(h) if h.rec is not None else None
        if k is None:
            out.append(h)
        elif k in first:
            first[k].also.append(h)
        else:
            first[k] = h
            out.append(h)
    return out


def collapse_unranked(hits: list[Hit], key_of: Callable[[Hit], Any]) -> list[Hit]:
    """collapse_sentences() for a list in any order: the best of each sentence becomes the
    head (its `also` sorted), order otherwise kept; O(n), so only the page needs sorting."""
    heads: dict[Any, Hit] = {}
    out: list[Hit | None] = []
    slot: dict[Any, int] = {}
    for h in hits:
        k = key_of(h) if h.rec is not None else None
        if k is None:
            out.append(h)
            continue
        cur = heads.get(k)
        if cur is None:
            heads[k] = h
            slot[k] = len(out)
            out.append(h)
        elif rank_key(h) < rank_key(cur):
            h.also.append(cur)
            h.also.extend(cur.also)
            cur.also = []
            heads[k] = h
            out[slot[k]] = h
        else:
            cur.also.append(h)
    for h in heads.values():
        if len(h.also) > 1:
            h.also.sort(key=rank_key)
    return [h for h in out if h is not None]


_ENUM = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十\d]+[)）.、．]|第[一二三四五六七八九十\d]+[条项点])\s*")
_PUNCT = re.compile(r"[\s，。；、：,.;:！？!?“”\"'（）()]+")


def restatement_key(h: Hit, docs: dict[str, DocInfo]) -> tuple | None:
    """What makes two commitments one: the same indicator, region, target value and deadline,
    or else the same words (once enumeration and punctuation are gone: 2.全面消除大班额 /
    （二）全面消除大班额), region and deadline.  None for anything else."""
    r = h.rec
    if r is None or h.type != "commitment":
        return None
    region = region_of(h, docs)
    t = r.get("target") if isinstance(r.get("target"), dict) else {}
    value = (t or {}).get("value")
    if r.get("indicator_id") and value is not None:
        return ("i", region, r["indicator_id"], (t or {}).get("op"), value, (t or {}).get("unit"), r.get("deadline"))
    words = _PUNCT.sub("", _ENUM.sub("", str(r.get("quote") or "")))
    return ("q", region, words, r.get("deadline")) if len(words) >= 4 else None


def collapse_restatements(ranked: list[Hit], docs: dict[str, DocInfo]) -> list[Hit]:
    """One result per commitment restated across documents: a plan, its implementation
    scheme and a work summary often repeat 到2022年底大班额比例降至3%以下 word for word; the
    best-ranked keeps the others in `also_in` (shown as "also in …"), so the first page
    lists different commitments instead of one commitment three times.  Restatements within
    one document stay apart (they are different sentences of it: a heading and its body)."""
    first: dict[tuple, Hit] = {}
    out: list[Hit] = []
    for h in ranked:
        k = restatement_key(h, docs)
        head = first.get(k) if k is not None else None
        if head is not None and head.doc != h.doc and all(x.doc != h.doc for x in head.also_in):
            head.also_in.append(h)
            continue
        if k is not None and head is None:
            first[k] = h
        out.append(h)
    return out


def _date_key(s: str | None, upper: bool) -> str | None:
    """Compare dates as strings; a bound of YYYY or YYYY-MM covers the whole period."""
    if not s:
        return None
    s = s.strip()
    if upper:
        return s + ("-12-31" if len(s) == 4 else "-31" if len(s) == 7 else "")
    return s


def doc_filter(req: SearchRequest, docs: dict[str, DocInfo], all_current: bool | None = None) -> set[str] | None:
    """Ids of current documents passing the document-level filters (None: all current ones).

    `all_current`: whether no document of `docs` is superseded, when the caller keeps the
    answer with its mapping (fts: once per cache, not a scan of every document per query)."""
    lo, hi = _date_key(req.date_from, False), _date_key(req.date_to, True)
    if not any([req.issuer, req.doc_type, lo, hi]) and (
            all(d.current for d in docs.values()) if all_current is None else all_current):
        return None
    out = set()
    for d in docs.values():
        if not d.current:
            continue
        if req.issuer and (not d.issuer or req.issuer not in d.issuer):
            continue
        if req.doc_type and d.doc_type != req.doc_type:
            continue
        if lo and (not d.date or d.date < lo):
            continue
        if hi and (not d.date or d.date > hi):
            continue
        out.add(d.id)
    return out


def region_of(hit: Hit, docs: dict[str, DocInfo]) -> str | None:
    if hit.rec and hit.rec.get("region"):
        return str(hit.rec["region"])
    d = docs.get(hit.doc)
    return d.region if d else None


def hit_passes(hit: Hit, req: SearchRequest, docs: dict[str, DocInfo], indicator_ids: set[str] | None) -> bool:
    """Record- and region-level filters (document-level ones are applied before)."""
    if not (req.region or req.department or req.status or indicator_ids is not None):
        return True  # nothing to check (the common case: thousands of hits per query)
    if req.region:
        r = region_of(hit, docs)
        if r is None:  # nothing says where: a document *about* a place names it in its title
            d = docs.get(hit.doc)  # (关于青禾县…的中期督导报告, issued by the city)
            r = d.title if d else None
        if not r or req.region not in r:
            return False
    if hit.rec is None:
        return not any(getattr(req, f) for f in RECORD_ONLY_FILTERS)
    if req.department and not any(req.department in d for d in hit.rec.get("departments") or []):
        return False
    if indicator_ids is not None and hit.rec.get("indicator_id") not in indicator_ids:
        return False
    if req.status and hit.rec.get("status") != req.status:
        return False
    return True


def apply_status(hits: Iterable[Hit], provider: StatusProvider | None) -> None:
    """Fill `status` of commitments from tracking when a provider is given."""
    if provider is None:
        return
    recs = [h for h in hits if h.rec is not None and h.type == "commitment"]
    if not recs:
        return
    st = provider([str(h.rec["id"]) for h in recs if h.rec])
    for h in recs:
        if h.rec is not None and h.rec["id"] in st:
            h.rec["status"] = st[h.rec["id"]]


def facet_values(hit: Hit, docs: dict[str, DocInfo]) -> dict[str, list[str]]:
    d = docs.get(hit.doc)
    rec = hit.rec or {}
    year = d.year if d else None
    out: dict[str, list[str]] = {
        "type": [hit.type],
        "region": [x] if (x := region_of(hit, docs)) else [],
        "issuer": [d.issuer] if d and d.issuer else [],
        "doc_type": [d.doc_type] if d and d.doc_type else [],
        "year": [year] if year else [],
        "department": list(dict.fromkeys(rec.get("departments") or [])),
        "indicator": [rec["indicator_id"]] if rec.get("indicator_id") else [],
        "status": [rec["status"]] if rec.get("status") else [],
    }
    return out


def facets(hits: Iterable[Hit], docs: dict[str, DocInfo], limit: int = 30,
           passage_docs: dict[str, int] | None = None) -> dict[str, list[FacetValue]]:
    """Counts per filter value over every hit of the query (not just the page).

    Written as one flat loop: at 100k passages a query can have thousands of hits
    and this runs on each of them (facet_values() is the readable equivalent).
    `passage_docs` counts passage hits per document without listing them (every
    facet value of a passage is its document's); `hits` then holds no passages."""
    c = {f: Counter() for f in FACET_FIELDS}
    ct, cr, ci_, cd, cy, cdep, cind, cst = (c["type"], c["region"], c["issuer"], c["doc_type"], c["year"],
                                            c["department"], c["indicator"], c["status"])
    per_doc: Counter = Counter()  # hits per document: document-level values are added once per doc
    doc_region: Counter = Counter()  # hits per document that take the document's region
    for h in hits:
        ct[h.type] += 1
        per_doc[h.doc] += 1
        rec = h.rec
        if rec is None:
            doc_region[h.doc] += 1
            continue
        if rec.get("region"):
            cr[rec["region"]] += 1
        else:
            doc_region[h.doc] += 1
        for dep in dict.fromkeys(rec.get("departments") or ()):
            cdep[dep] += 1
        if rec.get("indicator_id"):
            cind[rec["indicator_id"]] += 1
        if rec.get("status"):
            cst[rec["status"]] += 1
    for doc, n in (passage_docs or {}).items():
        ct["passage"] += n
        per_doc[doc] += n
        doc_region[doc] += n
    for doc, n in per_doc.items():
        d = docs.get(doc)
        if d is None:
            continue
        if d.issuer:
            ci_[d.issuer] += n
        if d.doc_type:
            cd[d.doc_type] += n
        if d.year:
            cy[d.year] += n
        if d.region and doc_region[doc]:
            cr[d.region] += doc_region[doc]
    return {
        f: [FacetValue(value=str(v), count=n) for v, n in sorted(cn.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]]
        for f, cn in c.items()
    }


def normalise(scores: dict[int, float]) -> dict[int, float]:
    top = max(scores.values(), default=0.0)
    return {k: (v / top if top > 0 else 0.0) for k, v in scores.items()}


# A record that states a deadline and a measurable target tells the reader more than a
# heading (2.全面消除大班额) or a bare table label matching the same words; among equally
# matching records it goes first.  Small: it reorders ties, never outweighs the words.
INFORMATIVE_BOOST = 0.08


def informative(rec: dict[str, Any]) -> int:
    """How many of deadline / target value / departments the record states (memoised in the record)."""
    n = rec.get("_informative")
    if n is None:
        t = rec.get("target") if isinstance(rec.get("target"), dict) else {}
        n = rec["_informative"] = sum(bool(x) for x in (
            rec.get("deadline") or rec.get("year"),
            (t or {}).get("value") is not None or rec.get("value") is not None,
            rec.get("departments")))
    return n


# What a commitment's own words state (search_statements.yaml), as a score factor:
# 0 a table label (56人以上大班额比例（%）), 1 a topic or task list (聚焦…大班额消除…等重点任务),
# 2 an end state or target (全面消除大班额, 班额不超过45人), 3 one with its deadline in the
# sentence (2023年秋季开学前全面消除56人以上大班额).  BM25 favours the shortest quotes, which
# are the labels and headings; this puts the sentences a reader can check first.
STATEMENT_FACTOR = (0.7, 0.8, 1.0, 1.12)
_YEAR = re.compile(r"(?:19|20)\d\d\s*年")
_TABLE_ROW = re.compile(r"\t|\s\|\s|[（(][^（()）]{0,8}[）)]\s*$")


@lru_cache(maxsize=1)
def _statement_words() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    lex = load_yaml("search_statements.yaml")

    def alt(words: list[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

    return (re.compile(f"(?:{alt(lex['end_state'])})(?!率)"), re.compile(alt(lex["vague"])),
            re.compile(alt(lex["when"])))


def statement(rec: dict[str, Any], sentence: str | None = None) -> int:
    """How much the record's words state (see STATEMENT_FACTOR), memoised in the record;
    `sentence` is its source sentence when the backend knows it (a quote may leave out
    the clause saying when: 到2022年底，…比例降至3%以下)."""
    n = rec.get("_statement")
    if n is not None:
        return n
    end, vague, when = _statement_words()
    quote = str(rec.get("quote") or "")
    sent = sentence or quote
    table = bool(_TABLE_ROW.search(sent)) or bool(_TABLE_ROW.search(quote))
    if vague.search(quote):
        n = 1
    elif not end.search(quote) and (table or not end.search(sent)):
        n = 0 if table else 1
    else:
        said = quote if table else sent
        n = 3 if _YEAR.search(said) or when.search(said) else 2
    rec["_statement"] = n
    return n


def table_label(rec: dict[str, Any], sentence: str | None = None) -> bool:
    """Whether the record's quote is only a table row's label (学前教育毛入园率（%）): its figure
    sits in a cell the quote leaves out, so a sentence stating it reads better first.
    Memoised in the record; ranks progress records (commitments use statement())."""
    n = rec.get("_label")
    if n is None:
        quote = str(rec.get("quote") or "")
        n = rec["_label"] = bool(_TABLE_ROW.search(quote)) or (
            "\t" in (sentence or "") and not any(c.isdigit() for c in quote))
    return n


def rank_prior(rec: dict[str, Any], kind: str, sentence: str | None = None) -> float:
    """The score factor for what a record's words state (1.0 for passages)."""
    if kind == "commitment":
        return STATEMENT_FACTOR[statement(rec, sentence)]
    if kind == "progress":
        return STATEMENT_FACTOR[0] if table_label(rec, sentence) else 1.0
    return 1.0


def boost(hits: Iterable[Hit], pq: ParsedQuery) -> None:
    """Intent words raise one record type (目标 → commitments, 进展 → progress); informative
    records rise a little among equals; records by what their sentence states (rank_prior)."""
    b = intent_boost() if pq.intent is not None else 1.0
    for h in hits:
        if h.rec is not None:
            h.score *= 1.0 + INFORMATIVE_BOOST * informative(h.rec)
            h.score *= rank_prior(h.rec, h.type)
        if pq.intent is not None and h.type == pq.intent:
            h.score *= b


_TYPE_ORDER = {"commitment": 0, "progress": 1, "passage": 2}


def rank_key(h: Hit) -> tuple:
    """Best first; ties broken by type, document and position so pages are stable."""
    return (-h.score, _TYPE_ORDER.get(h.type, 3), h.doc, h.key)


def rank(hits: list[Hit]) -> list[Hit]:
    return sorted(hits, key=rank_key)


def top(hits: list[Hit], n: int) -> list[Hit]:
    """The n best in rank order, without sorting the whole list (thousands of hits at 100k passages)."""
    import heapq

    return heapq.nsmallest(n, hits, key=rank_key) if n < len(hits) // 4 else rank(hits)[:n]


def highlight_phrases(pq: ParsedQuery) -> tuple[tuple[str, ...], ...]:
    """What to mark: every alternative of a word, but only the phrase itself for a quoted one
    (it may have matched inside a longer dictionary compound)."""
    out = set()
    for g in pq.groups:
        for alt in g.alternatives[:1] if g.exact else g.alternatives:
            out.update(alt)
    return tuple(sorted(out))


def _also(r: dict[str, Any]) -> dict[str, Any]:
    return {k: r.get(k) for k in ("id", "type", "quote", "indicator", "indicator_id", "target", "deadline",
                                  "departments", "value", "unit", "year", "start", "end")}


def _also_in(h: Hit, docs: dict[str, DocInfo]) -> dict[str, Any]:
    d = docs.get(h.doc) or DocInfo(id=h.doc)
    return {"doc": h.doc, "doc_title": d.title, "file_name": d.file_name, "source": d.source, **_also(h.rec or {})}


def build_result(
    hit: Hit, pq: ParsedQuery, docs: dict[str, DocInfo], passage: dict[str, Any] | None = None
) -> SearchResult:
    """The response object for one hit (same for every backend)."""
    d = docs.get(hit.doc) or DocInfo(id=hit.doc)
    phrases = highlight_phrases(pq)
    base: dict[str, Any] = dict(
        type=hit.type, doc=hit.doc, doc_title=d.title, source=d.source, file_name=d.file_name,
        region=region_of(hit, docs), issuer=d.issuer, doc_type=d.doc_type, date=d.date,
        score=round(hit.score, 6),
    )
    if hit.rec is None:
        p = passage or {}
        text = str(p.get("text") or "")
        snip, matched = snippet(text, phrases)
        base.update(id=str(p.get("id") or f"p{hit.key}"), text=text, section=p.get("section"), page=p.get("page"),
                    start=p.get("start"), end=p.get("end"), snippet=snip)
    else:
        r = hit.rec
        quote = str(r.get("quote") or "")
        snip, matched = snippet(hit.context or quote, phrases, width=240)
        base.update(
            id=str(r.get("id")), quote=quote, snippet=snip, context=hit.context,
            also=[_also(h.rec) for h in hit.also if h.rec is not None], section=r.get("section"), page=r.get("page"),
            also_in=[_also_in(h, docs) for h in hit.also_in if h.rec is not None],
            start=r.get("start"), end=r.get("end"),
            indicator=r.get("indicator"), indicator_id=r.get("indicator_id"), kind=r.get("kind"),
            target=r.get("target"), baseline=r.get("baseline"), deadline=r.get("deadline"),
            start_date=r.get("start_date"), departments=list(r.get("departments") or []), level=r.get("level"),
            value=r.get("value"), unit=r.get("unit"), year=r.get("year"), status=r.get("status"),
            confidence=r.get("confidence"),
        )
    why = [f"word: {m}" for m in matched]
    why += [f"concept: {c}" for c in hit.concepts]
    if hit.also_in:
        why.append("also in: " + "; ".join((docs.get(h.doc) or DocInfo(id=h.doc)).title or h.doc for h in hit.also_in))
    if pq.intent and hit.type == pq.intent:
        why.append(f"intent: {'/'.join(pq.intent_words)} → {pq.intent}")
    base["why"] = why
    return SearchResult(**{k: v for k, v in base.items() if k in SearchResult.model_fields})
