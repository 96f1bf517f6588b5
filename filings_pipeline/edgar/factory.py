"""Build the configured FilingSource from Settings (sample mirror via file://, or live EDGAR)."""

from __future__ import annotations

from pathlib import Path

from filings_pipeline.edgar.edgar_source import EdgarSource
from filings_pipeline.edgar.fetch import Fetcher, validate_identity
from filings_pipeline.edgar.rate_state import rate_state_for
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
from filings_pipeline.settings import Settings

SEC_MAX_RATE = 10.0
SAMPLE_IDENTITY = "filings_pipeline sample-mirror sample@example.com"


def state_dir(settings: Settings) -> Path:
    """Rate-limit state in SQLite mode: every process of a deployment must use this directory.
    (With a PostgreSQL content store the state is a row in that database instead.)"""
    return settings.data_dir / "edgar-state"


def make_fetcher(settings: Settings, max_wait: float | None = None, **kwargs) -> Fetcher:
    """A Fetcher with the deployment-wide limiter and the Archives disk cache.

    `max_wait` bounds how long one request may wait for its slot (Paused is raised instead).
    """
    identity = validate_identity(settings.edgar_identity)
    if not 0 < settings.edgar_rate_limit <= SEC_MAX_RATE:
        raise ValueError(
            f"EDGAR_RATE_LIMIT must be > 0 and at most {SEC_MAX_RATE:g} requests/s for the whole "
            f"deployment (SEC's fair-access cap), got {settings.edgar_rate_limit:g}"
        )
    state = rate_state_for(settings.db_url, state_dir(settings))
    limiter = SharedRateLimiter(state=state, rate=settings.edgar_rate_limit, max_wait=max_wait)
    kwargs.setdefault("max_retries", settings.edgar_retries)
    kwargs.setdefault("backoff", settings.edgar_retry_backoff)
    kwargs.setdefault("max_document_bytes", settings.max_document_bytes)
    return Fetcher(identity, limiter, cache_dir=settings.cache_dir, **kwargs)


def make_sensor_source(settings: Settings) -> EdgarSource:
    """Like make_source, for a sensor tick (Dagster gives it 60 s): short timeouts, one retry,
    and a throttle pause raises Paused (a FetchError) instead of sleeping through the tick."""
    if settings.source != "edgar":
        return make_source(settings)
    return EdgarSource(
        settings.edgar_archives_url,
        settings.edgar_data_url,
        make_fetcher(settings, max_wait=10.0, timeout=10.0, max_retries=1, backoff=1.0),
        forms=settings.forms,
        watchlist=settings.watchlist,
    )


def make_source(settings: Settings) -> EdgarSource:
    """`FILINGS_SOURCE=sample`: the generated mirror read through file:// URLs;
    `edgar`: EDGAR_ARCHIVES_URL / EDGAR_DATA_URL with EDGAR_IDENTITY as the User-Agent."""
    if settings.source == "sample":
        root = Path(settings.sample_dir or settings.data_dir / "sample-edgar").absolute()
        return EdgarSource(
            (root / "www.sec.gov" / "Archives").as_uri(),
            (root / "data.sec.gov").as_uri(),
            Fetcher(
                settings.edgar_identity.strip() or SAMPLE_IDENTITY,
                max_document_bytes=settings.max_document_bytes,
            ),
            forms=settings.forms,
            watchlist=settings.watchlist,
        )
    if settings.source == "edgar":
        return EdgarSource(
            settings.edgar_archives_url,
            settings.edgar_data_url,
            make_fetcher(settings),
            forms=settings.forms,
            watchlist=settings.watchlist,
        )
    raise ValueError(f"FILINGS_SOURCE must be 'sample' or 'edgar', got {settings.source!r}")
