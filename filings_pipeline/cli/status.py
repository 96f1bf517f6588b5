"""`filings-pipeline status`: a backfill's progress per phase, read from the instance itself.

No webserver is needed: the backfill record, its runs and their step events come from the
Dagster instance at $DAGSTER_HOME, the filings counts from the content store (FILINGS_DB_URL).
For every (phase, day) the backfill targets, the latest run that covers it decides its state:

- done: the run recorded a materialization of that asset for that day;
- running: the asset's step started in a run that is still going;
- failed: the run ended (or the step failed) without materializing it;
- queued: anything else (not launched yet, in the run queue, or waiting inside its run).
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from filings_pipeline.cli.progress import PHASE_NAMES

if TYPE_CHECKING:
    from dagster import DagsterInstance

    from filings_pipeline.store import ContentStore

PHASE_ORDER = ["filings", "analyses", "rendered_articles", "published_articles"]
# Which content-store table counts the filings a phase has handled for a day.
PHASE_TABLES = {
    "filings": "filings",
    "analyses": "analyses",
    "rendered_articles": "articles",
    "published_articles": "publications",
}
ENDED = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
BAR_WIDTH = 30
# Automation sensors launch backfills of their own; `status` shows people's by default.
AUTOMATION_TAG = "dagster/from_automation_condition"


@dataclass
class PhaseProgress:
    """One phase (asset) of a backfill: partitions by state, and filings handled so far."""

    asset: str
    targeted: int = 0
    done: int = 0
    running: int = 0
    queued: int = 0
    failed: int = 0
    filings: int = 0  # filings this phase handled on its done days (from the content store)
    done_days: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return PHASE_NAMES.get(self.asset, self.asset).strip()


@dataclass
class BackfillProgress:
    """A backfill's status, per-phase progress, throughput and estimated time left."""

    backfill_id: str
    status: str
    title: str
    started: float
    ended: float | None
    now: float
    phases: list[PhaseProgress]
    runs: dict[str, int] = field(default_factory=dict)  # run status -> count

    @property
    def done(self) -> bool:
        return self.status in ENDED

    @property
    def elapsed_s(self) -> float:
        return max(0.0, (self.ended or self.now) - self.started)

    @property
    def throughput_per_min(self) -> float:
        """Filings through the backfill's last phase per minute so far."""
        last = self.phases[-1] if self.phases else None
        minutes = self.elapsed_s / 60
        return last.filings / minutes if last and minutes > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace so far (by the last phase's days); None when unknown."""
        if self.done:
            return 0.0
        last = self.phases[-1] if self.phases else None
        if not last or last.done == 0:
            return None
        remaining = last.targeted - last.done - last.failed
        return self.elapsed_s * remaining / last.done

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            elapsed_s=round(self.elapsed_s, 1),
            throughput_per_min=round(self.throughput_per_min, 2),
            eta_s=None if self.eta_s is None else round(self.eta_s, 1),
        )
        for p in out["phases"]:
            p.pop("done_days")
        return out


