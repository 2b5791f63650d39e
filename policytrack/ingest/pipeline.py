"""Batch ingest: expand paths, parse + extract in worker processes, store in this one.

Parsing (pdfplumber) and extraction (jieba, rules) are CPU-bound and hold the
GIL, so they run in a process pool (2 workers on this 2-core machine); the
SQLite writes stay in the calling process, one transaction per document, so a
kill at any moment leaves only whole documents.  The extractor is loaded once in
the calling process before the pool forks (`warm_up`), so the workers share it
instead of each paying ~3 s of CPU to load it; a batch smaller than
SMALL_BATCH_BYTES runs in this process (the pool would cost more than it saves).
A stored document extracted by an older extractor version is extracted again and
its records replaced ("re_extracted"; see `policytrack.ingest.extraction`).
A bad file never stops the batch: every exception inside a worker becomes a
one-line failure for that file, which is also recorded in the store (`docs list
--failed`).  In a pooled batch, a parser that takes its worker process down
(segfault, OOM kill) costs that file, not the batch; callers that must survive
any file (the API) pass `limits`, which always uses the pool.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from functools import partial
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from policytrack.models import DocMeta, IngestOutcome

if TYPE_CHECKING:
    from policytrack.store import PreparedDocument, Store

SUPPORTED_EXTENSIONS = (".pdf", ".docx", ".html", ".htm", ".txt", ".doc", ".wps")
DEFAULT_WORKERS = 2
# Below this much input a batch runs in this process: forking the pool (~0.15 s) and
# feeding it costs more than a second core saves on a few small files.
SMALL_BATCH_BYTES = int(os.environ.get("POLICYTRACK_SMALL_BATCH_BYTES", 256 * 1024))

ProgressCallback = Callable[[IngestOutcome, int, int], None]


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def supported_extensions() -> tuple[str, ...]:
    """The brief's list plus whatever else the parsers accept (e.g. .shtml pages)."""
    try:
        from policytrack.ingest import SUPPORTED_SUFFIXES
    except ImportError:
        return SUPPORTED_EXTENSIONS
    return tuple(dict.fromkeys([*SUPPORTED_EXTENSIONS, *SUPPORTED_SUFFIXES]))


def expand_paths(paths: Iterable[str | os.PathLike], *, recursive: bool = False) -> tuple[list[Path], list[IngestOutcome]]:
    """Files to ingest (folders expanded, sorted, deduplicated) and failures for paths that cannot be."""
    files: list[Path] = []
    bad: list[IngestOutcome] = []
    seen: set[Path] = set()
    exts = supported_extensions()

    def add(p: Path) -> None:
        rp = p.resolve()
        if rp not in seen:
            seen.add(rp)
            files.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            it = p.rglob("*") if recursive else p.iterdir()
            for f in sorted(x for x in it if x.is_file() and x.suffix.lower() in exts
                            and not x.name.startswith((".", "~$"))):
                add(f)
        elif p.is_file():
            if p.suffix.lower() in exts:
                add(p)
            else:
                bad.append(IngestOutcome(path=str(p), status="failed", error=(
                    f"{p}: unsupported file type {p.suffix or '(no extension)'!r}; "
                    f"supported: {' '.join(exts)}")))
        elif p.exists():  # a FIFO, socket or device: reading it could block forever
            bad.append(IngestOutcome(path=str(p), status="failed", error=f"{p}: not a regular file"))
        else:
            bad.append(IngestOutcome(path=str(p), status="failed", error=f"{p}: no such file or directory"))
    return files, bad


