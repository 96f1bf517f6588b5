"""Measurements from a real deployment's run records and event log (no extra instrumentation)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    RunsFilter,
)

from filings_pipeline.devtools.converse_server import peak_in_flight

ASSETS = ["filings", "analyses", "rendered_articles", "published_articles"]


@dataclass(frozen=True)
class StepSpan:
    """One step of one run: STEP_START to STEP_SUCCESS / STEP_FAILURE."""

    run_id: str
    step: str
    partition: str | None
    start: float
    end: float
    ok: bool


def step_spans(instance: DagsterInstance, runs: Iterable[DagsterRun]) -> list[StepSpan]:
    """Every finished step of the runs, from their event logs."""
    kinds = {
        DagsterEventType.STEP_START,
        DagsterEventType.STEP_SUCCESS,
        DagsterEventType.STEP_FAILURE,
    }
    spans = []
    for run in runs:
        starts: dict[str, float] = {}
        for entry in instance.all_logs(run.run_id, of_type=kinds):
            ev = entry.dagster_event
            if ev is None or not ev.step_key:
                continue
            if ev.event_type == DagsterEventType.STEP_START:
                starts[ev.step_key] = entry.timestamp
            elif ev.step_key in starts:
                spans.append(
                    StepSpan(
                        run.run_id,
                        ev.step_key,
                        run.tags.get("dagster/partition"),
                        starts.pop(ev.step_key),
                        entry.timestamp,
                        ev.event_type == DagsterEventType.STEP_SUCCESS,
                    )
                )
    return spans


def peak_concurrent(spans: Iterable[StepSpan], step: str) -> int:
    """Most `step` steps running at once."""
    return peak_in_flight([{"start": s.start, "end": s.end} for s in spans if s.step == step])


def phase_overlap_s(spans: list[StepSpan]) -> float:
    """Seconds between the first render step starting and the last analysis step ending
    (positive: rendering of early days began while later days were still being analysed)."""
    renders = [s.start for s in spans if s.step == "rendered_articles"]
    analyses = [s.end for s in spans if s.step == "analyses"]
    if not renders or not analyses:
        return 0.0
    return max(analyses) - min(renders)


def materializations(
    instance: DagsterInstance, assets: Iterable[str], partitions: Iterable[str]
) -> Counter[tuple[str, str]]:
    """(asset, partition) -> number of materializations recorded."""
    keys = list(partitions)
    counts: Counter[tuple[str, str]] = Counter()
    for asset in assets:
        result = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=keys), limit=10_000
        )
        for rec in result.records:
            counts[(asset, rec.partition_key)] += 1
    return counts


def all_runs(instance: DagsterInstance, tags: dict[str, str] | None = None) -> list[DagsterRun]:
    """Every run on the instance (optionally with these tags)."""
    return list(instance.get_runs(RunsFilter(tags=tags) if tags else None))


def unfinished(instance: DagsterInstance) -> list[DagsterRun]:
    """Runs not finished: queued, starting, started."""
    return [r for r in instance.get_runs() if not r.is_finished]


def wait_until(check: Callable[[], bool], timeout_s: float, what: str, interval_s: float = 2.0):
    """Poll `check` until true; AssertionError naming `what` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(interval_s)
