"""`policytrack serve`: the HTTP API and web page under uvicorn.

Without POLICYTRACK_API_TOKEN anyone who can reach the port could upload files
and change link decisions, so the server then refuses to listen beyond
127.0.0.1 and says so; `--demo` fills an empty data directory from the bundled
corpus so the README's first command shows something real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="Run the HTTP API and web page.", add_completion=False)

LOCAL = "127.0.0.1"


CORPUS_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt")


def decide_host(host: str, token: str | None) -> tuple[str, str | None]:
    """The host to bind and a start-up note; no token means local only."""
    if token:
        return host, None
    if host not in (LOCAL, "localhost", "::1"):
        return LOCAL, f"POLICYTRACK_API_TOKEN is not set: binding to {LOCAL} only (not {host}); set a token to serve other machines."
    return LOCAL, f"POLICYTRACK_API_TOKEN is not set: writes are open, so the server listens on {LOCAL} only."


def bundled_corpus(candidates: list[Path] | None = None) -> Path:
    """Where the demo corpus is: $POLICYTRACK_CORPUS, the repo's corpus/ beside the
    package (source checkout, editable install), or policytrack/corpus inside an
    installed package when it ships one.  Raises with every place looked at."""
    if candidates is None:
        candidates = _default_candidates(Path(__file__).resolve())
    for c in candidates:
        if c.is_dir() and any(p.suffix.lower() in CORPUS_SUFFIXES for p in c.iterdir()):
            return c
    raise FileNotFoundError(
        "bundled corpus not found (looked in " + ", ".join(str(c) for c in candidates)
        + "); run from a source checkout or set POLICYTRACK_CORPUS to a folder of documents"
    )


def _default_candidates(here: Path) -> list[Path]:
    import os

    if os.environ.get("POLICYTRACK_CORPUS"):  # asked for explicitly: no silent fallback
        return [Path(os.environ["POLICYTRACK_CORPUS"])]
    return [here.parents[2] / "corpus", here.parents[1] / "corpus"]


def ingest_demo(data_dir: Path, corpus: Path | None = None) -> dict:
    """Ingest the bundled corpus into the data dir; documents already there are skipped
    by content hash, so running `serve --demo` again changes nothing.  Returns a summary."""
    from collections import Counter
    from datetime import date

    from policytrack.config import get_settings
    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    corpus = corpus or bundled_corpus()
    settings = get_settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.db_path)
    files = sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES)
    outcomes = ingest_paths(files, store)
    summary: dict = {"corpus": str(corpus), "outcomes": Counter(o.status for o in outcomes),
                     "errors": [o.error for o in outcomes if o.status == "failed"]}
    st = store.stats()
    st = st if isinstance(st, dict) else dict(vars(st))
    summary.update(documents=st.get("documents", 0), commitments=st.get("commitments", 0), progress=st.get("progress", 0))
    try:
        from policytrack.track.tracker import Tracker

        tr = Tracker(settings.db_path)
        try:
            snap = tr.snapshot()
            summary["statuses"] = Counter(r.status for r in snap.evaluate_all(date.today()).values())
            summary["links"] = sum(l.origin != "rejected" for l in snap.links)
        finally:
            tr.close()
    except ImportError:
        summary["statuses"] = Counter()
    return summary


def summary_lines(s: dict) -> list[str]:
    """The few lines `serve --demo` prints before serving."""
    from .web import STATUS_LABELS

    o = s["outcomes"]
    done = ", ".join(f"{n} {k}" for k, n in sorted(o.items()))
    lines = [f"demo corpus {s['corpus']}: {done}",
             f"store: {s['documents']} documents, {s['commitments']} commitments, {s['progress']} progress figures"
             + (f", {s['links']} links" if "links" in s else "")]
    if s.get("statuses"):
        lines.append("status today: " + ", ".join(f"{STATUS_LABELS.get(k, k)} {k} {n}" for k, n in s["statuses"].most_common()))
    lines += [f"  failed: {e}" for e in s["errors"]]
    return lines


@app.command("serve")
def serve(
    host: str = typer.Option(LOCAL, "--host", help="address to bind (other than 127.0.0.1 only with a token)"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="data directory (env POLICYTRACK_DATA)"),
    demo: bool = typer.Option(False, "--demo", help="ingest the bundled corpus first (unchanged documents are skipped)"),
    workers: int = typer.Option(1, "--workers", min=1, max=32,
                                help="server processes sharing the port (SQLite WAL: readers in parallel, one writer at a time)"),
) -> None:
    """Start the API (OpenAPI at /docs) and the web page (/)."""
    import uvicorn

    from policytrack.config import get_settings

    from .app import create_app
    from .security import ApiSettings

    settings = get_settings(data_dir)
    try:
        api = ApiSettings.from_env(token=settings.api_token)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    bind, note = decide_host(host, api.token)
    if note:
        typer.secho(note, fg=typer.colors.YELLOW, err=True)
    if demo:
        try:
            summary = ingest_demo(settings.data_dir)
        except FileNotFoundError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        for line in summary_lines(summary):
            typer.echo(line)
    typer.echo(f"policytrack: http://{bind}:{port}/  (API docs at /docs, data in {settings.data_dir})"
               + (f", {workers} worker processes" if workers > 1 else ""))
    if workers == 1:
        uvicorn.run(create_app(settings, api), host=bind, port=port, log_level="info")
        return
    # each worker process builds its own app from the environment: pass the resolved data dir on
    import os

    os.environ["POLICYTRACK_DATA"] = str(settings.data_dir.resolve())
    uvicorn.run("policytrack.api.app:create_app", factory=True, host=bind, port=port, workers=workers, log_level="info")


def register(parent: typer.Typer) -> None:
    """Add `serve` to the main CLI."""
    parent.command("serve")(serve)


if __name__ == "__main__":  # pragma: no cover
    app()
