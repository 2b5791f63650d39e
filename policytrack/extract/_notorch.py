"""Load spaCy without torch.

Why: thinc (spaCy's model layer) imports torch at import time when it is installed,
only to offer torch-backed layers; the extractor's rule pipeline uses none, and the
import costs seconds in every CLI call and worker process.  While spaCy/thinc load,
`sys.modules["torch"] = None` makes their guarded `import torch` fail fast as if torch
were absent; the entry is removed right after, so a later `import torch` (semantic
search, sentence-transformers) in the same process loads the real module.  If torch is
already imported nothing is blocked (thinc then sees it, as before).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

_BLOCKED = ("torch",)


@contextmanager
def torch_blocked():
    placed = [name for name in _BLOCKED if name not in sys.modules]
    for name in placed:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in placed:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
