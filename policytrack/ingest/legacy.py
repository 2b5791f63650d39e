"""Legacy Word (.doc) and WPS (.wps) files, converted to DOCX by LibreOffice.

There is no maintained pure-Python reader for these binary formats, so conversion
is delegated to `soffice --headless` when it is installed; otherwise the file fails
with an error that says how to enable it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from policytrack.ingest.document import Block
from policytrack.ingest.errors import IngestError

CONVERT_TIMEOUT_S = 120


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_legacy(path: Path) -> list[Block]:
    soffice = find_soffice()
    if soffice is None:
        raise IngestError(path, f"cannot read {path.suffix.lower()} without LibreOffice: install it (apt-get install libreoffice-writer) to read .doc/.wps")
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:4] not in (b"\xd0\xcf\x11\xe0", b"PK\x03\x04") and not head.startswith(b"{\\rtf"):
        raise IngestError(path, f"not a valid {path.suffix.lower()} file (unknown binary format; damaged or wrong extension?)")
    from policytrack.ingest.docx import read_docx

    with tempfile.TemporaryDirectory(prefix="policytrack-soffice-") as tmp:
        env = dict(os.environ, HOME=tmp)  # a private profile: parallel conversions do not collide
        cmd = [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--convert-to", "docx", "--outdir", tmp, str(path.resolve())]
        try:
            subprocess.run(cmd, capture_output=True, timeout=CONVERT_TIMEOUT_S, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise IngestError(path, f"LibreOffice conversion timed out after {CONVERT_TIMEOUT_S}s") from None
        out = Path(tmp) / (path.stem + ".docx")
        if not out.exists():
            raise IngestError(path, "LibreOffice could not convert this file (damaged or not a Word/WPS document?)")
        return read_docx(out)
