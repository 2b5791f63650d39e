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


def bundled_corpus() -> Path:
    """The repo's corpus/ beside the package (present in a source checkout / editable install)."""
    return Path(__file__).resolve().parents[2] / "corpus"


def decide_host(host: str, token: str | None) -> tuple[str, str | None]:
    """The host to bind and a start-up note; no token means local only."""
    if token:
        return host, None
    if host not in (LOCAL, "localhost", "::1"):
        return LOCAL, f"POLICYTRACK_API_TOKEN is not set: binding to {LOCAL} only (not {host}); set a token to serve other machines."
    return LOCAL, f"POLICYTRACK_API_TOKEN is not set: writes are open, so the server listens on {LOCAL} only."


def ingest_demo(data_dir: Path, corpus: Path | None = None) -> int | None:
    """Ingest the bundled corpus when the store is empty; returns documents ingested (None if not needed)."""
    from policytrack.config import get_settings
    from policytrack.ingest.pipeline import ingest_paths
    from policytrack.store import Store

    corpus = corpus or bundled_corpus()
    if not corpus.is_dir():
        raise typer.BadParameter(f"{corpus}: bundled corpus not found (run from a source checkout)")
    settings = get_settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.db_path)
    if list(store.list_documents()):
        return None
    files = sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix.lower() in (".pdf", ".docx", ".html", ".htm", ".txt"))
    outcomes = ingest_paths(files, store)
    for o in outcomes:
        if o.status == "failed":
            typer.echo(f"  failed: {o.error}", err=True)
    return sum(o.status in ("ingested", "new_version") for o in outcomes)


@app.command("serve")
def serve(
    host: str = typer.Option(LOCAL, "--host", help="address to bind (other than 127.0.0.1 only with a token)"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="data directory (env POLICYTRACK_DATA)"),
    demo: bool = typer.Option(False, "--demo", help="ingest the bundled corpus first if the data dir is empty"),
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
        n = ingest_demo(settings.data_dir)
        typer.echo("demo: data directory already has documents" if n is None else f"demo: ingested {n} bundled documents")
    typer.echo(f"policytrack: http://{bind}:{port}/  (API docs at /docs, data in {settings.data_dir})")
    uvicorn.run(create_app(settings, api), host=bind, port=port, log_level="info")


def register(parent: typer.Typer) -> None:
    """Add `serve` to the main CLI."""
    parent.command("serve")(serve)


if __name__ == "__main__":  # pragma: no cover
    app()
