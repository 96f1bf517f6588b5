"""`filings-pipeline review`: what waits for an editor, and the editor's decisions.

Decisions go to the content store; the deployment's review sensor then re-publishes the days
they concern (the same happens after `review_job` in the Dagster UI).
"""

from __future__ import annotations

import getpass
import json

import click

from filings_pipeline.phases.review import ReviewError, decide, pending_articles
from filings_pipeline.settings import settings
from filings_pipeline.store import ContentStore
from filings_pipeline.store.reviews import APPROVED, REJECTED


def _store() -> ContentStore:
    return ContentStore(settings().db_url)


def _mode_note() -> str:
    mode = settings().publish_mode
    if mode == "review":
        return ""
    return (
        f" (FILINGS_PUBLISH_MODE={mode}: decisions are kept, and apply once the deployment "
        "runs with FILINGS_PUBLISH_MODE=review)"
    )


@click.group("review")
def review_command() -> None:
    """Editorial review (FILINGS_PUBLISH_MODE=review): list, approve, reject."""


@review_command.command("list")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Only this filing day.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(day, as_json) -> None:
    """Articles pending review, oldest day first."""
    items = pending_articles(_store(), day.date() if day else None)
    if as_json:
        click.echo(json.dumps([{**i.__dict__, "day": i.day.isoformat()} for i in items]))
        return
    if not items:
        click.echo("Nothing pending review." + _mode_note())
        return
    for i in items:
        click.echo(f"{i.accession}  {i.day}  {i.company}: {i.headline}")
    click.echo(f"{len(items)} pending review.{_mode_note()}")


def _decide(accessions: tuple[str, ...], decision: str, reason: str | None, editor: str) -> None:
    try:
        decided = decide(_store(), list(accessions), decision, reason=reason, editor=editor)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    days = sorted({d.isoformat() for _, d in decided})
    click.echo(
        f"{decision} {len(decided)} article(s); the review sensor re-publishes "
        f"{', '.join(days)}.{_mode_note()}"
    )


@review_command.command("approve")
@click.argument("accessions", nargs=-1, required=True)
@click.option("--editor", default=getpass.getuser, show_default="your user name")
def approve_command(accessions, editor) -> None:
    """Approve articles (as rendered now) for the site and the digest."""
    _decide(accessions, APPROVED, None, editor)


@review_command.command("reject")
@click.argument("accessions", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why (shown as the hold reason).")
@click.option("--editor", default=getpass.getuser, show_default="your user name")
def reject_command(accessions, reason, editor) -> None:
    """Reject articles: they stay off the site, held back with the reason."""
    _decide(accessions, REJECTED, reason, editor)
