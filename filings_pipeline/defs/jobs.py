"""Asset jobs: their tags reach every run launched from them (job page, sensors, CLI backfills)."""

from __future__ import annotations

import dagster as dg

from filings_pipeline.defs import tags
from filings_pipeline.defs.partitions import daily_partitions

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups("ingest"),
    partitions_def=daily_partitions,
    tags=tags.INGEST_TAGS,
    description="Fetch a day's filings.",
)
analyze_job = dg.define_asset_job(
    "analyze_job",
    selection=dg.AssetSelection.groups("analysis"),
    partitions_def=daily_partitions,
    tags=tags.ANALYZE_TAGS,
    description="Analyse a day's filings (Bedrock-calling: limited to 5 runs at once).",
)
render_job = dg.define_asset_job(
    "render_job",
    selection=dg.AssetSelection.groups("render"),
    partitions_def=daily_partitions,
    tags=tags.RENDER_TAGS,
    description="Render a day's articles (limited to 3 runs at once).",
)
publish_job = dg.define_asset_job(
    "publish_job",
    selection=dg.AssetSelection.groups("publish"),
    partitions_def=daily_partitions,
    tags=tags.PUBLISH_TAGS,
    description="Publish a day's articles and rebuild the site's indexes.",
)
pipeline_job = dg.define_asset_job(
    "pipeline_job",
    selection=dg.AssetSelection.groups("ingest", "analysis", "render", "publish"),
    partitions_def=daily_partitions,
    tags=tags.PIPELINE_TAGS,
    description="All four phases for a day.",
)

ALL_JOBS = [ingest_job, analyze_job, render_job, publish_job, pipeline_job]
