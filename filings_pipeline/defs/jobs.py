"""Asset jobs: their tags reach every run launched from them (job page, sensors, CLI backfills).

One job per phase of the phase table, plus one for all of them.
"""

from __future__ import annotations

import dagster as dg

from filings_pipeline.defs.partitions import daily_partitions
from filings_pipeline.phases.catalog import (
    DELIVER,
    INGEST,
    LIVE_PRIORITY,
    PHASES,
    PIPELINE_TAGS,
    PRIORITY_TAG,
)

PHASE_JOBS = {
    p.name: dg.define_asset_job(
        p.job,
        selection=dg.AssetSelection.groups(p.group),
        partitions_def=daily_partitions,
        tags=dict(p.run_tags),
        description=p.job_description,
    )
    for p in PHASES
}
ingest_job = PHASE_JOBS[INGEST.name]  # the new-filings sensor's target
pipeline_job = dg.define_asset_job(
    "pipeline_job",
    selection=dg.AssetSelection.groups(*(p.group for p in PHASES)),
    partitions_def=daily_partitions,
    tags=dict(PIPELINE_TAGS),
    description="All five phases for a day (the digest email included).",
)

# The live sensor names these on each RunRequest: a run launched from a job without an asset
# selection records none, and automation then cannot tell that the run materialized the
# downstream phases itself (executed_with_root_target), so it would run them all again.
LIVE_ASSET_KEYS = tuple(dg.AssetKey(p.asset) for p in PHASES if p is not DELIVER)
live_job = dg.define_asset_job(
    "live_job",
    selection=dg.AssetSelection.assets(*LIVE_ASSET_KEYS),
    partitions_def=daily_partitions,
    # dequeued before any other queued run (a backfill's days too), within the tag limits
    tags={**PIPELINE_TAGS, PRIORITY_TAG: LIVE_PRIORITY},
    description="Ingest, analyse, render and publish a day's new filings (the live sensor's "
    "runs, dequeued first; the digest is not sent from here).",
)

ALL_JOBS = [*PHASE_JOBS.values(), pipeline_job, live_job]
