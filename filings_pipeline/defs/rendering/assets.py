"""Phase 3 asset: an article page and an email per analysed filing (Jinja2, autoescaped)."""

import dagster as dg

from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.automation import phase_asset
from filings_pipeline.defs.metadata import md_table, phase_checks
from filings_pipeline.defs.partitions import partition_day
from filings_pipeline.defs.resources import AnalyzerResource, ContentStoreResource, SiteResource
from filings_pipeline.phases.catalog import RENDER
from filings_pipeline.phases.render import render_day


@phase_asset(
    RENDER,
    deps=[analyses],
    kinds={"jinja", "html"},
    description="Blog article HTML and email HTML/text for each analysed filing of the day.",
    check_specs=phase_checks(
        RENDER,
        no_active_markup_from_content="No rendered page carries a script element or an on* "
        "event attribute.",
    ),
)
def rendered_articles(
    context: dg.AssetExecutionContext,
    analyzer: AnalyzerResource,
    store: ContentStoreResource,
    site: SiteResource,
) -> dg.MaterializeResult:
    day = partition_day(context)
    report = render_day(store.get(), day, key=analyzer.identity(), site=site.site_config())
    context.log.info(
        f"{day}: {report.rendered} rendered, {report.publishable} publishable, "
        f"{len(report.held)} held back"
    )
    return dg.MaterializeResult(
        metadata={
            "rendered": report.rendered,
            "publishable": report.publishable,
            "held_back": md_table(report.held),
            "not_analysed": md_table(report.not_analysed),
            "html_bytes": report.html_bytes,
            "preview": report.preview,
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="no_active_markup_from_content",
                passed=not report.active_markup,
                metadata={"problems": md_table(report.active_markup, value="problem")},
            )
        ],
    )
