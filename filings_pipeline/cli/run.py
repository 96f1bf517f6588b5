"""`filings-pipeline run`: the whole pipeline over sample (or given) days, through a real
Dagster daemon and run queue, with per-phase progress bars."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import click

from filings_pipeline.cli.backfill import partial_launch_message
from filings_pipeline.cli.batches.launch import PartialLaunch
from filings_pipeline.cli.batches.progress import batch_progress
from filings_pipeline.cli.instance import dagster_home, prepare_dagster_home, set_pool_limits
from filings_pipeline.cli.launch import (
    check_cost,
    describe,
    launch,
    max_cost_or_setting,
    open_instance,
    plan_options,
    prepare,
)
from filings_pipeline.cli.progress import watch_backfill
from filings_pipeline.cli.server import DagsterDev
from filings_pipeline.phases.catalog import ASSETS
from filings_pipeline.settings import Settings, settings
from filings_pipeline.store import ContentStore


def absolute_env(s: Settings) -> dict[str, str]:
    """The configuration run workers must share, with absolute paths."""
    return {
        "FILINGS_DATA_DIR": str(s.data_dir.absolute()),
        "FILINGS_DB_URL": s.db_url,
        "FILINGS_SITE_DIR": str(s.site_dir.absolute()),
        "FILINGS_SAMPLE_DIR": str(Path(s.sample_dir).absolute()),
    }


def days_between(start: date, end: date) -> list[date]:
    """Every calendar day from start to end inclusive (weekends materialize empty)."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def summarise(store: ContentStore, days: list[date]) -> tuple[int, int, int, int]:
    """(listed, published, skipped, held back) over the days."""
    published = skipped = held = 0
    for d in days:
        skipped += len(store.skipped_for_day(d))
        for p in store.publications_for_day(d):
            if p.status == "published":
                published += 1
            else:
                held += 1
    return published + skipped + held, published, skipped, held


def email_summary(store: ContentStore, days: list[date], s: Settings) -> str:
    """One line on the digests: the ledger's counts, or the outbox folder."""
    transport = s.email_transport or "none"
    if transport == "none":
        files = [p for d in days for p in (s.outbox_dir / d.isoformat()).glob("*.eml")]
        return f"Digests: {len(files)} messages in the outbox {s.outbox_dir.absolute()}"
    counts: dict[str, int] = {}
    for d in days:
        for row in store.deliveries.for_day(d).values():
            counts[row.status] = counts.get(row.status, 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"
    return f"Digests via {transport} (ledger, days {days[0]}..{days[-1]}): {parts}"


@click.command("run")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First filing day.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last filing day.")
@click.option("--per-day", type=int, default=None, help="Sample filings per business day.")
@click.option("--timeout", type=float, default=3600.0, show_default=True, help="Seconds.")
@plan_options
def run_command(start, end, per_day, timeout, force_all, max_cost) -> None:
    """Run all five phases (the digest email too) over the sample days (or --start/--end)
    through a real daemon: only the days missing, failed or stale (--all: every day)."""
    from filings_pipeline.sample import (
        DEFAULT_FILINGS_PER_DAY,
        default_sample_days,
        generate_mirror,
    )

    s = settings()
    sample_days = default_sample_days()
    first = start.date() if start else sample_days[0]
    last = end.date() if end else (sample_days[-1] if not start else first)
    if last < first:
        raise click.BadParameter("--end is before --start")
    days = days_between(first, last)
    if date.fromisoformat(s.start_date) > first:
        raise click.BadParameter(
            f"{first} is before the partitions' start date {s.start_date} (FILINGS_START_DATE)"
        )
    if s.source == "sample":
        manifest = generate_mirror(
            Path(s.sample_dir), days, filings_per_day=per_day or DEFAULT_FILINGS_PER_DAY
        )
        click.echo(
            f"Sample EDGAR mirror: {len(manifest.filings)} filings on "
            f"{len(manifest.days)} business days in {s.sample_dir}"
        )
    home = prepare_dagster_home(dagster_home())
    set_pool_limits(home)
    env = {**absolute_env(s), "FILINGS_NEW_FILINGS_SENSOR": "stopped"}
    os.environ.update(env)
    click.echo(f"Dagster instance: {home} (pools bedrock=5, render=3)")
    store = ContentStore(s.db_url)
    keys = [d.isoformat() for d in days]
    max_cost = max_cost_or_setting(max_cost)
    prepared = prepare(home, store, ASSETS, keys, force_all)
    for line in describe(prepared):
        click.echo(line)
    check_cost(prepared, max_cost)
    if not prepared.plan.runs():
        click.echo("Nothing to run: every day is up to date (--all runs them again).")
        return
    with DagsterDev(home, env=env) as dagster:
        click.echo(f"Dagster UI (while this runs): {dagster.url}")
        title = f"filings-pipeline run {keys[0]}..{keys[-1]}"
        try:
            launched = launch(dagster.url, store, prepared, max_cost, title, "cli-run")
        except PartialLaunch as exc:
            raise click.ClickException(partial_launch_message(exc, dagster.url)) from exc
        click.echo(
            f"Batch {launched.batch_id}: {len(launched.run_ids)} runs queued; stop it with "
            f"filings-pipeline cancel {launched.batch_id}"
        )
        instance = open_instance(home)
        try:
            state = watch_backfill(
                lambda: batch_progress(instance, launched.batch_id, store), timeout_s=timeout
            )
        finally:
            instance.dispose()
    listed, published, skipped, held = summarise(store, days)
    homepage = (s.site_dir / "index.html").absolute()
    click.echo(
        f"Batch {state.status.lower()}: published {published} of {listed} filings "
        f"({skipped} skipped, {held} held back). Homepage: {homepage.as_uri()}"
    )
    click.echo(email_summary(store, days, s))
    if not state.done or state.status not in ("COMPLETED", "COMPLETED_SUCCESS"):
        raise SystemExit(1)