class StatusReader:
    """Reads backfill progress from an instance; caches what finished runs recorded."""

    def __init__(self, instance: DagsterInstance, store: ContentStore | None = None) -> None:
        self.instance = instance
        self.store = store
        self._finished: dict[str, dict[str, str]] = {}  # run id -> asset -> state
        self._counts: dict[tuple[str, str], int] = {}  # (asset, day) -> filings, done days only

    def backfill(self, backfill_id: str | None = None) -> Any:
        """The backfill with this id, or the latest one. click.ClickException when none."""
        if backfill_id:
            found = self.instance.get_backfill(backfill_id)
            if found is None:
                raise click.ClickException(f"no backfill {backfill_id!r} on this instance")
            return found
        latest = self.instance.get_backfills(limit=50)
        if not latest:
            raise click.ClickException(
                "no backfills on this instance yet; launch one with `filings-pipeline backfill`"
            )
        launched = [b for b in latest if AUTOMATION_TAG not in (b.tags or {})]
        return (launched or latest)[0]

    def progress(self, backfill_id: str | None = None) -> BackfillProgress:
        """A snapshot of a backfill's progress."""
        from dagster import RunsFilter

        bf = self.backfill(backfill_id)
        if bf.asset_backfill_data is None:
            raise click.ClickException(f"backfill {bf.backfill_id} is a job backfill, not assets")
        targets: dict[str, set[str]] = defaultdict(set)
        for akp in bf.asset_backfill_data.target_subset.iterate_asset_partitions():
            targets["/".join(akp.asset_key.path)].add(akp.partition_key)
        runs = self.instance.get_runs(RunsFilter(tags={"dagster/backfill": bf.backfill_id}))
        state: dict[tuple[str, str], str] = {}
        run_counts: dict[str, int] = defaultdict(int)
        for run in reversed(runs):  # oldest first: a later run (a retry) overrides
            run_counts[run.status.value] += 1
            partition = run.tags.get("dagster/partition")
            if partition is None:
                continue
            for asset, s in self._run_states(run).items():
                state[(asset, partition)] = s
        phases = []
        ordered = sorted(targets, key=lambda a: (PHASE_ORDER + [a]).index(a))
        for asset in ordered:
            p = PhaseProgress(asset, targeted=len(targets[asset]))
            for day in sorted(targets[asset]):
                s = state.get((asset, day), "queued")
                setattr(p, s, getattr(p, s) + 1)
                if s == "done":
                    p.done_days.append(day)
                    p.filings += self._filings(asset, day)
            phases.append(p)
        return BackfillProgress(
            backfill_id=bf.backfill_id,
            status=bf.status.value,
            title=bf.title or "",
            started=bf.backfill_timestamp,
            ended=getattr(bf, "backfill_end_timestamp", None),
            now=time.time(),
            phases=phases,
            runs=dict(run_counts),
        )

    def _run_states(self, run: Any) -> dict[str, str]:
        """asset -> done | running | queued | failed, for the assets of one run."""
        if run.run_id in self._finished:
            return self._finished[run.run_id]
        from dagster import DagsterEventType, DagsterRunStatus

        assets = ["/".join(k.path) for k in (run.asset_selection or [])]
        if run.status in (
            DagsterRunStatus.QUEUED,
            DagsterRunStatus.NOT_STARTED,
            DagsterRunStatus.STARTING,
        ):
            return dict.fromkeys(assets, "queued")
        kinds = {
            DagsterEventType.STEP_START,
            DagsterEventType.STEP_SUCCESS,
            DagsterEventType.STEP_FAILURE,
            DagsterEventType.ASSET_MATERIALIZATION,
        }
        materialized: set[str] = set()
        started: set[str] = set()
        ended: set[str] = set()
        failed: set[str] = set()
        for entry in self.instance.all_logs(run.run_id, of_type=kinds):
            ev = entry.dagster_event
            if ev is None:
                continue
            if ev.event_type == DagsterEventType.ASSET_MATERIALIZATION and ev.asset_key:
                materialized.add("/".join(ev.asset_key.path))
            elif ev.step_key:
                {
                    DagsterEventType.STEP_START: started,
                    DagsterEventType.STEP_SUCCESS: ended,
                    DagsterEventType.STEP_FAILURE: failed,
                }[ev.event_type].add(ev.step_key)
        out = {}
        for asset in assets:
            step = asset.replace("/", "__")
            if asset in materialized:
                out[asset] = "done"
            elif step in failed or run.is_finished:
                out[asset] = "failed"
            elif step in started and step not in ended:
                out[asset] = "running"
            else:
                out[asset] = "queued"
        if run.is_finished:
            self._finished[run.run_id] = out
        return out

    def _filings(self, asset: str, day: str) -> int:
        if self.store is None or asset not in PHASE_TABLES:
            return 0
        key = (asset, day)
        if key not in self._counts:
            self._counts[key] = self.store.count_rows(PHASE_TABLES[asset], date.fromisoformat(day))
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
    return Group(Text(summary_line(bp)), table)


def plain_text(bp: BackfillProgress) -> str:
    """The same as plain lines (not a terminal)."""
    return "\n".join([summary_line(bp), *(f"  {phase_line(p)}" for p in bp.phases)])


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
