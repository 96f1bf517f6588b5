"""EdgarSource over the generated sample mirror: via file:// URLs and via the mirror server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.edgar_source import EdgarSource
from filings_pipeline.edgar.factory import make_source
from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.models import FilingError
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
from filings_pipeline.sample.mirror import SampleManifest, generate_mirror
from filings_pipeline.settings import Settings
from filings_pipeline_tests.edgar.conftest import IDENTITY

DAYS = [date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 21)]  # the 21st is a Saturday


@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> SampleManifest:
    return generate_mirror(tmp_path_factory.mktemp("mirror"), DAYS, filings_per_day=6, hostile=True)


def _check_source(src: EdgarSource, manifest: SampleManifest) -> None:
    for day in manifest.days:
        listing = src.list_day(day)
        assert listing.published
        assert {e.accession for e in listing.entries} == {
            f.accession for f in manifest.for_day(day)
        }
        for entry in listing.entries:
            spec = next(f for f in manifest.filings if f.accession == entry.accession)
            if spec.bad_reason:
                with pytest.raises(FilingError):
                    src.fetch_filing(entry, day)
                continue
            filing = src.fetch_filing(entry, day)
            assert tuple(filing.items) == spec.items
            assert list(filing.sections) == list(spec.items)
            assert filing.primary_document == spec.primary_document
            assert filing.tickers, entry.accession
            for section in filing.sections.values():
                assert "SIGNATURE" not in section.upper()
    saturday = src.list_day(date(2026, 11, 21))
    assert not saturday.published and "no index" in saturday.note


def test_sample_mirror_through_file_urls(mirror: SampleManifest, tmp_path: Path) -> None:
    src = make_source(Settings(data_dir=tmp_path, source="sample", sample_dir=mirror.root))
    assert src.archives_url.startswith("file://")
    _check_source(src, mirror)


def test_sample_mirror_through_the_mirror_server(mirror: SampleManifest, tmp_path: Path) -> None:
    with MirrorServer(mirror.root) as server:
        limiter = SharedRateLimiter(tmp_path / "state", 50.0, pause_seconds=1.0)
        fetcher = Fetcher(IDENTITY, limiter, cache_dir=tmp_path / "cache")
        _check_source(EdgarSource(server.archives_url, server.data_url, fetcher), mirror)
        assert {r.user_agent for r in server.requests_log()} == {IDENTITY}


def test_default_rate_never_trips_a_10_per_second_server(mirror: SampleManifest, tmp_path: Path):
    """SEC's cap is 10 requests/s; at the default budget (8/s) the server never throttles."""
    with MirrorServer(mirror.root, rate_limit=10, rate_block_seconds=5.0) as server:
        limiter = SharedRateLimiter(tmp_path / "state", 8.0, pause_seconds=1.0)
        fetcher = Fetcher(IDENTITY, limiter)
        day = mirror.days[0]
        url = f"{server.archives_url}/edgar/daily-index/2026/QTR4/master.{day:%Y%m%d}.idx"
        for _ in range(20):
            fetcher.get(url, cache=False)
        statuses = [r.status for r in server.requests_log()]
    assert statuses == [200] * 20
    assert limiter.paused_for() == 0
