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
from filings_pipeline.settings import Settings
from filings_pipeline.store import ContentStore
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

        second = _tick(instance, first.cursor)  # requested, not yet run: not asked twice
        assert not second.run_requests and second.skip_reason is not None

        # the last day's index is republished with more filings: only that day again
        generate_mirror(root, [days[-1]], filings_per_day=5)
        third = _tick(instance, second.cursor)
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


def test_every_day_the_sensor_ingests_is_analysed_and_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One window for both: the oldest day the sensor asks to ingest is inside automation's
    window, so automation analyses, renders and publishes it (with two windows, 10 and 7 days,
    days 8-10 were re-ingested and never published)."""
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
    root = tmp_path / "mirror"
    generate_mirror(root, business_days(last - timedelta(days=20), last), filings_per_day=2,
                    bad_filings=False)  # fmt: skip
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(root))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    content = f"sqlite:///{tmp_path / 'c.db'}"
    resources = make_resources(content, tmp_path / "site")
    downstream = [analyses, rendered_articles, published_articles]
    defs = dg.Definitions(assets=[filings, *downstream], resources=resources)
    with dg.instance_for_test() as instance:
        requested = sorted(r.partition_key for r in _tick(instance, None).run_requests)
        oldest = requested[0]
        window = Settings().lookback_days
        assert date.fromisoformat(oldest) >= last - timedelta(days=window - 1)
        assert len(requested) >= 3  # a week holds at least three business days

        groups = {"analyses": "analysis", "rendered_articles": "render",
                  "published_articles": "publish"}  # fmt: skip
        cursors = {  # each phase's automation sensor evaluates its own group, with its cursor
            name: dg.evaluate_automation_conditions(
                defs=defs, instance=instance, asset_selection=dg.AssetSelection.groups(group)
            ).cursor
            for name, group in groups.items()
        }
        dg.materialize([filings], partition_key=oldest, resources=resources, instance=instance)
        taken_up = []
        for asset in downstream:  # the phases' sensor ticks, one phase after the other
            name = asset.key.to_user_string()
            result = dg.evaluate_automation_conditions(
                defs=defs,
                instance=instance,
                cursor=cursors[name],
                asset_selection=dg.AssetSelection.groups(groups[name]),
            )
            if oldest not in result.get_requested_partitions(asset.key):
                break
            taken_up.append(name)
            dg.materialize([asset], partition_key=oldest, resources=resources, instance=instance)
        assert taken_up == ["analyses", "rendered_articles", "published_articles"]
    store = ContentStore(content)
    assert len(store.publications_for_day(date.fromisoformat(oldest))) == 2


def test_the_old_separate_window_variables_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILINGS_SENSOR_LOOKBACK_DAYS", "10")
    with pytest.raises(ValueError, match="FILINGS_LOOKBACK_DAYS"):
        Settings()
