"""Today's partition, ingested from the latest-filings feed as filings are released.

Real HTTP to the local EDGAR-like server with its release clock, the real Fetcher and the real
content store. No dagster here.
"""

from __future__ import annotations

from pathlib import Path

from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.edgar_source import EdgarSource
from filings_pipeline.edgar.feed import parse_feed
from filings_pipeline.phases.ingest import LiveRequest, ingest_day
from filings_pipeline.sample import SampleManifest
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.phases.conftest import DAY, IDENTITY, edgar_source

LATER = 10_000.0  # seconds: "not released during this test"
FILINGS_PER_DAY = 8
WITHHELD_INDEXES = (DAY,)  # the day's index comes at night


def source(server: MirrorServer, tmp_path: Path, cache: bool = True) -> EdgarSource:
    """The live-EDGAR source of the transient-failure tests, with a disk cache unless not."""
    return edgar_source(server, tmp_path / "state", tmp_path / "cache" if cache else None)


def feed_accessions(server: MirrorServer, **params: str) -> list[str]:
    import requests

    query = {"action": "getcurrent", "type": "", "owner": "include", "output": "atom"} | params
    resp = requests.get(
        server.base_url + "/cgi-bin/browse-edgar",
        params=query,
        headers={"User-Agent": IDENTITY},
        timeout=10,
    )
    resp.raise_for_status()
    return [e.accession for e in parse_feed(resp.content)]


def test_feed_endpoint_pages_newest_first_and_matches_the_real_feed_format(
    manifest: SampleManifest, server: MirrorServer, shared_edgar: Path
) -> None:
    real = parse_feed(next((shared_edgar / "feeds").glob("getcurrent_*.xml")).read_bytes())
    import requests

    body = requests.get(
        server.base_url + "/cgi-bin/browse-edgar?action=getcurrent&type=8-K&start=0&count=100"
        "&output=atom",
        headers={"User-Agent": IDENTITY},
        timeout=10,
    ).content
    ours = parse_feed(body)
    eights = [f for f in manifest.filings if f.form.startswith("8-K")]
    assert {e.accession for e in ours} == {f.accession for f in eights}
    # the same parser reads both into the same fields, items included
    assert all(e.filed == DAY and e.updated and e.updated.tzinfo for e in ours)
    assert {e.accession: tuple(e.items) for e in ours} == {f.accession: f.items for f in eights}
    assert real and {type(getattr(real[0], k)) for k in ("cik", "filed", "updated")} == {
        type(getattr(ours[0], k)) for k in ("cik", "filed", "updated")
    }
    assert body.startswith(b'<?xml version="1.0" encoding="ISO-8859-1" ?>')
    # paging: start/count walk the whole list newest first, without overlap
    every = feed_accessions(server, count="100")
    pages = [feed_accessions(server, start=str(s), count="3") for s in range(0, len(every), 3)]
    assert [a for p in pages for a in p] == every
    assert len(every) == len(manifest.filings)


def test_unreleased_filings_answer_404_and_are_absent_from_feed_index_and_submissions(
    manifest: SampleManifest, server: MirrorServer, tmp_path: Path
) -> None:
    import requests

    held = manifest.for_day(DAY)[0]
    server.release({held.accession: LATER})
    server.withhold_index(DAY.isoformat(), withheld=False)
    folder = f"/Archives/edgar/data/{held.cik}/{held.accession.replace('-', '')}/"
    ua = {"User-Agent": IDENTITY}
    doc = requests.get(server.base_url + folder + held.primary_document, headers=ua, timeout=10)
    assert doc.status_code == 404
    assert held.accession not in feed_accessions(server, count="100")
    listing = source(server, tmp_path).list_day(DAY)
    assert held.accession not in {e.accession for e in listing.entries}
    assert len(listing.entries) == len(manifest.for_day(DAY)) - 1
    submissions = f"{server.data_url}/submissions/CIK{held.cik:010d}.json"

    def in_submissions() -> bool:
        data = requests.get(submissions, headers=ua, timeout=10).json()
        return held.accession in data["filings"]["recent"]["accessionNumber"]

    assert not in_submissions()  # the company's submissions JSON does not show it either
    server.release({held.accession: 0.0})
    assert held.accession in feed_accessions(server, count="100")
    assert requests.get(server.base_url + folder + held.primary_document, headers=ua).ok
    assert in_submissions()


