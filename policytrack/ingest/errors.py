"""The one error type ingest raises, so a batch can report each failed file on one line
and carry on with the rest."""

from __future__ import annotations

import os
from pathlib import Path


class IngestError(Exception):
    """A file could not be read.  `str()` is `"<file name>: <problem>"` on one line so the
    CLI summary and the failed-files table can show it as is."""

    def __init__(self, path: str | os.PathLike | None, message: str) -> None:
        self.path = str(path) if path is not None else ""
        self.message = " ".join(str(message).split())  # always one line
        super().__init__(self.__str__())

    def __reduce__(self):  # survive pickling across worker processes
        return (type(self), (self.path, self.message))

    def __str__(self) -> str:
        name = Path(self.path).name if self.path else "<input>"
        return f"{name}: {self.message}"
