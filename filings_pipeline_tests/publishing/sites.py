"""Small hand-made sites (SiteFile lists) for publisher tests: articles first, indexes last."""

from __future__ import annotations

from html import escape

from filings_pipeline.publishing.models import SiteFile

HTML = "text/html; charset=utf-8"


def article(slug: str, title: str, body: str = "") -> SiteFile:
    text = f"<h1>{escape(title)}</h1><p>{escape(body or title)}</p>"
    return SiteFile(
        f"articles/{slug}.html",
        f"<!doctype html><title>{escape(title)}</title>{text}".encode(),
        HTML,
        "public, max-age=86400",
    )


def index(slugs: list[str]) -> SiteFile:
    links = "".join(f'<li><a href="articles/{s}.html">{s}</a></li>' for s in slugs)
    return SiteFile(
        "index.html",
        f"<!doctype html><title>Filings</title><ul>{links}</ul>".encode(),
        HTML,
        "public, max-age=60",
    )


def site(slugs: list[str]) -> list[SiteFile]:
    """Articles, a stylesheet, a feed and the homepage (in that write order)."""
    files = [article(s, f"Article {s}") for s in slugs]
    files.append(SiteFile("static/style.css", b"body{font-family:sans-serif}", "text/css"))
    feed = "".join(f"<item><link>articles/{s}.html</link></item>" for s in slugs)
    files.append(
        SiteFile(
            "feed.xml", f"<rss><channel>{feed}</channel></rss>".encode(), "application/rss+xml"
        )
    )
    files.append(index(slugs))
    return files
