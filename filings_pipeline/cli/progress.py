"""Per-phase progress bars for a running backfill (rich on a terminal, plain lines otherwise)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from filings_pipeline.cli.backfill_state import BackfillProgress


def watch_backfill(
    poll: Callable[[], BackfillProgress],
    *,
    interval_s: float = 1.0,
    timeout_s: float = 3600.0,
    console: Console | None = None,
) -> BackfillProgress:
    """Poll until the backfill ends, drawing one bar per phase. Returns the final state."""
    console = console or Console(stderr=False)
    deadline = time.monotonic() + timeout_s
    if not console.is_terminal:
        return _watch_plain(poll, interval_s, deadline)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    tasks: dict[str, int] = {}
    with Progress(*columns, console=console, transient=False) as bars:
        while True:
            state = poll()
            for p in state.phases:
                if p.asset not in tasks:
                    tasks[p.asset] = bars.add_task(f"{p.label:<9}", total=p.targeted, detail="")
                detail = f"running {p.running}" + (f", failed {p.failed}" if p.failed else "")
                bars.update(
                    tasks[p.asset],
                    completed=p.done + p.failed,
                    total=p.targeted,
                    detail=detail,
                )
            if state.done or time.monotonic() > deadline:
                return state
            time.sleep(interval_s)


def _watch_plain(
    poll: Callable[[], BackfillProgress], interval_s: float, deadline: float
) -> BackfillProgress:
    last = ""
    while True:
        state = poll()
        line = "  ".join(
            f"{p.label} {p.done}/{p.targeted}"
            + (f" (running {p.running})" if p.running else "")
            + (f" (failed {p.failed})" if p.failed else "")
            for p in state.phases
        )
        if line and line != last:
            print(f"[{state.status.lower()}] {line}", flush=True, file=sys.stdout)
            last = line
        if state.done or time.monotonic() > deadline:
            return state
        time.sleep(interval_s)
