"""The new-filings sensor (cursor, run keys, change detection) and the automation conditions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.ingest.sensors import new_filings_sensor
from filings_pipeline.defs.partitions import daily_partitions
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import FilingSourceResource
from filings_pipeline.sample import business_days, generate_mirror
from filings_pipeline_tests.dagster_layer.conftest import make_resources


def recent_business_days(n: int = 3) -> list[date]:
    """The last n business days among the partitions that exist now."""
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
    return business_days(last - timedelta(days=14), last)[-n:]


@pytest.fixture
def recent_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[date]]:
    days = recent_business_days()
    root = tmp_path / "mirror"
    generate_mirror(root, days, filings_per_day=3)
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(root))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FILINGS_SENSOR_LOOKBACK_DAYS", "15")
    return root, days


def _tick(instance: dg.DagsterInstance, cursor: str | None):
    ctx = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"source": FilingSourceResource()}
    )
    return new_filings_sensor(ctx)


def test_sensor_requests_new_days_once_and_changed_days_again(recent_mirror) -> None:
    root, days = recent_mirror
    with dg.instance_for_test() as instance:
        first = _tick(instance, None)
        assert isinstance(first, dg.SensorResult)
        keys = [r.partition_key for r in first.run_requests]
        assert keys == [d.isoformat() for d in days]
        assert all(r.run_key.startswith(f"filings:{r.partition_key}:") for r in first.run_requests)
        assert all(r.tags["filings/phase"] == "ingest" for r in first.run_requests)

        second = _tick(instance, first.cursor)
        assert isinstance(second, dg.SkipReason)

        # the last day's index is republished with more filings: only that day again
        generate_mirror(root, [days[-1]], filings_per_day=5)
        third = _tick(instance, first.cursor)
        assert [r.partition_key for r in third.run_requests] == [days[-1].isoformat()]
        assert third.run_requests[0].run_key != first.run_requests[-1].run_key


def test_sensor_skips_days_already_ingested_at_that_version(recent_mirror, tmp_path: Path) -> None:
    _, days = recent_mirror
    resources = make_resources(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "site")
    with dg.instance_for_test() as instance:
        dg.materialize(
            [filings], partition_key=days[0].isoformat(), resources=resources, instance=instance
        )
        result = _tick(instance, None)  # no cursor: the materialization alone must suffice
        assert days[0].isoformat() not in [r.partition_key for r in result.run_requests]
        assert len(result.run_requests) == len(days) - 1


def test_automation_takes_up_recent_days_only(recent_mirror, tmp_path: Path) -> None:
    """Once filings of a recent day land, analyses (and only analyses) are requested for it;
    a day older than the look-back window is left to backfills."""
    _, days = recent_mirror
    resources = make_resources(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "site")
    assets = dg.Definitions(
        assets=[filings, analyses, rendered_articles, published_articles], resources=resources
    )
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
    old_day = last - timedelta(days=20)
    now = datetime.now()
    with dg.instance_for_test() as instance:
        result = dg.evaluate_automation_conditions(
            defs=assets, instance=instance, asset_selection=dg.AssetSelection.groups("analysis")
        )
        for key in (days[-1].isoformat(), old_day.isoformat()):
            dg.materialize([filings], partition_key=key, resources=resources, instance=instance)
        # evaluate as the analysis_automation sensor does: its own group only
        result = dg.evaluate_automation_conditions(
            defs=assets,
            instance=instance,
            cursor=result.cursor,
            evaluation_time=now,
            asset_selection=dg.AssetSelection.groups("analysis"),
        )
        requested = result.get_requested_partitions(dg.AssetKey("analyses"))
        assert days[-1].isoformat() in requested
        assert old_day.isoformat() not in requested
        assert result.get_num_requested(dg.AssetKey("rendered_articles")) == 0
        assert result.get_num_requested(dg.AssetKey("published_articles")) == 0
