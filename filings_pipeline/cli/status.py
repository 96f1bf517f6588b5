"""`filings-pipeline status`: a backfill's progress per phase, read from the instance itself.

No webserver is needed: the backfill record and its runs come from the Dagster instance at
$DAGSTER_HOME, the filings counts from the content store (FILINGS_DB_URL). The per-phase counts
are Dagster's own (the backfill daemon's record of what it requested, what materialized and
what failed; see :mod:`filings_pipeline.cli.backfill_state`), the same numbers the run
command's bars read through GraphQL.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from filings_pipeline.cli.backfill_state import BackfillProgress, PhaseProgress, in_phase_order
from filings_pipeline.phases.catalog import BATCH_TAG, phase_of

if TYPE_CHECKING:
    from dagster import DagsterInstance

    from filings_pipeline.store import ContentStore

BAR_WIDTH = 30
# Automation sensors launch backfills of their own; `status` shows people's by default.
AUTOMATION_TAG = "dagster/from_automation_condition"


class StatusReader:
    """Reads backfill progress from an instance; caches the filings counts of done days."""

    def __init__(self, instance: DagsterInstance, store: ContentStore | None = None) -> None:
        self.instance = instance
        self.store = store
        self._counts: dict[tuple[str, str], int] = {}  # (asset, day) -> filings, done days only
        self._graph: Any = None

    def backfill(self, backfill_id: str | None = None) -> Any:
        """The backfill with this id, or the latest one. click.ClickException when none."""
        if backfill_id:
            found = self.instance.get_backfill(backfill_id)
            if found is None:
                raise click.ClickException(f"no backfill or batch {backfill_id!r} on this instance")
            return found
        latest = self.instance.get_backfills(limit=50)
        if not latest:
            raise click.ClickException(
                "no backfills on this instance yet; launch one with `filings-pipeline backfill`"
            )
        launched = [b for b in latest if AUTOMATION_TAG not in (b.tags or {})]
        return (launched or latest)[0]

    def latest_batch(self) -> str | None:
        """The newest batch id (batch ids sort by launch time), or None."""
        found = self.instance.get_run_tags(tag_keys=[BATCH_TAG])
        values = [v for key, vals in found if key == BATCH_TAG for v in vals]
        return max(values) if values else None

    def progress(self, backfill_id: str | None = None) -> BackfillProgress:
        """A snapshot of a batch's progress (the CLI's launches: its runs on the instance) or
        of a Dagster backfill's (the backfill daemon's own record). Without an id: the newest
        batch, unless a backfill launched by a person is newer."""
        from filings_pipeline.cli.batches.progress import batch_progress

        if backfill_id is None:
            batch = self.latest_batch()
            latest = [
                b
                for b in self.instance.get_backfills(limit=50)
                if AUTOMATION_TAG not in (b.tags or {})
            ]
            if batch is not None:
                bp = batch_progress(self.instance, batch, self.store)
                if bp is not None and (not latest or latest[0].backfill_timestamp <= bp.started):
                    return bp
        else:
            bp = batch_progress(self.instance, backfill_id, self.store)
            if bp is not None:
                return bp
        return self._backfill_progress(backfill_id)

    def _backfill_progress(self, backfill_id: str | None = None) -> BackfillProgress:
        from dagster import RunsFilter

        bf = self.backfill(backfill_id)
        if not bf.is_asset_backfill:
            raise click.ClickException(f"backfill {bf.backfill_id} is a job backfill, not assets")
        graph = self._asset_graph()
        data = bf.get_asset_backfill_data(graph)
        phases = []
        for status in data.get_backfill_status_per_asset_key(graph):
            if not hasattr(status, "partitions_counts_by_status"):
                continue  # an unpartitioned asset: every asset of the pipeline is daily
            counts = {k.value: n for k, n in status.partitions_counts_by_status.items()}
            p = PhaseProgress.from_counts(
                status.asset_key.to_user_string(),
                targeted=status.num_targeted_partitions,
                materialized=counts["MATERIALIZED"],
                in_progress=counts["IN_PROGRESS"],
                failed=counts["FAILED"],
            )
            key = status.asset_key
            if key in data.materialized_subset.asset_keys:
                materialized = data.materialized_subset.get_partitions_subset(key)
                p.done_days = sorted(materialized.get_partition_keys())
                p.filings = sum(self._filings(p.asset, day) for day in p.done_days)
            phases.append(p)
        runs = self.instance.get_runs(RunsFilter(tags={"dagster/backfill": bf.backfill_id}))
        run_counts: dict[str, int] = defaultdict(int)
        for run in runs:
            run_counts[run.status.value] += 1
        return BackfillProgress(
            backfill_id=bf.backfill_id,
            status=bf.status.value,
            title=bf.title or "",
            started=bf.backfill_timestamp,
            ended=getattr(bf, "backfill_end_timestamp", None),
            now=time.time(),
            phases=in_phase_order(phases),
            runs=dict(run_counts),
            pending_review=self._pending(phases),
        )

    def _pending(self, phases: list[PhaseProgress]) -> int:
        """Articles of the days this backfill published that wait for review."""
        if self.store is None:
            return 0
        days = {d for p in phases for d in p.done_days}
        return sum(1 for a in self.store.reviews.pending() if a.day.isoformat() in days)

    def _asset_graph(self) -> Any:
        """The code location's asset graph (Dagster needs it to read a backfill's status)."""
        if self._graph is None:
            from filings_pipeline.definitions import defs

            self._graph = defs.resolve_asset_graph()
        return self._graph

    def _filings(self, asset: str, day: str) -> int:
        phase = phase_of(asset)
        if self.store is None or phase is None:
            return 0
        key = (asset, day)
        if key not in self._counts:
            self._counts[key] = self.store.count_rows(phase.table, date.fromisoformat(day))
        return self._counts[key]


# ----- presentation -----
def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


def _bar(p: PhaseProgress, width: int = BAR_WIDTH) -> Text:
    """A bar: done (green), failed (red), running (yellow), queued (dim)."""
    bar = Text()
    total = max(p.targeted, 1)
    cells = {
        k: round(width * getattr(p, k) / total) for k in ("done", "failed", "running", "queued")
    }
    for kind, char, style in (
        ("done", "█", "green"),
        ("failed", "█", "red"),
        ("running", "▒", "yellow"),
    ):
        bar.append(char * cells[kind], style=style)
    bar.append("░" * max(0, width - len(bar.plain)), style="dim")
    return bar


def summary_line(bp: BackfillProgress) -> str:
    """One line: backfill id, status, elapsed, throughput, ETA."""
    return (
        f"backfill {bp.backfill_id} [{bp.status.lower()}] {bp.title} | "
        f"elapsed {_duration(bp.elapsed_s)} | {bp.throughput_per_min:.1f} filings/min | "
        f"ETA {'done' if bp.done else _duration(bp.eta_s)}"
    )


def phase_line(p: PhaseProgress) -> str:
    """One phase as plain text."""
    return (
        f"{p.label:<8} {p.done}/{p.targeted} days done, {p.running} running, "
        f"{p.queued} queued, {p.failed} failed; {p.filings} filings"
    )


def render_rich(bp: BackfillProgress) -> Group:
    """The summary line and a table with one bar per phase."""
    table = Table(box=None, pad_edge=False)
    for col in ("phase", "progress", "done", "running", "queued", "failed", "filings"):
        table.add_column(col, justify="left" if col in ("phase", "progress") else "right")
    for p in bp.phases:
        table.add_row(
            p.label,
            _bar(p),
            f"{p.done}/{p.targeted}",
            str(p.running),
            str(p.queued),
            Text(str(p.failed), style="red" if p.failed else ""),
            str(p.filings),
        )
    return Group(Text(summary_line(bp)), table, *(Text(line) for line in extra_lines(bp)))


def plain_text(bp: BackfillProgress) -> str:
    """The same as plain lines (not a terminal)."""
    lines = [summary_line(bp), *(f"  {phase_line(p)}" for p in bp.phases)]
    return "\n".join(lines + extra_lines(bp))


def extra_lines(bp: BackfillProgress) -> list[str]:
    """The budget line (a batch with a shared budget) and the review line, when they apply."""
    out = [budget_line(bp)] if bp.budget else []
    return out + ([review_line(bp)] if bp.pending_review else [])


def budget_line(bp: BackfillProgress) -> str:
    """A batch's shared Bedrock budget: spent of limit, and whether it stopped calls."""
    b = bp.budget or {}
    line = f"budget ${b.get('spent_usd', 0):.4f} of ${b.get('limit_usd', 0):g} spent"
    if b.get("refused_calls"):
        line += (
            f"; SPENT: {b['refused_calls']} call(s) not started, their filings stay "
            "unanalysed (launch again with a larger --max-cost to finish them)"
        )
    return line


