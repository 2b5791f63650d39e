"""API settings that matter for exposure: token, read policy, size limits.

Kept apart from the app so `serve` can decide where to bind (127.0.0.1 only
when no token is set) from the same values the app enforces.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_PAGE_SIZE = 200
UPLOAD_EXTENSIONS = (".pdf", ".docx", ".html", ".htm", ".txt", ".doc", ".wps")
IMPORT_EXTENSIONS = (".csv", ".xlsx")


@dataclass(frozen=True)
class ApiSettings:
    token: str | None = None
    reads_need_token: bool = False
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_page_size: int = DEFAULT_MAX_PAGE_SIZE
    max_files: int = 50
    # uploads are parsed in worker processes under these limits (address space on top of the
    # loaded parsers; CPU seconds per file), so a file no parser check recognises as a bomb
    # costs a worker, not the server
    worker_memory_mb: int = 1024
    worker_cpu_seconds: int = 120

    @classmethod
    def from_env(cls, token: str | None = None) -> "ApiSettings":
        """POLICYTRACK_API_TOKEN, POLICYTRACK_API_READS=open|token, POLICYTRACK_MAX_UPLOAD_BYTES,
        POLICYTRACK_UPLOAD_WORKER_MB, POLICYTRACK_UPLOAD_WORKER_CPU_S."""
        reads = (os.environ.get("POLICYTRACK_API_READS") or "open").strip().lower()
        if reads not in ("open", "token"):
            raise ValueError(f"POLICYTRACK_API_READS must be 'open' or 'token', got {reads!r}")
        raw = os.environ.get("POLICYTRACK_MAX_UPLOAD_BYTES")
        try:
            max_upload = int(raw) if raw else DEFAULT_MAX_UPLOAD_BYTES
        except ValueError as exc:
            raise ValueError(f"POLICYTRACK_MAX_UPLOAD_BYTES must be an integer, got {raw!r}") from exc
        limits = {}
        for env, key in (("POLICYTRACK_UPLOAD_WORKER_MB", "worker_memory_mb"), ("POLICYTRACK_UPLOAD_WORKER_CPU_S", "worker_cpu_seconds")):
            raw = os.environ.get(env)
            if raw:
                if not raw.isdigit() or int(raw) < 1:
                    raise ValueError(f"{env} must be a positive integer, got {raw!r}")
                limits[key] = int(raw)
        return cls(
            token=token if token is not None else (os.environ.get("POLICYTRACK_API_TOKEN") or None),
            reads_need_token=reads == "token",
            max_upload_bytes=max_upload,
            **limits,
        )


def token_ok(expected: str | None, authorization: str | None) -> bool:
    """Constant-time comparison so the token cannot be guessed byte by byte from timings."""
    if not expected:
        return True
    if not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8"))
