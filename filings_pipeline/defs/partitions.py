"""One daily partition per EDGAR filing day, in US Eastern time, through today (the live day)."""

from __future__ import annotations

from datetime import date

import dagster as dg

from filings_pipeline.settings import settings

# end_offset=1: today's partition exists from midnight ET, so the live sensor can run it as
# filings arrive; its daily index comes at night and reconciles it (phases.ingest).
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=settings().start_date, timezone="America/New_York", end_offset=1
)


def partition_day(context: dg.AssetExecutionContext) -> date:
    """The filing day this run materializes."""
    return date.fromisoformat(context.partition_key)
