"""The `filings-pipeline` command line."""

from __future__ import annotations

import click

from filings_pipeline.cli.backfill import backfill_command, cancel_command
from filings_pipeline.cli.edgar_commands import index_command, inspect_command
from filings_pipeline.cli.publish import publish_command
from filings_pipeline.cli.review import review_command
from filings_pipeline.cli.run import run_command
from filings_pipeline.cli.status import status_command


@click.group()
def main() -> None:
    """filings_pipeline: SEC EDGAR filings in, news articles and newsletters out."""


@main.command("setup")
def setup_command() -> None:
    """Prepare $DAGSTER_HOME and set the pool limits (bedrock=5, render=3). Idempotent."""
    from filings_pipeline.cli.instance import dagster_home, prepare_dagster_home, set_pool_limits

    home = prepare_dagster_home(dagster_home())
    limits = set_pool_limits(home)
    click.echo(f"{home}: pools " + ", ".join(f"{k}={v}" for k, v in limits.items()))


@main.command("sample")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last day.")
@click.option("--per-day", type=int, default=None, help="Filings per business day.")
def sample_command(start, end, per_day) -> None:
    """Write (or extend) the sample EDGAR mirror at FILINGS_SAMPLE_DIR."""
    from pathlib import Path

    from filings_pipeline.cli.run import days_between
    from filings_pipeline.sample import (
        DEFAULT_FILINGS_PER_DAY,
        default_sample_days,
        generate_mirror,
    )
    from filings_pipeline.settings import settings

    sample = default_sample_days()
    first = start.date() if start else sample[0]
    last = end.date() if end else (sample[-1] if not start else first)
    m = generate_mirror(
        Path(settings().sample_dir),
        days_between(first, last),
        filings_per_day=per_day or DEFAULT_FILINGS_PER_DAY,
    )
    click.echo(f"{len(m.filings)} filings on {len(m.days)} business days in {m.root}")


main.add_command(run_command)
main.add_command(backfill_command)
main.add_command(cancel_command)
main.add_command(status_command)
main.add_command(review_command)
main.add_command(publish_command)
main.add_command(index_command)
main.add_command(inspect_command)
