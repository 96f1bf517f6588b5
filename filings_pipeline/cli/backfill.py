"""`filings-pipeline backfill`: launch a date range through the running deployment's run queue.

It calls the webserver's GraphQL `launchPartitionBackfill`, the mutation behind the UI's
"Launch backfill", so the backfill daemon, the run queue's tag limits and the pools all apply.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import click
import requests

from filings_pipeline.cli.graphql import GraphQLError, launch_backfill
from filings_pipeline.phases.catalog import ANALYZE, PIPELINE_TAGS, PUBLISH, RENDER, assets_through
from filings_pipeline.settings import DEFAULT_DAGSTER_URL as DEFAULT_URL
from filings_pipeline.settings import settings

MAX_DAYS = 3660


def plan(analyze_only: bool, publish: bool | None = None) -> tuple[list[str], dict[str, str]]:
    """(assets, run tags) for the chosen mode. By default a backfill publishes, as the publish
    automation does: what reaches the site is decided by FILINGS_PUBLISH_MODE (in `review`
    mode every article waits for an editor), the same for every launch path. The digest email
    is never part of a backfill (no mass mailing of old days)."""
    if analyze_only and publish:
        raise click.UsageError("--analyze-only and --publish exclude each other")
    if analyze_only:
        return assets_through(ANALYZE), {**ANALYZE.run_tags}
    if publish is False:
        return assets_through(RENDER), {**PIPELINE_TAGS}
    return assets_through(PUBLISH), {**PIPELINE_TAGS}


def default_title(keys: list[str], assets: list[str]) -> str:
    """'filings-pipeline backfill D1..D2 (filings..published_articles)': Dagster refuses a
    backfill title over 100 characters (a 500 from launchPartitionBackfill)."""
    return f"filings-pipeline backfill {keys[0]}..{keys[-1]} ({assets[0]}..{assets[-1]})"[:100]


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
@click.option(
    "--url",
    default=lambda: settings().dagster_url,
    show_default="$FILINGS_DAGSTER_URL or " + DEFAULT_URL,
    help="The Dagster webserver (`make dev` starts one).",
)
@click.option("--title", help="Backfill title shown in the UI.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the backfill id.")
@click.option("--json", "as_json", is_flag=True, help="Print the backfill as JSON.")
def backfill_command(start, end, analyze_only, publish, url, title, quiet, as_json) -> None:
    """Launch filing days START..END through the run queue and print the backfill id.

    \b
    Phases launched:
      default         ingest, analyse, render, publish (FILINGS_PUBLISH_MODE=review
                      keeps every article pending review, off the site, as automation does)
      --no-publish    ingest, analyse, render
      --analyze-only  ingest, analyse
    The digest email is not sent by a backfill (deliver_job sends chosen days).
    Runs are tagged filings/llm=bedrock (at most 5 such runs at once); the bedrock and render
    pools cap analysis steps at 5 and render steps at 3. Follow it with `filings-pipeline
    status --watch`.
    """
    assets, tags = plan(analyze_only, publish)
    first = start.date()
    keys = partition_keys(first, end.date() if end else first)
    tags = {**tags, "filings/launched_by": "cli-backfill"}
    title = title or default_title(keys, assets)
    url = url.rstrip("/")
    try:
        backfill_id = launch_backfill(url, keys, assets, tags, title=title)
    except requests.ConnectionError as exc:
        raise click.ClickException(
            f"no Dagster webserver at {url} ({type(exc).__name__}); start one with `make dev` "
            "or pass --url / FILINGS_DAGSTER_URL"
        ) from exc
    except (requests.RequestException, GraphQLError) as exc:
        raise click.ClickException(f"the webserver at {url} refused the backfill: {exc}") from exc
    if as_json:
        click.echo(
            json.dumps({"backfill_id": backfill_id, "days": keys, "assets": assets, "tags": tags})
        )
    elif quiet:
        click.echo(backfill_id)
    else:
        click.echo(
            f"Backfill {backfill_id}: {len(keys)} days x {len(assets)} phases "
            f"({', '.join(assets)}). Follow it: filings-pipeline status --backfill {backfill_id} "
            f"--watch, or {url}/runs/b/{backfill_id}"
        )
