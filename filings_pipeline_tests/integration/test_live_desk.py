"""The live desk through the real daemon: the live sensor against the releasing EDGAR-like server.

`dagster dev` (webserver, daemon, run queue) on SQLite; the mirror server releases today's
filings a few seconds apart and keeps two of them out of the feed; the live sensor polls every
5 s. Every filing the feed showed must be published once; then the day's index comes out (SEC
builds it at night) and the new-filings sensor and automation add the two the feed never
showed, without duplicating the others and without fetching again any document already stored.

Robust on a loaded 2-core machine: every wait is on a state (generous timeouts, no fixed
sleeps), and run statuses are read only once every run of the day has finished.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from filings_pipeline.devtools.deployment import LocalDeployment, live_desk_env
from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.feed import eastern_today
from filings_pipeline.sample import generate_mirror
from filings_pipeline.store import ContentStore

pytestmark = pytest.mark.integration
TODAY = eastern_today()
IDENTITY = "Filings Pipeline Tests tests@example.com"
FILINGS = 8
MISSED = 2  # kept out of the feed: only the nightly index shows them
WAIT_S = 900.0  # a loaded 2-core machine can take minutes per phase


def published(store: ContentStore) -> list[str]:
    return [p.accession for p in store.publications_for_day(TODAY) if p.status == "published"]


def wait_for(predicate: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {timeout_s:.0f} s")
        time.sleep(2)


def runs_of_today(dep: LocalDeployment) -> list[dg.DagsterRun]:
    return list(
        dep.instance().get_runs(dg.RunsFilter(tags={"dagster/partition": TODAY.isoformat()}))
    )


def all_finished(dep: LocalDeployment) -> bool:
    runs = runs_of_today(dep)
    return bool(runs) and all(r.is_finished for r in runs)


def index_ingested(dep: LocalDeployment) -> bool:
    """A `filings` materialization of today listed from the daily index (not the feed)."""
    result = dep.instance().fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey("filings"), asset_partitions=[TODAY.isoformat()]
        ),
        limit=1,
    )
    if not result.records:
        return False
    mat = result.records[0].asset_materialization
    value = mat.metadata.get("index_published") if mat else None
    return bool(getattr(value, "value", False))


def folder(accession: str) -> str:
    """The part of an Archives URL that names the filing's folder."""
    return "/" + accession.replace("-", "") + "/"


@pytest.mark.skipif(TODAY.weekday() >= 5, reason="the sample has no weekend filings")
def test_live_sensor_publishes_each_released_filing_once_and_the_index_adds_the_rest(
    tmp_path: Path,
) -> None:
    root = tmp_path / "deploy"
    manifest = generate_mirror(
        root / "sample-edgar", [TODAY], filings_per_day=FILINGS, bad_filings=False
    )
    everything = {f.accession for f in manifest.filings}
    assert len(everything) == FILINGS
    missed = {f.accession for f in manifest.filings[:MISSED]}
    shown = everything - missed
    with MirrorServer(root / "sample-edgar") as server:
        server.withhold_index(TODAY.isoformat())
        server.hide_from_feed(missed)
        env = live_desk_env(server.archives_url, server.data_url, TODAY, IDENTITY, 5)
        with LocalDeployment(
            root, new_filings_sensor=True, sensor_interval_s=5, lookback_days=2, env=env
        ) as dep:
            released = server.release(
                {f.accession: 4.0 * i for i, f in enumerate(manifest.filings)}
            )
            store = ContentStore(dep.content_db_url)

            # live: every filing the feed shows is published, the missed ones are not
            wait_for(lambda: shown <= set(published(store)), "every shown filing published")
            wait_for(lambda: time.time() > max(released.values()), "every filing released")
            wait_for(lambda: all_finished(dep), "the live runs finished")
            assert missed.isdisjoint(published(store))
            assert not index_ingested(dep)
            stored_live = set(store.accessions_for_day(TODAY))
            assert shown <= stored_live and missed.isdisjoint(stored_live)
            live_runs = {r.run_id for r in runs_of_today(dep)}

            # the nightly index: the new-filings sensor ingests the day from it, automation
            # analyses, renders and publishes what the feed missed
            server.clear_log()
            server.withhold_index(TODAY.isoformat(), withheld=False)
            wait_for(lambda: index_ingested(dep), "the day ingested from its index")
            wait_for(lambda: everything <= set(published(store)), "the missed filings published")
            wait_for(lambda: all_finished(dep), "every run of the day finished")

            stored = store.accessions_for_day(TODAY)
            assert Counter(stored).most_common(1)[0][1] == 1  # none duplicated
            assert set(stored) == everything
            decisions = Counter(p.accession for p in store.publications_for_day(TODAY))
            assert set(decisions) == everything and max(decisions.values()) == 1
            assert sorted(published(store)) == sorted(everything)

            runs = runs_of_today(dep)
            failed = {r.run_id: r.status.value for r in runs if r.status.value != "SUCCESS"}
            assert not failed, failed
            assert {r.run_id for r in runs} > live_runs  # the nightly runs came after

            # nothing the live runs had stored was fetched again by the nightly ingest
            refetched = [
                r.path
                for r in server.requests_log()
                if "/Archives/edgar/data/" in r.path
                and any(folder(a) in r.path for a in stored_live)
            ]
            assert refetched == []
            fetched_missed = [
                r.path for r in server.requests_log() if any(folder(a) in r.path for a in missed)
            ]
            assert fetched_missed  # the control: the counting sees documents fetched
