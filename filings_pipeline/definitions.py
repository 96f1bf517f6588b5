"""The code location: every asset, job, sensor and resource of filings_pipeline."""

from __future__ import annotations

import dagster as dg

from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.automation import phase_automation_sensors
from filings_pipeline.defs.backfills import stale_days_job
from filings_pipeline.defs.batches import batch_follow_up_sensor
from filings_pipeline.defs.delivery.assets import digest_emails
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.ingest.live_sensor import live_filings_sensor
from filings_pipeline.defs.ingest.sensors import new_filings_sensor
from filings_pipeline.defs.jobs import ALL_JOBS
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import default_resources
from filings_pipeline.defs.review.jobs import review_job, review_sensor


def build_definitions() -> dg.Definitions:
    """Assemble the definitions (tests call this after setting environment variables)."""
    return dg.Definitions(
        assets=[filings, analyses, rendered_articles, published_articles, digest_emails],
        jobs=[*ALL_JOBS, review_job, stale_days_job],
        sensors=[
            new_filings_sensor,
            live_filings_sensor,
            review_sensor,
            batch_follow_up_sensor,
            *phase_automation_sensors(),
        ],
        resources=default_resources(),
        # One process per run: every step of a day's run executes in the run worker. A fresh
        # process per step cost ~4 s of start-up each on a 2-core machine (bench/README.md);
        # pools still apply to in-process steps.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
