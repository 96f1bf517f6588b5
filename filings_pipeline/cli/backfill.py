"""`filings-pipeline backfill`: launch only what is missing of a date range onto the run queue.

It plans on the deployment's instance (DAGSTER_HOME) which (asset, day) are missing, failed or
stale, prints what it skips and why, prices the Bedrock calls, and launches one run per day
with work through the webserver's GraphQL ``launchRun`` under one ``filings/batch`` tag (see
filings_pipeline/batches/). The run queue's tag limits and the pools apply to every run.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import click
import requests

from filings_pipeline.cli.batches.launch import PartialLaunch
from filings_pipeline.cli.graphql import GraphQLError
from filings_pipeline.cli.launch import (
    check_cost,
    describe,
    launch,
    max_cost_or_setting,
    plan_options,
    prepare,
)
from filings_pipeline.phases.catalog import ANALYZE, PUBLISH, RENDER, assets_through, tags_for
from filings_pipeline.settings import DEFAULT_DAGSTER_URL as DEFAULT_URL
from filings_pipeline.settings import settings

MAX_DAYS = 3660


def plan(analyze_only: bool, publish: bool | None = None) -> tuple[list[str], dict[str, str]]:
    """(assets, tags of a run of all of them) for the chosen mode. By default a backfill
    publishes, as the publish automation does: what reaches the site is decided by
    FILINGS_PUBLISH_MODE (in `review` mode every article waits for an editor), the same for
    every launch path. The digest email is never part of a backfill (no mass mailing of old
    days). Each day's run carries the tags of the assets it runs (`tags_for`)."""
    if analyze_only and publish:
        raise click.UsageError("--analyze-only and --publish exclude each other")
    if analyze_only:
        assets = assets_through(ANALYZE)
    elif publish is False:
        assets = assets_through(RENDER)
    else:
        assets = assets_through(PUBLISH)
    return assets, tags_for(assets)


def default_title(keys: list[str], assets: list[str]) -> str:
    """'filings-pipeline backfill D1..D2 (filings..published_articles)': Dagster refuses a
    backfill title over 100 characters (a 500 from launchPartitionBackfill)."""
    return f"filings-pipeline backfill {keys[0]}..{keys[-1]} ({assets[0]}..{assets[-1]})"[:100]


def partial_launch_message(exc: PartialLaunch, url: str) -> str:
    """What an operator needs after a launch failed half-way: the batch id of what is queued."""
    batch = exc.launched.batch_id
    return (
        f"the webserver at {url} refused a run for {exc.day}: {exc.cause}\n"
        f"Batch {batch}: {len(exc.launched.run_ids)} run(s) were queued before that "
        f"({', '.join(exc.launched.run_ids)}). Stop them: filings-pipeline cancel {batch}; "
        f"or follow them: filings-pipeline status --backfill {batch}"
    )


def partition_keys(start: date, end: date) -> list[str]:
    """Every calendar day from start to end inclusive (weekends materialize empty)."""
    if end < start:
        raise click.BadParameter("--end is before --start", param_hint="--end")
    n = (end - start).days + 1
    if n > MAX_DAYS:
        raise click.BadParameter(f"{n} days is more than {MAX_DAYS}", param_hint="--end")
    return [(start + timedelta(days=i)).isoformat() for i in range(n)]


