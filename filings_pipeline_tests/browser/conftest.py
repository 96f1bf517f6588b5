"""Fixtures for browser tests: one real headless Chromium per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from filings_pipeline_tests.support.browser import chromium

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def driver() -> Iterator[Any]:
    """A headless Chromium WebDriver shared by the browser tests."""
    with chromium() as d:
        yield d


@pytest.fixture
def browser(driver: Any) -> Any:
    """The shared driver with its console log drained before the test."""
    driver.get_log("browser")
    return driver
