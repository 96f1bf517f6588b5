"""Planning on a real instance: missing, failed, stale, other prompt/model, up to date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from filings_pipeline.analysis.offline import OfflineAnalyzer
from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.cli.batches.plan import plan_backfill
from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import AnalyzerResource
from filings_pipeline.sample import generate_mirror
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.dagster_layer.conftest import make_resources

DAYS = [date(2026, 11, d) for d in (16, 17, 18, 19, 20)]
KEYS = [d.isoformat() for d in DAYS]
ALL = [filings, analyses, rendered_articles, published_articles]
NAMES = ["filings", "analyses", "rendered_articles", "published_articles"]
CURRENT = AnalysisKey(OfflineAnalyzer.prompt_version, OfflineAnalyzer.model)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content_url: str):
    root = tmp_path / "mirror"
    generate_mirror(root, DAYS, filings_per_day=3, bad_filings=False)
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(root))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    resources = make_resources(content_url, tmp_path / "site")
    with dg.instance_for_test() as instance:
        yield instance, resources, ContentStore(content_url)


def _mat(instance, resources, day: str, selection, ok: bool = True) -> None:
    result = dg.materialize(
        ALL,
        partition_key=day,
        resources=resources,
        instance=instance,
        selection=selection,
        raise_on_error=False,
    )
    assert result.success is ok


def test_plan_runs_only_what_is_missing_failed_or_stale(world) -> None:
    instance, resources, store = world
    d1, d2, d3, d4, d5 = KEYS
    for day in (d1, d2, d5):
        _mat(instance, resources, day, ALL)  # everything current
    _mat(instance, resources, d3, [filings])  # ingested only: the rest missing
    # d4: analyses fails (an analyzer kind that does not exist) after a good ingest
    _mat(instance, resources, d4, [filings])
    broken = {**resources, "analyzer": AnalyzerResource(kind="no-such-analyzer")}
    _mat(instance, broken, d4, [analyses], ok=False)
    _mat(instance, resources, d2, [filings])  # re-ingested: analyses of d2 now stale

    plan = plan_backfill(instance, NAMES, KEYS, CURRENT, store)
    runs = dict(plan.runs())
    assert runs == {
        d2: ["analyses", "rendered_articles", "published_articles"],
        d3: ["analyses", "rendered_articles", "published_articles"],
        d4: ["analyses", "rendered_articles", "published_articles"],
    }
    why = {(d.asset, d.day): d.reason for d in plan.decisions.values()}
    assert why[("analyses", d2)] == "stale: upstream materialized since"
    assert why[("analyses", d3)] == "missing"
    assert why[("analyses", d4)].startswith("last attempt failure (run ")
    assert why[("rendered_articles", d4)] == "after analyses"
    assert why[("filings", d3)] == "up to date"
    for day in (d1, d5):
        assert all(why[(a, day)] == "up to date" for a in NAMES)
    text = "\n".join(plan.lines())
    assert f"{d1}  skip: up to date" in text and "stale: upstream materialized since" in text

    forced = plan_backfill(instance, NAMES, KEYS, CURRENT, store, force_all=True)
    assert [day for day, assets in forced.runs() if assets == NAMES] == KEYS

    # once the plan's runs are done, nothing is left
    for day, assets in plan.runs():
        _mat(instance, resources, day, [a for a in ALL if a.key.to_user_string() in assets])
    assert plan_backfill(instance, NAMES, KEYS, CURRENT, store).runs() == []


def test_analyses_made_under_another_prompt_or_model_run_again(world) -> None:
    instance, resources, store = world
    d1 = KEYS[0]
    _mat(instance, resources, d1, ALL)
    assert plan_backfill(instance, NAMES, [d1], CURRENT, store).runs() == []
    other = AnalysisKey("prompt-v99", "us.anthropic.claude-sonnet-4-6")
    plan = plan_backfill(instance, NAMES, [d1], other, store)
    assert plan.runs() == [(d1, NAMES[1:])]
    reason = plan.decisions[("analyses", d1)].reason
    assert reason == f"made under {CURRENT.prompt_version}/{CURRENT.model}, not prompt-v99/" + (
        "us.anthropic.claude-sonnet-4-6"
    )
    assert plan.decisions[("filings", d1)].reason == "up to date"


def test_store_knows_filings_without_a_current_analysis(world) -> None:
    instance, resources, store = world
    d1 = KEYS[0]
    _mat(instance, resources, d1, ALL)
    day = DAYS[0]
    assert store.unanalysed_by_day([day, DAYS[1]], CURRENT) == {day: 0}
    victim = store.accessions_for_day(day)[0]
    rec = store.analyses_for([victim], CURRENT)[victim]
    rec.status, rec.error = "failed", "planted failure"
    store.save_analysis(rec)
    assert store.unanalysed_by_day([day], CURRENT) == {day: 1}
    plan = plan_backfill(instance, NAMES, [d1], CURRENT, store)
    assert plan.decisions[("analyses", d1)].reason == "1 filing(s) without a current analysis"


def test_stale_days_job_lists_the_plan_in_the_ui(world) -> None:
    from filings_pipeline.defs.backfills import stale_days_job

    instance, resources, store = world
    d1, d2 = KEYS[:2]
    _mat(instance, resources, d1, ALL)
    result = stale_days_job.execute_in_process(
        instance=instance,
        resources={"analyzer": resources["analyzer"], "store": resources["store"]},
        run_config={"ops": {"list_stale_days": {"config": {"start": d1, "end": d2}}}},
    )
    assert result.success
    (event,) = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    meta = (
        {e.label: e.value for e in event.event_specific_data.metadata_entries}
        if hasattr(event.event_specific_data, "metadata_entries")
        else {k: v.value for k, v in event.event_specific_data.metadata.items()}
    )
    assert meta["days_to_run"] == 1 and meta["days"] == 2
    assert f"| {d2} | filings, analyses, rendered_articles, published_articles |" in meta["plan"]
    assert f"| {d1} |  | filings: up to date;" in meta["plan"]
