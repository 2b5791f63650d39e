"""The `policytrack` command.

Start-up must stay fast (`policytrack --help` and `docs list` are run by scripts
and people many times), so this module imports only typer and the models; the
store, parsers, spaCy and rich tables are imported inside the commands that use
them.  Other command groups live in `policytrack/api/cli_*.py` modules, each
exposing `register(app)`; they are discovered and registered here, so a new
group needs no edit to this file.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any, List, Optional

import typer

app = typer.Typer(
    help="Track the commitments in Chinese government plans against the progress later reported.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
docs_app = typer.Typer(help="Stored documents: list, show.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")

DATA_DIR_HELP = "data directory (env POLICYTRACK_DATA, default ./policytrack-data)"
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _open_store(data_dir: Optional[Path], *, create: bool = True):
    from policytrack.config import get_settings
    from policytrack.store import Store

    settings = get_settings(data_dir)
    if not create and not settings.db_path.exists():
        return None
    try:
        return Store(settings.db_path)
    except Exception as exc:  # noqa: BLE001 - a clear one-liner instead of a traceback
        _fail(str(exc))


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _console(stderr: bool = False):
    from rich.console import Console

    c = Console(stderr=stderr, highlight=False)
    if not c.is_terminal:  # piped or captured: do not squeeze tables into 80 columns
        c = Console(stderr=stderr, highlight=False, width=200)
    return c


# ---------------------------------------------------------------- ingest


@app.command()
def ingest(
    paths: List[Path] = typer.Argument(..., help="files or folders (.pdf .docx .html .htm .txt .doc .wps)"),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="descend into sub-folders"),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    region: Optional[str] = typer.Option(None, "--region", help="jurisdiction for every file, e.g. 青禾县"),
    date: Optional[str] = typer.Option(None, "--date", help="issue date for every file, YYYY-MM-DD"),
    doc_type: Optional[str] = typer.Option(None, "--type", help="plan|report|other for every file"),
    title: Optional[str] = typer.Option(None, "--title", help="title for every file"),
    max_size: Optional[float] = typer.Option(None, "--max-size", help="size limit per file in MB (default 200)"),
    workers: Optional[int] = typer.Option(None, "--workers", help="parser processes (default 2)"),
    as_json: bool = typer.Option(False, "--json", help="print the outcomes as a JSON array"),
) -> None:
    """Parse, extract and store documents; exit code 1 if any file failed."""
    if date is not None and not _DATE.match(date):
        _fail(f"--date must be YYYY-MM-DD (or YYYY-MM / YYYY), got {date!r}")
    if doc_type is not None and doc_type not in ("plan", "report", "other"):
        _fail(f"--type must be plan, report or other, got {doc_type!r}")
    if max_size is not None and max_size <= 0:
        _fail("--max-size must be a positive number of MB")
    from policytrack.config import get_settings
    from policytrack.ingest.pipeline import ingest_paths

    settings = get_settings(data_dir)
    max_bytes = int(max_size * 1024 * 1024) if max_size is not None else settings.max_file_bytes
    overrides = {k: v for k, v in {"region": region, "date": date, "doc_type": doc_type, "title": title}.items() if v}
    store = _open_store(data_dir)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = _console(stderr=True)
    show = not as_json and err.is_terminal
    with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True, disable=not show) as bar:
        task = bar.add_task("", total=None)

        def on_progress(out, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=Path(out.path).name)

        try:
            outcomes = ingest_paths(paths, store, recursive=recursive, overrides=overrides, max_bytes=max_bytes,
                                    workers=workers, on_progress=on_progress)
        except ValueError as exc:
            _fail(str(exc))

    counts = {}
    for o in outcomes:
        if o.doc_id and o.status != "failed":
            d = store.get_document(o.doc_id) or {}
            counts[o.path] = (d.get("n_commitments", 0), d.get("n_progress", 0))
    if as_json:
        _print_json([
            {**o.model_dump(), "commitments": counts.get(o.path, (0, 0))[0], "progress": counts.get(o.path, (0, 0))[1]}
            for o in outcomes
        ])
    else:
        _summary(outcomes, counts)
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


def _summary(outcomes: list, counts: dict[str, tuple[int, int]]) -> None:
    by = {s: [o for o in outcomes if o.status == s] for s in ("ingested", "new_version", "re_extracted", "unchanged", "failed")}
    written = by["ingested"] + by["new_version"] + by["re_extracted"]
    n_c = sum(counts.get(o.path, (0, 0))[0] for o in written)
    n_p = sum(counts.get(o.path, (0, 0))[1] for o in written)
    tags = {"new_version": "new version", "re_extracted": "re-extracted", "ingested": "ingested"}
    for o in written:
        c, p = counts.get(o.path, (0, 0))
        typer.echo(f"  {tags[o.status]:<12} {Path(o.path).name}  {o.title or ''}  ({c} commitments, {p} progress)")
    typer.echo(
        f"{len(outcomes)} files: {len(by['ingested'])} ingested, {len(by['new_version'])} new version, "
        f"{len(by['re_extracted'])} re-extracted, {len(by['unchanged'])} unchanged, {len(by['failed'])} failed; "
        f"{n_c} commitments and {n_p} progress figures stored")
    if by["failed"]:
        typer.echo("failed:")
        for o in by["failed"]:
            typer.echo(f"  {o.error}")


@app.command()
def reextract(
    doc_ids: Optional[List[str]] = typer.Argument(None, help="document ids (unique prefixes work); default: every stale document"),
    all_docs: bool = typer.Option(False, "--all", help="re-extract every stored document, even those already current"),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", help="extraction processes (default 2)"),
    as_json: bool = typer.Option(False, "--json", help="print the outcomes as a JSON array"),
) -> None:
    """Re-run extraction on stored documents from their stored text (no files needed).

    By default only documents extracted by an older extractor or older lexicons are
    redone; manual link decisions are kept.  Exit code 1 if any document failed."""
    store = _open_store(data_dir, create=False)
    ids = None
    if doc_ids:
        if store is None:
            _fail("no store in this data directory; ingest something first")
        ids = []
        for d in doc_ids:
            try:
                full = store.resolve_doc_id(d)
            except LookupError as exc:
                _fail(str(exc))
            if full is None:
                _fail(f"no document with id {d!r}")
            ids.append(full)
    outcomes = []
    if store is not None:
        from policytrack.ingest.reextract import reextract_documents

        outcomes = reextract_documents(store, ids, force=all_docs, workers=workers)
    if as_json:
        _print_json([o.model_dump() for o in outcomes])
    else:
        for o in outcomes:
            if o.status == "re_extracted":
                typer.echo(f"  re-extracted {o.doc_id[:12]}  {o.title or Path(o.path).name}  ({o.records} records)")
        n = {s: sum(o.status == s for o in outcomes) for s in ("re_extracted", "unchanged", "failed")}
        typer.echo(f"{len(outcomes)} documents: {n['re_extracted']} re-extracted, {n['unchanged']} already current, "
                   f"{n['failed']} failed" + ("" if outcomes or ids else " (every stored document is current)"))
        for o in outcomes:
            if o.status == "failed":
                typer.echo(f"  {o.error}")
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


# ---------------------------------------------------------------- docs


@docs_app.command("list")
def docs_list(
    failed: bool = typer.Option(False, "--failed", help="list the files that failed, with reasons"),
    all_versions: bool = typer.Option(False, "--all-versions", help="include superseded versions"),
    region: Optional[str] = typer.Option(None, "--region", help="only this jurisdiction"),
    doc_type: Optional[str] = typer.Option(None, "--type", help="only plan|report|other"),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="print a JSON array of objects"),
) -> None:
    """List stored documents (current versions by default) or failed files."""
    store = _open_store(data_dir, create=False)
    if failed:
        rows = store.failures() if store else []
    else:
        rows = store.list_documents(current_only=not all_versions, region=region, doc_type=doc_type) if store else []
    if as_json:
        _print_json(rows)
        return
    from rich.table import Table
    from rich.text import Text

    def cells(*vals: Any) -> list[Text]:  # Text, not str: titles like [2022] are not rich markup
        return [Text("" if v is None else str(v)) for v in vals]

    if failed:
        t = Table("file", "reason", "at", box=None)
        for r in rows:
            t.add_row(*cells(r["file_name"], r["reason"], r["at"]))
    else:
        t = Table("id", "title", "type", "region", "date", "v", "status", "commitments", "progress", box=None)
        for r in rows:
            t.add_row(*cells(r["id"][:12], r["title"] or r["file_name"], r["doc_type"], r["region"], r["date"],
                             r["version"], r["status"], r["n_commitments"], r["n_progress"]))
    out = _console()
    out.print(t) if rows else out.print("no failed files" if failed else "no documents", markup=False)


@docs_app.command("show")
def docs_show(
    doc_id: str = typer.Argument(..., help="document id (a unique prefix is enough)"),
    text: bool = typer.Option(False, "--text", help="print the full text"),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="print the document as a JSON object"),
) -> None:
    """Show one document: metadata, outline and (with --text) its text."""
    store = _open_store(data_dir, create=False)
    try:
        doc = store.get_document(doc_id) if store else None
    except LookupError as exc:
        _fail(str(exc))
    if doc is None:
        _fail(f"no document with id {doc_id!r}")
    if as_json:
        if not text:
            doc.pop("text", None)
        doc["commitments"] = [r.model_dump(mode="json") for r in store.records("commitment", doc_id=doc["id"])]
        doc["progress"] = [r.model_dump(mode="json") for r in store.records("progress", doc_id=doc["id"])]
        _print_json(doc)
        return
    skip = {"text", "outline", "tables", "meta"}
    for k, v in doc.items():
        if k not in skip and v not in (None, ""):
            typer.echo(f"{k:>14}: {v}")
    if doc["meta"].get("attachments"):
        typer.echo(f"{'attachments':>14}: {'；'.join(doc['meta']['attachments'])}")
    if doc["outline"]:
        typer.echo("outline:")
        for n in doc["outline"]:
            typer.echo(f"{'  ' * n['level']}{n['label']}{n['title']}")
    if text:
        typer.echo("")
        typer.echo(doc["text"])


# ---------------------------------------------------------------- extract


@app.command()
def extract(
    files: List[Path] = typer.Argument(..., help="files to read (nothing is stored)"),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl|csv|xlsx"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="write here instead of stdout (required for xlsx)"),
    max_size: Optional[float] = typer.Option(None, "--max-size", help="size limit per file in MB (default 200)"),
) -> None:
    """Print the commitments and progress figures of files without storing them (doc = file name)."""
    if fmt not in ("jsonl", "csv", "xlsx"):
        _fail(f"--format must be jsonl, csv or xlsx, got {fmt!r}")
    if fmt == "xlsx" and output is None:
        _fail("--format xlsx needs --output FILE.xlsx")
    from policytrack.config import get_settings
    from policytrack.extract import extract_text
    from policytrack.ingest import parse_file
    from policytrack.ingest.errors import IngestError
    from policytrack.models import assign_id

    max_bytes = int(max_size * 1024 * 1024) if max_size is not None else get_settings().max_file_bytes
    records: list = []
    failed = 0
    for f in files:
        try:
            parsed = parse_file(f, max_bytes=max_bytes)
        except IngestError as exc:
            typer.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        except Exception as exc:  # noqa: BLE001 - one line per bad file, the rest go on
            typer.echo(f"error: {f}: unexpected error while parsing: {type(exc).__name__}: {' '.join(str(exc).split())}", err=True)
            failed += 1
            continue
        for rec in extract_text(parsed.text, parsed.meta, doc=f.name):
            records.append(rec if rec.id else assign_id(rec))
    from . import record_table

    if fmt == "xlsx":
        record_table.to_xlsx(records, output)
    else:
        body = (record_table.to_csv(records) if fmt == "csv" else
                "".join(r.model_dump_json() + "\n" for r in records))
        if output:
            output.write_text(body, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        else:
            sys.stdout.write(body)
    if output:
        typer.echo(f"wrote {output} ({len(records)} records)", err=True)
    if failed:
        raise typer.Exit(1)


# ---------------------------------------------------------------- stats


@app.command()
def stats(
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="print a JSON object"),
) -> None:
    """Counts of documents, versions, failures, passages, commitments and progress figures."""
    store = _open_store(data_dir, create=False)
    s = store.stats() if store else {"documents": 0}
    if as_json:
        _print_json(s)
        return
    for k, v in s.items():
        if isinstance(v, dict):
            v = ", ".join(f"{kk} {vv}" for kk, vv in v.items()) or "-"
        typer.echo(f"{k:>12}: {v}")


# ---------------------------------------------------------------- other command groups


def _register_plugins() -> None:
    """Register every `policytrack/api/cli_*.py` module that has `register(app)`.

    A module that fails to import (mid-development, missing optional extra)
    must not take the whole CLI down; it is reported when POLICYTRACK_DEBUG is set."""
    import os

    pkg = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(pkg)]), key=lambda m: m.name):
        if not info.name.startswith("cli_"):
            continue
        try:
            mod = importlib.import_module(f"policytrack.api.{info.name}")
            reg = getattr(mod, "register", None)
            if callable(reg):
                reg(app)
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("POLICYTRACK_DEBUG"):
                print(f"warning: command module {info.name} not loaded: {exc}", file=sys.stderr)


_register_plugins()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
