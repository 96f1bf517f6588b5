"""The second stage of a batch's days: once a day's ingest + analyses run succeeded, queue its
render + publish run (``cli/batches/launch.py`` says why a day runs in two stages).

The first run names the second stage's last asset in ``filings/then``; this sensor finds the
batch runs that succeeded with that tag and requests one run of the rest per day, with the
render tag (never the Bedrock one), the batch tag (so `status`, `cancel` and the per-batch run
limit see it) and ``filings/follows`` = the first run's id. The run key is the first run's id,
so a day is followed up once however often the sensor looks. A batch that was canceled
(marked in the content store's ``batch_cancels`` by `cancel`, and ``filings/batch_canceled``
on its runs) gets no follow-ups. For a recent day, the render
automation may take the day up first (its eager condition sees the analyses just made): then
no follow-up is queued, and the first run is tagged ``filings/followed_by=elsewhere`` so
`status` does not wait for one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from filings_pipeline.defs.resources import ContentStoreResource
from filings_pipeline.phases.catalog import (
    ASSETS,
    BATCH_TAG,
    CANCELED_TAG,
    FOLLOW_UP_TAG,
    FOLLOWED_ELSEWHERE_TAG,
    FOLLOWS_TAG,
    RENDER,
    follow_up_assets,
    tags_for,
)

# Tags of the first run the follow-up keeps (besides the batch id).
CARRIED_TAGS = ("filings/launched_by", "filings/batch_title")
# How far behind the cursor each tick looks again: a run record can commit out of order;
# the run key makes a second look harmless.
REWIND = timedelta(minutes=2)
STAGE_TWO = ASSETS[ASSETS.index(RENDER.asset) :]


@dg.sensor(
    target=dg.AssetSelection.assets(*STAGE_TWO),
    minimum_interval_seconds=1,  # every daemon loop (5 s): the render of a day starts at once
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Queues the render + publish run of each batch day whose ingest + analyses "
    "run succeeded (filings-pipeline backfill / run, stale_days_job with launch: true).",
)
def batch_follow_up_sensor(
    context: dg.SensorEvaluationContext, store: ContentStoreResource
) -> dg.SensorResult:
    since = (
        datetime.fromisoformat(context.cursor) - REWIND
        if context.cursor
        else datetime.now(UTC) - timedelta(days=1)
    )
    records = context.instance.get_run_records(
        dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.SUCCESS],
            tags={FOLLOW_UP_TAG: list(STAGE_TWO)},
            updated_after=since,
        ),
        order_by="update_timestamp",
        ascending=True,
    )
    ids = [r.dagster_run.run_id for r in records]
    followed = {
        r.tags[FOLLOWS_TAG]
        for r in (context.instance.get_runs(dg.RunsFilter(tags={FOLLOWS_TAG: ids})) if ids else [])
    }
    requests = []
    cancels = store.get().batch_cancels
    canceled: dict[str, bool] = {}
    for rec in records:
        run = rec.dagster_run
        if CANCELED_TAG in run.tags or BATCH_TAG not in run.tags:
            continue
        batch = run.tags[BATCH_TAG]
        if batch not in canceled:  # one look per batch per tick
            canceled[batch] = cancels.canceled(batch)
        if canceled[batch]:
            continue
        if FOLLOWED_ELSEWHERE_TAG in run.tags or run.run_id in followed:
            continue  # done: its follow-up exists (or another run rendered the day)
        assets = follow_up_assets(run.tags[FOLLOW_UP_TAG])
        day = run.tags["dagster/partition"]
        if _taken_up_elsewhere(context.instance, run.run_id, day, assets[0]):
            context.instance.add_run_tags(run.run_id, {FOLLOWED_ELSEWHERE_TAG: "elsewhere"})
            continue
        tags = {
            **tags_for(assets),
            **{k: run.tags[k] for k in CARRIED_TAGS if k in run.tags},
            BATCH_TAG: run.tags[BATCH_TAG],
            FOLLOWS_TAG: run.run_id,
        }
        requests.append(
            dg.RunRequest(
                run_key=f"follow-up:{run.run_id}",
                partition_key=day,
                asset_selection=[dg.AssetKey(a) for a in assets],
                tags=tags,
            )
        )
    cursor = max((r.update_timestamp for r in records), default=None)
    return dg.SensorResult(
        run_requests=requests,
        cursor=cursor.astimezone(UTC).isoformat() if cursor else context.cursor,
    )


IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def _taken_up_elsewhere(instance: dg.DagsterInstance, first_run: str, day: str, asset: str) -> bool:
    """Another run (not this day's follow-up) is rendering the day, or rendered it after its
    analyses were made (e.g. the render automation, for a recent day)."""
    key = dg.AssetKey(asset)
    busy = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": day}, statuses=IN_PROGRESS))
    if any(key in (r.asset_selection or ()) and r.tags.get(FOLLOWS_TAG) != first_run for r in busy):
        return True
    latest = {
        a: instance.get_latest_storage_id_by_partition(
            dg.AssetKey(a), dg.DagsterEventType.ASSET_MATERIALIZATION, partitions={day}
        ).get(day, -1)
        for a in (asset, "analyses")
    }
    return latest[asset] > latest["analyses"] >= 0
