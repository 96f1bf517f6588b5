"""The live desk through the real daemon: the live sensor against the releasing EDGAR-like server.

`dagster dev` (webserver, daemon, run queue) on SQLite; the mirror server releases today's
filings over a minute and keeps two of them out of the feed; the live sensor polls every 5 s.
Every released filing the feed showed must be published once; then the day's index comes out
(10 p.m.) and the new-filings sensor and automation add the two the feed never showed, without
duplicating the others.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from filings_pipeline.devtools.deployment import LocalDeployment
from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.feed import eastern_today
from filings_pipeline.sample import generate_mirror
from filings_pipeline.store import ContentStore

pytestmark = pytest.mark.integration
TODAY = eastern_today()
IDENTITY = "Filings Pipeline Tests tests@example.com"


def published(store: ContentStore) -> list[str]:
    return [p.accession for p in store.publications_for_day(TODAY) if p.status == "published"]


def wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout_s:.0f} s")
        time.sleep(2)


@pytest.mark.skipif(TODAY.weekday() >= 5, reason="the sample has no weekend filings")
def test_live_sensor_publishes_each_released_filing_once_and_the_index_adds_the_rest(
    tmp_path: Path,
) -> None:
    root = tmp_path / "deploy"
    manifest = generate_mirror(root / "sample-edgar", [TODAY], filings_per_day=8)
    good = [f for f in manifest.filings if not f.bad_reason]
    missed = {f.accession for f in good[:2]}
    with MirrorServer(root / "sample-edgar") as server:
        server.withhold_index(TODAY.isoformat())
        server.hide_from_feed(missed)
        env = {
            "FILINGS_SOURCE": "edgar",
            "EDGAR_IDENTITY": IDENTITY,
            "EDGAR_ARCHIVES_URL": server.archives_url,
            "EDGAR_DATA_URL": server.data_url,
            "FILINGS_LIVE_SENSOR": "running",
            "FILINGS_LIVE_INTERVAL_SECONDS": "5",
            "FILINGS_START_DATE": TODAY.isoformat(),
        }
        with LocalDeployment(
            root, new_filings_sensor=True, sensor_interval_s=5, lookback_days=2, env=env
        ) as dep:
            offsets = {f.accession: 5.0 * i for i, f in enumerate(manifest.filings)}
            server.release(offsets)
            store = ContentStore(dep.content_db_url)
            shown = {f.accession for f in good} - missed
            wait_for(lambda: shown <= set(published(store)), 600, "every shown filing published")
            assert missed.isdisjoint(published(store))

            server.withhold_index(TODAY.isoformat(), withheld=False)  # the nightly index
            wait_for(
                lambda: {f.accession for f in good} <= set(published(store)),
                600,
                "the filings the feed missed published from the index",
            )
            stored = store.accessions_for_day(TODAY)
            assert Counter(stored).most_common(1)[0][1] == 1  # none duplicated
            runs = dep.instance().get_runs()
            assert all(r.status.value == "SUCCESS" for r in runs), [r.status for r in runs]
            assert sorted(published(store)) == sorted(f.accession for f in good)
