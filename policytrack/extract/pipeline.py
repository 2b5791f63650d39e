"""The spaCy pipeline that runs the extraction steps.

Why spaCy: it gives the steps one document object to share (tokens, spans with
custom attributes) and a declared order of components, so a step can be added
or swapped without touching the others.  The tokenizer is the project's one jieba
segmenter (`policytrack.lexicons.segment.tokenizer()`, with every catalogue and
department term), not spaCy's built-in jieba mode, which would use jieba's global
dictionary.  Rules find things by character offsets and map them to spans with
`doc.char_span(..., alignment_mode="expand")`, because jieba's token boundaries do
not always line up with organ names or numbers.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from policytrack.models import Commitment, DocMeta, Progress

_lock = threading.Lock()

for _name, _default in (("ctx", None), ("meta", None), ("raw", None), ("records", None), ("skip", None)):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)
if not Span.has_extension("record"):
    Span.set_extension("record", default=None)


class JiebaTokenizer:
    """Doc from the project's jieba segmenter; token texts concatenate back to the input."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        from policytrack.lexicons.segment import tokenizer

        words = [w for w, _s, _e in tokenizer().tokenize(text, HMM=False)] if text else []
        return Doc(self.vocab, words=words, spaces=[False] * len(words))


@Language.component("pt_context")
def pt_context(doc: Doc) -> Doc:
    """Document type, date, plan period and outline, shared by the later steps."""
    from .context import build_context

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

    raw, covered = extract_tables(doc._.ctx)
    doc._.raw.extend(raw)
    doc._.skip.extend(covered)
    return doc


@Language.component("pt_figures")
def pt_figures(doc: Doc) -> Doc:
    """Figures in prose (commitment or progress) and qualitative end states."""
    from .figures import extract_figures

    doc._.raw.extend(extract_figures(doc._.ctx, doc._.skip))
    return doc


@Language.component("pt_records")
def pt_records(doc: Doc) -> Doc:
    """Departments, sections and ids; records become spans in doc.spans."""
    from .assemble import to_records
    from .departments import responsibility_blocks

    ctx = doc._.ctx
    try:
        blocks = responsibility_blocks(ctx.text)
    except Exception:  # noqa: BLE001 - a failing lexicon must not lose every record
        blocks = []
    records = to_records(ctx, doc._.raw, blocks)
    doc._.records = records
    spans: dict[str, list[Span]] = {"commitments": [], "progress": []}
    for rec in records:
        sp = doc.char_span(rec.start, rec.end, alignment_mode="expand")
        if sp is None:
            continue
        sp._.record = rec
        spans["commitments" if rec.type == "commitment" else "progress"].append(sp)
    for key, val in spans.items():
        doc.spans[key] = val
    return doc


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
    import spacy

    # the "char" segmenter keeps spaCy from importing its own jieba set-up; ours replaces it
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})


def process(text: str, doc_meta: DocMeta | dict | None, *, doc: str = "") -> Doc:
    """The spaCy Doc with records as spans: doc.spans["commitments"] / ["progress"], each
    span's `._.record` the pydantic record (for tools that want tokens around a record)."""
    pipe = nlp()
    d = pipe.make_doc(text)
    d._.meta = (doc_meta, doc, text)
    for _name, proc in pipe.pipeline:
        d = proc(d)
    return d


def run(text: str, doc_meta: DocMeta | dict | None, *, doc: str = "") -> list[Commitment | Progress]:
    return list(process(text, doc_meta, doc=doc)._.records or [])
