"""Fixtures for the Dagster layer: a generated sample mirror and resources pointing at it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dagster_aws.s3 import S3Resource

from filings_pipeline.defs.resources import (
    AnalyzerResource,
    ContentStoreResource,
    EmailResource,
    FilingSourceResource,
    SiteResource,
)
from filings_pipeline.sample import DEFAULT_FILINGS_PER_DAY, default_sample_days, generate_mirror

WEEKEND = date(2026, 11, 14)


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The bundled sample week (with its deliberately bad filings), wired through env vars."""
    root = tmp_path / "mirror"
    manifest = generate_mirror(root, default_sample_days(), filings_per_day=DEFAULT_FILINGS_PER_DAY)
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(root))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    return manifest


def make_resources(
    content_url: str, site_dir: Path, *, base_url: str = "", email: EmailResource | None = None
) -> dict[str, Any]:
    return {
        "email": email or EmailResource(),
        "store": ContentStoreResource(db_url=content_url),
        "source": FilingSourceResource(source="sample"),
        "analyzer": AnalyzerResource(kind="offline"),
        "site": SiteResource(site_dir=str(site_dir), base_url=base_url, s3=S3Resource()),
    }
