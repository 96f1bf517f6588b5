"""One daily partition per EDGAR filing day, in US Eastern time."""

from __future__ import annotations

from datetime import date

import dagster as dg

from filings_pipeline.settings import settings

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=settings().start_date, timezone="America/New_York"
)


def partition_day(context: dg.AssetExecutionContext) -> date:
    """The filing day this run materializes."""
    return date.fromisoformat(context.partition_key)
