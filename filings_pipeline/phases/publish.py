"""Phase 4: decide what of a day is published or held back, then write what that changes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from lxml import etree

from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.publishing.models import SiteFile, SitePublisher, SyncReport
from filings_pipeline.publishing.pages import article_files
from filings_pipeline.publishing.site import (
    DayChange,
    Unresolved,
    broken,
    check_internal_links,
    day_listings,
    link_problems,
    site_batches,
    stale_candidates,
)
from filings_pipeline.publishing.sync import delete_stale, write_changed
from filings_pipeline.rendering import slugs
from filings_pipeline.rendering.models import RenderedArticle
from filings_pipeline.rendering.render import SiteConfig
from filings_pipeline.store import ContentStore
from filings_pipeline.store.records import ArticleMeta, Publication
from filings_pipeline.store.reviews import APPROVED, PENDING, Review
from filings_pipeline.store.site_index import SiteManifest, light

LAYOUT = 3  # the site's page layout; a new value rebuilds every destination once
PUBLISH_LOCK = "site-publish"  # the store lock around committing a day and its listings


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
    site_rebuilt: bool = True  # False: the day's decisions were already on the site
    full_rebuild: bool = False  # True: every page was regenerated (configuration changed)
    broken_links: list[str] = field(default_factory=list)
    xml_problems: list[str] = field(default_factory=list)  # feed.xml / sitemap.xml

    @property
    def unaccounted(self) -> list[str]:
        """Filings of the day neither published nor held back with a reason."""
        accounted = set(self.published) | set(self.pending)
        return [a for a in self.filings if a not in accounted and not self.held.get(a)]


def xml_problems(files: list[SiteFile]) -> list[str]:
    """The feed must be Atom and the sitemap a sitemaps.org index, both well-formed (when
    among `files`, and they are in every publish)."""
    expected = {
        "feed.xml": "{http://www.w3.org/2005/Atom}feed",
        "sitemap.xml": "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex",
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


def site_fingerprint(site: SiteConfig) -> str:
    """What every page depends on besides its articles: the site configuration, the templates
    and the layout. A change rebuilds the whole site on the next publish."""
    payload = {"site": asdict(site), "templates": _templates_digest(), "layout": LAYOUT}
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


def _decisions_digest(pubs: list[Publication]) -> str:
    return hashlib.sha256(
        json.dumps(sorted(map(_decision, pubs)), default=str).encode()
    ).hexdigest()


def _manifest_lookup(manifest: SiteManifest) -> Callable[[set[str]], set[str]]:
    return lambda paths: set(manifest.entries(paths))


def publish_day(
    store: ContentStore,
    day: date,
    publisher: SitePublisher,
    site: SiteConfig,
    *,
    key: AnalysisKey,
    mode: str = "auto",
) -> PublishReport:
    """Record the day's publishing decisions and write what they change on the site: the day's
    article pages, then the listings that show them (its day, its companies, the home page,
    feed, directories, its month's sitemap), then delete what was retracted.

    All of it runs under the site lock (PUBLISH_LOCK, across processes): deciding what of the
    day is published, committing that, writing its article pages, building the listings from
    the store and writing them. So two days published at once never write a listing that
    misses the other's articles; of two runs of the same day (the live desk's overlap) the
    one that commits last commits what the store holds then, never an older picture it read
    before waiting; and a rebuild never deletes a page written beside it. Same decisions as
    the last successful publish of the day under the same site configuration: nothing is
    done. A changed configuration or template (or a first publish to a destination) rebuilds
    the whole site instead.

    `mode="review"` (FILINGS_PUBLISH_MODE): a publishable article goes on the site only once an
    editor approved its current content; until then it is "pending" (off the site, and so off
    the digest); a rejected one is held back with the editor's reason.
    """
    if mode not in PUBLISH_MODES:
        raise ValueError(f"FILINGS_PUBLISH_MODE must be auto or review, not {mode!r}")
    dest = publisher.location
    manifest = store.site_manifest(dest)
    fingerprint = site_fingerprint(site)
    with store.lock(PUBLISH_LOCK):
        report, pubs = _decide(store, day, key, mode)
        decisions = _decisions_digest(pubs)
        recorded = store.site_state(dest)
        current = recorded is not None and recorded[0] == fingerprint
        if current and store.synced_day(dest, day) == decisions:
            report.site_rebuilt = False
        else:
            if current:
                day_articles = [s.article for s in store.articles_for_day(day)]
                _publish_change(store, day, pubs, day_articles, publisher, site, report)
            else:
                store.replace_publications(day, pubs)
                _rebuild_locked(store, publisher, site, report)
                report.full_rebuild = True
            store.record_synced_day(dest, day, decisions)
    report.site_articles = store.site.count()
    report.site_files = manifest.count()
    _fill_urls(report, publisher)
    return report


def _decide(
    store: ContentStore, day: date, key: AnalysisKey, mode: str
) -> tuple[PublishReport, list[Publication]]:
    """What of the day is published, pending or held back (with the reason), from the store
    as it is now."""
    report = PublishReport(day, mode=mode)
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
            pubs.append(Publication(acc, day, "published", art.slug, None, path, art.content_hash))
            report.published.append(acc)
            continue
        if art is not None:
            reason = art.hold_reason or "held back"
        else:
            rec = analyses.get(acc)
            reason = f"analysis failed: {rec.error}" if rec and rec.error else "not analysed"
        pubs.append(Publication(acc, day, "held", art.slug if art else None, reason))
        report.held[acc] = reason
    return report, pubs


def _publish_change(
    store: ContentStore,
    day: date,
    pubs: list[Publication],
    day_articles: list[RenderedArticle],
    publisher: SitePublisher,
    site: SiteConfig,
    report: PublishReport,
) -> None:
    """Under the site lock: commit the day's decisions, write its article pages, then the
    listings they touch, then delete what no listing links any more.

    What changed is taken from the store before the commit, and from what this destination
    records (its manifest and directory), so a second destination publishing the same
    decisions, or a re-run after a crash between the commit and the last write, still
    rewrites and deletes all it has to."""
    manifest = store.site_manifest(publisher.location)
    published = {p.accession for p in pubs if p.status == "published"}
    fresh = [a for a in day_articles if a.accession in published]
    before = {a.accession: a for a in store.site.for_day(day)}
    before.update({a.accession: a for a in store.site.for_accessions(a.accession for a in fresh)})
    names = store.site.company_names({a.cik for a in before.values()} | {a.cik for a in fresh})
    store.replace_publications(day, pubs)
    after = store.site.for_day(day)
    # The day's pages this destination holds that the day no longer lists (held back now).
    held = {slugs.article_path(a.slug): a for a in day_articles if a.accession not in published}
    gone = [light(held[p]) for p in sorted(manifest.entries(held))]
    ciks = {a.cik for a in (*before.values(), *after, *gone)}
    change = DayChange(
        day,
        list(before.values()),
        after,
        names,
        manifest.directory(ciks),
        store.site.companies_of(ciks),
        gone,
    )
    own = [f for a in fresh for f in article_files(a)]
    write_changed(publisher, manifest, own, report.sync)  # article pages before listings
    listings = day_listings(store.site, site, change)
    report.broken_links = check_internal_links(
        own + listings, site.base_url, _manifest_lookup(manifest)
    )
    report.xml_problems = xml_problems(listings)
    write_changed(publisher, manifest, listings, report.sync)
    keep = {f.path for f in own} | {f.path for f in listings}
    delete_stale(publisher, manifest, stale_candidates(change), keep, report.sync)
    manifest.record_directory(change.directory)


def rebuild_site(store: ContentStore, publisher: SitePublisher, site: SiteConfig) -> PublishReport:
    """Regenerate every page of the site from the store (`filings-pipeline publish --rebuild`),
    write the ones that differ from what the destination holds and delete the rest, one day
    or company at a time. Happens by itself after a configuration or template change."""
    report = PublishReport(date.min)
    with store.lock(PUBLISH_LOCK):
        _rebuild_locked(store, publisher, site, report)
    report.full_rebuild = True
    report.site_articles = store.site.count()
    report.site_files = store.site_manifest(publisher.location).count()
    _fill_urls(report, publisher)
    return report


def _rebuild_locked(
    store: ContentStore, publisher: SitePublisher, site: SiteConfig, report: PublishReport
) -> None:
    dest = publisher.location
    manifest = store.site_manifest(dest)
    # The days and companies the rebuild writes come from the per-day and per-company
    # tables, and whatever it does not write is deleted: recompute them from site_entries
    # first (in proportion to the archive, as the rebuild itself), so tables left stale (a
    # crash while they were first filled, a run of an earlier version) delete nothing.
    store.refresh_site_aggregates()
    store.forget_synced_days(dest)
    legacy = _adopt_legacy(publisher, manifest)
    written: set[str] = set()
    unresolved: Unresolved = {}
    batch: list[SiteFile] = []
    for batch in site_batches(store.site, site, store.published_articles_for_day):
        problems, missing = link_problems(batch, site.base_url)
        report.broken_links += problems
        for target, where in missing.items():
            unresolved.setdefault(target, where)
        write_changed(publisher, manifest, batch, report.sync)
        written.update(f.path for f in batch)
    report.xml_problems = xml_problems(batch)  # the last batch holds the feed and sitemap
    delete_stale(publisher, manifest, manifest.paths(), written, report.sync)
    report.broken_links += broken(
        {t: w for t, w in unresolved.items() if t not in written}, _manifest_lookup(manifest)
    )
    manifest.reset_directory()
    if legacy:
        publisher.forget_legacy()  # type: ignore[attr-defined]
    store.record_site_state(dest, site_fingerprint(site), manifest.counted(), store.site.count())


LEGACY = "legacy"  # manifest digest of a file an earlier version published (never matches)


def _adopt_legacy(publisher: SitePublisher, manifest: SiteManifest) -> bool:
    """Record in the store manifest what an earlier version published at the destination and
    kept only there (`.publish-manifest.json`, old `page/N.html`), so this rebuild rewrites
    or deletes each. True when the publisher had such a record to forget afterwards."""
    find = getattr(publisher, "legacy_files", None)
    paths = find() if find is not None else []
    if not paths:
        return False
    known = manifest.entries(paths)
    entry = {"sha256": LEGACY, "content_type": "", "cache_control": ""}
    manifest.record({p: entry for p in paths if p not in known})
    return True


def _fill_urls(report: PublishReport, publisher: SitePublisher) -> None:
    report.homepage = publisher.url_for("index.html")
    report.urls = {
        "published": [publisher.url_for(p) for p in report.sync.published],
        "updated": [publisher.url_for(p) for p in report.sync.updated],
        "retracted": [publisher.url_for(p) for p in report.sync.removed],
    }
