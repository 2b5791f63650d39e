"""The spaCy pipeline that runs the extraction steps.

Why spaCy: it gives the steps one document object to share (tokens, spans with
custom attributes) and a declared order of components, so a step can be added
or swapped without touching the others.  The tokenizer is the project's one jieba
segmenter (`policytrack.lexicons.segment`: jieba's dictionary with every catalogue and
department term, cut without HMM by `segment.words`), not spaCy's built-in jieba mode,
which would use jieba's global dictionary.  Rules find things by character offsets and map them to spans with
`doc.char_span(..., alignment_mode="expand")`, because jieba's token boundaries do
not always line up with organ names or numbers.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from ._notorch import torch_blocked

with torch_blocked():  # thinc would import torch (seconds) for layers this pipeline never uses
    from spacy.language import Language
    from spacy.tokens import Doc, Span

from policytrack.models import Commitment, DocMeta, Progress

_lock = threading.Lock()

for _name, _default in (("ctx", None), ("meta", None), ("raw", None), ("records", None), ("skip", None),
                        ("offset", 0), ("chunk_end", None), ("shared", None)):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)
if not Span.has_extension("record"):
    Span.set_extension("record", default=None)


class JiebaTokenizer:
    """Doc from the project's jieba segmenter; token texts concatenate back to the input."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        from policytrack.lexicons.segment import words as segment

        words = segment(text) if text else []
        return Doc(self.vocab, words=words, spaces=[False] * len(words))


@Language.component("pt_context")
def pt_context(doc: Doc) -> Doc:
    """Document type, date, plan period and outline, shared by the later steps."""
    from .context import build_context

    shared = doc._.shared
    if shared is not None:
        # a chunk of a long document: the context was built once from the whole text
        doc._.ctx = shared["ctx"]
        doc._.raw = []
        doc._.skip = shared["skip"]
        return doc
    meta, name, text = doc._.meta or (None, "", None)
    # Doc.text rebuilds the string from every token; the caller's string is the same text
    doc._.ctx = build_context(text if text is not None else doc.text, meta, name)
    doc._.raw = []
    doc._.skip = []
    return doc


@Language.component("pt_tables")
def pt_tables(doc: Doc) -> Doc:
    """Indicator tables (TAB rows and tables flattened one cell per line)."""
    from .tables import extract_tables

    shared = doc._.shared
    if shared is not None:
        if shared.get("tables_done"):
            return doc
        # tables are read once over the whole text (a table may straddle a chunk boundary)
        shared["tables_done"] = True
    raw, covered = extract_tables(doc._.ctx)
    doc._.raw.extend(raw)
    doc._.skip.extend(covered)
    return doc


@Language.component("pt_figures")
def pt_figures(doc: Doc) -> Doc:
    """Figures in prose (commitment or progress) and qualitative end states."""
    from .figures import extract_figures

    shared = doc._.shared
    if shared is None:
        doc._.raw.extend(extract_figures(doc._.ctx, doc._.skip))
    else:
        a = doc._.offset
        doc._.raw.extend(extract_figures(doc._.ctx, doc._.skip, window=(a, doc._.chunk_end), state=shared["figures"]))
    return doc


@Language.component("pt_records")
def pt_records(doc: Doc) -> Doc:
    """Departments, sections and ids; records become spans in doc.spans."""
    if doc._.shared is not None:
        # a chunk: records are assembled once for the whole document (baselines link across
        # the text, ids count repeats over it), see process_chunks
        doc._.shared["raw"].extend(doc._.raw)
        return doc
    records = _assemble(doc._.ctx, doc._.raw)
    doc._.records = records
    _attach_spans(doc, records)
    return doc


def _assemble(ctx, raw: list[dict]) -> list[Commitment | Progress]:
    from .assemble import to_records
    from .departments import responsibility_blocks

    try:
        blocks = responsibility_blocks(ctx.text)
    except Exception:  # noqa: BLE001 - a failing lexicon must not lose every record
        blocks = []
    return to_records(ctx, raw, blocks)


