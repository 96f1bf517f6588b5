"""Launch paths and checks shared by the PostgreSQL and SQLite real-daemon tests."""

from __future__ import annotations

import time

from filings_pipeline.devtools.converse_server import peak_in_flight, read_call_log
from filings_pipeline.devtools.deployment import LocalDeployment
from filings_pipeline.phases.catalog import PIPELINE_TAGS, POOL_LIMITS
from filings_pipeline_tests.integration.measure import (
    ASSETS,
    all_runs,
    materializations,
    peak_concurrent,
    phase_overlap_s,
    step_spans,
    unfinished,
)
from filings_pipeline_tests.integration.plan import iso

BACKFILL_TIMEOUT_S = 900.0


def ui_backfill(dep: LocalDeployment, days: list, figures: dict, name: str) -> None:
    """A backfill of `days` x all four assets through launchPartitionBackfill, checked."""
    t0 = time.time()
    backfill_id = dep.launch_backfill(days, ASSETS, {**PIPELINE_TAGS}, title=f"it {name}")
    state = dep.wait_backfill(backfill_id, timeout_s=BACKFILL_TIMEOUT_S)
    makespan = time.time() - t0
    assert state.status == "COMPLETED_SUCCESS", f"{state}; see {dep.dagster.log_path}"
    instance = dep.instance()
    runs = all_runs(instance, {"dagster/backfill": backfill_id})
    assert len(runs) == len(days), "an asset backfill of one partitions definition: a run a day"
    assert all(r.status.value == "SUCCESS" for r in runs)
    assert all(r.tags.get("filings/llm") == "bedrock" for r in runs)
    counts = materializations(instance, ASSETS, iso(days))
    assert counts == {(a, d): 1 for a in ASSETS for d in iso(days)}
    spans = step_spans(instance, runs)
    overlap = phase_overlap_s(spans)
    # Rendering of the first days began while later days were still being analysed.
    assert overlap > 0, "render steps only started after every analysis ended"
    peak_renders = peak_concurrent(spans, "rendered_articles")
    assert peak_renders <= POOL_LIMITS["render"]
    figures[name] = {
        "days": len(days),
        "runs": len(runs),
        "makespan_s": round(makespan, 1),
        "phase_overlap_s": round(overlap, 1),
        "peak_concurrent_renders": peak_renders,
        "peak_concurrent_analysis_steps": peak_concurrent(spans, "analyses"),
    }


def deployment_limits(dep: LocalDeployment, figures: dict, name: str) -> None:
    """Deployment-wide: Bedrock calls peaked at exactly 5, renders at most 3, no run left in
    the queue, no (asset, day) materialized twice."""
    instance = dep.instance()
    left = unfinished(instance)
    assert not left, f"runs not finished: {[(r.run_id, r.status.value) for r in left]}"
    calls = read_call_log(dep.call_log)
    assert calls, "no Bedrock calls reached the Converse server"
    peak_calls = peak_in_flight(calls)
    assert peak_calls == 5, f"peak in-flight Bedrock calls {peak_calls}, expected exactly 5"
    runs = all_runs(instance)
    spans = step_spans(instance, runs)
    peak_renders = peak_concurrent(spans, "rendered_articles")
    peak_analyses = peak_concurrent(spans, "analyses")
    assert peak_renders <= POOL_LIMITS["render"]
    assert peak_analyses <= POOL_LIMITS["bedrock"]
    partitions = sorted(
        {r.tags["dagster/partition"] for r in runs if "dagster/partition" in r.tags}
    )
    counts = materializations(instance, ASSETS, partitions)
    twice = {k: n for k, n in counts.items() if n != 1}
    assert not twice, f"materialized more than once: {twice}"
    figures[name] = {
        "bedrock_calls": len(calls),
        "peak_bedrock_calls_in_flight": peak_calls,
        "peak_concurrent_renders": peak_renders,
        "peak_concurrent_analysis_steps": peak_analyses,
        "runs": len(runs),
        "failed_runs": sum(r.status.value != "SUCCESS" for r in runs),
        "materializations": sum(counts.values()),
    }
