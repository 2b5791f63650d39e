"""CPU time of other processes from Linux /proc, for the benches that drive a server.

The server runs in its own process tree, so `time.process_time()` and `getrusage` of the
bench miss it; its CPU seconds are the steadier figure on the shared machine."""

from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> list[int]:
    """Processes started by `pid`'s main thread (OSError when `pid` is gone or not Linux)."""
    return [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def tree(pid: int) -> list[int]:
    """`pid` and its descendants alive right now, whichever of their threads started them."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (t / "children").read_text().split()]
        except OSError:
            pass
    return out


def cpu_seconds(pids: list[int], *, reaped: bool = False) -> float:
    """User + system CPU seconds of these processes; with `reaped`, also of their children
    already waited for (short-lived workers that are gone by the time the bench looks).
    A process that has exited counts 0."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = slice(11, 15) if reaped else slice(11, 13)  # utime stime [cutime cstime]
    total = 0.0
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in f[fields]) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total
