"""Phase 5 asset: the day's digest sent to the list (or written to the outbox)."""

import dagster as dg

from filings_pipeline.defs.automation import after_the_nightly_index, phase_asset
from filings_pipeline.defs.metadata import md_list, md_table
from filings_pipeline.defs.partitions import partition_day
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.resources import ContentStoreResource, EmailResource, SiteResource
from filings_pipeline.delivery import DeliveryConfigError, deliver_digest
from filings_pipeline.phases.catalog import DELIVER


@phase_asset(
    DELIVER,
    deps=[published_articles],
    kinds={"email"},
    # Today's digest waits for the day's nightly index, not the first live publish.
    automation_condition=after_the_nightly_index(),
    # A transient failure (server down, 4xx) leaves those readers for a retry of the step.
    retry_policy=dg.RetryPolicy(max_retries=3, delay=60, backoff=dg.Backoff.EXPONENTIAL),
)
def digest_emails(
    context: dg.AssetExecutionContext,
    store: ContentStoreResource,
    site: SiteResource,
    email: EmailResource,
) -> dg.MaterializeResult:
    """Sends the day's digest of published articles to FILINGS_EMAIL_TO over SMTP or Amazon
    SES, once per reader (delivery ledger), or writes it to the outbox folder
    (FILINGS_EMAIL_TRANSPORT=none)."""
    day = partition_day(context)
    try:
        report = deliver_digest(
            store.get(), day, site.site_config(), email.config(), run_id=context.run_id
        )
    except DeliveryConfigError as exc:
        raise dg.Failure(f"email delivery is misconfigured: {exc}", allow_retries=False) from exc
    metadata = {
        "transport": report.transport,
        "articles": report.articles,
        "recipients": report.recipients,
        "sent": len(report.sent),
        "skipped": len(report.skipped),
        "failed": len(report.failed),
        "failed_reasons": md_table({**report.failed_earlier, **report.failed}, "recipient"),
        "retry_later": md_table(report.retry, "recipient"),
        "resent_in_doubt": md_list(report.resent_in_doubt),
        "changed_not_resent": len(report.not_resent),
        "subject": report.subject,
        "outbox_files": md_list(report.written[:50]),
        "note": report.note,
    }
    context.log.info(
        f"{day}: digest via {report.transport}: {len(report.sent)} sent, "
        f"{len(report.skipped)} already sent, {len(report.failed)} failed, "
        f"{len(report.retry)} to retry, {len(report.written)} written to the outbox"
    )
    if report.retry:
        raise dg.Failure(
            f"{len(report.retry)} readers could not be reached yet; the step retries them "
            "(nobody already sent is sent again)",
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)