def test_today_is_merged_from_the_feed_and_costs_only_the_new_filings(
    manifest: SampleManifest, server: MirrorServer, tmp_path: Path
) -> None:
    day_filings = manifest.for_day(DAY)
    first, rest = day_filings[:3], day_filings[3:]
    server.release({f.accession: LATER for f in rest})
    store = ContentStore(f"sqlite:///{tmp_path / 'c.db'}")
    src = source(server, tmp_path, cache=False)  # no disk cache: every fetch is a request

    one = ingest_day(src, store, DAY, live=LiveRequest())
    assert one.live and not one.published
    assert set(store.accessions_for_day(DAY)) == {f.accession for f in first}

    server.release({f.accession: 0.0 for f in rest})
    server.clear_log()
    two = ingest_day(src, store, DAY, live=LiveRequest())
    assert set(store.accessions_for_day(DAY)) == {f.accession for f in day_filings}
    assert two.kept == 3 and two.ingested == len(day_filings)
    for f in first:  # the filings stored already were not fetched again
        assert not server.requests_for(f.accession.replace("-", "")), f.accession


def test_a_filing_the_feed_no_longer_lists_is_never_dropped(
    manifest: SampleManifest, server: MirrorServer, tmp_path: Path
) -> None:
    day_filings = manifest.for_day(DAY)
    store = ContentStore(f"sqlite:///{tmp_path / 'c.db'}")
    src = source(server, tmp_path)
    ingest_day(src, store, DAY, live=LiveRequest())
    assert len(store.accessions_for_day(DAY)) == len(day_filings)
    server.hide_from_feed({f.accession for f in day_filings[:4]})  # the window moved on
    report = ingest_day(src, store, DAY, live=LiveRequest())
    assert set(store.accessions_for_day(DAY)) == {f.accession for f in day_filings}
    assert report.ingested == len(day_filings)


def test_documents_not_up_yet_are_waiting_not_skipped(
    manifest: SampleManifest, server: MirrorServer, tmp_path: Path
) -> None:
    """The feed lists it, its folder answers 404 (not yet disseminated): nothing is recorded,
    and the next run takes it."""
    target = manifest.for_day(DAY)[1]
    store = ContentStore(f"sqlite:///{tmp_path / 'c.db'}")
    src = source(server, tmp_path)
    nodash = target.accession.replace("-", "")
    pages = f"/Archives/edgar/data/{target.cik}/({target.accession}|{nodash})"
    server.inject(pages, 404, "access_denied", count=None)
    report = ingest_day(src, store, DAY, live=LiveRequest())
    assert report.waiting == [target.accession]
    assert target.accession not in {s.accession for s in store.skipped_for_day(DAY)}
    assert target.accession not in store.accessions_for_day(DAY)
    server.clear_injections()
    again = ingest_day(src, store, DAY, live=LiveRequest())
    assert again.waiting == []
    assert target.accession in store.accessions_for_day(DAY)


def test_the_nightly_index_reconciles_the_day(
    manifest: SampleManifest, server: MirrorServer, tmp_path: Path
) -> None:
    """Filings the feed never showed come in with the index; none is duplicated."""
    day_filings = manifest.for_day(DAY)
    missed = {f.accession for f in day_filings[:2]}
    server.hide_from_feed(missed)
    store = ContentStore(f"sqlite:///{tmp_path / 'c.db'}")
    src = source(server, tmp_path)
    ingest_day(src, store, DAY, live=LiveRequest())
    assert missed.isdisjoint(store.accessions_for_day(DAY))
    server.withhold_index(DAY.isoformat(), withheld=False)  # 10 p.m.: the index is up
    server.clear_log()
    night = ingest_day(src, store, DAY, live=LiveRequest())
    assert night.published and not night.live
    stored = store.accessions_for_day(DAY)
    assert sorted(stored) == sorted(f.accession for f in day_filings)
    assert len(stored) == len(set(stored))
