"""Fixtures for publisher tests: a real SeaweedFS server and small hand-made sites."""

from __future__ import annotations

from filings_pipeline_tests.support.seaweed import seaweed  # noqa: F401  (pytest fixture)
