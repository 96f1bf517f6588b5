"""A batch day in two stages: ingest + analyses first (Bedrock tag only), then the follow-up
sensor requests its render + publish (render tag only, same batch); progress waits for it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from filings_pipeline.cli.batches.progress import batch_progress
from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.batches import batch_follow_up_sensor
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.phases.catalog import (
    BATCH_TAG,
    CANCELED_TAG,
    FOLLOW_UP_TAG,
    FOLLOWED_ELSEWHERE_TAG,
    FOLLOWS_TAG,
    day_stages,
)
from filings_pipeline.sample import generate_mirror
from filings_pipeline_tests.dagster_layer.conftest import make_resources

DAYS = [date(2026, 11, 16), date(2026, 11, 17)]
ALL = [filings, analyses, rendered_articles, published_articles]


def test_day_stages_split_analysis_from_rendering() -> None:
    four = ["filings", "analyses", "rendered_articles", "published_articles"]
    assert day_stages(four) == [four[:2], four[2:]]
    assert day_stages(four[1:]) == [["analyses"], four[2:]]
    assert day_stages(four[2:]) == [four[2:]]  # nothing to analyse: one run
    assert day_stages(four[:2]) == [four[:2]]  # --analyze-only: one run


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "mirror"
    generate_mirror(root, DAYS, filings_per_day=2, bad_filings=False)
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(root))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    resources = make_resources(f"sqlite:///{tmp_path / 'content.db'}", tmp_path / "site")
    with dg.instance_for_test() as instance:
        yield instance, resources


def _first_stage(instance, resources, day: date, batch: str, ok: bool = True) -> str:
    tags = {BATCH_TAG: batch, FOLLOW_UP_TAG: "published_articles", "filings/launched_by": "t"}
    if not ok:  # an analyzer kind that does not exist fails the analyses step
        resources = {**resources, "analyzer": type(resources["analyzer"])(kind="nope")}
    result = dg.materialize(
        ALL,
        selection=[filings, analyses],
        partition_key=day.isoformat(),
        resources=resources,
        instance=instance,
        tags=tags,
        raise_on_error=False,
    )
    assert result.success is ok
    return result.run_id


def _requests(instance, resources, cursor: str | None = None) -> dg.SensorResult:
    ctx = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"store": resources["store"]}
    )
    return batch_follow_up_sensor(ctx)


def test_follow_up_requested_once_per_succeeded_day_with_render_tags(world) -> None:
    instance, resources = world
    ok_run = _first_stage(instance, resources, DAYS[0], "b1")
    _first_stage(instance, resources, DAYS[1], "b1", ok=False)
    progress = batch_progress(instance, "b1")
    assert progress is not None and progress.status == "REQUESTED"  # waits for the follow-up
    phases = {p.asset: p for p in progress.phases}
    assert (phases["rendered_articles"].queued, phases["rendered_articles"].failed) == (1, 1)

    result = _requests(instance, resources)
    assert len(result.run_requests) == 1  # the failed day gets none
    req = result.run_requests[0]
    assert req.partition_key == DAYS[0].isoformat()
    assert req.run_key == f"follow-up:{ok_run}"
    assert req.asset_selection == [
        dg.AssetKey("rendered_articles"),
        dg.AssetKey("published_articles"),
    ]
    assert req.tags[BATCH_TAG] == "b1" and req.tags[FOLLOWS_TAG] == ok_run
    assert req.tags["filings/render"] == "jinja" and "filings/llm" not in req.tags
    assert req.tags["filings/launched_by"] == "t"
    # the same run is found again from the cursor's rewind: the same run key, so one run
    again = _requests(instance, resources, result.cursor)
    assert [r.run_key for r in again.run_requests] == [req.run_key]

    # the follow-up run itself (as the daemon would launch it): then the batch is done
    done = dg.materialize(
        ALL,
        selection=[rendered_articles, published_articles],
        partition_key=DAYS[0].isoformat(),
        resources=resources,
        instance=instance,
        tags=req.tags,
    )
    assert done.success
    progress = batch_progress(instance, "b1")
    assert progress is not None and progress.status == "COMPLETED_FAILED"  # day 2 failed
    phases = {p.asset: p for p in progress.phases}
    # (a materialize() run records no asset selection, so only the failed day's is counted)
    assert (phases["published_articles"].queued, phases["published_articles"].failed) == (0, 1)


def test_a_canceled_batch_gets_no_follow_up(world) -> None:
    instance, resources = world
    run_id = _first_stage(instance, resources, DAYS[0], "b2")
    instance.add_run_tags(run_id, {CANCELED_TAG: "true"})  # what `cancel` does
    assert _requests(instance, resources).run_requests == []
    progress = batch_progress(instance, "b2")
    assert progress is not None and progress.status == "CANCELED"


def test_a_day_the_render_automation_took_up_gets_no_follow_up(world) -> None:
    """A recent day: the render automation rendered it after the batch's analyses (a run
    without the batch tag); the sensor queues nothing and `status` does not wait for it."""
    instance, resources = world
    run_id = _first_stage(instance, resources, DAYS[0], "b3")
    automation = dg.materialize(
        ALL,
        selection=[rendered_articles, published_articles],
        partition_key=DAYS[0].isoformat(),
        resources=resources,
        instance=instance,
        tags={"filings/phase": "render"},
    )
    assert automation.success
    assert _requests(instance, resources).run_requests == []
    assert instance.get_run_by_id(run_id).tags[FOLLOWED_ELSEWHERE_TAG] == "elsewhere"
    progress = batch_progress(instance, "b3")
    assert progress is not None and progress.status == "COMPLETED_SUCCESS"


def test_a_batch_canceled_in_the_store_gets_no_follow_up(world) -> None:
    """`cancel` marks the batch in the content store before it tags any run: a first stage
    that succeeded without the run tag (it ended after cancel's pass) gets no follow-up."""
    instance, resources = world
    _first_stage(instance, resources, DAYS[0], "b4")
    assert len(_requests(instance, resources).run_requests) == 1  # not canceled: followed up
    resources["store"].get().batch_cancels.cancel("b4")
    assert _requests(instance, resources).run_requests == []
