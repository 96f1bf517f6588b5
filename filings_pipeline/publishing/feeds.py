"""The site's Atom 1.0 feed and sitemaps.org 0.9 sitemap, built with lxml (always well-formed)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from lxml import etree

from filings_pipeline.rendering import labels, slugs
from filings_pipeline.rendering.environment import clean_text
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.rendering.timefmt import moment, rfc3339

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_PATH = "feed.xml"
SITEMAP_PATH = "sitemap.xml"


def entry_id(accession: str) -> str:
    """Permanent Atom id of an article, independent of where the site is hosted."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'sec-accession:{accession}')}"


def feed_id(site: SiteConfig) -> str:
    """Permanent Atom id of the feed."""
    return (
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'filings-feed:{site.base_url or site.title}')}"
    )


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: v for k, v in attrs.items()})
    if text is not None:
        el.text = clean_text(text)
    return el


def atom_feed(articles: Sequence[RenderedArticle], site: SiteConfig, *, updated: datetime) -> bytes:
    """Atom 1.0 feed of `articles` (given newest first). Links are relative to feed.xml
    unless site.base_url is set. `updated` is the feed's updated time (no wall clock)."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _sub(feed, "id", feed_id(site))
    _sub(feed, "title", site.title)
    if site.tagline:
        _sub(feed, "subtitle", site.tagline)
    _sub(feed, "updated", rfc3339(updated))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=site.absolute(FEED_PATH))
    _sub(feed, "link", rel="alternate", type="text/html", href=site.absolute("index.html"))
    author = _sub(feed, "author")
    _sub(author, "name", site.title)
    _sub(feed, "generator", "filings_pipeline")
    for a in articles:
        when = rfc3339(moment(a.accepted_at, a.date_filed))
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(a.accession))
        _sub(entry, "title", a.headline, type="text")
        _sub(
            entry,
            "link",
            rel="alternate",
            type="text/html",
            href=site.absolute(slugs.article_path(a.slug)),
        )
        sec = labels.safe_http_url(a.sec_url)
        if sec:
            _sub(
                entry, "link", rel="related", type="text/html", href=sec, title="Filing on SEC.gov"
            )
        _sub(entry, "updated", when)
        _sub(entry, "published", when)
        _sub(entry, "category", term=a.event_type, label=labels.event_label(a.event_type))
        _sub(entry, "summary", a.summary, type="text")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def sitemap(entries: Sequence[tuple[str, date | None]], site: SiteConfig) -> bytes:
    """sitemaps.org 0.9 sitemap of (site-relative path, lastmod) pairs, in the given order."""
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    if not site.base_url:
        urlset.append(
            etree.Comment(
                " base_url is not set, so these locations are relative to this file. "
                "Search engines need absolute URLs: set FILINGS_SITE_BASE_URL and rebuild. "
            )
        )
    for path, lastmod in entries:
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = site.absolute(path)
        if lastmod is not None:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = lastmod.isoformat()
    return etree.tostring(urlset, xml_declaration=True, encoding="utf-8", pretty_print=True)


def sitemap_index(paths: Sequence[str], site: SiteConfig) -> bytes:
    """sitemaps.org 0.9 sitemap index of site-relative sitemap paths, in the given order."""
    index = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for path in paths:
        child = etree.SubElement(index, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(child, f"{{{SITEMAP_NS}}}loc").text = site.absolute(path)
    return etree.tostring(index, xml_declaration=True, encoding="utf-8", pretty_print=True)