def review_line(bp: BackfillProgress) -> str:
    """What waits for an editor (FILINGS_PUBLISH_MODE=review)."""
    return f"{bp.pending_review} article(s) pending review: filings-pipeline review list"


# ----- the command -----
def _reader() -> StatusReader:
    from dagster import DagsterInstance

    from filings_pipeline.cli.instance import dagster_home
    from filings_pipeline.settings import settings
    from filings_pipeline.store import ContentStore

    home = dagster_home()
    if not (home / "dagster.yaml").exists():
        raise click.ClickException(
            f"no Dagster instance at {home} (set DAGSTER_HOME, or run `filings-pipeline setup`)"
        )
    return StatusReader(DagsterInstance.from_config(str(home)), ContentStore(settings().db_url))


@click.command("status")
@click.option(
    "--backfill",
    "backfill_id",
    help="Backfill id (default: the latest one not launched by automation).",
)
@click.option("--watch", is_flag=True, help="Refresh until the backfill ends.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds.")
@click.option("--timeout", type=float, default=None, help="Stop watching after this many seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON snapshot per refresh.")
def status_command(
    backfill_id: str | None, watch: bool, interval: float, timeout: float | None, as_json: bool
) -> None:
    """Progress of the latest (or --backfill) backfill, read from the instance at DAGSTER_HOME.

    One bar per phase with days done / running / queued / failed and the filings each phase
    handled (from the content store at FILINGS_DB_URL), throughput and an ETA. With --watch it
    refreshes until the backfill ends (exit status 1 if it ended failed or canceled).
    """
    reader = _reader()
    try:
        bp = _show(reader, backfill_id, watch, interval, timeout, as_json)
    finally:
        reader.instance.dispose()
    if watch and bp.done and bp.status not in ("COMPLETED", "COMPLETED_SUCCESS"):
        raise SystemExit(1)


def _show(
    reader: StatusReader,
    backfill_id: str | None,
    watch: bool,
    interval: float,
    timeout: float | None,
    as_json: bool,
) -> BackfillProgress:
    console = Console()
    bp = reader.progress(backfill_id)
    backfill_id = bp.backfill_id  # keep watching the same one
    deadline = None if timeout is None else time.monotonic() + timeout
    if console.is_terminal and not as_json and not watch:
        console.print(render_rich(bp))
        return bp
    if as_json or not console.is_terminal:
        last = ""
        while True:
            text = json.dumps(bp.to_json()) if as_json else plain_text(bp)
            body = text.split("\n", 1)[-1]  # print again only when the phases changed
            if body != last or bp.done or not watch:
                click.echo(text)
                sys.stdout.flush()
                last = body
            if not watch or bp.done or (deadline and time.monotonic() > deadline):
                return bp
            time.sleep(interval)
            bp = reader.progress(backfill_id)
    from rich.live import Live

    with Live(render_rich(bp), console=console, refresh_per_second=4) as live:
        while not bp.done and not (deadline and time.monotonic() > deadline):
            time.sleep(interval)
            bp = reader.progress(backfill_id)
            live.update(render_rich(bp))
    return bp
