"""Automation conditions and the sensors that evaluate them, one per phase so runs carry tags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dagster as dg

from filings_pipeline.defs.partitions import daily_partitions
from filings_pipeline.phases.catalog import PHASES, Phase
from filings_pipeline.phases.live_requests import LIVE_ACCESSIONS_TAG
from filings_pipeline.settings import settings


def lookback_days() -> int:
    """How many recent days automation and the new-filings sensor act on (FILINGS_LOOKBACK_DAYS,
    default 7): one window for both, so every day the sensor ingests is analysed and published."""
    return settings().lookback_days


def bounded_eager(
    days: int | None = None, *also: dg.AutomationCondition, label: str = ""
) -> dg.AutomationCondition:
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
    run: ingest -> publish) still do not trigger it (any_deps_updated ignores them); if such a
    run failed at this asset, the failure is taken up once.
    """
    ac = dg.AutomationCondition
    window = timedelta(days=days if days is not None else lookback_days())
    handled = (ac.newly_requested() | ac.initial_evaluation()).with_label("requested")
    # A live run that failed at this phase: its dependency's update is ignored (that run
    # planned this asset itself), so the failure is taken up once (not again while it fails).
    failed = ac.execution_failed().newly_true().with_label("newly failed")
    condition = (
        ac.in_latest_time_window(window)
        & (ac.newly_missing() | ac.any_deps_updated() | failed).since(handled)
        & ~ac.any_deps_missing()
        & ~ac.any_deps_in_progress()
        & ~ac.in_progress()
    )
    for extra in also:  # one flat AND, so the UI shows every part at the same level
        condition = condition & extra
    return condition.with_label(label or "eager (recent days, handled when requested)")


def after_the_nightly_index(days: int | None = None) -> dg.AutomationCondition:
    """bounded_eager(), and only once the day is complete: the day's latest publish was not a
    live run's. With live mode on, today's articles are published by live runs as the feed
    shows filings; the day is complete when its daily index (SEC builds it at night) has been
    ingested and automation has published what it added. Without live mode no live run ever
    publishes, so this is bounded_eager() itself (the digest after the day's publish)."""
    live_publish = dg.AutomationCondition.any_deps_match(
        dg.AutomationCondition.executed_with_tags(tag_keys={LIVE_ACCESSIONS_TAG})
    ).with_label("the day's latest publish was a live run's")
    return bounded_eager(
        days, ~live_publish, label="eager (recent days), once the day's nightly index is published"
    )


def phase_asset(phase: Phase, **kwargs: Any) -> Any:
    """`@dg.asset` for one phase: daily partitions, the phase's asset name, group and pool, and
    bounded eager automation when the phase is automated (`automation_condition=` replaces
    it). Other keywords pass through."""
    default = bounded_eager() if phase.automated else None
    condition = kwargs.pop("automation_condition", default)
    return dg.asset(
        name=phase.asset,
        partitions_def=daily_partitions,
        group_name=phase.group,
        pool=phase.pool,
        automation_condition=condition,
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
