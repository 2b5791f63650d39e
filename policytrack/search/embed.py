"""Optional semantic ranking: an encoder interface, a sentence-transformers
implementation, and vectors stored beside the passages in the store's file.

Never downloads: the model is a local directory or a name already in the
Hugging Face cache (`POLICYTRACK_EMBED_MODEL`), loaded with HF_HUB_OFFLINE=1 and
`local_files_only`.  Point it at a Chinese-capable checkpoint you downloaded
yourself (BAAI/bge-small-zh-v1.5, intfloat/multilingual-e5-small,
sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2); the
all-MiniLM-L6-v2 model used by the tests maps most Chinese characters to [UNK]
and only proves the code path.

Vectors are L2-normalised float32, so cosine similarity is a dot product;
search is exact (brute force over a NumPy matrix), which at 100k × 384 is a
few milliseconds and needs no extra index to keep in sync with the store.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

# The table is created by the store's migration v3 (policytrack/store/schema.py), which also
# deletes a passage's / record's vectors with it.
VECTOR_TABLE = "search_vectors"


class EmbedError(Exception):
    """The encoder cannot be used (not installed, model not on disk); str() is one line."""


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into L2-normalised vectors of a fixed size."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]):  # -> numpy.ndarray (n, dim) float32
        ...


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


class SentenceTransformerEncoder:
    """sentence-transformers model from a local path or the local HF cache only."""

    def __init__(self, model: str, *, device: str = "cpu", batch_size: int = 64) -> None:
        _offline()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedError(
                "semantic search needs sentence-transformers: pip install 'policytrack[semantic]'"
            ) from exc
        p = Path(model).expanduser()
        target = str(p) if p.exists() else model
        if p.exists() and not p.is_dir():
            raise EmbedError(f"{model}: embedding model path is not a directory")
        try:
            self._model = SentenceTransformer(target, device=device, local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear line
            raise EmbedError(
                f"{model}: cannot load embedding model offline ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}); policytrack never downloads — "
                "give a local directory or a name already in the Hugging Face cache"
            ) from exc
        self.name = p.name if p.exists() else model
        dim_fn = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_fn() or 0)
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]):
        import numpy as np

        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


_enc_lock = threading.Lock()
_encoders: dict[str, Encoder] = {}


def load_encoder(model: str | None) -> Encoder:
    """The encoder for `model` (cached per process: loading takes seconds)."""
    if not model:
        raise EmbedError("no embedding model configured: set POLICYTRACK_EMBED_MODEL to a local model directory")
    with _enc_lock:
        if model not in _encoders:
            _encoders[model] = SentenceTransformerEncoder(model)
        return _encoders[model]


# ------------------------------------------------------------------ storage


def ensure_table(conn: sqlite3.Connection) -> None:
    """Bring the store's schema up to date (the vectors table is store migration v3).

    Only a policytrack store is migrated: any other database is refused with one line,
    rather than growing a table the store does not know about."""
    if conn.execute(f"SELECT 1 FROM sqlite_master WHERE name='{VECTOR_TABLE}'").fetchone():
        return
    from policytrack.store.schema import current_version, migrate

    if current_version(conn) < 1:
        raise EmbedError("database is not a policytrack store (no schema version); ingest documents with policytrack first")
    migrate(conn)


def store_vectors(conn: sqlite3.Connection, kind: str, rowids: Sequence[int], vecs, model: str) -> None:
    """Write vectors for items; the caller owns the transaction."""
    import numpy as np

    vecs = np.asarray(vecs, dtype=np.float32)
    conn.executemany(
        f"INSERT OR REPLACE INTO {VECTOR_TABLE}(kind, item_rowid, model, dim, vec) VALUES (?,?,?,?,?)",
        [(kind, int(r), model, int(v.shape[0]), v.tobytes()) for r, v in zip(rowids, vecs)],
    )


def missing_rowids(conn: sqlite3.Connection, kind: str, table: str, model: str) -> list[int]:
    """Items of `table` without a vector for `model` (so `index --embed` is incremental)."""
    ensure_table(conn)
    rows = conn.execute(
        f"SELECT t.rowid FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM {VECTOR_TABLE} v "
        f"WHERE v.kind=? AND v.item_rowid=t.rowid AND v.model=?) ORDER BY t.rowid",
        (kind, model),
    ).fetchall()
    return [r[0] for r in rows]


class VectorMatrix:
    """All vectors of one kind and model in memory, for exact nearest-neighbour search."""

    def __init__(self, rowids, matrix) -> None:
        self.rowids = rowids
        self.matrix = matrix

    @classmethod
    def load(cls, conn: sqlite3.Connection, kind: str, model: str) -> VectorMatrix:
        import numpy as np

        if not conn.execute(f"SELECT 1 FROM sqlite_master WHERE name='{VECTOR_TABLE}'").fetchone():
            rows = []  # a store never embedded (or older than migration v3): no vectors yet
        else:
            rows = conn.execute(
                f"SELECT item_rowid, dim, vec FROM {VECTOR_TABLE} WHERE kind=? AND model=? ORDER BY item_rowid",
                (kind, model),
            ).fetchall()
        if not rows:
            return cls(np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32))
        dim = rows[0][1]
        mat = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return cls(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)), mat)

    def __len__(self) -> int:
        return int(self.rowids.shape[0])

    def top(self, qvec, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """The k most similar items (rowid, cosine), optionally only among `allowed` rowids."""
        import numpy as np

        if len(self) == 0:
            return []
        sims = self.matrix @ np.asarray(qvec, dtype=np.float32).reshape(-1)
        if allowed is not None:
            mask = np.isin(self.rowids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            sims = np.where(mask, sims, -np.inf)
        k = min(k, len(self))
        idx = np.argpartition(-sims, k - 1)[:k]
        idx = idx[np.argsort(-sims[idx], kind="stable")]
        return [(int(self.rowids[i]), float(sims[i])) for i in idx if np.isfinite(sims[i])]


def embed_store(db_path: str | Path, encoder: Encoder, *, batch: int = 256, progress=None) -> dict[str, int]:
    """Encode every passage and record of the store that has no vector for this model yet.

    The vectors live in the store's file beside the passages (store migration v3, applied
    here when the store predates it); each batch is its own transaction.
    """
    conn = sqlite3.connect(str(db_path), timeout=30.0)
    try:
        ensure_table(conn)
        counts = {}
        for kind, table, col in (("passage", "passages", "text"), ("record", "records", None)):
            todo = missing_rowids(conn, kind, table, encoder.name)
            for i in range(0, len(todo), batch):
                ids = todo[i:i + batch]
                texts = _texts(conn, table, col, ids)
                vecs = encoder.encode([texts[r] for r in ids])
                with conn:
                    store_vectors(conn, kind, ids, vecs, encoder.name)
                if progress:
                    progress(kind, min(i + batch, len(todo)), len(todo))
            counts[kind] = len(todo)
        return counts
    finally:
        conn.close()


def _texts(conn: sqlite3.Connection, table: str, col: str | None, ids: list[int]) -> dict[int, str]:
    import json

    marks = ",".join("?" * len(ids))
    if col:
        return dict(conn.execute(f"SELECT rowid, {col} FROM {table} WHERE rowid IN ({marks})", ids).fetchall())
    out = {}
    cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    jcol = next((c for c in ("json", "data", "record_json") if c in cols), None)
    for rowid, raw in conn.execute(f"SELECT rowid, {jcol} FROM {table} WHERE rowid IN ({marks})", ids):
        try:
            rec = json.loads(raw)
        except (TypeError, ValueError):
            rec = {}
        out[rowid] = " ".join(str(rec.get(k) or "") for k in ("indicator", "quote")).strip()
    return out
