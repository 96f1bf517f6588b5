"""A day of the sample published onto a large seeded site, in real Chromium: the pages that
publish wrote (the day's articles and every listing it touched) load without console errors,
and every internal link on them answers 200. Only those pages are opened, not the archive.

The archive size is FILINGS_BIG_SITE_ARTICLES (default 3,000 so the suite stays quick; the
issue's figure, 100,000, was run by hand: see the README's Benchmarks section).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from filings_pipeline.analysis.offline import OfflineAnalyzer
from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.edgar.factory import make_source
from filings_pipeline.phases.analyze import analyze_day
from filings_pipeline.phases.ingest import ingest_day
from filings_pipeline.phases.publish import publish_day, rebuild_site
from filings_pipeline.phases.render import render_day
from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.rendering.models import SiteConfig
from filings_pipeline.sample import generate_mirror
from filings_pipeline.settings import settings
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.browser.crawl import FAVICON, head_status, is_internal
from filings_pipeline_tests.support.browser import serve_folder, severe_console_entries
from filings_pipeline_tests.support.seeded_archive import NEW_DAY, seed

pytestmark = pytest.mark.browser
LINKS_JS = "return Array.from(document.querySelectorAll('a[href], link[href]'), a => a.href);"


def test_a_sample_day_onto_a_big_site_reads_in_chromium(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = int(os.environ.get("FILINGS_BIG_SITE_ARTICLES", "3000"))
    store = ContentStore(f"sqlite:///{tmp_path / 'content.db'}")
    publisher = LocalFolderPublisher(tmp_path / "site")
    seed(store, size, site_dir=publisher.root, destinations=[publisher.location])
    rebuild_site(store, publisher, SiteConfig())  # the seeded archive's listings, once

    generate_mirror(tmp_path / "mirror", [NEW_DAY])
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(tmp_path / "mirror"))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    analyzer = OfflineAnalyzer()
    key = AnalysisKey.of(analyzer)
    ingest_day(make_source(settings()), store, NEW_DAY)
    analyze_day(store, analyzer, NEW_DAY)
    render_day(store, NEW_DAY, key=key, site=SiteConfig())
    report = publish_day(store, NEW_DAY, publisher, SiteConfig(), key=key)
    assert report.published and not report.full_rebuild
    assert report.broken_links == [] and report.xml_problems == []
    assert report.site_articles == size + len(report.published)

    pages = sorted(
        p for p in report.sync.published + report.sync.updated
        if p.endswith(".html") and not p.startswith("email/")
    )  # fmt: skip
    assert "index.html" in pages and f"days/{NEW_DAY.isoformat()}.html" in pages
    with serve_folder(publisher.root) as base:
        links: dict[str, str] = {}
        errors: dict[str, list[str]] = {}
        for page in pages:
            url = f"{base}/{page}"
            browser.get(url)
            found = [
                e["message"]
                for e in severe_console_entries(browser)
                if not e["message"].split(" ", 1)[0].endswith(FAVICON)
            ]
            if found:
                errors[page] = found
            for href in browser.execute_script(LINKS_JS):
                if href.startswith(base):
                    links.setdefault(href.split("#")[0], page)
        assert errors == {}
        statuses = {target: head_status(target) for target in links}
    assert len(links) > len(pages) and all(is_internal(p) for p in pages)
    assert {t: links[t] for t, s in statuses.items() if s != 200} == {}
