"""The live sensor against the local EDGAR-like server (real HTTP, its release clock).

Each tick is evaluated in-process with a real instance; runs are materialized in-process too
(the real ingest asset against the same server), so the cursor's logic is checked against
what was really stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.ingest.live_sensor import live_filings_sensor
from filings_pipeline.defs.ingest.sensors import RUN_KEY_TAG
from filings_pipeline.defs.jobs import LIVE_ASSET_KEYS
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import ContentStoreResource, FilingSourceResource
from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.feed import FeedParseError, eastern_today
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
from filings_pipeline.phases.live_requests import (
    LIVE_ACCESSIONS_TAG,
    LiveCursor,
    decode_accessions,
    in_edgar_hours,
)
from filings_pipeline.sample import SampleManifest, generate_mirror
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.dagster_layer.conftest import make_resources

IDENTITY = "Filings Pipeline Tests tests@example.com"
TODAY = eastern_today()
LATER = 10_000.0
FEED = "/cgi-bin/browse-edgar"

pytestmark = pytest.mark.skipif(TODAY.weekday() >= 5, reason="the sample has no weekend filings")


@pytest.fixture
def manifest(tmp_path: Path) -> SampleManifest:
    return generate_mirror(tmp_path / "mirror", [TODAY], filings_per_day=12, bad_filings=False)


@pytest.fixture
def server(manifest: SampleManifest, tmp_path: Path, monkeypatch) -> Iterator[MirrorServer]:
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EDGAR_RATE_LIMIT", "10")
    with MirrorServer(manifest.root) as srv:
        srv.withhold_index(TODAY.isoformat())
        yield srv


def resources(server: MirrorServer, tmp_path: Path) -> dict:
    return {
        "source": FilingSourceResource(
            source="edgar",
            edgar_identity=IDENTITY,
            edgar_archives_url=server.archives_url,
            edgar_data_url=server.data_url,
        ),
        "store": ContentStoreResource(db_url=f"sqlite:///{tmp_path / 'c.db'}"),
    }


def tick(instance: dg.DagsterInstance, server: MirrorServer, tmp_path: Path, cursor: str | None):
    ctx = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources=resources(server, tmp_path)
    )
    return live_filings_sensor(ctx)


def run(instance, server, tmp_path, request: dg.RunRequest) -> None:
    """What the daemon would launch for `request` (the ingest step of it), in-process."""
    res = resources(server, tmp_path)
    dg.materialize(
        [filings],
        partition_key=request.partition_key,
        resources=res,
        instance=instance,
        tags={RUN_KEY_TAG: request.run_key, **request.tags},
    )


def kept(manifest: SampleManifest) -> list[str]:
    return sorted(f.accession for f in manifest.for_day(TODAY))


def test_new_accessions_request_one_run_of_today(manifest, server, tmp_path) -> None:
    with dg.instance_for_test() as instance:
        first = tick(instance, server, tmp_path, None)
        assert len(first.run_requests) == 1
        req = first.run_requests[0]
        assert req.partition_key == TODAY.isoformat()
        assert req.run_key.startswith(f"live:{TODAY.isoformat()}:")
        assert req.tags["filings/phase"] == "all" and req.tags["filings/llm"] == "bedrock"
        # named, so automation sees the run materialized the phases itself (no re-runs)
        assert set(req.asset_selection or ()) == set(LIVE_ASSET_KEYS)
        assert sorted(a for _, a in decode_accessions(req.tags[LIVE_ACCESSIONS_TAG])) == kept(
            manifest
        )
        again = tick(instance, server, tmp_path, first.cursor)  # run not launched yet
        assert not again.run_requests
        run(instance, server, tmp_path, req)
        done = tick(instance, server, tmp_path, again.cursor)
        assert not done.run_requests
        assert LiveCursor.load(done.cursor).open == {}
        store = ContentStore(f"sqlite:///{tmp_path / 'c.db'}")
        assert sorted(store.accessions_for_day(TODAY)) == kept(manifest)


def test_more_than_a_page_new_pages_on_until_a_known_accession(tmp_path, monkeypatch) -> None:
    manifest = generate_mirror(tmp_path / "m", [TODAY], filings_per_day=260, bad_filings=False)
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    eights = [f.accession for f in manifest.filings if f.form.startswith("8-K")]
    assert len(eights) > 130
    with MirrorServer(manifest.root) as server, dg.instance_for_test() as instance:
        server.withhold_index(TODAY.isoformat())
        first_batch = set(eights[:10])
        server.release(
            {a: 0.0 if a in first_batch else LATER for a in manifest_accessions(manifest)}
        )
        first = tick(instance, server, tmp_path, None)
        assert len(decode_accessions(first.run_requests[0].tags[LIVE_ACCESSIONS_TAG])) == 10
        later = [a for a in manifest_accessions(manifest) if a not in first_batch]
        server.release({a: 0.0 for a in later})  # 250 more at once, newer than the first ten
        server.clear_log()
        second = tick(instance, server, tmp_path, first.cursor)
        starts = [
            int(r.path.split("start=")[1].split("&")[0]) for r in server.requests_for("type=8-K")
        ]
        pages = (len(eights) - 1) // 100 + 1  # the 10 known ones come last, on the last page
        assert pages >= 2 and starts == [100 * p for p in range(pages)]
        got = {
            a
            for r in second.run_requests
            for _, a in decode_accessions(r.tags[LIVE_ACCESSIONS_TAG])
        }
        assert got == set(manifest_accessions(manifest)) - first_batch


def manifest_accessions(manifest: SampleManifest) -> list[str]:
    return [f.accession for f in manifest.filings]


@pytest.mark.parametrize(
    "status,kind", [(403, "access_denied"), (429, "throttle"), (503, "maintenance")]
)
def test_feed_errors_skip_the_tick_and_keep_the_cursor(server, tmp_path, status, kind) -> None:
    with dg.instance_for_test() as instance:
        server.release({a: LATER for a in kept_all(server)})
        base = tick(instance, server, tmp_path, None)
        server.release({a: 0.0 for a in kept_all(server)})
        server.inject(FEED, status, kind, count=None)
        result = tick(instance, server, tmp_path, base.cursor)
        assert isinstance(result, dg.SkipReason)  # no cursor given back: it stays as it was
        assert server.requests_for(FEED)[-1].status == status
        server.clear_injections()
        if status == 429:  # the throttle page paused every EDGAR request of the deployment
            limiter = SharedRateLimiter(tmp_path / "data" / "edgar-state", 10.0)
            assert limiter.paused_for() > 0
            server.clear_log()
            assert isinstance(tick(instance, server, tmp_path, base.cursor), dg.SkipReason)
            assert not server.requests_for(FEED)
        else:
            after = tick(instance, server, tmp_path, base.cursor)
            assert after.run_requests  # nothing was lost: the filings are requested now


def feed_page(server: MirrorServer) -> bytes:
    """The server's first page of the 8-K feed, as EDGAR's clients ask for it."""
    import requests

    url = server.base_url + FEED + "?action=getcurrent&type=8-K&start=0&count=100&output=atom"
    return requests.get(url, headers={"User-Agent": IDENTITY}, timeout=10).content


def kept_all(server: MirrorServer) -> list[str]:
    return [r.accession for r in server.feed_rows()]


@pytest.mark.parametrize("cut", [0.5, 0.97])
def test_malformed_or_truncated_feed_fails_the_tick_cleanly(server, tmp_path, cut) -> None:
    body = feed_page(server)
    with dg.instance_for_test() as instance:
        server.inject(FEED, 200, body[: int(len(body) * cut)], count=1)
        with pytest.raises(FeedParseError, match="cursor kept"):
            tick(instance, server, tmp_path, None)
        ok = tick(instance, server, tmp_path, None)
        assert ok.run_requests


def test_an_accession_listed_twice_is_requested_once(manifest, server, tmp_path) -> None:
    body = feed_page(server)
    start = body.index(b"<entry>")
    end = body.index(b"</entry>") + len(b"</entry>")
    doubled = body[:end] + b"\n" + body[start:end] + body[end:]
    with dg.instance_for_test() as instance:
        server.inject(r"type=8-K&", 200, doubled, count=1)
        result = tick(instance, server, tmp_path, None)
        accs = [
            a
            for r in result.run_requests
            for _, a in decode_accessions(r.tags[LIVE_ACCESSIONS_TAG])
        ]
        assert len(accs) == len(set(accs)) == len(kept(manifest))


def test_documents_not_published_yet_are_requested_again_until_stored(
    manifest, server, tmp_path
) -> None:
    target = manifest.for_day(TODAY)[0]
    nodash = target.accession.replace("-", "")
    server.inject(f"/data/{target.cik}/({target.accession}|{nodash})", 404, "access_denied", None)
    with dg.instance_for_test() as instance:
        first = tick(instance, server, tmp_path, None)
        run(instance, server, tmp_path, first.run_requests[0])
        store = ContentStore(f"sqlite:///{tmp_path / 'c.db'}")
        assert target.accession not in store.accessions_for_day(TODAY)
        assert target.accession not in {s.accession for s in store.skipped_for_day(TODAY)}
        second = tick(instance, server, tmp_path, first.cursor)  # its run ended without it
        assert len(second.run_requests) == 1
        req = second.run_requests[0]
        assert [a for _, a in decode_accessions(req.tags[LIVE_ACCESSIONS_TAG])] == [
            target.accession
        ]
        assert req.run_key != first.run_requests[0].run_key
        server.clear_injections()  # published now
        run(instance, server, tmp_path, req)
        assert target.accession in store.accessions_for_day(TODAY)
        third = tick(instance, server, tmp_path, second.cursor)
        assert not third.run_requests and LiveCursor.load(third.cursor).open == {}


@pytest.mark.skipif(not in_edgar_hours(datetime.now(UTC)), reason="the check fails in EDGAR hours")
def test_freshness_check_on_published_articles(manifest, server, tmp_path, monkeypatch) -> None:
    """A live run publishes what it was asked for (the newest article's lag in the metadata);
    a filing the feed showed that is not on the site fails the check once past the limit."""
    target = manifest.for_day(TODAY)[0]
    nodash = target.accession.replace("-", "")
    server.inject(f"/data/{target.cik}/({target.accession}|{nodash})", 404, "access_denied", None)
    monkeypatch.setenv("FILINGS_FRESHNESS_MINUTES", "0")  # shown before this run: already late
    res = make_resources(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "site")
    res |= resources(server, tmp_path)
    with dg.instance_for_test() as instance:
        req = tick(instance, server, tmp_path, None).run_requests[0]
        result = dg.materialize(
            [filings, analyses, rendered_articles, published_articles],
            partition_key=req.partition_key,
            resources=res,
            instance=instance,
            tags={RUN_KEY_TAG: req.run_key, **req.tags},
        )
        checks = {
            c.check_name: c
            for c in result.get_asset_check_evaluations()
            if c.asset_key.path == ["published_articles"]
        }
        check = checks["live_filings_on_site"]
        assert not check.passed
        assert check.metadata["late_count"].value == 1
        assert target.accession in check.metadata["late"].value
        lag = check.metadata["newest_article_lag_s"].value
        assert lag is not None and lag > 0
