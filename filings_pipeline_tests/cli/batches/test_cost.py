"""The cost before the money: the estimate printed with the plan, and --max-cost refusing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest
from click.testing import CliRunner

from filings_pipeline.analysis.cost_estimate import (
    DEFAULT_INPUT_TOKENS,
    DEFAULT_OUTPUT_TOKENS,
    estimate_cost,
)
from filings_pipeline.analysis.pricing import price_for
from filings_pipeline.analysis.prompt import PROMPT_VERSION
from filings_pipeline.cli import main
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.store import AnalysisRecord

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
DAYS = [date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)]


def test_estimate_uses_measured_tokens_or_the_stated_default() -> None:
    price = price_for(MODEL)
    measured = estimate_cost(MODEL, 40, 2, 10.0, (1200.0, 300.0, 7))
    per = (1200 * price.input_per_mtok + 300 * price.output_per_mtok) / 1e6
    assert measured.assumed_filings == 20 and measured.usd == pytest.approx(60 * per)
    assert "mean of 7 analyses" in measured.describe()
    default = estimate_cost(MODEL, 10, 0, None, None)
    per = (DEFAULT_INPUT_TOKENS * price.input_per_mtok + DEFAULT_OUTPUT_TOKENS * 5) / 1e6
    assert default.usd == pytest.approx(10 * per) and "stated default" in default.describe()


@pytest.fixture
def deployment(batch_world):
    """An instance at DAGSTER_HOME with two of three days ingested, 3 filings analysed."""
    world = batch_world(
        DAYS, per_day=5, FILINGS_ANALYZER="bedrock", BEDROCK_MODEL_ID=MODEL, AWS_REGION="us-east-1"
    )
    for day in DAYS[:2]:
        world.materialize([filings], day.isoformat())
    store = world.store
    for i, acc in enumerate(store.accessions_for_day(DAYS[0])[:3]):
        store.save_analysis(
            AnalysisRecord(
                accession=acc,
                prompt_version=PROMPT_VERSION,
                model=MODEL,
                day=DAYS[0],
                analyzer="bedrock",
                status="ok",
                input_tokens=1000 + 100 * i,
                output_tokens=200,
                calls=1,
                created_at=datetime.now(UTC),
            )
        )
    return world.home, store, world.env


def _expected_usd() -> float:
    # 10 ingested filings, 3 analysed: 7 without a current analysis, + 1 day not ingested at
    # the mean 5 filings per ingested day; 1100 in + 200 out tokens each (the recorded mean)
    price = price_for(MODEL)
    return 12 * (1100 * price.input_per_mtok + 200 * price.output_per_mtok) / 1e6


def test_max_cost_refuses_before_anything_is_launched(deployment) -> None:
    home, store, env = deployment
    args = ["backfill", "--start", "2026-11-17", "--end", "2026-11-19", "--url", "http://x"]
    result = CliRunner().invoke(main, [*args, "--max-cost", "0.01"], env=env)
    assert result.exit_code == 1, result.output
    usd = _expected_usd()
    assert f"Estimated Bedrock cost: ${usd:.2f} = 7 filings without a current analysis" in (
        result.output
    )
    assert "+ 5 assumed on days not ingested yet" in result.output
    assert "mean of 3 analyses so far" in result.output
    assert f"refusing to launch: the estimated Bedrock cost ${usd:.2f}" in result.output
    # the same from the environment
    by_env = CliRunner().invoke(main, args, env={**env, "FILINGS_BACKFILL_MAX_COST_USD": "0.01"})
    assert by_env.exit_code == 1 and "refusing to launch" in by_env.output
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_runs_count() == 2  # the two ingest runs of the fixture only
    # under the maximum, a dry run prints the same plan and estimate and launches nothing
    dry = CliRunner().invoke(main, [*args, "--max-cost", "5", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert f"${usd:.2f}" in dry.output and "Dry run: nothing launched." in dry.output
    assert "2026-11-17  run analyses, rendered_articles, published_articles" in dry.output
    assert "skip filings (up to date)" in dry.output


def test_stale_days_job_refuses_above_the_deployments_maximum(
    deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The UI's launch (stale_days_job, launch: true) honours FILINGS_BACKFILL_MAX_COST_USD as
    the CLI does, with no max_cost_usd in its config: it fails before launching anything.
    (It launched without an estimate or a budget before.)"""
    from filings_pipeline.defs.backfills import stale_days_job
    from filings_pipeline.defs.resources import AnalyzerResource, ContentStoreResource

    home, store, _env = deployment
    monkeypatch.setenv("FILINGS_BACKFILL_MAX_COST_USD", "0.01")
    monkeypatch.setenv("FILINGS_DAGSTER_URL", "http://127.0.0.1:9")  # never reached
    config = {"start": "2026-11-17", "end": "2026-11-19", "launch": True}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        before = instance.get_runs_count()
        result = stale_days_job.execute_in_process(
            run_config={"ops": {"list_stale_days": {"config": config}}},
            instance=instance,
            resources={
                "analyzer": AnalyzerResource(),
                "store": ContentStoreResource(db_url=store.url),
            },
            raise_on_error=False,
        )
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        assert "refusing to launch" in failure.event_specific_data.error.to_string()
        assert instance.get_runs_count() == before + 1  # the job's own run, nothing launched
