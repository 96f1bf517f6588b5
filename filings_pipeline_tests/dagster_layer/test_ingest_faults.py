"""The `filings` asset and the new-filings sensor under EDGAR faults, over real HTTP.

The real Fetcher (live-EDGAR mode) talks to the local EDGAR-like server, which answers 503 for
the first K requests of a document or for good. The asset runs with its real body and a copy
of the shipped RetryPolicy with short delays (the shipped one waits 30/60/120 s); the sensor
is evaluated with `build_sensor_context`, and its requested runs are executed with the tags the
sensor daemon gives them (run key, sensor name), since no daemon runs here.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster_aws.s3 import S3Resource

from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import INGEST_RETRY_POLICY, filings, filings_asset
from filings_pipeline.defs.ingest.sensors import RUN_KEY_TAG, new_filings_sensor
from filings_pipeline.defs.partitions import daily_partitions
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import (
    AnalyzerResource,
    ContentStoreResource,
    FilingSourceResource,
    SiteResource,
)
from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.sample import ManifestFiling, business_days, generate_mirror
from filings_pipeline.store import ContentStore
from filings_pipeline.store import tables as t

IDENTITY = "Filings Pipeline Tests tests@example.com"
FETCH_RETRIES = 2  # EDGAR_RETRIES: 3 attempts per request
STEP_RETRIES = 2
SHORT_POLICY = dg.RetryPolicy(max_retries=STEP_RETRIES, delay=0.2, backoff=dg.Backoff.EXPONENTIAL)
short_filings = filings_asset(SHORT_POLICY)


def last_business_day() -> date:
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
    return business_days(last - timedelta(days=7), last)[-1]


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    """A recent sample day served by the EDGAR-like server; resources in live-EDGAR mode."""
    day = last_business_day()
    manifest = generate_mirror(tmp_path / "mirror", [day], filings_per_day=5, bad_filings=False)
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EDGAR_RATE_LIMIT", "10")
    monkeypatch.setenv("EDGAR_RETRIES", str(FETCH_RETRIES))
    monkeypatch.setenv("EDGAR_RETRY_BACKOFF_SECONDS", "0.01")
    with MirrorServer(manifest.root) as server:
        source = FilingSourceResource(
            source="edgar",
            edgar_identity=IDENTITY,
            edgar_archives_url=server.archives_url,
            edgar_data_url=server.data_url,
        )
        resources = {
            "store": ContentStoreResource(db_url=f"sqlite:///{tmp_path / 'content.db'}"),
            "source": source,
            "analyzer": AnalyzerResource(kind="offline"),
            "site": SiteResource(site_dir=str(tmp_path / "site"), s3=S3Resource()),
        }
        yield day, manifest, server, resources, tmp_path


def primary_path(f: ManifestFiling) -> str:
    return f"/Archives/edgar/data/{f.cik}/{f.accession.replace('-', '')}/{f.primary_document}"


def rows(url: str, site: Path) -> dict[str, object]:
    store = ContentStore(url)
    out: dict[str, object] = {}
    with store.engine.connect() as conn:
        for table in (t.filings, t.analyses, t.articles, t.publications):
            found = conn.execute(sa.select(table)).mappings().all()
            out[table.name] = sorted(repr(sorted(dict(r).items())) for r in found)
    out["site"] = {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }
    return out


def error_text(error) -> str:
    """The step failure's message with its causes (Dagster wraps the last attempt's error)."""
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause or error.context
    return "\n".join(parts)


def step_restarts(result: dg.ExecuteInProcessResult) -> int:
    return sum(1 for e in result.all_events if e.event_type_value == "STEP_RESTARTED")


def test_the_shipped_policy_retries_with_exponential_backoff() -> None:
    policy = filings.op.retry_policy
    assert policy == INGEST_RETRY_POLICY
    assert policy.max_retries >= 2 and policy.delay and policy.delay >= 10
    assert policy.backoff == dg.Backoff.EXPONENTIAL


def test_503_outlasting_the_fetcher_is_recovered_by_the_step_retry(live) -> None:
    day, manifest, server, resources, _ = live
    target = manifest.for_day(day)[1]
    k = FETCH_RETRIES + 2  # the first attempt spends its 3 requests; the retry gets through
    server.inject(primary_path(target) + "$", 503, "maintenance", count=k)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [short_filings], partition_key=day.isoformat(), resources=resources, instance=instance
        )
        assert result.success
        assert step_restarts(result) == 1
        meta = result.asset_materializations_for_node("filings")[0].metadata
        assert meta["skipped"].value == 0
        assert meta["ingested"].value == len(manifest.for_day(day)) == 5
    statuses = [r.status for r in server.requests_log() if r.path == primary_path(target)]
    assert statuses == [503] * k + [200]


def test_503_for_good_fails_the_run_and_keeps_every_row(live) -> None:
    day, manifest, server, resources, tmp_path = live
    url = f"sqlite:///{tmp_path / 'content.db'}"
    with dg.instance_for_test() as instance:
        first = dg.materialize(
            [short_filings, analyses, rendered_articles, published_articles],
            partition_key=day.isoformat(),
            resources=resources,
            instance=instance,
        )
        assert first.success
        before = rows(url, tmp_path / "site")
        assert len(before["analyses"]) == 5 and before["site"]

        shutil.rmtree(tmp_path / "data" / "cache")  # a run worker with a cold document cache
        target = manifest.for_day(day)[2]
        server.inject(primary_path(target) + "$", 503, "maintenance", count=None)
        failed = dg.materialize(
            [short_filings, analyses, rendered_articles, published_articles],
            partition_key=day.isoformat(),
            resources=resources,
            instance=instance,
            raise_on_error=False,
        )
        assert not failed.success
        assert step_restarts(failed) == STEP_RETRIES
        failure = next(e for e in failed.all_events if e.event_type_value == "STEP_FAILURE")
        message = error_text(failure.event_specific_data.error)
        assert target.accession in message and server.base_url + primary_path(target) in message
        assert rows(url, tmp_path / "site") == before  # analyses, articles, site: untouched
        hits = [
            r for r in server.requests_log() if r.path == primary_path(target) and r.status == 503
        ]
        assert len(hits) == (FETCH_RETRIES + 1) * (STEP_RETRIES + 1)


def _tick(instance: dg.DagsterInstance, source: FilingSourceResource, cursor: str | None):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"source": source})
    return new_filings_sensor(ctx)


def _run(request: dg.RunRequest, resources: dict, instance: dg.DagsterInstance):
    """Execute a sensor's request as the daemon would launch it (its tags and run key)."""
    run_tags = {
        **request.tags,
        RUN_KEY_TAG: request.run_key,
        "dagster/sensor_name": "new_filings_sensor",
    }
    return dg.materialize(
        [short_filings],
        partition_key=request.partition_key,
        resources=resources,
        instance=instance,
        tags=run_tags,
        raise_on_error=False,
    )


def test_sensor_requests_a_failed_day_again_on_its_next_tick(live) -> None:
    day, manifest, server, resources, _ = live
    target = manifest.for_day(day)[0]
    with dg.instance_for_test() as instance:
        first = _tick(instance, resources["source"], None)
        assert [r.partition_key for r in first.run_requests] == [day.isoformat()]
        server.inject(primary_path(target) + "$", 503, "maintenance", count=None)
        assert not _run(first.run_requests[0], resources, instance).success

        second = _tick(instance, resources["source"], first.cursor)
        assert [r.partition_key for r in second.run_requests] == [day.isoformat()]
        retry = second.run_requests[0]
        assert retry.run_key != first.run_requests[0].run_key  # the daemon would drop a reused key
        assert retry.tags["filings/ingest_attempt"] == "2"

        server.clear_injections()  # EDGAR is back
        assert _run(retry, resources, instance).success
        third = _tick(instance, resources["source"], second.cursor)
        assert not third.run_requests
        assert third.skip_reason is not None
