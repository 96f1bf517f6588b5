"""A batch's progress per phase, from its runs on the instance: the same model
(:class:`~filings_pipeline.cli.backfill_state.BackfillProgress`) `status` and `run` draw for a
Dagster backfill. Per phase: a day is done once a run of the batch materialized it, failed when
its run ended without, queued while its run waits in the queue, running while it executes.
A day's render + publish that the follow-up sensor has not queued yet counts as queued (its
first run is still going or just succeeded) or failed (its first run failed): the batch is not
done while a succeeded first run waits for its follow-up."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from filings_pipeline.cli.backfill_state import BackfillProgress, PhaseProgress, in_phase_order
from filings_pipeline.phases.catalog import (
    BATCH_TAG,
    CANCELED_TAG,
    FOLLOW_UP_TAG,
    FOLLOWED_ELSEWHERE_TAG,
    FOLLOWS_TAG,
    follow_up_assets,
    phase_of,
)

if TYPE_CHECKING:
    from dagster import DagsterInstance

    from filings_pipeline.store import ContentStore

TITLE_TAG = "filings/batch_title"
WAITING = {"QUEUED", "NOT_STARTED"}
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def batch_runs(instance: DagsterInstance, batch_id: str) -> list:
    """The batch's run records (oldest first)."""
    from dagster import RunsFilter

    return list(reversed(instance.get_run_records(RunsFilter(tags={BATCH_TAG: batch_id}))))


def batch_progress(
    instance: DagsterInstance, batch_id: str, store: ContentStore | None = None
) -> BackfillProgress | None:
    """The batch's progress, or None when no run carries its tag."""
    from dagster import DagsterEventType

    records = batch_runs(instance, batch_id)
    if not records:
        return None
    phases: dict[str, PhaseProgress] = {}
    run_counts: dict[str, int] = defaultdict(int)
    followed = {r.dagster_run.tags.get(FOLLOWS_TAG) for r in records}
    awaiting_follow_up = never_followed = False
    for rec in records:
        run = rec.dagster_run
        status = run.status.value
        run_counts[status] += 1
        day = run.tags.get("dagster/partition", "")
        assets = sorted(k.to_user_string() for k in (run.asset_selection or ()))
        materialized = set()
        if status not in WAITING:
            events = instance.get_records_for_run(
                run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
            ).records
            materialized = {e.asset_key.to_user_string() for e in events if e.asset_key}
        for asset in assets:
            p = phases.setdefault(asset, PhaseProgress(asset))
            p.targeted += 1
            if asset in materialized:
                p.done += 1
                p.done_days.append(day)
                p.filings += _filings(store, asset, day)
            elif status in WAITING:
                p.queued += 1
            elif status in FINISHED:
                p.failed += 1
            else:
                p.running += 1
        then = run.tags.get(FOLLOW_UP_TAG)
        if then and run.run_id not in followed and FOLLOWED_ELSEWHERE_TAG not in run.tags:
            # its render + publish not queued yet
            for asset in follow_up_assets(then):
                p = phases.setdefault(asset, PhaseProgress(asset))
                p.targeted += 1
                if status in FINISHED and status != "SUCCESS":
                    p.failed += 1
                else:
                    p.queued += 1
            if status == "SUCCESS" and CANCELED_TAG not in run.tags:
                awaiting_follow_up = True
            elif status == "SUCCESS":
                never_followed = True  # canceled before its render + publish was queued
    statuses = {r.dagster_run.status.value for r in records}
    if statuses <= FINISHED and not awaiting_follow_up:
        overall = (
            "COMPLETED_SUCCESS"
            if statuses == {"SUCCESS"} and not never_followed
            else ("CANCELED" if "CANCELED" in statuses or never_followed else "COMPLETED_FAILED")
        )
        ended = max((r.end_time or r.update_timestamp.timestamp()) for r in records)
    else:
        overall, ended = "REQUESTED", None
    first = records[0]
    budget = store.budgets.state(batch_id) if store is not None else None
    return BackfillProgress(
        backfill_id=batch_id,
        status=overall,
        title=first.dagster_run.tags.get(TITLE_TAG, ""),
        started=first.create_timestamp.timestamp(),
        ended=ended,
        now=time.time(),
        phases=in_phase_order(list(phases.values())),
        runs=dict(run_counts),
        budget=None
        if budget is None
        else {
            "limit_usd": budget.limit_usd,
            "spent_usd": round(budget.spent_usd, 6),
            "refused_calls": budget.refused,
        },
    )


def _filings(store: ContentStore | None, asset: str, day: str) -> int:
    phase = phase_of(asset)
    if store is None or phase is None or not day:
        return 0
    return store.count_rows(phase.table, date.fromisoformat(day))
