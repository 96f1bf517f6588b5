"""Every environment variable the project reads, in one place, with its default. No dagster here."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_FORMS = ("8-K", "8-K/A", "10-Q", "10-K")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _list(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return tuple(p.strip() for p in raw.split(",") if p.strip())


@dataclass(frozen=True)
class Settings:
    """Configuration read from the environment (see README, "Configuration")."""

    data_dir: Path = field(default_factory=lambda: Path(_env("FILINGS_DATA_DIR", ".filings")))
    db_url: str = ""
    site_dir: Path = field(default_factory=lambda: Path(_env("FILINGS_SITE_DIR", "site")))
    site_base_url: str = field(default_factory=lambda: _env("FILINGS_SITE_BASE_URL", ""))
    site_s3_bucket: str = field(default_factory=lambda: _env("FILINGS_SITE_S3_BUCKET", ""))
    site_s3_prefix: str = field(default_factory=lambda: _env("FILINGS_SITE_S3_PREFIX", ""))
    s3_endpoint_url: str = field(default_factory=lambda: _env("S3_ENDPOINT_URL", ""))
    source: str = field(default_factory=lambda: _env("FILINGS_SOURCE", "sample"))
    sample_dir: Path | None = None
    edgar_identity: str = field(default_factory=lambda: _env("EDGAR_IDENTITY", ""))
    edgar_archives_url: str = field(
        default_factory=lambda: _env("EDGAR_ARCHIVES_URL", "https://www.sec.gov/Archives")
    )
    edgar_data_url: str = field(
        default_factory=lambda: _env("EDGAR_DATA_URL", "https://data.sec.gov")
    )
    edgar_rate_limit: float = field(default_factory=lambda: float(_env("EDGAR_RATE_LIMIT", "8")))
    forms: tuple[str, ...] = field(default_factory=lambda: _list("EDGAR_FORMS", DEFAULT_FORMS))
    watchlist: tuple[str, ...] = field(default_factory=lambda: _list("EDGAR_WATCHLIST"))
    analyzer: str = field(default_factory=lambda: _env("FILINGS_ANALYZER", "offline"))
    start_date: str = field(default_factory=lambda: _env("FILINGS_START_DATE", "2026-11-02"))

    def __post_init__(self) -> None:
        if not self.db_url:
            url = os.environ.get("FILINGS_DB_URL", "").strip() or (
                f"sqlite:///{(self.data_dir / 'content.db').absolute()}"
            )
            object.__setattr__(self, "db_url", url)
        if self.sample_dir is None:
            sample = os.environ.get("FILINGS_SAMPLE_DIR", "").strip()
            object.__setattr__(
                self, "sample_dir", Path(sample) if sample else self.data_dir / "sample-edgar"
            )

    @property
    def cache_dir(self) -> Path:
        """On-disk cache of immutable EDGAR Archives documents."""
        return self.data_dir / "cache"


def settings() -> Settings:
    """Settings as the environment says now."""
    return Settings()
