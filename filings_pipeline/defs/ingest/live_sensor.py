"""The live sensor: polls EDGAR's latest-filings feed and runs today's partition for new filings.

Decisions live in `phases.live_requests`; this is the Dagster wiring (cursor, runs, resources).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import dagster as dg

from filings_pipeline.defs.ingest.sensors import RUN_KEY_TAG
from filings_pipeline.defs.jobs import LIVE_ASSET_KEYS, live_job
from filings_pipeline.defs.resources import ContentStoreResource, FilingSourceResource
from filings_pipeline.edgar.feed import FeedParseError, eastern_today
from filings_pipeline.edgar.fetch import FetchError
from filings_pipeline.phases.ingest_requests import RunState
from filings_pipeline.phases.live_requests import (
    LIVE_ACCESSIONS_TAG,
    LiveCursor,
    decode_accessions,
    plan_runs,
    poll_due,
)
from filings_pipeline.settings import settings


def live_default_status() -> dg.DefaultSensorStatus:
    """FILINGS_LIVE_SENSOR=running turns it on by default (stopped unless set)."""
    running = settings().live_sensor == "running"
    return dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED


def first_shown(instance: dg.DagsterInstance, day: str) -> dict[str, float]:
    """When the live sensor first asked for each accession of `day` (its first run's
    creation time): when the feed showed it."""
    records = instance.get_run_records(
        dg.RunsFilter(tags={"dagster/partition": day, "filings/phase": "all"}), limit=1000
    )
    shown: dict[str, float] = {}
    for rec in records:
        created = rec.create_timestamp.timestamp()
        for _, acc in decode_accessions(rec.dagster_run.tags.get(LIVE_ACCESSIONS_TAG, "")):
            shown[acc] = min(shown.get(acc, created), created)
    return shown


def _run_state(instance: dg.DagsterInstance, run_key: str) -> RunState | None:
    records = instance.get_run_records(dg.RunsFilter(tags={RUN_KEY_TAG: run_key}), limit=1)
    if not records:
        return None
    return RunState(records[0].dagster_run.is_finished, records[0].end_time)


@dg.sensor(
    name="live_filings_sensor",
    target=live_job,
    minimum_interval_seconds=settings().live_interval_seconds,
    default_status=live_default_status(),
    description="Polls EDGAR's latest-filings feed (FILINGS_LIVE_INTERVAL_SECONDS during EDGAR "
    "hours, 6 a.m.-10 p.m. ET; FILINGS_LIVE_OFF_HOURS_INTERVAL_SECONDS outside) through the "
    "shared fair-access limiter and requests a live_job run of the filing day for the kept "
    "filings it has not seen stored yet. A filing whose documents are not up yet is requested "
    "again on a later tick. Off by default: FILINGS_LIVE_SENSOR=running, or start it here.",
)
def live_filings_sensor(
    context: dg.SensorEvaluationContext,
    source: FilingSourceResource,
    store: ContentStoreResource,
) -> dg.SensorResult | dg.SkipReason:
    env = settings()
    cursor = LiveCursor.load(context.cursor)
    now = datetime.now(UTC)
    if not poll_due(cursor, now, env.live_off_hours_seconds):
        return dg.SkipReason("outside EDGAR hours: polling less often")
    today = eastern_today()
    src = source.for_sensor()
    known = set(cursor.known)
    try:
        listed, kept = src.read_feed(
            lambda e: e.accession in known or (e.filed is not None and e.filed < today)
        )
    except FetchError as exc:  # 403/429/503, throttle page (the shared pause is set), paused
        context.log.warning(f"latest-filings feed unavailable ({exc}); cursor kept")
        return dg.SkipReason(f"feed unavailable: {exc}")
    except FeedParseError as exc:
        raise FeedParseError(f"the latest-filings feed is malformed; cursor kept: {exc}") from exc
    content = store.get()
    runs = plan_runs(
        cursor,
        kept,
        stored=lambda day: (
            set(content.accessions_for_day(date.fromisoformat(day)))
            | {s.accession for s in content.skipped_for_day(date.fromisoformat(day))}
        ),
        run_state=lambda key: _run_state(context.instance, key),
        now=time.time(),
        today=today,
    )
    cursor.remember(listed)
    cursor.last_poll = now.timestamp()
    requests = [
        dg.RunRequest(
            partition_key=r.day,
            run_key=r.run_key,
            asset_selection=list(LIVE_ASSET_KEYS),
            tags={
                **live_job.tags,
                LIVE_ACCESSIONS_TAG: r.tag,
                "filings/live_attempt": str(r.attempt),
            },
        )
        for r in runs
    ]
    if not requests:
        return dg.SensorResult(
            skip_reason=dg.SkipReason(
                f"{len(listed)} listed, {len(cursor.open)} open, nothing new to run"
            ),
            cursor=cursor.dump(),
        )
    return dg.SensorResult(run_requests=requests, cursor=cursor.dump())
