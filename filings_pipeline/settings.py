"""Every environment variable the project reads, in one place, with its default. No dagster here.

One precedence rule for every setting: explicit configuration (a resource field, a keyword
argument) first, then the environment (read here, when `settings()` is called), then the
default written below. Each variable has its row in the README's "Configuration" table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

DEFAULT_FORMS = ("8-K", "8-K/A", "10-Q", "10-K")
DEFAULT_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
DEFAULT_DAGSTER_URL = "http://127.0.0.1:3000"
DEFAULT_EMAIL_FROM = "Filings Desk <desk@filings-desk.invalid>"

# Replaced by FILINGS_LOOKBACK_DAYS: two windows let the sensor re-ingest days that automation
# never analysed or published.
REMOVED = {
    "FILINGS_AUTOMATION_LOOKBACK_DAYS": "FILINGS_LOOKBACK_DAYS",
    "FILINGS_SENSOR_LOOKBACK_DAYS": "FILINGS_LOOKBACK_DAYS",
}

T = TypeVar("T")


def _env(name: str, default: str = "") -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _flag(name: str, default: bool) -> bool:
    raw = _env(name).lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _list(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    raw = _env(name)
    if not raw:
        return default
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _number(name: str, conv: Callable[[str], T], default: T, what: str = "") -> T:
    """A number from the environment, or `default` when unset; a clear error when malformed."""
    raw = _env(name)
    if not raw:
        return default
    try:
        return conv(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a valid {what or conv.__name__}") from exc


def _price(name: str) -> float | None:
    value = _number(name, float, None, "number (USD per 1M tokens)")
    if value is not None and value < 0:
        raise ValueError(f"{name}={value!r} must not be negative")
    return value


def _f(read: Callable[[], T]) -> T:
    """A dataclass field whose default is read from the environment when Settings is built."""
    return field(default_factory=read)


@dataclass(frozen=True)
class Settings:
    """Configuration read from the environment (see README, "Configuration")."""

    # where things are
    data_dir: Path = _f(lambda: Path(_env("FILINGS_DATA_DIR", ".filings")))
    db_url: str = ""  # empty: FILINGS_DB_URL, else SQLite under data_dir
    site_dir: Path = _f(lambda: Path(_env("FILINGS_SITE_DIR", "site")))
    site_base_url: str = _f(lambda: _env("FILINGS_SITE_BASE_URL"))
    site_s3_bucket: str = _f(lambda: _env("FILINGS_SITE_S3_BUCKET"))
    site_s3_prefix: str = _f(lambda: _env("FILINGS_SITE_S3_PREFIX"))
    s3_endpoint_url: str = _f(lambda: _env("S3_ENDPOINT_URL"))
    dagster_home: Path | None = None  # None: DAGSTER_HOME, else data_dir/dagster_home
    dagster_url: str = _f(lambda: _env("FILINGS_DAGSTER_URL", DEFAULT_DAGSTER_URL))
    # the source
    source: str = _f(lambda: _env("FILINGS_SOURCE", "sample"))
    sample_dir: Path | None = None  # None: FILINGS_SAMPLE_DIR, else data_dir/sample-edgar
    start_date: str = _f(lambda: _env("FILINGS_START_DATE", "2026-11-02"))
    edgar_identity: str = _f(lambda: _env("EDGAR_IDENTITY"))
    edgar_archives_url: str = _f(lambda: _env("EDGAR_ARCHIVES_URL", "https://www.sec.gov/Archives"))
    edgar_data_url: str = _f(lambda: _env("EDGAR_DATA_URL", "https://data.sec.gov"))
    edgar_rate_limit: float = _f(lambda: _number("EDGAR_RATE_LIMIT", float, 8.0))
    edgar_retries: int = _f(lambda: _number("EDGAR_RETRIES", int, 4))
    edgar_retry_backoff: float = _f(lambda: _number("EDGAR_RETRY_BACKOFF_SECONDS", float, 2.0))
    forms: tuple[str, ...] = _f(lambda: _list("EDGAR_FORMS", DEFAULT_FORMS))
    watchlist: tuple[str, ...] = _f(lambda: _list("EDGAR_WATCHLIST"))
    max_document_mb: float = _f(lambda: _number("EDGAR_MAX_DOCUMENT_MB", float, 50.0))
    # the analyzer
    analyzer: str = _f(lambda: _env("FILINGS_ANALYZER", "offline"))
    analyzer_workers: int = _f(lambda: _number("FILINGS_ANALYZER_WORKERS", int, 8))
    max_calls_in_flight: int = _f(lambda: _number("FILINGS_MAX_CALLS_IN_FLIGHT", int, 5))
    bedrock_model_id: str = _f(lambda: _env("BEDROCK_MODEL_ID", DEFAULT_MODEL_ID))
    aws_region: str = _f(lambda: _env("AWS_REGION") or _env("AWS_DEFAULT_REGION"))
    aws_profile: str = _f(lambda: _env("AWS_PROFILE"))
    bedrock_endpoint_url: str = _f(lambda: _env("BEDROCK_ENDPOINT_URL"))
    bedrock_max_tokens: int | None = _f(lambda: _number("BEDROCK_MAX_TOKENS", int, None))
    bedrock_temperature: float | None = _f(lambda: _number("BEDROCK_TEMPERATURE", float, None))
    bedrock_structured_output: str = _f(lambda: _env("BEDROCK_STRUCTURED_OUTPUT"))
    bedrock_run_budget_usd: float | None = _f(
        lambda: _number("BEDROCK_RUN_BUDGET_USD", float, None)
    )
    # a batch runs each day in one run (default) or two (ingest + analyses, then render +
    # publish queued by batch_follow_up_sensor); bench/README.md has both measured
    batch_two_stages: bool = _f(lambda: _flag("FILINGS_BATCH_TWO_STAGES", False))
    backfill_max_cost_usd: float | None = _f(
        lambda: _number("FILINGS_BACKFILL_MAX_COST_USD", float, None)
    )
    price_input_per_mtok: float | None = _f(lambda: _price("BEDROCK_PRICE_INPUT_PER_MTOK"))
    price_output_per_mtok: float | None = _f(lambda: _price("BEDROCK_PRICE_OUTPUT_PER_MTOK"))
    # how long an analysis waits for a Bedrock call slot before failing (a crashed holder's
    # lease can keep a slot up to bedrock.max_call_seconds: 2,660 s with the defaults)
    slot_wait_seconds: float = _f(lambda: _number("FILINGS_SLOT_WAIT_SECONDS", float, 3600.0))
    # automation and sensors
    lookback_days: int = _f(lambda: _number("FILINGS_LOOKBACK_DAYS", int, 7))
    sensor_interval_seconds: int = _f(lambda: _number("FILINGS_SENSOR_INTERVAL_SECONDS", int, 60))
    new_filings_sensor: str = _f(lambda: _env("FILINGS_NEW_FILINGS_SENSOR", "running").lower())
    live_sensor: str = _f(lambda: _env("FILINGS_LIVE_SENSOR", "stopped").lower())
    live_interval_seconds: int = _f(lambda: _number("FILINGS_LIVE_INTERVAL_SECONDS", int, 30))
    freshness_minutes: float = _f(lambda: _number("FILINGS_FRESHNESS_MINUTES", float, 10.0))
    live_off_hours_seconds: int = _f(
        lambda: _number("FILINGS_LIVE_OFF_HOURS_INTERVAL_SECONDS", int, 900)
    )
    # editorial review and email delivery (README, "Newsletter" and "Editorial review")
    publish_mode: str = _f(lambda: _env("FILINGS_PUBLISH_MODE", "auto").lower())
    email_transport: str = _f(lambda: _env("FILINGS_EMAIL_TRANSPORT", "none").lower())
    email_from: str = _f(lambda: _env("FILINGS_EMAIL_FROM", DEFAULT_EMAIL_FROM))
    email_to: str = _f(lambda: _env("FILINGS_EMAIL_TO"))
    email_resend_changed: bool = _f(lambda: _flag("FILINGS_EMAIL_RESEND_CHANGED", False))
    email_unsubscribe_url: str = _f(lambda: _env("FILINGS_EMAIL_UNSUBSCRIBE_URL"))
    smtp_host: str = _f(lambda: _env("FILINGS_SMTP_HOST", "localhost"))
    smtp_port: int = _f(lambda: _number("FILINGS_SMTP_PORT", int, 0))
    smtp_username: str = _f(lambda: _env("FILINGS_SMTP_USERNAME"))
    smtp_password: str = field(default_factory=lambda: _env("FILINGS_SMTP_PASSWORD"), repr=False)
    smtp_starttls: bool = _f(lambda: _flag("FILINGS_SMTP_STARTTLS", True))
    smtp_ssl: bool = _f(lambda: _flag("FILINGS_SMTP_SSL", False))
    ses_endpoint_url: str = _f(lambda: _env("SES_ENDPOINT_URL"))

    def __post_init__(self) -> None:
        for old, new in REMOVED.items():
            if _env(old):
                raise ValueError(
                    f"{old} is no longer read: set {new} instead (one window for the "
                    "new-filings sensor and automation, so every day the sensor ingests is "
                    "also analysed and published)"
                )
        if self.lookback_days < 1:
            raise ValueError(f"FILINGS_LOOKBACK_DAYS must be at least 1, got {self.lookback_days}")
        if self.edgar_retries < 0:
            raise ValueError(f"EDGAR_RETRIES must not be negative, got {self.edgar_retries}")
        if not self.slot_wait_seconds > 0:
            raise ValueError(
                f"FILINGS_SLOT_WAIT_SECONDS must be a positive number, got {self.slot_wait_seconds}"
            )
        if not self.db_url:
            url = _env("FILINGS_DB_URL") or f"sqlite:///{(self.data_dir / 'content.db').absolute()}"
            object.__setattr__(self, "db_url", url)
        if self.sample_dir is None:
            sample = _env("FILINGS_SAMPLE_DIR")
            object.__setattr__(
                self, "sample_dir", Path(sample) if sample else self.data_dir / "sample-edgar"
            )
        if self.dagster_home is None:
            home = _env("DAGSTER_HOME")
            object.__setattr__(
                self,
                "dagster_home",
                Path(home).absolute() if home else (self.data_dir / "dagster_home").absolute(),
            )

    @property
    def outbox_dir(self) -> Path:
        """Where FILINGS_EMAIL_TRANSPORT=none writes each digest message (never the site)."""
        return self.data_dir / "outbox"

    @property
    def max_document_bytes(self) -> int:
        """EDGAR_MAX_DOCUMENT_MB in bytes (MB = 2**20 bytes)."""
        if self.max_document_mb <= 0:
            raise ValueError(f"EDGAR_MAX_DOCUMENT_MB must be > 0, got {self.max_document_mb:g}")
        return int(self.max_document_mb * 2**20)

    @property
    def cache_dir(self) -> Path:
        """On-disk cache of immutable EDGAR Archives documents."""
        return self.data_dir / "cache"


def settings() -> Settings:
    """Settings as the environment says now."""
    return Settings()
