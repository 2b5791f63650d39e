"""`policytrack search` and `policytrack index`: the search interface from the terminal.

`--json` prints `{"total": N, "results": [...]}` with exactly the objects the
HTTP API returns, so scripts can use either.  Imports of the search stack are
inside the commands, keeping `policytrack --help` fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

DataDir = typer.Option(None, "--data-dir", help="data directory (env POLICYTRACK_DATA, default ./policytrack-data)")


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(2)


def _status_provider(db_path: Path):
    """Commitment status from tracking, computed as of today (only when --status is used)."""
    from datetime import date

    try:
        from policytrack.track.tracker import Tracker
    except ImportError:
        return None

    def provide(ids: list[str]) -> dict[str, str]:
        tr = Tracker(db_path)
        try:
            res = tr.snapshot().evaluate_all(date.today())
        finally:
            tr.close()
        wanted = set(ids)
        return {k: v.status for k, v in res.items() if k in wanted}

    return provide


def search_cmd(
    query: str = typer.Argument("", help="words, \"exact phrases\", intent words 目标/进展 …"),
    type_: Optional[str] = typer.Option(None, "--type", help="commitment,progress,passage (comma-separated)"),
    region: Optional[str] = typer.Option(None, "--region"),
    issuer: Optional[str] = typer.Option(None, "--issuer"),
    doc_type: Optional[str] = typer.Option(None, "--doc-type", help="plan|report|other"),
    date_from: Optional[str] = typer.Option(None, "--from", help="document date from (YYYY[-MM[-DD]])"),
    date_to: Optional[str] = typer.Option(None, "--to", help="document date to (YYYY[-MM[-DD]])"),
    department: Optional[str] = typer.Option(None, "--department"),
    indicator: Optional[str] = typer.Option(None, "--indicator", help="indicator id or name"),
    status: Optional[str] = typer.Option(None, "--status", help="commitment status from tracking (met, missed …)"),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=200),
    page: int = typer.Option(1, "--page", min=1),
    mode: str = typer.Option("lexical", "--mode", help="lexical|semantic|hybrid"),
    backend: str = typer.Option("fts", "--backend", help="fts (embedded) or es"),
    as_json: bool = typer.Option(False, "--json", help="print {total, results} as JSON"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Search passages, commitments and progress records."""
    from pydantic import ValidationError

    from policytrack.config import get_settings
    from policytrack.search.backend import SearchError, SearchRequest, open_backend

    settings = get_settings(data_dir)
    try:
        req = SearchRequest(q=query, type=type_, region=region, issuer=issuer, doc_type=doc_type, date_from=date_from,
                            date_to=date_to, department=department, indicator=indicator, status=status, size=limit,
                            page=page, mode=mode)
    except ValidationError as exc:
        e = exc.errors()[0]
        _fail(f"--{'.'.join(map(str, e['loc']))}: {e['msg']}")
    try:
        kw = {}
        if status and backend == "fts":
            kw["status_provider"] = _status_provider(settings.db_path)
        b = open_backend(backend, db_path=settings.db_path, settings=settings, **kw)
        resp = b.search(req)
    except SearchError as exc:
        _fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(resp.cli_json(), ensure_ascii=False, indent=1) + "\n")
        return
    _print(resp)


def _print(resp) -> None:
    import re

    from rich.console import Console
    from rich.markup import escape

    out = Console()
    out.print(f"{resp.total} hits ({resp.took_ms} ms, {resp.backend}/{resp.mode}"
              f"{', semantic' if resp.semantic_used else ''})", markup=False)
    for n, r in enumerate(resp.results, start=(resp.page - 1) * resp.size + 1):
        head = [r.type, r.region or "", r.file_name or r.doc_title or r.doc]
        if r.section:
            head.append(f"§{r.section}")
        if r.page:
            head.append(f"p.{r.page}")
        if r.deadline:
            head.append(f"by {r.deadline}")
        if r.departments:
            head.append("、".join(r.departments))
        out.print(f"{n:>3}. {escape(' | '.join(h for h in head if h))}  [dim]{r.score:.3f}[/dim]")
        snip = escape(__import__("html").unescape(r.snippet))
        snip = re.sub(r"&lt;mark&gt;|<mark>", "[bold yellow]", snip)
        snip = re.sub(r"&lt;/mark&gt;|</mark>", "[/bold yellow]", snip)
        snip = snip.replace("\\[bold yellow]", "[bold yellow]").replace("\\[/bold yellow]", "[/bold yellow]")
        out.print(f"     {snip}")
        if r.type != "passage" and r.quote and r.context and r.quote != r.context:
            out.print(f"     [dim]record:[/dim] {escape(r.quote)}")
        for a in r.also:  # other records of the same sentence
            extra = f" (by {a['deadline']})" if a.get("deadline") else ""
            out.print(f"     [dim]also:[/dim] {escape(str(a.get('quote') or ''))}{escape(extra)}")
        if r.why:
            out.print(f"     [dim]{escape('; '.join(r.why))}[/dim]")


def index_cmd(
    backend: str = typer.Option("fts", "--backend", help="fts (check the embedded index) or es (bulk-index)"),
    embed: bool = typer.Option(False, "--embed", help="also compute embeddings (POLICYTRACK_EMBED_MODEL)"),
    es_index: str = typer.Option("policytrack-search", "--es-index"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Build search indexes from the store: vectors (--embed) and/or Elasticsearch."""
    from policytrack.config import get_settings
    from policytrack.search.backend import SearchError

    settings = get_settings(data_dir)
    db = settings.db_path
    if not db.exists():
        _fail(f"{db}: no store database here; run `policytrack ingest` first")
    try:
        if embed:
            from policytrack.search import embed as E

            enc = E.load_encoder(settings.embed_model)
            counts = E.embed_store(db, enc)
            typer.echo(f"embedded {counts.get('passage', 0)} passages, {counts.get('record', 0)} records with {enc.name}")
        if backend == "es":
            from policytrack.search.es import index_store

            out = index_store(db, settings, index=es_index, embed_model=settings.embed_model if embed else None)
            typer.echo(f"indexed {out['indexed']} documents into {es_index} ({out['per_second']}/s, "
                       f"{out['errors']} errors)")
        elif backend == "fts":
            import sqlite3

            conn = sqlite3.connect(str(db))
            with conn:
                for t in ("passages_fts", "records_fts"):
                    conn.execute(f"INSERT INTO {t}({t}) VALUES ('optimize')")
            n = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("passages_fts", "records_fts")]
            conn.close()
            typer.echo(f"embedded index is maintained at ingest: {n[0]} passages, {n[1]} records (optimized)")
        else:
            _fail(f"unknown backend {backend!r} (use fts or es)")
    except SearchError as exc:
        _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - embedding/ES failures: one line
        from policytrack.search.embed import EmbedError

        if isinstance(exc, EmbedError):
            _fail(str(exc))
        raise


def register(app: typer.Typer) -> None:
    app.command("search")(search_cmd)
    app.command("index")(index_cmd)
