"""The real site (render_article + build_site), published to a folder, in real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.publishing.site import build_site
from filings_pipeline.publishing.sync import sync_site
from filings_pipeline.rendering.models import ArticleInput, RenderedArticle, SiteConfig
from filings_pipeline.rendering.render import render_article
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.browser.articles import (
    DAY,
    IMG_PAYLOAD,
    SCRIPT_PAYLOAD,
    day_filings,
)
from filings_pipeline_tests.browser.conftest import SCREENSHOTS
from filings_pipeline_tests.browser.crawl import Crawl, crawl, head_status
from filings_pipeline_tests.support.browser import serve_folder, severe_console_entries

pytestmark = pytest.mark.browser

SITE = SiteConfig()


def rendered_day() -> list[RenderedArticle]:
    return [
        render_article(ArticleInput(f, a, "offline", "offline-extractive-v1", "test-v1"), SITE)
        for f, a in day_filings()
    ]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[RenderedArticle]]]:
    """The day's site published with LocalFolderPublisher and served over HTTP."""
    root = tmp_path_factory.mktemp("site")
    articles = rendered_day()
    store = ContentStore(f"sqlite:///{tmp_path_factory.mktemp('store') / 'content.db'}")
    pub = LocalFolderPublisher(root)
    report = sync_site(pub, store.site_manifest(pub.location), build_site(articles, SITE))
    assert report.published
    with serve_folder(root) as base:
        yield base, articles


@pytest.fixture(scope="module")
def site_crawl(served: tuple[str, list[RenderedArticle]], driver: Any) -> Crawl:
    base, _ = served
    driver.get_log("browser")
    return crawl(driver, f"{base}/index.html")


def _article_hrefs(driver: Any) -> set[str]:
    hrefs = driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]'), a => a.href);"
    )
    return {h.split("#")[0] for h in hrefs if "/articles/" in h and h.endswith(".html")}


def test_homepage_lists_the_days_articles(
    served: tuple[str, list[RenderedArticle]], browser: Any
) -> None:
    base, articles = served
    browser.get(f"{base}/index.html")

    assert _article_hrefs(browser) == {f"{base}/articles/{a.slug}.html" for a in articles}
    text = browser.find_element("tag name", "body").text
    for a in articles:
        assert a.headline in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "homepage.png"))


def test_every_internal_link_resolves(site_crawl: Crawl) -> None:
    broken = {url: s for url, s in site_crawl.statuses.items() if s != 200}
    assert broken == {}, {url: sorted(site_crawl.links[url]) for url in broken}
    assert len(site_crawl.pages) >= 8  # home, 4 articles, day and company pages at least


def test_no_console_errors_on_any_page(site_crawl: Crawl) -> None:
    assert site_crawl.console_errors == {}


def test_site_has_a_favicon(served: tuple[str, list[RenderedArticle]], browser: Any) -> None:
    """Without one, every visitor's browser logs a 404 console error for /favicon.ico."""
    base, _ = served
    browser.get(f"{base}/index.html")
    icons = browser.execute_script(
        "return Array.from(document.querySelectorAll('link[rel~=icon]'), l => l.href);"
    )
    if icons:
        assert all(i.startswith("data:") or head_status(i) == 200 for i in icons), icons
    else:
        assert head_status(f"{base}/favicon.ico") == 200, (
            "no <link rel=icon> in the pages and no /favicon.ico in the site"
        )


def test_no_page_runs_the_hostile_payload(site_crawl: Crawl) -> None:
    assert site_crawl.pages and site_crawl.xss_fired == []


def test_hostile_payload_is_shown_as_text(
    served: tuple[str, list[RenderedArticle]], browser: Any
) -> None:
    base, articles = served
    evil = next(a for a in articles if "Evil Widgets" in a.company)
    browser.get(f"{base}/articles/{evil.slug}.html")

    text = browser.find_element("tag name", "body").text
    assert SCRIPT_PAYLOAD in text
    assert IMG_PAYLOAD in text
    assert browser.execute_script("return typeof window.__xss;") == "undefined"
    dom = browser.execute_script(
        "return {onerror: document.querySelectorAll('[onerror]').length,"
        " scripts: Array.from(document.scripts, s => s.textContent).join('\\n')};"
    )
    assert dom["onerror"] == 0
    assert "__xss" not in dom["scripts"]
    assert severe_console_entries(browser) == []

    browser.get(f"{base}/index.html")
    home_text = browser.find_element("tag name", "body").text
    assert evil.headline in home_text and IMG_PAYLOAD in home_text
    assert browser.execute_script("return typeof window.__xss;") == "undefined"


def test_email_pages_links_resolve_and_stay_inert(
    served: tuple[str, list[RenderedArticle]], browser: Any
) -> None:
    base, articles = served
    starts = [f"{base}/email/digests/{DAY.isoformat()}.html"]
    starts += [f"{base}/email/articles/{a.slug}.html" for a in articles]
    for start in starts:
        result = crawl(browser, start, max_pages=1)
        assert result.pages == [start]
        assert result.xss_fired == [] and result.console_errors == {}
        assert {u: s for u, s in result.statuses.items() if s != 200} == {}, start
    digest = crawl(browser, starts[0], max_pages=1)
    assert {f"{base}/articles/{a.slug}.html" for a in articles} <= set(digest.links)


def test_article_screenshot(served: tuple[str, list[RenderedArticle]], browser: Any) -> None:
    base, articles = served
    adobe = next(a for a in articles if a.company.startswith("ADOBE"))
    browser.get(f"{base}/articles/{adobe.slug}.html")
    assert adobe.headline in browser.find_element("tag name", "h1").text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "article.png"))
    assert (SCREENSHOTS / "article.png").stat().st_size > 10_000


def test_republishing_the_same_day_changes_nothing(tmp_path: Path) -> None:
    files = build_site(rendered_day(), SITE)
    pub = LocalFolderPublisher(tmp_path / "site")
    manifest = ContentStore(f"sqlite:///{tmp_path / 'content.db'}").site_manifest(pub.location)
    sync_site(pub, manifest, files)
    report = sync_site(pub, manifest, build_site(rendered_day(), SITE))
    assert not report.changed and report.unchanged == len(files)
