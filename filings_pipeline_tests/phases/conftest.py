"""Fixtures of the phase tests that talk to the local EDGAR-like server over real HTTP.

A module sets what its mirror holds with module-level constants (defaults in brackets):
``MIRROR_DAYS`` (the one ``DAY``), ``FILINGS_PER_DAY`` (6) and ``WITHHELD_INDEXES`` (none: the
days whose daily index the server holds back, as SEC does until night).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.edgar_source import EdgarSource
from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
from filings_pipeline.sample import SampleManifest, generate_mirror

DAY = date(2026, 11, 17)
IDENTITY = "Filings Pipeline Tests tests@example.com"
RETRIES = 4  # the Fetcher's retries per request: 5 attempts in all


@pytest.fixture
def manifest(request: pytest.FixtureRequest, tmp_path: Path) -> SampleManifest:
    days = list(getattr(request.module, "MIRROR_DAYS", (DAY,)))
    per_day = getattr(request.module, "FILINGS_PER_DAY", 6)
    return generate_mirror(tmp_path / "mirror", days, filings_per_day=per_day, bad_filings=False)


@pytest.fixture
def server(request: pytest.FixtureRequest, manifest: SampleManifest) -> Iterator[MirrorServer]:
    with MirrorServer(manifest.root) as srv:
        for day in getattr(request.module, "WITHHELD_INDEXES", ()):
            srv.withhold_index(day.isoformat())
        yield srv


def edgar_source(server: MirrorServer, state: Path, cache_dir: Path | None = None) -> EdgarSource:
    """Live-EDGAR mode against the local server; no document cache (a cold worker) unless
    `cache_dir` is given."""
    limiter = SharedRateLimiter(state, 200.0, pause_seconds=1.0)
    fetcher = Fetcher(IDENTITY, limiter, cache_dir=cache_dir, max_retries=RETRIES, backoff=0.01)
    return EdgarSource(server.archives_url, server.data_url, fetcher)
