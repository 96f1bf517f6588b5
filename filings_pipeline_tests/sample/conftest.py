"""Shared fixtures: the default sample mirror, generated once per test session."""

from __future__ import annotations

import pytest

from filings_pipeline.sample import default_sample_days, generate_mirror


@pytest.fixture(scope="session")
def default_mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("default-mirror")
    return generate_mirror(root, default_sample_days())
