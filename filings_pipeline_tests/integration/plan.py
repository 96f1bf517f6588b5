"""The days each launch path uses, and the load the real-daemon tests put on the deployment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from filings_pipeline.sample import business_days

FILINGS_PER_DAY = 6  # with 5 threads per analysis step, one day alone can fill the 5 call slots
LATENCY_S = 1.0  # the Converse server's fixed latency per call


def iso(days: list[date]) -> list[str]:
    return [d.isoformat() for d in days]


@dataclass(frozen=True)
class DayPlan:
    """Disjoint partition days per launch path, relative to today's last complete partition.

    The sensor and automation only act on the last 7 days, so every other path uses older
    days (and none of them is taken up twice).
    """

    start: date  # FILINGS_START_DATE
    ui_backfill: list[date]  # 10 calendar days x 4 assets, GraphQL launchPartitionBackfill
    cli_backfill: list[date]  # `filings-pipeline backfill` (default: up to rendering)
    plain_materialize: list[date]  # untagged "Materialize" runs of `analyses`
    sensor: list[date]  # written to the mirror while the deployment runs

    @property
    def mirror_at_start(self) -> list[date]:
        return self.ui_backfill + self.cli_backfill + self.plain_materialize


def day_plan() -> DayPlan:
    last = datetime.now(ZoneInfo("America/New_York")).date() - timedelta(days=1)
    first = last - timedelta(days=42)
    ui = [first + timedelta(days=i) for i in range(10)]
    cli = [first + timedelta(days=i) for i in range(12, 16)]
    plain = business_days(first + timedelta(days=18), first + timedelta(days=30))[:3]
    sensor = business_days(last - timedelta(days=5), last)[-2:]
    return DayPlan(first, ui, cli, plain, sensor)
