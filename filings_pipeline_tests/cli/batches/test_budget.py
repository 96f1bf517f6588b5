"""A batch's budget, shared by its runs: it stops starting calls once spent (counted at the
local Converse server), says so on the asset, holds under many threads, and a later launch
analyses what it left."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from filings_pipeline.analysis.pricing import cost_usd
from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.resources import AnalyzerResource
from filings_pipeline.devtools.converse_server import ConverseServer
from filings_pipeline.phases.catalog import BATCH_TAG
from filings_pipeline.sample import generate_mirror
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.dagster_layer.conftest import make_resources

DAYS = [date(2026, 11, 17), date(2026, 11, 18)]
MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
PER_DAY = 6
# A call is booked at its worst case (input + max_tokens 2048 out, about $0.0125 with Haiku
# 4.5) and settled at its real cost (about $0.002): $0.02 lets a few calls through, not 12.
LIMIT = 0.02


def _meta(result: dg.ExecuteInJobResult) -> dict:
    (mat,) = result.asset_materializations_for_node("analyses")
    return {k: v.value for k, v in mat.metadata.items()}


def test_batch_budget_stops_new_calls_across_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    root = tmp_path / "mirror"
    generate_mirror(root, DAYS, filings_per_day=PER_DAY, bad_filings=False)
    for k, v in {
        "FILINGS_SOURCE": "sample",
        "FILINGS_SAMPLE_DIR": str(root),
        "FILINGS_DATA_DIR": str(tmp_path / "data"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "BEDROCK_MODEL_ID": MODEL,
    }.items():
        monkeypatch.setenv(k, v)
    store = ContentStore(pg_url)
    store.budgets.create("b-test", LIMIT)
    with ConverseServer(latency_s=0.05) as server, dg.instance_for_test() as instance:

        def run(day: date, tags: dict[str, str]) -> dict:
            resources = make_resources(pg_url, tmp_path / "site")
            resources["analyzer"] = AnalyzerResource(kind="bedrock", endpoint_url=server.url)
            result = dg.materialize(
                [filings, analyses],
                partition_key=day.isoformat(),
                resources=resources,
                instance=instance,
                tags=tags,
            )
            assert result.success
            return _meta(result)

        first = run(DAYS[0], {BATCH_TAG: "b-test"})
        second = run(DAYS[1], {BATCH_TAG: "b-test"})
        ok = [c for c in server.calls if c.status == 200]
        state = store.budgets.state("b-test")
        # every call the server answered was booked on the shared budget, and it stopped them
        assert len(server.calls) == first["model_calls"] + second["model_calls"]
        assert 0 < len(ok) < 2 * PER_DAY
        assert state.refused > 0 and second["batch_budget_refused_calls"] == state.refused
        billed = sum(cost_usd(MODEL, c.input_tokens, c.output_tokens) for c in ok)
        assert state.spent_usd == pytest.approx(billed, rel=1e-6) and billed <= LIMIT
        assert state.reserved_usd == pytest.approx(0.0, abs=1e-9)
        # the asset says so
        assert second["failed"] > 0 and "batch b-test budget of $0.02 reached" in str(
            second["failed_reasons"]
        )
        left = second["failed"]
        # a later launch (no budget) analyses what the spent budget left, nothing twice
        later = run(DAYS[1], {})
        assert later["model_calls"] == left and later["failed"] == 0
        assert len(server.calls) == len(ok) + left


def test_shared_budget_holds_under_many_threads(pg_url: str, tiny_switch_interval) -> None:
    budget = ContentStore(pg_url).budgets.create("b-threads", 0.5)
    booked: list[int] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        for _ in range(10):
            if budget.reserve(0.01):
                with lock:
                    booked.append(i)
                budget.settle(0.01, 0.01)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # 120 attempts at $0.01 against $0.50: exactly 50 go through, the cap is reached
    assert len(booked) == 50
    assert budget.spent_usd == pytest.approx(0.5) and budget.refused == 70
