"""The benchmark's scenarios and how one is run and measured."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.throughput.deployment import TUNED_LLM_RUNS, BenchDeployment, Limits
from bench.throughput.measure import (
    call_stats,
    overlap_seconds,
    peak_overlap,
    profile,
    read_event_log,
    run_timeline,
)
from filings_pipeline.devtools.converse_server import peak_in_flight, read_call_log
from filings_pipeline.phases.catalog import ASSETS, PIPELINE_TAGS
from filings_pipeline.sample import business_days
from filings_pipeline.store import ContentStore

SLOTS = 5  # the deployment's cap of calls in flight; the bound is N·L/5 in every scenario
# Old enough that the 7-day automation look-back never acts on them: a backfill of history.
START_DATE = date(2026, 9, 1)
FIRST_DAY = date(2026, 9, 14)


@dataclass(frozen=True)
class Scenario:
    """One measured backfill."""

    key: str
    title: str
    days: tuple[date, ...]
    per_day: int
    limits: Limits
    rerun_of: str | None = None  # measured on the deployment another scenario left behind

    @property
    def filings(self) -> int:
        return len(self.days) * self.per_day


def plan(quick: bool = False, tuned: bool = True) -> dict[str, Scenario]:
    """(a) many days, (b) one big day, (c) the sequential baseline, (d) re-running (a).

    Tuned, the run tag limit filings/llm=bedrock is 8 (= the per-backfill limit) instead of 5:
    the `bedrock` pool (5 analysis steps) and the call slots (5 calls) still hold the cap,
    and three more runs can be launching, ingesting, rendering or publishing meanwhile.
    """
    a_days, a_per, b_per, c_n = (4, 5, 20, 2) if quick else (20, 25, 200, 4)
    pool = business_days(FIRST_DAY, date(2026, 11, 13))
    days_a = tuple(pool[:a_days])
    day_b = (pool[a_days + 1],)
    full = Limits(llm_runs=TUNED_LLM_RUNS) if tuned else Limits()
    one = Limits.all_one()
    return {
        "a": Scenario("a", f"{a_days} days x {a_per} filings", days_a, a_per, full),
        "b": Scenario("b", f"1 day x {b_per} filings", day_b, b_per, full),
        "c": Scenario("c", f"{c_n} of (a)'s days, every limit 1", days_a[:c_n], a_per, one),
        "d": Scenario("d", "(a) again once it is done", days_a, a_per, full, rerun_of="a"),
    }


@dataclass
class Outcome:
    """How a scenario's backfill ended, and how busy the machine was meanwhile."""

    t0: float
    status: str
    load: list[float]  # 1-minute load average, sampled while it ran
    ended: float | None = None  # when nothing was launched: when the plan said so
    plan: dict[str, Any] | None = None  # days run / skipped, seconds to plan and to first queued


def run_backfill(
    dep: BenchDeployment,
    scenario: Scenario,
    timeout_s: float,
    echo: Any = print,
    split: bool = False,
) -> Outcome:
    """Launch the scenario as the CLI's `backfill` does (plan on the instance, only what is
    missing, one run per day onto the queue under one batch tag) and wait for it to end."""
    from dagster import DagsterInstance

    from filings_pipeline.analysis.prompt import PROMPT_VERSION
    from filings_pipeline.analysis.schema import AnalysisKey
    from filings_pipeline.cli.batches.launch import launch_batch, new_batch_id
    from filings_pipeline.cli.batches.plan import plan_backfill
    from filings_pipeline.cli.batches.progress import batch_progress
    from filings_pipeline.settings import DEFAULT_MODEL_ID

    keys = [d.isoformat() for d in scenario.days]
    store = ContentStore(dep.content_url)
    key = AnalysisKey(PROMPT_VERSION, DEFAULT_MODEL_ID)  # the deployment's analyzer
    load: list[float] = [os.getloadavg()[0]]
    t0 = time.time()
    instance = DagsterInstance.from_config(str(dep.home))
    try:
        plan = plan_backfill(instance, ASSETS[:4], keys, key, store)
        planned = time.time()
        info: dict[str, Any] = {
            "days_run": len(plan.runs()),
            "days_skipped": len(keys) - len(plan.runs()),
            "plan_s": round(planned - t0, 2),
        }
        if not plan.runs():
            echo(f"  [{planned - t0:6.1f}s] nothing to do: {len(keys)} days up to date")
            return Outcome(t0, "NOTHING_TO_DO", load, ended=planned, plan=info)
        launched = launch_batch(
            dep.url, plan, new_batch_id(), {"filings/launched_by": "bench"}, split=split
        )
        info["first_queued_s"] = round(planned - t0 + (launched.first_queued_s or 0), 2)
        info["all_queued_s"] = round(time.time() - t0, 2)
        deadline = time.monotonic() + timeout_s
        last = ""
        while True:
            load.append(os.getloadavg()[0])
            state = batch_progress(instance, launched.batch_id)
            assert state is not None
            line = " ".join(f"{p.asset}={p.done}/{p.targeted}" for p in state.phases)
            if line != last:
                echo(f"  [{time.time() - t0:6.1f}s] {state.status.lower()} {line}")
                last = line
            if state.done:
                return Outcome(t0, state.status, load, plan=info)
            if time.monotonic() > deadline:
                return Outcome(t0, f"TIMEOUT ({state.status})", load, plan=info)
            time.sleep(0.5)
    finally:
        instance.dispose()


