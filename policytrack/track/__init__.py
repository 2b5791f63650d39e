"""Tracking: link commitments to reported progress, compute status, gap and
explanation as of a date, and produce audit lists and exports.

Entry points: `Tracker(db_path).snapshot()` (everything read from the store),
`Snapshot.evaluate(commitment, as_of)` / `evaluate_all(as_of)`, and the pure
`status.evaluate(commitment, evidence, as_of)`.  A commitment restated in several
documents is one group (`Snapshot.groups()`, `Snapshot.evaluate_groups(as_of)`,
groups.py): the audit list and the API's commitments list show groups, exports
keep every record.
"""

from __future__ import annotations

from .status import STATUSES, Evidence, TrackResult, evaluate
from .tracker import Snapshot, Tracker

__all__ = ["STATUSES", "Evidence", "Snapshot", "TrackResult", "Tracker", "evaluate"]
