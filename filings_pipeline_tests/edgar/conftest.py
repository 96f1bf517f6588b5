"""Shared fixtures: the EDGAR fixture files, the mirror server over them (real HTTP), fetchers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.ratelimit import SharedRateLimiter

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / ".." / "shared" / "fixtures" / "edgar"
IDENTITY = "Filings Pipeline Tests tests@example.com"

# SEC metadata for every fixture 8-K (from PROVENANCE.md):
# accession -> (cik, company, items, date filed).
EIGHT_KS: dict[str, tuple[int, str, list[str], date]] = {
    "0000072333-23-000015": (72333, "NORDSTROM INC", ["5.02", "9.01"], date(2023, 3, 6)),
    "0001193125-23-048785": (1364742, "BlackRock Inc.", ["5.02"], date(2023, 2, 24)),
    "0000796343-23-000044": (796343, "ADOBE INC.", ["2.02", "9.01"], date(2023, 3, 15)),
    "0001193125-19-292676": (320193, "Apple Inc.", ["8.01", "9.01"], date(2019, 11, 15)),
    "0000943374-24-000509": (
        1847360,
        "1895 Bancorp of Wisconsin, Inc. /MD/",
        ["5.02"],
        date(2024, 12, 27),
    ),
}
# Fixture 8-Ks that only have their primary HTML document: path -> items.
PRIMARY_ONLY_8KS: dict[str, list[str]] = {
    "0001829126-23-002149/afcgamma-8k.htm": ["5.02", "7.01", "9.01"],
    "0001437749-23-034498/flws20231214_8k.htm": ["5.07"],
    "0000887919-21-000012/primary-8k.htm": ["8.01", "9.01"],
    "0001104659-03-004925/primary-8k.htm": ["9"],  # pre-2004 numbering
}


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip("../shared/fixtures/edgar not present (a user's clone has no ../shared)")
    return FIXTURES.resolve()


@pytest.fixture
def server(fixtures_dir: Path) -> Iterator[MirrorServer]:
    """The mirror server over the fixture folder at EDGAR's URL paths (one host for both)."""
    with MirrorServer(fixtures=fixtures_dir) as srv:
        yield srv


@pytest.fixture
def make_fetcher(tmp_path: Path):
    """Fetchers sharing one state dir (as every process of a deployment must)."""

    def make(rate: float = 50.0, pause: float = 600.0, **kwargs) -> Fetcher:
        limiter = SharedRateLimiter(tmp_path / "edgar-state", rate, pause_seconds=pause)
        kwargs.setdefault("cache_dir", tmp_path / "cache")
        kwargs.setdefault("backoff", 0.01)
        return Fetcher(IDENTITY, limiter, **kwargs)

    return make
