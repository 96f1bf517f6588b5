"""Phase 1 asset: the day's filings, fetched from the source and stored."""

import dagster as dg

from filings_pipeline.defs.metadata import md_list, md_table, phase_checks
from filings_pipeline.defs.partitions import daily_partitions, partition_day
from filings_pipeline.defs.resources import ContentStoreResource, FilingSourceResource
from filings_pipeline.phases.catalog import INGEST
from filings_pipeline.phases.ingest import ingest_day
from filings_pipeline.phases.live_requests import LIVE_ACCESSIONS_TAG, live_request

# A day whose fetches failed for a reason that is not the filing's own (EDGAR 5xx after the
# Fetcher's retries, throttle, pause) fails its step; the step is retried after 30, 60, 120 s
# (±jitter), then the run fails and the new-filings sensor requests the day again.
INGEST_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def filings_asset(retry_policy: dg.RetryPolicy = INGEST_RETRY_POLICY) -> dg.AssetsDefinition:
    """The `filings` asset with `retry_policy` (tests pass one with short delays)."""

    @dg.asset(
        name=INGEST.asset,
        partitions_def=daily_partitions,
        group_name=INGEST.group,
        kinds={"python", "sql"},
        description="The day's 8-K, 10-Q and 10-K filings from the EDGAR daily index (or the "
        "sample mirror): metadata, clean text, 8-K item sections and EX-99 press releases. A "
        "filing whose document is missing, empty or unparsable is recorded as skipped with its "
        "reason; the day goes on. A transient EDGAR failure (5xx after retries, throttle) fails "
        "the day instead, changes nothing stored, and is retried.",
        check_specs=phase_checks(
            INGEST,
            skip_rate_below_20_percent="Fewer than one in five listed filings were skipped.",
        ),
        retry_policy=retry_policy,
    )
    def filings(
        context: dg.AssetExecutionContext,
        source: FilingSourceResource,
        store: ContentStoreResource,
    ) -> dg.MaterializeResult:
        day = partition_day(context)
        live = live_request(day, context.run.tags.get(LIVE_ACCESSIONS_TAG, ""))
        report = ingest_day(source.get(), store.get(), day, live=live)
        skipped = {s.accession: f"{s.company} ({s.form}): {s.reason}" for s in report.skipped}
        if report.live:
            context.log.info(f"{day}: no index yet, listed from the feed ({report.note})")
        elif not report.published:
            context.log.info(f"{day}: no index ({report.note}); the day is empty")
        else:
            context.log.info(
                f"{day}: {report.listed} listed, {report.ingested} ingested, {len(skipped)} skipped"
            )
        return dg.MaterializeResult(
            metadata={
                "index_published": report.published,
                "note": report.note or "",
                "listed": report.listed,
                "ingested": report.ingested,
                "skipped": len(skipped),
                "skipped_reasons": md_table(skipped),
                "forms": dg.MetadataValue.json(report.forms),
                "source_version": report.version or "",
                "preview": md_list(report.preview),
                "live": report.live,
                "kept": report.kept,
                "waiting": md_list(report.waiting),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name="skip_rate_below_20_percent",
                    passed=report.skip_rate < 0.2,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"skip_rate": round(report.skip_rate, 3), "skipped": len(skipped)},
                )
            ],
        )

    return filings


filings = filings_asset()
