"""Launch a plan's runs straight onto the run queue, one run per day, under one batch tag.

Why not an asset backfill: Dagster's backfill daemon picks a new backfill up on its 30 s loop
(hard-coded in 1.13), and setting ``dagster/backfill`` by hand on runs, together with tag
limits, duplicated runs (dagster issue #15155). So each day's run is launched through GraphQL
``launchRun`` (the UI's "Materialize" path: the run is QUEUED when the call returns) and
carries ``filings/batch=<id>``: `status` and `cancel` find the runs by that tag, dagster.yaml
caps the runs in flight per batch value, and the batch's shared budget is keyed by it.

By default each day is one run of its assets, carrying the Bedrock and the render tag, so at
most 3 days (the render run limit) are in flight. The call slots serve the oldest analysis step
first (``analysis/call_limit.py``), so those days finish one after another and the next day's
run starts while the other two still have calls to make: measured, this keeps the five slots
busy with half the process starts of the alternative and no tail of follow-up runs.

With FILINGS_BATCH_TWO_STAGES, each day runs in two stages (``day_stages``): its ingest +
analyses first (tagged ``filings/llm`` only), and its render + publish once that run
succeeded, queued by ``batch_follow_up_sensor`` (``defs/batches.py``), so five days analyse
while earlier days render; the batch's last day runs whole. It tolerates slower run starts in
the middle of a batch, at the price of twice the run starts and a tail of follow-up runs.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from filings_pipeline.cli.batches.plan import BackfillPlan
from filings_pipeline.cli.graphql import graphql, launch_asset_run, repository_location
from filings_pipeline.phases.catalog import (
    BATCH_PRIORITY,
    BATCH_TAG,
    CANCELED_TAG,
    FOLLOW_UP_TAG,
    PRIORITY_TAG,
    day_stages,
    tags_for,
)

if TYPE_CHECKING:
    from dagster import DagsterInstance

    from filings_pipeline.store import ContentStore

ACTIVE_STATUSES = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED")


def new_batch_id() -> str:
    """A short id, sortable by time: ``20261201-144501-3fa9c2``."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


@dataclass
class Launched:
    """What a launch submitted: run ids by day, and when the first run reached the queue."""

    batch_id: str
    run_ids: dict[str, str] = field(default_factory=dict)  # day -> its first run's id
    first_queued_s: float | None = None  # seconds from the call to the first run queued
    follow_ups: int = 0  # days whose render + publish the follow-up sensor will queue
    canceled: bool = False  # `cancel` stopped the launch before every day was queued


class PartialLaunch(RuntimeError):
    """A launch that failed after some runs were queued: they carry the batch id, so
    `filings-pipeline cancel BATCH_ID` stops them (or `status` follows them)."""

    def __init__(self, launched: Launched, day: str, cause: BaseException) -> None:
        self.launched, self.day, self.cause = launched, day, cause
        super().__init__(
            f"batch {launched.batch_id}: launching {day} failed ({cause}) after "
            f"{len(launched.run_ids)} run(s) were queued"
        )


def launch_batch(
    url: str,
    plan: BackfillPlan,
    batch_id: str,
    extra_tags: Mapping[str, str] | None = None,
    on_run: Callable[[str, str], None] | None = None,
    split: bool = False,
    canceled: Callable[[], bool] | None = None,
) -> Launched:
    """Launch one run per day of the plan, with the tags of the assets it runs; with
    ``split`` (FILINGS_BATCH_TWO_STAGES), a day that analyses and renders runs its ingest +
    analyses first and names its second stage in FOLLOW_UP_TAG for the follow-up sensor.
    Raises PartialLaunch (with the batch id) when a launch fails after others.

    ``canceled`` (the batch's mark in the content store) is asked before each run is queued
    and after: once `cancel` ran, no further day is queued, and a run whose launch call was
    under way when it ran is terminated (on the queue, that is a cancel)."""
    t0 = time.monotonic()
    location = repository_location(url)
    out = Launched(batch_id)
    days = plan.runs()
    for i, (day, assets) in enumerate(days):
        if canceled is not None and canceled():
            out.canceled = True
            break
        # The last day runs whole: no later day's analyses could overlap its rendering, and a
        # second stage would only add a sensor tick and a process start to the batch's end.
        last = i == len(days) - 1
        first, *rest = day_stages(assets) if split and not last else [assets]
        tags = {
            **tags_for(first),
            PRIORITY_TAG: BATCH_PRIORITY,  # background work: any other queued run goes first
            **(extra_tags or {}),
            BATCH_TAG: batch_id,
        }
        if rest:
            tags[FOLLOW_UP_TAG] = rest[0][-1]
        try:
            out.run_ids[day] = launch_asset_run(url, first, day, tags, location=location)
        except Exception as exc:
            if out.run_ids:
                raise PartialLaunch(out, day, exc) from exc
            raise
        out.follow_ups += bool(rest)
        if out.first_queued_s is None:
            out.first_queued_s = time.monotonic() - t0
        if on_run:
            on_run(day, out.run_ids[day])
        if canceled is not None and canceled():  # `cancel` ran while this run was launched
            graphql(url, TERMINATE, {"ids": [out.run_ids[day]]})
            out.canceled = True
            break
    return out


