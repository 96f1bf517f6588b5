"""The second stage of a batch's days: once a day's ingest + analyses run succeeded, queue its
render + publish run (``cli/batches/launch.py`` says why a day runs in two stages).

The first run names the second stage's last asset in ``filings/then``; this sensor finds the
batch runs that succeeded with that tag and requests one run of the rest per day, with the
render tag (never the Bedrock one), the batch tag (so `status`, `cancel` and the per-batch run
limit see it) and ``filings/follows`` = the first run's id. The run key is the first run's id,
so a day is followed up once however often the sensor looks. A batch that was canceled
(``filings/batch_canceled`` on its runs) gets no follow-ups.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from filings_pipeline.phases.catalog import (
    ASSETS,
    BATCH_TAG,
    CANCELED_TAG,
    FOLLOW_UP_TAG,
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
def batch_follow_up_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
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
    requests = []
    for rec in records:
        run = rec.dagster_run
        if CANCELED_TAG in run.tags or BATCH_TAG not in run.tags:
            continue
        assets = follow_up_assets(run.tags[FOLLOW_UP_TAG])
        tags = {
            **tags_for(assets),
            **{k: run.tags[k] for k in CARRIED_TAGS if k in run.tags},
            BATCH_TAG: run.tags[BATCH_TAG],
            FOLLOWS_TAG: run.run_id,
        }
        requests.append(
            dg.RunRequest(
                run_key=f"follow-up:{run.run_id}",
                partition_key=run.tags["dagster/partition"],
                asset_selection=[dg.AssetKey(a) for a in assets],
                tags=tags,
            )
        )
    cursor = max((r.update_timestamp for r in records), default=None)
    return dg.SensorResult(
        run_requests=requests,
        cursor=cursor.astimezone(UTC).isoformat() if cursor else context.cursor,
    )