@click.command("backfill")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: --start).")
@click.option("--analyze-only", is_flag=True, help="Only ingest and analyse (no rendering).")
@click.option(
    "--publish/--no-publish",
    default=None,
    help="Publish (the default; FILINGS_PUBLISH_MODE decides what reaches the site) or stop "
    "after rendering.",
)
@plan_options
@click.option("--dry-run", is_flag=True, help="Print the plan and its cost; launch nothing.")
@click.option(
    "--url",
    default=lambda: settings().dagster_url,
    show_default="$FILINGS_DAGSTER_URL or " + DEFAULT_URL,
    help="The Dagster webserver (`make dev` starts one).",
)
@click.option("--title", help="Batch title shown by `status` (a run tag).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the batch id.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan and batch as JSON.")
def backfill_command(
    start, end, analyze_only, publish, force_all, max_cost, dry_run, url, title, quiet, as_json
) -> None:
    """Launch what is missing, failed or stale of filing days START..END; print the batch id.

    \b
    Phases:
      default         ingest, analyse, render, publish (FILINGS_PUBLISH_MODE=review
                      keeps every article pending review, off the site, as automation does)
      --no-publish    ingest, analyse, render
      --analyze-only  ingest, analyse
    The digest email is not sent by a backfill (deliver_job sends chosen days).
    The plan is read from the instance at DAGSTER_HOME: a day runs from its first asset that
    is missing, failed, or stale (upstream materialized since, or analyses made under another
    prompt version or model) through the last phase; other days are skipped, and said so.
    Runs that analyse carry filings/llm=bedrock (at most 5 at once), runs that render
    filings/render=jinja (at most 3). Follow: `filings-pipeline status --watch`; stop:
    `filings-pipeline cancel BATCH_ID`.
    """
    from filings_pipeline.cli.instance import dagster_home
    from filings_pipeline.store import ContentStore

    assets, _ = plan(analyze_only, publish)
    first = start.date()
    keys = partition_keys(first, end.date() if end else first)
    max_cost = max_cost_or_setting(max_cost)
    store = ContentStore(settings().db_url)
    prepared = prepare(dagster_home(), store, assets, keys, force_all)
    say = (lambda _line: None) if (quiet or as_json) else click.echo
    for line in describe(prepared):
        say(line)
    check_cost(prepared, max_cost)
    summary = {
        "days": keys,
        "assets": assets,
        "runs": {day: a for day, a in prepared.plan.runs()},
        "skipped": [d.__dict__ for d in prepared.plan.skipped()],
        "estimate_usd": None if prepared.estimate is None else round(prepared.estimate.usd, 4),
        "max_cost_usd": max_cost,
    }
    if dry_run or not prepared.plan.runs():
        if as_json:
            click.echo(json.dumps({**summary, "batch_id": None}))
        elif not quiet:
            click.echo("Nothing to launch." if not dry_run else "Dry run: nothing launched.")
        return
    title = title or default_title(keys, assets)
    url = url.rstrip("/")
    try:
        launched = launch(url, store, prepared, max_cost, title, "cli-backfill")
    except PartialLaunch as exc:
        raise click.ClickException(partial_launch_message(exc, url)) from exc
    except requests.ConnectionError as exc:
        raise click.ClickException(
            f"no Dagster webserver at {url} ({type(exc).__name__}); start one with `make dev` "
            "or pass --url / FILINGS_DAGSTER_URL"
        ) from exc
    except (requests.RequestException, GraphQLError) as exc:
        raise click.ClickException(f"the webserver at {url} refused a run: {exc}") from exc
    if as_json:
        click.echo(
            json.dumps(
                {
                    **summary,
                    "batch_id": launched.batch_id,
                    "run_ids": launched.run_ids,
                    "first_queued_s": launched.first_queued_s,
                    "canceled": launched.canceled,
                }
            )
        )
    elif quiet:
        click.echo(launched.batch_id)
    elif launched.canceled:
        click.echo(
            f"Batch {launched.batch_id} was canceled while it was being launched: "
            f"{len(launched.run_ids)} of {len(prepared.plan.runs())} days were queued before "
            "that, and are canceled; no other day was queued."
        )
    else:
        budget = f"; budget ${max_cost:g} shared by its runs" if max_cost is not None else ""
        click.echo(
            f"Batch {launched.batch_id}: {len(launched.run_ids)} runs queued (the first "
            f"{launched.first_queued_s:.1f}s after planning){budget}. Follow: filings-pipeline "
            f"status --backfill {launched.batch_id} --watch; stop: filings-pipeline cancel "
            f"{launched.batch_id}"
        )


@click.command("cancel")
@click.argument("batch_id")
@click.option(
    "--url",
    default=lambda: settings().dagster_url,
    show_default="$FILINGS_DAGSTER_URL or " + DEFAULT_URL,
    help="The webserver, to stop runs that already started.",
)
def cancel_command(batch_id: str, url: str) -> None:
    """Cancel a batch: its queued runs never start, its started runs are asked to stop."""
    from filings_pipeline.cli.batches.launch import cancel_batch
    from filings_pipeline.cli.batches.progress import batch_runs
    from filings_pipeline.cli.instance import dagster_home
    from filings_pipeline.cli.launch import open_instance
    from filings_pipeline.store import ContentStore

    instance = open_instance(dagster_home())
    try:
        if not batch_runs(instance, batch_id):
            raise click.ClickException(f"no runs tagged filings/batch={batch_id} on this instance")
        done = cancel_batch(
            instance, batch_id, url.rstrip("/"), store=ContentStore(settings().db_url)
        )
    finally:
        instance.dispose()
    click.echo(
        f"Batch {batch_id}: {len(done.dequeued)} queued run(s) canceled, "
        f"{len(done.terminating)} started run(s) asked to stop"
        + (
            f"; {len(done.not_reached)} started run(s) not stopped (the webserver at {url} "
            "was not reached or refused; run cancel again)"
            if done.not_reached
            else ""
        )
    )
    if done.not_reached:
        raise SystemExit(1)
