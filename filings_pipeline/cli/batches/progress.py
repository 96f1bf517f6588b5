"""A batch's progress per phase, from its runs on the instance: the same model
(:class:`~filings_pipeline.cli.backfill_state.BackfillProgress`) `status` and `run` draw for a
Dagster backfill. Per phase: a day is done once a run of the batch materialized it, failed when
its run ended without, queued while its run waits in the queue, running while it executes."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from filings_pipeline.cli.backfill_state import BackfillProgress, PhaseProgress, in_phase_order
from filings_pipeline.phases.catalog import BATCH_TAG, phase_of

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
    statuses = {r.dagster_run.status.value for r in records}
    if statuses <= FINISHED:
        overall = (
            "COMPLETED_SUCCESS"
            if statuses == {"SUCCESS"}
            else ("CANCELED" if "CANCELED" in statuses else "COMPLETED_FAILED")
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
