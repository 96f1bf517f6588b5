"""A deterministic generator of a local EDGAR mirror (fictional companies, real file formats)."""

from filings_pipeline.sample.business_calendar import business_days, is_business_day
from filings_pipeline.sample.mirror import (
    DEFAULT_FILINGS_PER_DAY,
    ManifestFiling,
    SampleManifest,
    archives_url,
    daily_index_dir,
    data_url,
    default_sample_days,
    generate_mirror,
)

__all__ = [
    "DEFAULT_FILINGS_PER_DAY",
    "ManifestFiling",
    "SampleManifest",
    "archives_url",
    "business_days",
    "daily_index_dir",
    "data_url",
    "default_sample_days",
    "generate_mirror",
    "is_business_day",
]