def _attach_spans(doc: Doc, records: list[Commitment | Progress]) -> None:
    """Records as spans of doc; a chunk's spans are found at the record's offset minus the
    chunk's (records keep offsets into the whole text)."""
    off = doc._.offset
    spans: dict[str, list[Span]] = {"commitments": [], "progress": []}
    for rec in records:
        sp = doc.char_span(rec.start - off, rec.end - off, alignment_mode="expand")
        if sp is None:
            continue
        sp._.record = rec
        spans["commitments" if rec.type == "commitment" else "progress"].append(sp)
    for key, val in spans.items():
        doc.spans[key] = val


@lru_cache(maxsize=1)
def nlp() -> Language:
    """spacy.blank("zh") with the project segmenter and the extraction components."""
    with _lock:
        pipe = _blank_zh()
        pipe.tokenizer = JiebaTokenizer(pipe.vocab)
        for name in ("pt_context", "pt_tables", "pt_figures", "pt_records"):
            pipe.add_pipe(name)
    return pipe


def _blank_zh() -> Language:
    with torch_blocked():
        import spacy
        import spacy.lang.zh  # noqa: F401 - loaded here, inside the guard

    # the "char" segmenter keeps spaCy from importing its own jieba set-up; ours replaces it
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})


def chunk_bounds(text: str, limit: int) -> list[tuple[int, int]]:
    """[start, end) pieces of at most `limit` characters, cut after a line break (a paragraph
    boundary); a paragraph longer than the limit is cut after a sentence end (。！？；), and
    only text with neither is cut where the limit falls."""
    out, a, n = [], 0, len(text)
    while n - a > limit:
        b = text.rfind("\n", a, a + limit) + 1
        if b <= a:
            b = max(text.rfind(ch, a, a + limit) for ch in "。！？!?；;") + 1
        if b <= a:
            b = a + limit
        out.append((a, b))
        a = b
    out.append((a, n))
    return out


def process_chunks(text: str, doc_meta: DocMeta | dict | None, *, doc: str = "",
                   limit: int | None = None) -> list[Doc]:
    """spaCy Docs with records as spans: doc.spans["commitments"] / ["progress"], each span's
    `._.record` the pydantic record (for tools that want tokens around a record).

    A text longer than spaCy's nlp.max_length (1,000,000 characters; a Doc's memory grows
    with it) is read in chunks cut at paragraph boundaries, one Doc each (`._.offset` its
    start in the text).  The document's context (outline, section deadlines, report year)
    is built once from the whole text and shared, records are assembled once over all
    chunks (responsibility blocks, baselines, ids), and every record keeps its offsets into
    the whole text, so `quote == text[start:end]` as for a short text."""
    pipe = nlp()
    limit = limit or pipe.max_length
    if len(text) <= limit:
        d = pipe.make_doc(text)
        d._.meta = (doc_meta, doc, text)
        for _name, proc in pipe.pipeline:
            d = proc(d)
        return [d]
    from .context import build_context

    ctx = build_context(text, doc_meta, doc)
    shared = {"ctx": ctx, "skip": [], "raw": [], "figures": {}}
    docs = []
    for a, b in chunk_bounds(text, limit):
        d = pipe.make_doc(text[a:b])
        d._.offset, d._.chunk_end = a, b
        d._.shared = shared
        for _name, proc in pipe.pipeline:
            d = proc(d)
        docs.append(d)
    records = _assemble(ctx, shared["raw"])
    for d in docs:
        lo, hi = d._.offset, d._.chunk_end
        d._.records = [r for r in records if lo <= r.start < hi]
        _attach_spans(d, d._.records)
        d._.shared = None  # the chunk no longer holds the whole document's state
    return docs


def process(text: str, doc_meta: DocMeta | dict | None, *, doc: str = "") -> Doc:
    """The one spaCy Doc of a text up to nlp.max_length (longer texts: process_chunks)."""
    docs = process_chunks(text, doc_meta, doc=doc)
    if len(docs) != 1:
        raise ValueError(f"{doc or 'text'}: {len(text):,} characters is over nlp.max_length; use process_chunks")
    return docs[0]


def run(text: str, doc_meta: DocMeta | dict | None, *, doc: str = "", limit: int | None = None) -> list[Commitment | Progress]:
    return [r for d in process_chunks(text, doc_meta, doc=doc, limit=limit) for r in (d._.records or [])]
