"""The site `make run` builds from the bundled sample, in real Chromium: it reads, links resolve,
and hostile sample text runs nothing. Its screenshots are the ones the README shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from filings_pipeline.analysis.offline import OfflineAnalyzer
from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.edgar.factory import make_source
from filings_pipeline.phases.analyze import analyze_day
from filings_pipeline.phases.ingest import ingest_day
from filings_pipeline.phases.publish import publish_day
from filings_pipeline.phases.render import render_day
from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.rendering.render import SiteConfig
from filings_pipeline.sample import default_sample_days, generate_mirror
from filings_pipeline.settings import settings
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.browser.conftest import SCREENSHOTS
from filings_pipeline_tests.support.browser import serve_folder, severe_console_entries

pytestmark = pytest.mark.browser


def build_sample_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hostile: bool) -> Path:
    """Run the four phases (no Dagster) over the bundled sample days into a site folder."""
    root = tmp_path / "mirror"
    days = default_sample_days()
    generate_mirror(root, days, hostile=hostile)
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(root))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    store = ContentStore(f"sqlite:///{tmp_path / 'content.db'}")
    source, analyzer, site = make_source(settings()), OfflineAnalyzer(), SiteConfig()
    publisher = LocalFolderPublisher(tmp_path / "site")
    for day in days:
        ingest_day(source, store, day)
        analyze_day(store, analyzer, day)
        render_day(store, day, key=AnalysisKey.of(analyzer), site=site)
        publish_day(
            store,
            day,
            publisher,
            site,
            key=AnalysisKey.of(analyzer),
        )
    return tmp_path / "site"


def test_sample_site_reads_in_chromium(browser: Any, tmp_path: Path, monkeypatch) -> None:
    site = build_sample_site(tmp_path, monkeypatch, hostile=False)
    with serve_folder(site) as base:
        browser.get(f"{base}/index.html")
        links = browser.find_elements(By.CSS_SELECTOR, "a[href*='articles/']")
        assert len({a.get_attribute("href") for a in links}) >= 10
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / "sample-homepage.png"))
        links[0].click()
        assert browser.find_element(By.TAG_NAME, "h1").text.strip()
        assert "Offline extractive summary" in browser.page_source
        browser.save_screenshot(str(SCREENSHOTS / "sample-article.png"))
        assert severe_console_entries(browser) == []


def test_hostile_sample_runs_nothing(browser: Any, tmp_path: Path, monkeypatch) -> None:
    site = build_sample_site(tmp_path, monkeypatch, hostile=True)
    with serve_folder(site) as base:
        pages = ["index.html", *(f"articles/{p.name}" for p in (site / "articles").glob("*.html"))]
        shown = False
        for page in pages[:8]:
            browser.get(f"{base}/{page}")
            assert browser.execute_script("return typeof window.alert_called") == "undefined"
            assert browser.find_elements(By.CSS_SELECTOR, "[onerror]") == []
            assert all(
                not s.get_attribute("src") and "alert" not in (s.get_attribute("innerHTML") or "")
                for s in browser.find_elements(By.TAG_NAME, "script")
            )
            shown |= "<script>alert(1)</script>" in browser.find_element(By.TAG_NAME, "body").text
        assert shown, "the hostile company name is shown as text"
