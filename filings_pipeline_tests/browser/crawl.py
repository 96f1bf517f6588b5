"""Walk a served site in the browser: every page's links, console errors and XSS canary."""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from filings_pipeline_tests.support.browser import severe_console_entries

LINKS_JS = "return Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'));"
XSS_JS = """return typeof window.__xss !== 'undefined'
  || document.querySelectorAll('[onerror]').length > 0
  || Array.from(document.scripts).some(s => s.textContent.includes('__xss'));"""
FAVICON = "/favicon.ico"  # Chromium fetches it once per origin, on whichever page is open then


@dataclass
class Crawl:
    """What a crawl of the site found."""

    pages: list[str] = field(default_factory=list)  # URLs opened in the browser
    links: dict[str, set[str]] = field(default_factory=dict)  # target URL -> pages linking it
    console_errors: dict[str, list[str]] = field(default_factory=dict)
    xss_fired: list[str] = field(default_factory=list)  # payload ran or reached the DOM as markup
    statuses: dict[str, int] = field(default_factory=dict)  # every internal link -> HTTP status


def is_internal(href: str) -> bool:
    """A relative link (no scheme, no host, not mailto/javascript/fragment-only)."""
    parts = urlsplit(href)
    return not parts.scheme and not parts.netloc and bool(parts.path)


def head_status(url: str) -> int:
    """HTTP status of a HEAD request to a 127.0.0.1 URL."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("HEAD", parts.path or "/")
        return conn.getresponse().status
    finally:
        conn.close()


def crawl(driver: Any, start: str, max_pages: int = 200) -> Crawl:
    """Open `start` and every internal HTML page reachable from it; HEAD every internal link."""
    result = Crawl()
    queue, seen = [start], {start}
    while queue and len(result.pages) < max_pages:
        url = queue.pop(0)
        driver.get(url)
        result.pages.append(url)
        errors = [
            e["message"]
            for e in severe_console_entries(driver)
            if not e["message"].split(" ", 1)[0].endswith(FAVICON)  # see test for favicon
        ]
        if errors:
            result.console_errors[url] = errors
        if driver.execute_script(XSS_JS):
            result.xss_fired.append(url)
        for href in driver.execute_script(LINKS_JS):
            if not is_internal(href):
                continue
            target = urldefrag(urljoin(url, href))[0]
            result.links.setdefault(target, set()).add(url)
            if target not in seen and target.endswith((".html", "/")):
                seen.add(target)
                queue.append(target)
    for target in result.links:
        result.statuses[target] = head_status(target)
    return result
