"""`filings-pipeline publish`: publish one day's articles, or rebuild the whole site."""

from __future__ import annotations

import click

from filings_pipeline.phases.publish import PublishReport


def _summary(report: PublishReport) -> str:
    s = report.sync
    what = "rebuilt the whole site" if report.full_rebuild else f"published {report.day}"
    return (
        f"{what}: {len(s.published)} new, {len(s.updated)} updated, {len(s.removed)} removed, "
        f"{s.unchanged} unchanged files; the site lists {report.site_articles} articles in "
        f"{report.site_files} files; home page {report.homepage}"
    )


@click.command("publish")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Publish this day's articles.")
@click.option("--rebuild", is_flag=True, help="Regenerate every page from the content store.")
def publish_command(day, rebuild) -> None:
    """Publish a day (what it changes on the site) or --rebuild the whole site, to
    FILINGS_SITE_DIR or FILINGS_SITE_S3_BUCKET, without Dagster. A rebuild also happens by
    itself on the next publish after a template or site-configuration change."""
    from filings_pipeline.defs.resources import AnalyzerResource, SiteResource
    from filings_pipeline.phases.publish import publish_day, rebuild_site
    from filings_pipeline.settings import settings
    from filings_pipeline.store import ContentStore

    if bool(day) == rebuild:
        raise click.UsageError("give either --day YYYY-MM-DD or --rebuild")
    from dagster_aws.s3 import S3Resource

    site = SiteResource(s3=S3Resource())
    store = ContentStore(settings().db_url)
    if rebuild:
        report = rebuild_site(store, site.publisher(), site.site_config())
    else:
        key = AnalyzerResource().identity()
        report = publish_day(store, day.date(), site.publisher(), site.site_config(), key=key)
    click.echo(_summary(report))
    problems = report.broken_links + report.xml_problems
    for problem in problems[:20]:
        click.echo(f"  problem: {problem}", err=True)
    if problems:
        raise SystemExit(1)
