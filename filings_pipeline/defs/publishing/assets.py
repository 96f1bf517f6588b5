"""Phase 4 asset: the day's articles on the site (folder or S3), with indexes, feed and email."""

from datetime import UTC, datetime

import dagster as dg

from filings_pipeline.defs.automation import phase_asset
from filings_pipeline.defs.ingest.live_sensor import first_shown
from filings_pipeline.defs.metadata import md_list, md_table, phase_checks
from filings_pipeline.defs.partitions import partition_day
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import AnalyzerResource, ContentStoreResource, SiteResource
from filings_pipeline.phases.catalog import PUBLISH
from filings_pipeline.phases.freshness import freshness
from filings_pipeline.phases.live_requests import LIVE_ACCESSIONS_TAG, decode_accessions
from filings_pipeline.phases.publish import publish_day
from filings_pipeline.settings import settings


@phase_asset(
    PUBLISH,
    deps=[rendered_articles],
    kinds={"html", "s3"},
    description="Publishes the day's articles and rewrites only the listings that show them "
    "(home page, day, companies, directories, feed, that month's sitemap, digest web view); a "
    "template or site change rebuilds the whole site. Held-back articles are left out of (or "
    "retracted from) every listing.",
    check_specs=phase_checks(
        PUBLISH,
        every_filing_published_or_held="Every filing of the day is either published or held "
        "back with a reason.",
        site_links_resolve="Every internal link on the built site points to a file of the site.",
        feed_and_sitemap_valid="feed.xml is well-formed Atom and sitemap.xml a sitemaps.org "
        "sitemap index.",
        live_filings_on_site="During EDGAR hours, every filing the latest-filings feed showed "
        "more than FILINGS_FRESHNESS_MINUTES ago is on the site (metadata: the newest "
        "article's lag from the feed to the site).",
    ),
)
def published_articles(
    context: dg.AssetExecutionContext,
    analyzer: AnalyzerResource,
    store: ContentStoreResource,
    site: SiteResource,
) -> dg.MaterializeResult:
    day = partition_day(context)
    publisher = site.publisher()
    content = store.get()
    report = publish_day(
        content, day, publisher, site.site_config(), key=analyzer.identity(), mode=site.mode()
    )
    pending = {p.accession: f"{p.company}: {p.headline}" for p in content.reviews.pending(day)}
    on_site = {p.accession for p in content.publications_for_day(day) if p.status == "published"}
    fresh = freshness(
        first_shown(context.instance, context.partition_key),
        on_site,
        datetime.now(UTC),
        settings().freshness_minutes * 60.0,
        published_now=[
            a for _, a in decode_accessions(context.run.tags.get(LIVE_ACCESSIONS_TAG, ""))
        ],
    )
    context.log.info(
        f"{day}: {len(report.published)} published, {len(report.held)} held back, "
        f"{len(report.pending)} pending review ({report.mode} mode); site has "
        f"{report.site_articles} articles; homepage {report.homepage}"
    )
    return dg.MaterializeResult(
        metadata={
            "published": len(report.published),
            "held_back": md_table(report.held),
            "publish_mode": report.mode,
            "pending_review": len(report.pending),
            "pending_articles": md_table(pending, value="article"),
            "site_articles": report.site_articles,
            "site_rebuilt": report.site_rebuilt,
            "site_files": report.site_files,
            "files_new": len(report.sync.published),
            "files_updated": len(report.sync.updated),
            "files_retracted": len(report.sync.removed),
            "files_unchanged": report.sync.unchanged,
            "urls_published": md_list(report.urls["published"][:50]),
            "urls_updated": md_list(report.urls["updated"][:50]),
            "urls_retracted": md_list(report.urls["retracted"][:50]),
            "destination": publisher.location,
            "homepage": dg.MetadataValue.url(report.homepage),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="every_filing_published_or_held",
                passed=not report.unaccounted,
                metadata={"unaccounted": md_list(report.unaccounted)},
            ),
            dg.AssetCheckResult(
                check_name="site_links_resolve",
                passed=not report.broken_links,
                metadata={"broken": md_list(report.broken_links[:50])},
            ),
            dg.AssetCheckResult(
                check_name="live_filings_on_site",
                passed=fresh.passed,
                metadata={
                    "late": md_list(fresh.late[:50]),
                    "late_count": len(fresh.late),
                    "waiting": fresh.waiting,
                    "newest_article_lag_s": fresh.newest_lag_s,
                    "edgar_hours": fresh.edgar_hours,
                },
            ),
            dg.AssetCheckResult(
                check_name="feed_and_sitemap_valid",
                passed=not report.xml_problems,
                metadata={"problems": md_list(report.xml_problems)},
            ),
        ],
    )
