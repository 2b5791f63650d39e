"""Tracking commands: audit, export, status, progress import, link decisions.

Registered on the main `policytrack` app through `register(app)`; the heavy
parts (openpyxl, rich tables) are imported inside the commands.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer

DataDir = typer.Option(None, "--data-dir", help="data directory (env POLICYTRACK_DATA, default ./policytrack-data)")

progress_app = typer.Typer(help="Progress figures from outside the documents.", no_args_is_help=True)
link_app = typer.Typer(help="Confirm, reject or add a commitment–progress link by hand.", no_args_is_help=True)


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _tracker(data_dir: Optional[Path]):
    from policytrack.config import get_settings
    from policytrack.track.tracker import Tracker

    settings = get_settings(data_dir)
    if not settings.db_path.exists():
        _fail(f"{settings.db_path}: no database here; run `policytrack ingest` first or pass --data-dir")
    return Tracker(settings.db_path)


def _as_of(value: Optional[str]) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"--as-of {value!r}: expected a date like 2024-06-30")
    raise AssertionError


def _write(output: Optional[Path], text: str) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


def audit(
    region: Optional[str] = typer.Option(None, "--region", help="only this jurisdiction, e.g. 青禾县"),
    department: Optional[str] = typer.Option(None, "--department", help="only commitments naming this department"),
    status: Optional[str] = typer.Option(None, "--status", help="comma-separated: met,on_track,at_risk,missed,no_data,not_due"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="status as of this date (default today)"),
    fmt: str = typer.Option("table", "--format", help="table|csv|xlsx|json"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="write here instead of stdout (required for xlsx)"),
    group: bool = typer.Option(True, "--group/--no-group",
                               help="one row per commitment however often restated (default), or one per extracted record"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """One row per commitment: target, deadline, departments, latest figure, gap, status, explanation, source.

    A commitment restated in several documents (plan, 实施方案, reports, 督导报告) is one
    row citing all of them; --no-group lists every extracted record."""
    from policytrack.track import audit as A
    from policytrack.track.status import STATUSES

    statuses = {s.strip() for s in status.split(",") if s.strip()} if status else None
    bad = sorted((statuses or set()) - set(STATUSES))
    if bad:
        _fail(f"--status {','.join(bad)}: unknown; choose from {','.join(STATUSES)}")
    if fmt not in ("table", "csv", "xlsx", "json"):
        _fail(f"--format {fmt!r}: choose table, csv, xlsx or json")
    day = _as_of(as_of)
    tr = _tracker(data_dir)
    rows = A.rows(tr.snapshot(), day, region=region, department=department, statuses=statuses, group=group)
    if fmt == "xlsx":
        if output is None:
            _fail("--format xlsx needs --output FILE.xlsx")
        A.to_xlsx(rows, output, as_of=day)
        typer.echo(f"wrote {output} ({len(rows)} commitments)", err=True)
    elif fmt == "csv":
        _write(output, A.to_csv(rows))
    elif fmt == "json":
        _write(output, A.to_json(rows))
    else:
        _write(output, A.to_table(rows))


def export(
    fmt: str = typer.Option("jsonl", "--format", help="jsonl|csv|xlsx"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="write here instead of stdout (required for xlsx)"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """All commitments, progress figures and links with stable ids (schemas: policytrack/schemas/*.json)."""
    from policytrack.track import export as E

    if fmt not in ("jsonl", "csv", "xlsx"):
        _fail(f"--format {fmt!r}: choose jsonl, csv or xlsx")
    snap = _tracker(data_dir).snapshot()
    if fmt == "xlsx":
        if output is None:
            _fail("--format xlsx needs --output FILE.xlsx")
        E.to_xlsx(snap, output)
        typer.echo(f"wrote {output}", err=True)
    elif fmt == "csv":
        _write(output, E.to_csv(snap))
    else:
        _write(output, E.to_jsonl(snap))


def _doc_name(snap, doc: str) -> str:
    d = snap.docs.get(doc)
    return (d.title or d.file_name or doc) if d else doc


def status_cmd(
    commitment_id: Optional[str] = typer.Argument(None, help="a commitment id (unique prefix accepted); all when omitted"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="status as of this date (default today)"),
    as_json: bool = typer.Option(False, "--json", help="JSON array of objects"),
    conflicts: bool = typer.Option(False, "--conflicts", help="list figures that disagree between documents instead"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Status, gap and explanation of one commitment (or all)."""
    import json

    day = _as_of(as_of)
    snap = _tracker(data_dir).snapshot()
    if conflicts:
        from policytrack.track.conflicts import find_conflicts

        found = [{"indicator_id": k.indicator_id, "region": k.region, "year": k.year, "unit": k.unit,
                  "figures": [{"progress_id": p.id, "doc": p.doc, "value": p.value, "quote": p.quote,
                               "document": _doc_name(snap, p.doc), "section": p.section} for p in k.figures]}
                 for k in find_conflicts(snap.progress)]
        if as_json:
            typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        for k in [] if as_json else found:
            vals = "；".join(f"《{f['document']}》{f['section'] or ''} {f['value']:g}{k['unit']}（{f['progress_id']}）"
                            for f in k["figures"])
            typer.echo(f"{k['indicator_id']}  {k['region'] or '—'}  {k['year']}  {vals}")
        return
    cs = snap.commitments
    if commitment_id:
        cs = [c for c in cs if c.id.startswith(commitment_id)]
        if len(cs) != 1:
            _fail(f"{commitment_id}: {'no' if not cs else 'more than one'} commitment with this id")
    out = []
    for c in cs:
        r = snap.evaluate(c, day)
        out.append({"commitment_id": c.id, "indicator": c.indicator, "status": r.status, "gap": r.gap,
                    "gap_unit": r.gap_unit, "latest_value": r.latest_value, "latest_year": r.latest_year,
                    "conflict": r.conflict, "explanation": r.explanation,
                    "links": [{"progress_id": e.progress.id, "origin": e.origin, "value": e.progress.value,
                               "unit": e.progress.unit, "year": e.progress.year, "quote": e.progress.quote}
                              for e in r.evidence]})
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for o in out:
        typer.echo(f"{o['commitment_id']}  {o['status']:<8}  {o['explanation']}")
        if commitment_id:
            for l in o["links"]:
                typer.echo(f"    {l['origin']:<9} {l['progress_id']}  {l['year']}  {l['value']:g}{l['unit']}  {l['quote'][:50]}")


@progress_app.command("import")
def progress_import(
    file: Path = typer.Argument(..., help="CSV or XLSX with columns region, indicator, year, value, unit, source"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Import statistics; bad rows are listed with their row number and reason, the rest imported."""
    from policytrack.track import imports as I

    try:
        res = I.parse(file)
    except I.ImportFileError as exc:
        _fail(str(exc))
        return
    from policytrack.config import get_settings
    from policytrack.track.tables import connect

    conn = connect(get_settings(data_dir).db_path)
    n = I.store(conn, res)
    for row_no, reason in res.rejected:
        typer.echo(f"{file.name}: row {row_no}: {reason}", err=True)
    typer.echo(f"{file.name}: imported {n} row(s), rejected {len(res.rejected)}")
    if res.rejected:
        raise typer.Exit(1)


def _decide(action: str, commitment_id: str, progress_id: str, note: Optional[str], data_dir: Optional[Path]) -> None:
    tr = _tracker(data_dir)
    try:
        d = tr.decide(commitment_id, progress_id, action, note)
    except LookupError as exc:
        _fail(str(exc))
        return
    typer.echo(f"{action}: {d.commitment_id} ← {d.progress_id}")


@link_app.command("confirm")
def link_confirm(commitment_id: str, progress_id: str, note: Optional[str] = typer.Option(None, "--note"),
                 data_dir: Optional[Path] = DataDir) -> None:
    """Keep this link whatever the automatic linker says."""
    _decide("confirm", commitment_id, progress_id, note, data_dir)


@link_app.command("reject")
def link_reject(commitment_id: str, progress_id: str, note: Optional[str] = typer.Option(None, "--note"),
                data_dir: Optional[Path] = DataDir) -> None:
    """Drop this link, even if the automatic linker makes it again after re-ingest."""
    _decide("reject", commitment_id, progress_id, note, data_dir)


@link_app.command("add")
def link_add(commitment_id: str, progress_id: str, note: Optional[str] = typer.Option(None, "--note"),
             data_dir: Optional[Path] = DataDir) -> None:
    """Link a figure the automatic linker missed."""
    _decide("add", commitment_id, progress_id, note, data_dir)


def register(app: typer.Typer) -> None:
    """Add the tracking commands to the main `policytrack` app."""
    app.command("audit")(audit)
    app.command("export")(export)
    app.command("status")(status_cmd)
    app.add_typer(progress_app, name="progress")
    app.add_typer(link_app, name="link")


app = typer.Typer(help="policytrack tracking commands", no_args_is_help=True)
register(app)


if __name__ == "__main__":  # python3 -m policytrack.api.cli_track, until cli.py registers these
    app()
