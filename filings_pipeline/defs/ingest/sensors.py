"""The sensor that notices new or changed filing days in the source and requests ingest runs.

Its cursor records what succeeded (the source version of each day's last successful `filings`
materialization) and the requests still open; a day whose ingest run failed is requested
again (see `phases.ingest_requests`), so a transient EDGAR failure is never final.
"""

import time
from datetime import date, timedelta

import dagster as dg

from filings_pipeline.defs.jobs import ingest_job
from filings_pipeline.defs.partitions import daily_partitions
from filings_pipeline.defs.resources import FilingSourceResource
from filings_pipeline.edgar.fetch import FetchError
from filings_pipeline.phases.catalog import INGEST
from filings_pipeline.phases.ingest_requests import Pending, RunState, SensorCursor, decide
from filings_pipeline.settings import settings

FILINGS_KEY = dg.AssetKey(INGEST.asset)
RUN_KEY_TAG = "dagster/run_key"  # set by the sensor daemon on every run it creates


def sensor_default_status() -> dg.DefaultSensorStatus:
    """FILINGS_NEW_FILINGS_SENSOR=stopped turns it off by default (the one-shot `run` does)."""
    stopped = settings().new_filings_sensor == "stopped"
    return dg.DefaultSensorStatus.STOPPED if stopped else dg.DefaultSensorStatus.RUNNING


def candidate_days(last_key: str | None, lookback: int) -> list[date]:
    """The recent partition days the sensor looks at, oldest first."""
    if last_key is None:
        return []
    last = date.fromisoformat(last_key)
    first = date.fromisoformat(daily_partitions.start.strftime("%Y-%m-%d"))
    start = max(first, last - timedelta(days=lookback - 1))
    return [start + timedelta(days=i) for i in range((last - start).days + 1)]


def materialized_version(instance: dg.DagsterInstance, day: date) -> str | None:
    """The source version recorded by the latest (so successful) `filings` materialization."""
    result = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=FILINGS_KEY, asset_partitions=[day.isoformat()]), limit=1
    )
    if not result.records:
        return None
    mat = result.records[0].asset_materialization
    value = mat.metadata.get("source_version") if mat else None
    return getattr(value, "value", None) or None


def run_state(instance: dg.DagsterInstance, pending: Pending | None) -> RunState | None:
    """The state of the run the daemon launched for `pending` (None: no such run yet)."""
    if pending is None:
        return None
    records = instance.get_run_records(dg.RunsFilter(tags={RUN_KEY_TAG: pending.run_key}), limit=1)
    if not records:
        return None
    record = records[0]
    return RunState(finished=record.dagster_run.is_finished, ended_at=record.end_time)


@dg.sensor(
    target=ingest_job,
    minimum_interval_seconds=settings().sensor_interval_seconds,
    default_status=sensor_default_status(),
    description="Checks the recent days' indexes in the source (cheap: one conditional request "
    "or file stat per day; FILINGS_LOOKBACK_DAYS, the same window as automation) and requests "
    "an ingest run for each day that is new or changed since its last successful ingest, or "
    "whose last requested run failed (with a growing backoff). Automation then carries the "
    "day through the other phases.",
)
def new_filings_sensor(
    context: dg.SensorEvaluationContext, source: FilingSourceResource
) -> dg.SensorResult | dg.SkipReason:
    days = candidate_days(daily_partitions.get_last_partition_key(), settings().lookback_days)
    cursor = SensorCursor.load(context.cursor)
    src = source.for_sensor()
    run_requests = []
    now = time.time()
    for day in days:
        key = day.isoformat()
        try:
            version = src.day_version(day)
        except FetchError as exc:  # throttled, paused or down: try again next tick
            context.log.warning(f"{day}: source unavailable ({exc}); keeping the cursor")
            break
        if version is None:
            continue
        done = materialized_version(context.instance, day)
        if done:
            cursor.done[key] = done
        pending = cursor.pending.get(key)
        decision = decide(key, version, done, pending, run_state(context.instance, pending), now)
        if decision.reason == "done":
            cursor.pending.pop(key, None)
        if not decision.request:
            continue
        if decision.attempt > 1:
            context.log.warning(f"{day}: {decision.reason}; requesting attempt {decision.attempt}")
        cursor.pending[key] = Pending(version, decision.attempt, decision.run_key, now)
        run_requests.append(
            dg.RunRequest(
                partition_key=key,
                run_key=decision.run_key,
                tags={
                    **INGEST.run_tags,
                    "filings/source_version": version[:60],
                    "filings/ingest_attempt": str(decision.attempt),
                },
            )
        )
    state = cursor.dump({d.isoformat() for d in days})
    if not run_requests:
        return dg.SensorResult(
            skip_reason=dg.SkipReason(f"no new, changed or failed days among {len(days)} checked"),
            cursor=state,
        )
    return dg.SensorResult(run_requests=run_requests, cursor=state)
