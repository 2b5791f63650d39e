"""Settings read from the environment, in one place so every command agrees.

Commands take `--data-dir`; when absent, POLICYTRACK_DATA, then ./policytrack-data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = "policytrack-data"
DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024
# ~6,000 pages of Chinese text: far beyond any real plan or report, while a 50 MB single-line
# text (17M characters, hundreds of thousands of figures) would hold an extraction worker for
# many minutes. Such files fail with a clear message instead.
DEFAULT_MAX_TEXT_CHARS = 10_000_000


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    es_url: str | None = None
    es_api_key: str | None = None
    es_ca_certs: str | None = None
    embed_model: str | None = None
    api_token: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "policytrack.db"


def max_text_chars() -> int:
    """Longest document text (characters) that ingest will extract; POLICYTRACK_MAX_TEXT_CHARS."""
    return _int_env("POLICYTRACK_MAX_TEXT_CHARS", DEFAULT_MAX_TEXT_CHARS)


def get_settings(data_dir: str | os.PathLike | None = None) -> Settings:
    d = data_dir or os.environ.get("POLICYTRACK_DATA") or DEFAULT_DATA_DIR
    return Settings(
        data_dir=Path(d),
        max_file_bytes=_int_env("POLICYTRACK_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES),
        es_url=os.environ.get("POLICYTRACK_ES_URL") or None,
        es_api_key=os.environ.get("POLICYTRACK_ES_API_KEY") or None,
        es_ca_certs=os.environ.get("POLICYTRACK_ES_CA_CERTS") or None,
        embed_model=os.environ.get("POLICYTRACK_EMBED_MODEL") or None,
        api_token=os.environ.get("POLICYTRACK_API_TOKEN") or None,
    )