RUN_STATUSES = """
query Runs($ids: [String!]) {
  runsOrError(filter: {runIds: $ids}) {
    __typename
    ... on Runs { results { runId status } }
    ... on PythonError { message }
  }
}
"""
RUN_DONE = {"SUCCESS", "FAILURE", "CANCELED"}


def run_direct(
    dep: BenchDeployment, scenario: Scenario, timeout_s: float, echo: Any = print
) -> Outcome:
    """Launch one run of the four assets per day straight into the run queue (no backfill
    daemon in between), the way the UI's "Materialize" does, and wait for all of them."""
    from filings_pipeline.cli.graphql import graphql, launch_asset_run

    tags = {**PIPELINE_TAGS, "filings/launched_by": "bench-direct"}
    t0 = time.time()
    ids = [launch_asset_run(dep.url, ASSETS, d.isoformat(), tags) for d in scenario.days]
    deadline = time.monotonic() + timeout_s
    load: list[float] = []
    last = ""
    while True:
        load.append(os.getloadavg()[0])
        data = graphql(dep.url, RUN_STATUSES, {"ids": ids})["runsOrError"]
        statuses = [r["status"] for r in data.get("results", [])]
        done = sum(1 for st in statuses if st in RUN_DONE)
        line = f"{done}/{len(ids)} runs done"
        if line != last:
            echo(f"  [{time.time() - t0:6.1f}s] {line}")
            last = line
        if done == len(ids):
            ok = all(st == "SUCCESS" for st in statuses)
            return Outcome(t0, "COMPLETED_SUCCESS" if ok else "RUNS_FAILED", load)
        if time.monotonic() > deadline:
            return Outcome(t0, "TIMEOUT", load)
        time.sleep(0.5)


def published_count(content_url: str, days: tuple[date, ...]) -> int:
    """Filings the content store says are published for the days."""
    store = ContentStore(content_url)
    return sum(1 for d in days for p in store.publications_for_day(d) if p.status == "published")


def measure(
    dep: BenchDeployment, scenario: Scenario, outcome: Outcome, latency_s: float
) -> dict[str, Any]:
    """The scenario's row of results.json."""
    t0, status = outcome.t0, outcome.status
    calls = [c for c in read_call_log(dep.call_log) if c["start"] >= t0]
    log = read_event_log(dep.dagster_url, since=t0)
    publish = log.spans("published_articles")
    end = max((b for _, b in publish), default=outcome.ended or time.time())
    makespan = end - t0
    n_calls, tokens, errors = call_stats(calls)
    needed = 0 if scenario.rerun_of else scenario.filings
    bound = needed * latency_s / SLOTS
    renders = log.spans("rendered_articles")
    return {
        "title": scenario.title,
        "status": status,
        "filings": scenario.filings,
        "days": len(scenario.days),
        "published": published_count(dep.content_url, scenario.days),
        "latency_s": latency_s,
        "limits": {
            "llm_runs": scenario.limits.llm_runs,
            "render_runs": scenario.limits.render_runs,
            "per_backfill": scenario.limits.per_backfill,
            "pools": scenario.limits.pools,
            "call_slots": scenario.limits.call_slots,
            "workers": scenario.limits.workers,
        },
        "makespan_s": round(makespan, 2),
        "bound_s": round(bound, 2),
        "utilisation": round(bound / makespan, 3) if bound and makespan > 0 else None,
        "peak_inflight_calls": peak_in_flight(calls),
        "peak_renders": peak_overlap(renders),
        "overlap_s": round(
            overlap_seconds([(c["start"], c["end"]) for c in calls], renders + publish), 2
        ),
        "calls": n_calls,
        "call_errors": errors,
        "tokens": tokens,
        "filings_per_s": round(scenario.filings / makespan, 4) if makespan > 0 else None,
        "speedup": None,
        "profile": (prof := profile(log, calls, t0, end)),
        "runs": run_timeline(log, t0),
        # the same, with the clock started when the first run reached the queue (after the
        # backfill daemon's 30 s loop picked the backfill up)
        "utilisation_from_first_enqueued": _from_enqueued(bound, makespan, prof),
        "launch": outcome.plan,
        "machine_load_1min": {
            "mean": round(statistics.mean(outcome.load), 2) if outcome.load else None,
            "max": round(max(outcome.load), 2) if outcome.load else None,
        },
    }


def _from_enqueued(bound: float, makespan: float, prof: dict[str, Any]) -> float | None:
    head = prof.get("launch_to_first_enqueued_s")
    if not bound or head is None or makespan - head <= 0:
        return None
    return round(bound / (makespan - head), 3)


def add_speedups(results: dict[str, dict[str, Any]]) -> None:
    """speedup = filings per second over the sequential baseline's (c), where c was measured."""
    base = (results.get("c") or {}).get("filings_per_s")
    for row in results.values():
        if base and row.get("filings_per_s"):
            row["speedup"] = round(row["filings_per_s"] / base, 2)


def scenario_workdir(root: Path, key: str) -> Path:
    path = root / f"scenario-{key}"
    path.mkdir(parents=True, exist_ok=True)
    return path
