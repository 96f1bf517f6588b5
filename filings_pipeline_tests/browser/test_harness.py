"""The browser harness itself, over a small hand-made site published to a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.publishing.models import SiteFile
from filings_pipeline_tests.browser.crawl import crawl
from filings_pipeline_tests.publishing.sites import site
from filings_pipeline_tests.support.browser import serve_folder

pytestmark = pytest.mark.browser

ICON = SiteFile("favicon.ico", b"", "image/x-icon")


def test_crawl_sees_links_console_errors_and_broken_links(tmp_path: Path, browser: Any) -> None:
    files = site(["a", "b"]) + [ICON]
    broken = SiteFile(
        "broken.html",
        b'<!doctype html><title>x</title><a href="articles/missing.html">gone</a>'
        b"<script>console.error('boom')</script>",
        "text/html; charset=utf-8",
    )
    LocalFolderPublisher(tmp_path).put([*files, broken])

    with serve_folder(tmp_path) as base:
        good = crawl(browser, f"{base}/index.html")
        bad = crawl(browser, f"{base}/broken.html")

    assert sorted(good.links) == [f"{base}/articles/a.html", f"{base}/articles/b.html"]
    assert set(good.statuses.values()) == {200}
    assert good.console_errors == {} and good.xss_fired == []
    assert bad.statuses == {f"{base}/articles/missing.html": 404}
    assert any("boom" in m for m in bad.console_errors[f"{base}/broken.html"])


def test_xss_canary_is_detected(tmp_path: Path, browser: Any) -> None:
    page = SiteFile(
        "index.html",
        b"<!doctype html><title>x</title><script>window.__xss=1</script>",
        "text/html; charset=utf-8",
    )
    LocalFolderPublisher(tmp_path).put([page, ICON])
    with serve_folder(tmp_path) as base:
        result = crawl(browser, f"{base}/index.html")
    assert result.xss_fired == [f"{base}/index.html"]


def test_payload_blocked_by_csp_is_still_detected_in_the_dom(tmp_path: Path, browser: Any) -> None:
    page = SiteFile(
        "index.html",
        b"<!doctype html><meta http-equiv='Content-Security-Policy' content=\"script-src 'none'\">"
        b'<title>x</title><img src=x onerror="window.__xss=2">',
        "text/html; charset=utf-8",
    )
    LocalFolderPublisher(tmp_path).put([page, ICON])
    with serve_folder(tmp_path) as base:
        result = crawl(browser, f"{base}/index.html")
    assert result.xss_fired == [f"{base}/index.html"]
    assert browser.execute_script("return typeof window.__xss;") == "undefined"


def test_missing_chromium_fails_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    from filings_pipeline_tests.support import browser as browser_mod

    monkeypatch.setattr(browser_mod, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.fail.Exception, match=r"\.ci/install-system-deps"):
        browser_mod.require_chromium()