TERMINATE = """
mutation Terminate($ids: [String!]!) {
  terminateRuns(runIds: $ids, terminatePolicy: SAFE_TERMINATE) {
    __typename
    ... on TerminateRunsResult {
      terminateRunResults {
        __typename
        ... on TerminateRunSuccess { run { runId } }
        ... on TerminateRunFailure { message }
      }
    }
    ... on PythonError { message }
  }
}
"""
# A run the queue just handed to the launcher (STARTING) cannot be terminated until its process
# runs: `cancel` tries it again every second for this long.
STARTING_RETRY_S = 30.0
# After marking a batch canceled, `cancel` looks again for this long: a follow-up sensor tick
# that read the batch before the mark may still queue a run.
CANCEL_GRACE_S = 3.0


@dataclass
class Canceled:
    """What `cancel` did."""

    dequeued: list[str] = field(default_factory=list)  # queued runs canceled
    terminating: list[str] = field(default_factory=list)  # started runs asked to stop
    not_reached: list[str] = field(default_factory=list)  # started runs left (no webserver)


def cancel_batch(
    instance: DagsterInstance,
    batch_id: str,
    url: str | None = None,
    retry_s: float = STARTING_RETRY_S,
    store: ContentStore | None = None,
    grace_s: float = CANCEL_GRACE_S,
) -> Canceled:
    """Cancel every run of the batch that has not ended: queued ones on the instance itself
    (they never start), started ones through the webserver's terminateRuns (the UI's way).
    The batch is marked canceled in the content store first (`store`), so a launcher still
    queueing its days stops, and its runs are tagged CANCELED_TAG, so the follow-up sensor
    queues no render + publish run for a day whose analyses already succeeded; for `grace_s`
    after the mark it looks again for a run a sensor tick under way then may have queued. A
    run caught STARTING (its process not up yet, so the webserver refuses to terminate it) is
    asked again every second, for up to `retry_s`, until it takes the request or ends."""
    import requests
    from dagster import DagsterRunStatus, RunsFilter

    if store is not None:
        store.batch_cancels.cancel(batch_id)
    marked = time.monotonic()
    for run in instance.get_runs(RunsFilter(tags={BATCH_TAG: batch_id})):
        instance.add_run_tags(run.run_id, {CANCELED_TAG: "true"})
    statuses = [DagsterRunStatus(s) for s in ACTIVE_STATUSES]
    out = Canceled()
    deadline = time.monotonic() + max(retry_s, grace_s)
    while True:
        runs = instance.get_runs(RunsFilter(tags={BATCH_TAG: batch_id}, statuses=statuses))
        started = []
        for run in runs:
            if run.run_id in out.terminating:
                continue
            if run.status in (DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED):
                instance.report_run_canceling(run, message=f"batch {batch_id} canceled")
                instance.report_run_canceled(run, message=f"batch {batch_id} canceled")
                out.dequeued.append(run.run_id)
            else:
                started.append(run.run_id)
        if not started and time.monotonic() - marked >= grace_s:
            out.not_reached = []
            return out
        if not started:
            time.sleep(0.5)
            continue
        if not url:
            out.not_reached = started
            return out
        try:
            data = graphql(url, TERMINATE, {"ids": started})["terminateRuns"]
        except requests.RequestException:
            out.not_reached = started
            return out
        for result in data.get("terminateRunResults") or []:
            if result["__typename"] == "TerminateRunSuccess":
                out.terminating.append(result["run"]["runId"])
        left = [r for r in started if r not in out.terminating]
        if not left or time.monotonic() > deadline:
            out.not_reached = left
            return out
        time.sleep(1.0)
