"""Automation around live runs: an ingest that lands while a run of the day is under way is
taken up after it; a live run is not followed by automation runs of the phases it ran; with
live mode on, the day's digest waits for the nightly index.

The defect (seen through the real daemon: 8 stored, 6 published, the automation sensors
skipping for good): eager()'s "handled" reset counted any materialization of the asset itself.
The nightly index ingest landed while a live run of the day was still analysing the filings it
had listed before; the live run then materialized `analyses` (without the new filings) and that
materialization reset the condition, so the ingest's update was never taken up.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from filings_pipeline.analysis.offline import OfflineAnalyzer
from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.delivery.assets import digest_emails
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.jobs import LIVE_ASSET_KEYS, live_job
from filings_pipeline.defs.partitions import daily_partitions
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import AnalyzerResource
from filings_pipeline.phases.live_requests import LIVE_ACCESSIONS_TAG
from filings_pipeline.sample import business_days, generate_mirror
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.dagster_layer.conftest import make_resources

ANALYSES = dg.AssetKey("analyses")
_STARTED = threading.Event()  # the blocked run's analyses step has listed the day's filings
_GO = threading.Event()  # let it finish


class _HeldAnalyzer(OfflineAnalyzer):
    """The offline analyzer, holding its first call until the test lets it go."""

    def analyze(self, filing: Any) -> Any:
        _STARTED.set()
        assert _GO.wait(120), "the test never let the held run go"
        return super().analyze(filing)


class HeldAnalyzerResource(AnalyzerResource):
    def _build(self, shared_budget: Any | None = None, urgent: bool = False) -> Any:
        return _HeldAnalyzer()


def _latest_business_day() -> date:
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
    return business_days(last - timedelta(days=6), last)[-1]


@pytest.fixture
def day_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, date]:
    day = _latest_business_day()
    root = tmp_path / "mirror"
    generate_mirror(root, [day], filings_per_day=3, bad_filings=False)
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(root))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    return root, day


def live_run_of(defs: dg.Definitions, key: str, instance: dg.DagsterInstance) -> Any:
    """A live_job run of the day, launched as the live sensor launches it (its asset keys)."""
    return defs.resolve_job_def(live_job.name).execute_in_process(
        partition_key=key, instance=instance, asset_selection=list(LIVE_ASSET_KEYS)
    )


def _analysis_tick(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: Any) -> Any:
    """One tick of the analysis_automation sensor (its own group, its cursor)."""
    return dg.evaluate_automation_conditions(
        defs=defs, instance=instance, cursor=cursor,
        asset_selection=dg.AssetSelection.groups("analysis"),
    )  # fmt: skip


def test_an_ingest_landing_during_a_run_of_the_day_is_taken_up_after_it(
    day_mirror: tuple[Path, date], tmp_path: Path
) -> None:
    root, day = day_mirror
    key = day.isoformat()
    content = f"sqlite:///{tmp_path / 'c.db'}"
    resources = make_resources(content, tmp_path / "site")
    defs = dg.Definitions(
        assets=[filings, analyses, rendered_articles, published_articles], resources=resources
    )
    store = ContentStore(content)
    _STARTED.clear()
    _GO.clear()
    with dg.instance_for_test() as instance:
        cursor = _analysis_tick(defs, instance, None).cursor
        # a live run of the day: ingest, then analyse, held in its first model call
        held = {**resources, "analyzer": HeldAnalyzerResource(kind="offline")}
        live_result: dict[str, Any] = {}

        live_defs = dg.Definitions(assets=defs.assets, jobs=[live_job], resources=held)

        def live_run() -> None:
            live_result["r"] = live_run_of(live_defs, key, instance)

        worker = threading.Thread(target=live_run, daemon=True)
        worker.start()
        try:
            assert _STARTED.wait(120), "the live run's analyses step never started"
            listed_by_live_run = set(store.accessions_for_day(day))
            assert len(listed_by_live_run) == 3

            # the nightly index comes out with two more filings: an ingest-only run
            generate_mirror(root, [day], filings_per_day=5, bad_filings=False)
            dg.materialize([filings], partition_key=key, resources=resources, instance=instance)
            assert len(store.accessions_for_day(day)) == 5

            during = _analysis_tick(defs, instance, cursor)  # the live run is in progress
            assert key not in during.get_requested_partitions(ANALYSES)
            cursor = during.cursor
        finally:
            _GO.set()
            worker.join(120)
        assert live_result["r"].success, "the live run failed"
        key_of = AnalysisKey.of(OfflineAnalyzer())
        analysed = store.analyses_for(store.accessions_for_day(day), key_of)
        assert set(analysed) == listed_by_live_run  # it analysed only what it had listed

        after = _analysis_tick(defs, instance, cursor)
        assert key in after.get_requested_partitions(ANALYSES), (
            "the ingest that landed during the live run was never taken up"
        )
        # taking it up analyses the two new filings; then nothing more is asked
        dg.materialize([analyses], partition_key=key, resources=resources, instance=instance)
        assert len(store.analyses_for(store.accessions_for_day(day), key_of)) == 5
        again = _analysis_tick(defs, instance, after.cursor)
        assert key not in again.get_requested_partitions(ANALYSES)


def test_a_run_that_materializes_the_day_itself_does_not_trigger_automation(
    day_mirror: tuple[Path, date], tmp_path: Path
) -> None:
    """A live run (ingest -> publish in one run) needs no automation run after it: the phases
    it ran itself are not asked again."""
    _, day = day_mirror
    key = day.isoformat()
    resources = make_resources(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "site")
    assets = [filings, analyses, rendered_articles, published_articles]
    defs = dg.Definitions(assets=assets, resources=resources)
    with dg.instance_for_test() as instance:
        cursors = {
            g: dg.evaluate_automation_conditions(
                defs=defs, instance=instance, asset_selection=dg.AssetSelection.groups(g)
            ).cursor
            for g in ("analysis", "render", "publish")
        }
        defs = dg.Definitions(assets=assets, jobs=[live_job], resources=resources)
        assert live_run_of(defs, key, instance).success
        for group, cursor in cursors.items():
            result = dg.evaluate_automation_conditions(
                defs=defs, instance=instance, cursor=cursor,
                asset_selection=dg.AssetSelection.groups(group),
            )  # fmt: skip
            assert result.total_requested == 0, group


def test_with_live_mode_the_digest_waits_for_the_nightly_index(
    day_mirror: tuple[Path, date], tmp_path: Path
) -> None:
    """Live runs publish the day as the feed shows it; the digest is not sent after the first
    of them, but once the nightly index is ingested and automation has published the day."""
    root, day = day_mirror
    key = day.isoformat()
    resources = make_resources(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "site")
    phases = [filings, analyses, rendered_articles, published_articles]
    defs = dg.Definitions(assets=[*phases, digest_emails], jobs=[live_job], resources=resources)
    live_tags = {LIVE_ACCESSIONS_TAG: "1:0000000001-26-000001"}
    deliver = dg.AssetSelection.groups("deliver")
    with dg.instance_for_test() as instance:
        cursor = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, asset_selection=deliver
        ).cursor
        for _ in range(2):  # two live runs of the day
            live = defs.resolve_job_def(live_job.name).execute_in_process(
                partition_key=key, instance=instance, tags=live_tags,
                asset_selection=list(LIVE_ASSET_KEYS),
            )  # fmt: skip
            assert live.success
            tick = dg.evaluate_automation_conditions(
                defs=defs, instance=instance, cursor=cursor, asset_selection=deliver
            )
            assert tick.total_requested == 0, "the digest went out after a live publish"
            cursor = tick.cursor

        # the nightly index: ingested by the new-filings sensor's run, the phases by automation
        generate_mirror(root, [day], filings_per_day=5, bad_filings=False)
        for asset in phases:
            dg.materialize([asset], partition_key=key, resources=resources, instance=instance)
        night = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, cursor=cursor, asset_selection=deliver
        )
        assert key in night.get_requested_partitions(dg.AssetKey("digest_emails"))


class BrokenAnalyzerResource(AnalyzerResource):
    def _build(self, shared_budget: Any | None = None, urgent: bool = False) -> Any:
        raise RuntimeError("the analyzer could not be built (a broken deployment)")


def test_a_live_run_that_failed_at_analysis_is_taken_up_once_by_automation(
    day_mirror: tuple[Path, date], tmp_path: Path
) -> None:
    """The live run's own ingest does not trigger automation (it planned the analysis), so its
    failure at the analysis must: once, not again and again while it keeps failing."""
    _, day = day_mirror
    key = day.isoformat()
    resources = make_resources(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "site")
    assets = [filings, analyses, rendered_articles, published_articles]
    broken = {**resources, "analyzer": BrokenAnalyzerResource(kind="offline")}
    defs = dg.Definitions(assets=assets, resources=resources)
    with dg.instance_for_test() as instance:
        cursor = _analysis_tick(defs, instance, None).cursor
        job = dg.Definitions(assets=assets, jobs=[live_job], resources=broken).resolve_job_def(
            live_job.name
        )
        failed = job.execute_in_process(
            partition_key=key, instance=instance, raise_on_error=False,
            asset_selection=list(LIVE_ASSET_KEYS),
        )  # fmt: skip
        assert not failed.success
        tick = _analysis_tick(defs, instance, cursor)
        assert key in tick.get_requested_partitions(ANALYSES)
        # automation's run fails too: the failure is not taken up again and again
        again = dg.materialize(
            [analyses], partition_key=key, resources=broken, instance=instance,
            raise_on_error=False,
        )  # fmt: skip
        assert not again.success
        later = _analysis_tick(defs, instance, tick.cursor)
        assert key not in later.get_requested_partitions(ANALYSES)
