"""Phase 4: decide what of a day is published or held back, then sync the whole site."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from lxml import etree

from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.publishing.models import SiteFile, SitePublisher, SyncReport
from filings_pipeline.publishing.site import build_site, check_internal_links
from filings_pipeline.rendering.render import SiteConfig
from filings_pipeline.store import ContentStore
from filings_pipeline.store.records import ArticleMeta, Publication
from filings_pipeline.store.reviews import APPROVED, PENDING, Review

PUBLISH_LOCK = "site-publish"  # the store lock that serialises site rebuilds


@dataclass
class PublishReport:
    """What publishing one day did, and what its checks found."""

    day: date
    filings: list[str] = field(default_factory=list)  # the day's accessions
    published: list[str] = field(default_factory=list)  # accessions published
    held: dict[str, str] = field(default_factory=dict)  # accession -> reason
    pending: list[str] = field(default_factory=list)  # review mode: awaiting an editor
    mode: str = "auto"  # auto | review (FILINGS_PUBLISH_MODE)
    site_articles: int = 0
    site_files: int = 0
    sync: SyncReport = field(default_factory=SyncReport)
    homepage: str = ""
    urls: dict[str, list[str]] = field(default_factory=dict)  # published/updated/retracted
    site_rebuilt: bool = True  # False: nothing changed since the last verified sync
    broken_links: list[str] = field(default_factory=list)
    xml_problems: list[str] = field(default_factory=list)  # feed.xml / sitemap.xml

    @property
    def unaccounted(self) -> list[str]:
        """Filings of the day neither published nor held back with a reason."""
        accounted = set(self.published) | set(self.pending)
        return [a for a in self.filings if a not in accounted and not self.held.get(a)]


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


@cache
def _templates_digest() -> str:
    """Digest of the site's templates, so a template change rebuilds the site."""
    digest = hashlib.sha256()
    root = resources.files("filings_pipeline") / "templates"
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


def site_fingerprint(store: ContentStore, site: SiteConfig) -> str:
    """What the whole site is built from: every published article's content hash, the site
    configuration and the templates."""
    payload = {
        "articles": store.published_hashes(),
        "site": asdict(site),
        "templates": _templates_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _decision(p: Publication) -> tuple:
    return (p.accession, p.status, p.slug, p.reason, p.path, p.content_hash)


PUBLISH_MODES = ("auto", "review")


def _review_verdict(art: ArticleMeta | None, review: Review | None) -> tuple[str, str] | None:
    """In review mode: (status, reason) keeping a publishable article off the site, or None
    when an editor approved exactly this content."""
    if art is None or not art.publishable:
        return None  # held back for its own reason, review or not
    if review is not None and review.content_hash == art.content_hash:
        if review.decision == APPROVED:
            return None
        return "held", f"rejected by the editor: {review.reason or 'no reason given'}"
    if review is not None:
        return PENDING, "pending review (changed since the editor's decision)"
    return PENDING, "pending review"


def publish_day(
    store: ContentStore,
    day: date,
    publisher: SitePublisher,
    site: SiteConfig,
    *,
    key: AnalysisKey,
    mode: str = "auto",
) -> PublishReport:
    """Record the day's publishing decisions and make the destination hold the whole site.

    One lock serialises publishers across processes, so two days published at once never
    build indexes that miss each other's articles. When the day's decisions are the ones
    already recorded and the site fingerprint matches the one recorded after the last
    successful sync, nothing is rebuilt (a re-run costs milliseconds). The fingerprint is
    recorded only after a sync succeeds, so a crash in between rebuilds next time. The
    decisions read accession numbers and article metadata only, no filing text or page body.

    `mode="review"` (FILINGS_PUBLISH_MODE): a publishable article goes on the site only once an
    editor approved its current content; until then it is "pending" (off the site, and so off
    the digest); a rejected one is held back with the editor's reason.
    """
    if mode not in PUBLISH_MODES:
        raise ValueError(f"FILINGS_PUBLISH_MODE must be auto or review, not {mode!r}")
    report = PublishReport(day, mode=mode)
    with store.lock(PUBLISH_LOCK):
        report.filings = store.accessions_for_day(day)
        articles = {a.accession: a for a in store.article_meta_for_day(day)}
        analyses = store.analyses_for(report.filings, key)
        reviews = store.reviews.for_accessions(list(articles)) if mode == "review" else {}
        pubs: list[Publication] = []
        for acc in report.filings:
            art = articles.get(acc)
            verdict = _review_verdict(art, reviews.get(acc)) if mode == "review" else None
            if verdict is not None and art is not None:
                status, reason = verdict
                pubs.append(Publication(acc, day, status, art.slug, reason))
                if status == PENDING:
                    report.pending.append(acc)
                else:
                    report.held[acc] = reason
                continue
            if art is not None and art.publishable:
                path = f"articles/{art.slug}.html"
                pubs.append(
                    Publication(acc, day, "published", art.slug, None, path, art.content_hash)
                )
                report.published.append(acc)
                continue
            if art is not None:
                reason = art.hold_reason or "held back"
            else:
                rec = analyses.get(acc)
                reason = f"analysis failed: {rec.error}" if rec and rec.error else "not analysed"
            pubs.append(Publication(acc, day, "held", art.slug if art else None, reason))
            report.held[acc] = reason
        recorded = store.site_state(publisher.location)
        same_day = sorted(map(_decision, pubs)) == sorted(
            map(_decision, store.publications_for_day(day))
        )
        if same_day and recorded and recorded[0] == site_fingerprint(store, site):
            report.site_rebuilt = False
            _, report.site_files, report.site_articles = recorded
        else:
            store.replace_publications(day, pubs)
            all_articles = store.published_articles()
            files = build_site(all_articles, site)
            report.broken_links = check_internal_links(files, site.base_url)
            report.xml_problems = xml_problems(files)
            report.sync = publisher.sync(files)
            report.site_articles, report.site_files = len(all_articles), len(files)
            store.record_site_state(
                publisher.location, site_fingerprint(store, site), len(files), len(all_articles)
            )
    report.homepage = publisher.url_for("index.html")
    report.urls = {
        "published": [publisher.url_for(p) for p in report.sync.published],
        "updated": [publisher.url_for(p) for p in report.sync.updated],
        "retracted": [publisher.url_for(p) for p in report.sync.removed],
    }
    return report