def check_overrides(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Only DocMeta fields may be overridden; values are validated now, not per file."""
    if not overrides:
        return {}
    unknown = set(overrides) - set(DocMeta.model_fields)
    if unknown:
        raise ValueError(f"unknown metadata override(s): {', '.join(sorted(unknown))}")
    clean = {k: v for k, v in overrides.items() if v is not None}
    DocMeta.model_validate(clean)
    return clean


def _up_to_date(db_path: str | None, doc_id: str, version: str) -> bool:
    """Is this document stored, extracted by this extractor version?  (Read-only peek so
    unchanged files skip extraction; a stale one is extracted again and re-stored.)"""
    if not db_path or not Path(db_path).exists():
        return False
    try:
        row = read_only_row(db_path, "SELECT extract_version FROM documents WHERE id = ?", (doc_id,))
    except sqlite3.Error:  # e.g. a file from before the version column: extract, the store decides
        return False
    return row is not None and row[0] == version


def read_only_row(db_path: str, sql: str, params: tuple) -> tuple | None:
    """One row from the store through a read-only connection of its own: workers never write,
    and a connection opened in the worker (not inherited across fork) is safe."""
    c = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return c.execute(sql, params).fetchone()
    finally:
        c.close()


def prepare_file(path: str, overrides: dict[str, Any] | None, max_bytes: int | None,
                 db_path: str | None = None) -> tuple[str, Any]:
    """Parse, extract and segment one file (runs in a worker).

    Returns ("ok", PreparedDocument) or ("failed", one-line error); never raises."""
    try:
        from policytrack.ingest import parse_file
        from policytrack.ingest.errors import IngestError
    except Exception as exc:  # noqa: BLE001
        return "failed", one_line(f"{path}: the ingest stage is not available: {type(exc).__name__}: {exc}")
    try:
        from policytrack.store.ids import document_id, file_digest
        from policytrack.store.write import PreparedDocument, passages_of, record_tokens_source

        from policytrack.ingest.extraction import extraction_version

        parsed = parse_file(path, max_bytes=max_bytes, overrides=overrides or None)
        if overrides:
            parsed.meta = parsed.meta.model_copy(update=overrides)
        sha, size = file_digest(path)
        doc_id = document_id(parsed.text)
        version = extraction_version()
        if _up_to_date(db_path, doc_id, version):
            return "ok", PreparedDocument(parsed=parsed, records=[], source_path=path, file_sha256=sha,
                                          file_size=size, doc_id=doc_id, passage_tokens=[], record_tokens=[],
                                          complete=False, extract_version=version)
        from policytrack.config import max_text_chars

        limit = max_text_chars()
        if len(parsed.text) > limit:
            return "failed", one_line(
                f"{path}: text too long to extract: {len(parsed.text):,} characters "
                f"(limit {limit:,}; raise POLICYTRACK_MAX_TEXT_CHARS to allow it)")
        try:
            from policytrack.extract import extract_text

            records = extract_text(parsed.text, parsed.meta, doc=doc_id)
        except MemoryError:
            return "failed", f"{path}: out of memory while extracting"
        except Exception as exc:  # noqa: BLE001
            return "failed", one_line(f"{path}: extraction failed: {type(exc).__name__}: {exc}")
        from policytrack.lexicons.segment import index_tokens

        passages = passages_of(parsed)
        prep = PreparedDocument(parsed=parsed, records=list(records), source_path=path, file_sha256=sha,
                                file_size=size, doc_id=doc_id, passages=passages, extract_version=version)
        prep.passage_tokens = [index_tokens(parsed.text[p.start:p.end]) for p in prep.passages]
        prep.record_tokens = [index_tokens(record_tokens_source(r)) for r in prep.records]
        return "ok", prep
    except IngestError as exc:
        return "failed", one_line(str(exc))
    except MemoryError:
        return "failed", f"{path}: out of memory while parsing"
    except Exception as exc:  # noqa: BLE001 - any parser bug is this file's failure, not the batch's
        return "failed", one_line(f"{path}: unexpected error while parsing: {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class WorkerLimits:
    """Resource limits for parse + extract workers, for callers that must survive any file
    (the HTTP server): a bomb of a kind no parser check recognises yet then costs its worker,
    which the pool replaces, and the file fails with RESOURCE_LIMIT in its message.

    `memory_mb` is address space on top of what the worker holds when it starts (the loaded
    parsers and lexicons); `cpu_seconds` is per file."""

    memory_mb: int = 1024
    cpu_seconds: int = 120
    start_method: str = "fork"

    @property
    def wall_seconds(self) -> float:
        """A worker with no result by then is killed: CPU time cannot end a worker that waits."""
        return self.cpu_seconds * 2 + 30


RESOURCE_LIMIT = "over the worker's resource limit"


_WARM_TEXT = "到2025年，全县学前三年毛入园率达到95%以上（责任单位：县教育局）。2022年完成投资1200万元。"


def warm_up(suffixes: Iterable[str] = ()) -> None:
    """Load the extractor (spaCy, jieba and its dictionary, catalogues) and the parsers
    for these suffixes in this process before the pool forks.

    Loading costs ~3 s of CPU; paid in every worker it doubles the CPU of a 2-worker
    batch for nothing (the workers would load the same read-only data).  Paid once
    here, the forked workers share it copy-on-write."""
    import importlib

    try:
        from policytrack.extract import extract_text
        from policytrack.ingest.extraction import extraction_version
        from policytrack.lexicons.segment import index_tokens

        extract_text(_WARM_TEXT)
        index_tokens(_WARM_TEXT)
        extraction_version()
    except Exception:  # noqa: BLE001 - a broken extractor is reported per file by the workers
        pass
    modules = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".shtml": "html",
               ".xhtml": "html", ".txt": "txt", ".text": "txt"}
    for name in sorted({modules[s] for s in suffixes if s in modules}):
        try:
            importlib.import_module(f"policytrack.ingest.{name}")
        except Exception:  # noqa: BLE001 - the file's own parse reports it
            pass


@contextmanager
def warm_for_fork(suffixes: Iterable[str] = ()) -> Iterator[None]:
    """Around a forked pool's life: `warm_up`, then the warm heap frozen so the workers share it.

    Frozen objects are skipped by the collector, so the workers do not copy the inherited
    extractor's pages just by collecting; unfrozen again for this process on leaving."""
    import gc

    warm_up(suffixes)
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def use_pool(files: list[Path], n_workers: int) -> bool:
    """Parallel only when there is enough work to pay for the pool (see SMALL_BATCH_BYTES)."""
    if n_workers <= 1 or len(files) <= 1:
        return False
    total = 0
    for f in files:
        try:
            total += f.stat().st_size
        except OSError:
            pass
        if total >= SMALL_BATCH_BYTES:
            return True
    return False


def _pool(workers: int, limits: WorkerLimits | None = None) -> ProcessPoolExecutor:
    import multiprocessing

    # fork, not spawn: spawn re-runs the caller's __main__ (breaking scripts without a main guard) and
    # re-imports everything per worker; the workers touch no lock a parent thread could hold (no
    # printing, no logging handlers, their own SQLite connection)
    method = limits.start_method if limits else "fork"
    if method not in multiprocessing.get_all_start_methods():
        method = "spawn"
    ctx = fork_server_context() if method == "forkserver" else multiprocessing.get_context(method)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                               initializer=_watch_parent, initargs=(os.getpid(), limits))


