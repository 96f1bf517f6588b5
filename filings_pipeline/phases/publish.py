"""Phase 4: decide what of a day is published or held back, then sync the whole site."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from filings_pipeline.publishing.models import SiteFile, SitePublisher, SyncReport
from filings_pipeline.publishing.site import build_site, check_internal_links
from filings_pipeline.rendering.models import RenderedArticle
from filings_pipeline.rendering.render import SiteConfig
from filings_pipeline.store import ContentStore
from filings_pipeline.store.repository import Publication


@dataclass
class PublishReport:
    """What publishing one day did."""

    day: date
    published: list[str] = field(default_factory=list)  # accessions published
    held: dict[str, str] = field(default_factory=dict)  # accession -> reason
    site_articles: int = 0
    site_files: int = 0
    sync: SyncReport = field(default_factory=SyncReport)
    homepage: str = ""
    urls: dict[str, list[str]] = field(default_factory=dict)  # published/updated/retracted
    broken_links: list[str] = field(default_factory=list)
    xml_problems: list[str] = field(default_factory=list)  # feed.xml / sitemap.xml


def xml_problems(files: list[SiteFile]) -> list[str]:
    """The feed must be Atom and the sitemap a sitemaps.org urlset, both well-formed."""
    expected = {
        "feed.xml": "{http://www.w3.org/2005/Atom}feed",
        "sitemap.xml": "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset",
    }
    found = {f.path: f for f in files if f.path in expected}
    problems = []
    for path, root_tag in expected.items():
        if path not in found:
            problems.append(f"{path} missing")
            continue
        try:
            root = etree.fromstring(found[path].body)
        except etree.XMLSyntaxError as exc:
            problems.append(f"{path} is not well-formed XML: {exc}")
            continue
        if root.tag != root_tag:
            problems.append(f"{path} root is {root.tag}, expected {root_tag}")
    return problems


def publish_day(
    store: ContentStore,
    day: date,
    publisher: SitePublisher,
    site: SiteConfig,
    *,
    prompt_version: str,
    model: str,
) -> PublishReport:
    """Record the day's publishing decisions and make the destination hold the whole site.

    One lock serialises publishers across processes, so two days published at once never
    build indexes that miss each other's articles.
    """
    report = PublishReport(day)
    with store.lock("site-publish"):
        filings = store.filings_for_day(day)
        articles = {a.accession: a for a in store.articles_for_day(day)}
        analyses = store.analyses_for([f.accession for f in filings], prompt_version, model)
        pubs: list[Publication] = []
        for f in filings:
            art = articles.get(f.accession)
            if art is not None and art.publishable:
                path = f"articles/{art.slug}.html"
                pubs.append(
                    Publication(
                        f.accession, day, "published", art.slug, None, path, art.content_hash
                    )
                )
                report.published.append(f.accession)
                continue
            if art is not None:
                reason = art.hold_reason or "held back"
            else:
                rec = analyses.get(f.accession)
                reason = f"analysis failed: {rec.error}" if rec and rec.error else "not analysed"
            pubs.append(Publication(f.accession, day, "held", art.slug if art else None, reason))
            report.held[f.accession] = reason
        store.replace_publications(day, pubs)
        all_articles = [RenderedArticle.from_dict(d) for d in store.published_articles()]
        files = build_site(all_articles, site)
        report.broken_links = check_internal_links(files)
        report.xml_problems = xml_problems(files)
        report.sync = publisher.sync(files)
    report.site_articles = len(all_articles)
    report.site_files = len(files)
    report.homepage = publisher.url_for("index.html")
    report.urls = {
        "published": [publisher.url_for(p) for p in report.sync.published],
        "updated": [publisher.url_for(p) for p in report.sync.updated],
        "retracted": [publisher.url_for(p) for p in report.sync.removed],
    }
    return report
