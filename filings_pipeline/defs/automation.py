"""Automation conditions and the sensors that evaluate them, one per phase so runs carry tags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dagster as dg

from filings_pipeline.defs.partitions import daily_partitions
from filings_pipeline.phases.catalog import PHASES, Phase
from filings_pipeline.settings import settings


def lookback_days() -> int:
    """How many recent days automation and the new-filings sensor act on (FILINGS_LOOKBACK_DAYS,
    default 7): one window for both, so every day the sensor ingests is analysed and published."""
    return settings().lookback_days


def bounded_eager(days: int | None = None) -> dg.AutomationCondition:
    """eager(), over the last `days` partitions instead of only the newest, and handled only
    when automation requests the partition.

    Plain eager() only looks at the latest time partition; with no window at all, re-ingesting
    a year of filings would cascade into a year of LLM calls. Bounded, a day is taken up by the
    next phase as soon as the phase before finishes it, for recent days only; older days are
    for backfills.

    eager()'s "handled" also counts any materialization of the asset itself. That lost updates:
    the nightly index ingest landed while a live run of the day was still analysing what it had
    listed earlier; the live run's `analyses` materialization (without the new filings) then
    reset the condition, and the day was never taken up (test_automation_races.py). Here only
    a request resets it, so a dependency update that lands during any run of the day is taken
    up once that run is over. Updates from runs that materialize this asset themselves (a live
    run: ingest -> publish) still do not trigger it (any_deps_updated ignores them).
    """
    ac = dg.AutomationCondition
    window = timedelta(days=days if days is not None else lookback_days())
    handled = (ac.newly_requested() | ac.initial_evaluation()).with_label("requested")
    return (
        ac.in_latest_time_window(window)
        & (ac.newly_missing() | ac.any_deps_updated()).since(handled)
        & ~ac.any_deps_missing()
        & ~ac.any_deps_in_progress()
        & ~ac.in_progress()
    ).with_label("eager (recent days, handled when requested)")


def phase_asset(phase: Phase, **kwargs: Any) -> Any:
    """`@dg.asset` for one phase: daily partitions, the phase's asset name, group and pool, and
    bounded eager automation when the phase is automated. Other keywords pass through."""
    return dg.asset(
        name=phase.asset,
        partitions_def=daily_partitions,
        group_name=phase.group,
        pool=phase.pool,
        automation_condition=bounded_eager() if phase.automated else None,
        **kwargs,
    )


def phase_automation_sensors() -> list[dg.AutomationConditionSensorDefinition]:
    """One automation sensor per downstream phase, running by default, tagging its runs."""
    return [
        dg.AutomationConditionSensorDefinition(
            p.automation_sensor,
            target=dg.AssetSelection.groups(p.group),
            run_tags=dict(p.run_tags),
            default_status=dg.DefaultSensorStatus.RUNNING,
            minimum_interval_seconds=15,
            description=f"Takes up each recent day for the {p.group} phase once the phase "
            f"before finished it. Runs carry {dict(p.run_tags)} for the run queue's tag limits.",
        )
        for p in PHASES
        if p.automated
    ]