def fork_server_context():
    """multiprocessing's fork server, set to load the extractor and parsers once
    (`forkserver_preload`) and not the caller's __main__."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["policytrack.ingest.forkserver_preload"])
    return ctx


def start_fork_server() -> None:
    """Start the fork server now: loading the extractor takes it ~2 s, which the first
    limited batch (a server's first upload) would otherwise wait for."""
    from multiprocessing import forkserver

    fork_server_context()
    forkserver.ensure_running()


def _watch_parent(parent_pid: int, limits: WorkerLimits | None = None) -> None:
    """Exit when the batch process dies (kill -9, OOM): forked workers keep each other's
    queue pipes open, so they would otherwise wait forever, holding the extractor's memory."""
    import threading
    import time

    if limits and limits.start_method != "fork":
        parent_pid = os.getppid()  # the fork server that started this worker; it exits with the caller
    if limits:
        import resource

        held = 0
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmSize:"):
                    held = int(line.split()[1]) * 1024
        except OSError:
            pass
        cap = held + limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="policytrack-parent-watch").start()


def _prepare_limited(limits: WorkerLimits, path: str, overrides: dict[str, Any] | None, max_bytes: int | None,
                     db_path: str | None) -> tuple[str, Any]:
    """prepare_file with a CPU budget of its own (SIGXCPU, then SIGKILL, end the worker)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(used.ru_utime + used.ru_stime) + limits.cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 5))
    # no SQLite peek here: a worker forked from a threaded caller (the server) can inherit
    # SQLite's mutex held by another thread and wait forever; the store decides "unchanged"
    status, payload = prepare_file(path, overrides, max_bytes, None)
    if status == "failed" and "out of memory" in str(payload):  # MemoryError under RLIMIT_AS, caught by a parser
        payload = f"{payload} ({RESOURCE_LIMIT}: {limits.memory_mb} MB)"
    return status, payload


def ingest_paths(
    paths: Iterable[str | os.PathLike],
    store: "Store",
    *,
    recursive: bool = False,
    overrides: dict[str, Any] | None = None,
    max_bytes: int | None = None,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
    limits: WorkerLimits | None = None,
) -> list[IngestOutcome]:
    """Ingest files and folders into the store; one outcome per file, in input order.

    With `limits`, every file is parsed in a worker process under them, even a single one."""
    overrides = check_overrides(overrides)
    files, outcomes = expand_paths(paths, recursive=recursive)
    total = len(files) + len(outcomes)
    done = 0

    def finish(out: IngestOutcome) -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(out, done, total)

    for out in outcomes:
        _record_failure(store, out)
        finish(out)

    db_path = str(store.path)
    results: dict[int, IngestOutcome] = {}

    def handle(i: int, status: str, payload: Any) -> None:
        path = str(files[i])
        if status == "ok":
            try:
                out = store.add_document(payload)
            except Exception as exc:  # noqa: BLE001 - e.g. disk full: this file fails, nothing half-written
                out = IngestOutcome(path=path, status="failed", error=one_line(f"{path}: could not store: {exc}"))
                _record_failure(store, out)
        else:
            out = IngestOutcome(path=path, status="failed", error=payload)
            _record_failure(store, out)
        results[i] = out
        finish(out)

    n_workers = workers if workers is not None else DEFAULT_WORKERS
    if limits is None and not use_pool(files, n_workers):
        for i, f in enumerate(files):
            handle(i, *prepare_file(str(f), overrides, max_bytes, db_path))
    elif limits is None:
        with warm_for_fork({f.suffix.lower() for f in files}):
            _run_pool(files, overrides, max_bytes, db_path, n_workers, handle)
    elif files:
        _run_pool(files, overrides, max_bytes, db_path, max(1, n_workers), handle, limits)
    return outcomes + [results[i] for i in range(len(files))]


def _run_pool(files: list[Path], overrides: dict[str, Any], max_bytes: int | None, db_path: str, n_workers: int,
              handle: Callable[[int, str, Any], None], limits: WorkerLimits | None = None) -> None:
    """Keep a bounded number of files in flight; if a worker dies, retry its files one at a time."""
    queue: list[tuple[int, int]] = [(i, 1) for i in range(len(files))][::-1]  # (index, attempt), pop from end
    window = n_workers * 2
    pool = _pool(min(n_workers, len(files)), limits)
    job: Callable[..., tuple[str, Any]] = partial(_prepare_limited, limits) if limits else prepare_file
    crashed = (f"the parser's worker process was killed ({RESOURCE_LIMIT}: {limits.memory_mb} MB memory, "
               f"{limits.cpu_seconds} s CPU, or a crash); too large or a likely bomb") if limits else \
        "the parser crashed its worker process (killed or out of memory)"
    inflight: dict[Future, tuple[int, int]] = {}
    try:
        while queue or inflight:
            # a retry after a crash runs alone, so a second crash names the guilty file
            while queue and len(inflight) < window and not (queue[-1][1] > 1 and inflight):
                i, attempt = queue.pop()
                inflight[pool.submit(job, str(files[i]), overrides, max_bytes, db_path)] = (i, attempt)
                if attempt > 1:
                    break
            finished, _ = wait(list(inflight), timeout=limits.wall_seconds if limits else None,
                               return_when=FIRST_COMPLETED)
            if not finished:  # a stuck worker: kill the pool's processes, the futures then break
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    proc.kill()
                continue
            broken = False
            for fut in finished:
                i, attempt = inflight.pop(fut)
                try:
                    status, payload = fut.result()
                except BrokenProcessPool:
                    broken = True
                    if attempt > 1:
                        handle(i, "failed", f"{files[i]}: {crashed}")
                    else:
                        queue.append((i, attempt + 1))
                    continue
                except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be unpickled
                    status, payload = "failed", one_line(f"{files[i]}: worker error: {type(exc).__name__}: {exc}")
                handle(i, status, payload)
            if broken:
                for fut, (i, attempt) in list(inflight.items()):
                    queue.append((i, attempt + 1) if attempt == 1 else (i, attempt))
                inflight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _pool(min(n_workers, len(files)), limits)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _record_failure(store: "Store", out: IngestOutcome) -> None:
    try:
        store.record_failure(out.path, out.error or "failed")
    except Exception:  # noqa: BLE001 - the outcome still reports it
        pass
