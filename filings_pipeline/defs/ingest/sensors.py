"""The sensor that notices new or changed filing days in the source and requests ingest runs."""

import json
from datetime import date, timedelta

import dagster as dg

from filings_pipeline.defs.jobs import ingest_job
from filings_pipeline.defs.partitions import daily_partitions
from filings_pipeline.defs.resources import FilingSourceResource
from filings_pipeline.edgar.fetch import FetchError
from filings_pipeline.phases.catalog import INGEST
from filings_pipeline.settings import settings

FILINGS_KEY = dg.AssetKey(INGEST.asset)


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
    """The source version recorded by the latest `filings` materialization of `day`."""
    result = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=FILINGS_KEY, asset_partitions=[day.isoformat()]), limit=1
    )
    if not result.records:
        return None
    mat = result.records[0].asset_materialization
    value = mat.metadata.get("source_version") if mat else None
    return getattr(value, "value", None) or None


@dg.sensor(
    target=ingest_job,
    minimum_interval_seconds=settings().sensor_interval_seconds,
    default_status=sensor_default_status(),
    description="Checks the recent days' indexes in the source (cheap: one conditional request "
    "or file stat per day) and requests an ingest run for each day that is new or changed "
    "since it was last ingested. Automation then carries the day through the other phases.",
)
def new_filings_sensor(
    context: dg.SensorEvaluationContext, source: FilingSourceResource
) -> dg.SensorResult | dg.SkipReason:
    lookback = settings().sensor_lookback_days
    days = candidate_days(daily_partitions.get_last_partition_key(), lookback)
    requested: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    src = source.for_sensor()
    run_requests = []
    for day in days:
        try:
            version = src.day_version(day)
        except FetchError as exc:  # throttled, paused or down: try again next tick
            context.log.warning(f"{day}: source unavailable ({exc}); keeping the cursor")
            break
        if version is None:
            continue
        key = day.isoformat()
        if requested.get(key) == version or materialized_version(context.instance, day) == version:
            continue
        requested[key] = version
        run_requests.append(
            dg.RunRequest(
                partition_key=key,
                run_key=f"filings:{key}:{version}",
                tags={**INGEST.run_tags, "filings/source_version": version[:60]},
            )
        )
    keep = {d.isoformat() for d in days}
    cursor = json.dumps({k: v for k, v in requested.items() if k in keep}, sort_keys=True)
    if not run_requests:
        return dg.SkipReason(f"no new or changed days among {len(days)} checked")
    return dg.SensorResult(run_requests=run_requests, cursor=cursor)
