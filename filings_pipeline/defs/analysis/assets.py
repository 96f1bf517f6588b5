"""Phase 2 asset: one validated analysis per filing, by the offline analyzer or Bedrock."""

import dagster as dg

from filings_pipeline.defs.automation import phase_asset
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.metadata import md_list, md_table, phase_checks
from filings_pipeline.defs.partitions import partition_day
from filings_pipeline.defs.resources import AnalyzerResource, ContentStoreResource
from filings_pipeline.edgar.feed import eastern_today
from filings_pipeline.phases.analyze import analyze_day
from filings_pipeline.phases.catalog import ANALYZE, BATCH_TAG


class AnalysesConfig(dg.Config):
    """Set `force` to analyse again filings that already have a current analysis (costs money)."""

    force: bool = False


@phase_asset(
    ANALYZE,
    deps=[filings],
    kinds={"bedrock", "sql"},
    description="An analysis of every filing of the day: headline, summary, key points, "
    "sentiment, materiality, event type, figures. Keyed by (accession, prompt version, model): "
    "filings that already have a current analysis are not sent to the model again.",
    check_specs=phase_checks(
        ANALYZE,
        figures_found_in_filing="Every number an analysis quotes appears in the filing's text. "
        "Failing analyses are held back from publishing.",
        no_failed_analyses="Every filing of the day got an analysis.",
    ),
)
def analyses(
    context: dg.AssetExecutionContext,
    config: AnalysesConfig,
    analyzer: AnalyzerResource,
    store: ContentStoreResource,
) -> dg.MaterializeResult:
    day = partition_day(context)
    batch = context.run.tags.get(BATCH_TAG)
    budgets = store.get().budgets
    budget = budgets.get(batch) if batch else None
    # Today's filings (the live desk) take free call slots before any older day's.
    engine = analyzer.get(shared_budget=budget, urgent=day >= eastern_today())
    report = analyze_day(
        store.get(), engine, day, force=config.force, workers=analyzer.step_workers()
    )
    context.log.info(
        f"{day}: {report.filings} filings, {report.analysed} analysed ({report.calls} model "
        f"calls), {report.reused} reused, {len(report.failed)} failed, "
        f"{report.input_tokens}+{report.output_tokens} tokens, ${report.cost_usd:.4f}"
    )
    figures = {a: "; ".join(p[:3]) for a, p in report.figures_failed.items()}
    spent = budgets.state(batch) if budget is not None else None
    budget_meta = {}
    if spent is not None:
        budget_meta = {
            "batch": batch,
            "batch_budget_usd": dg.MetadataValue.float(spent.limit_usd),
            "batch_spent_usd": dg.MetadataValue.float(round(spent.spent_usd, 6)),
            "batch_budget_refused_calls": spent.refused,
        }
        if spent.exhausted:
            context.log.warning(
                f"batch {batch}: budget of ${spent.limit_usd:g} spent; {spent.refused} call(s) "
                "not started (their filings stay unanalysed until a later launch)"
            )
    return dg.MaterializeResult(
        metadata={
            "analyzer": report.analyzer,
            "model": report.model,
            "prompt_version": report.prompt_version,
            "filings": report.filings,
            "analysed_now": report.analysed,
            "reused": report.reused,
            "failed": len(report.failed),
            "failed_reasons": md_table(report.failed),
            "model_calls": report.calls,
            "input_tokens": report.input_tokens,
            "output_tokens": report.output_tokens,
            "cost_usd": dg.MetadataValue.float(round(report.cost_usd, 6)),
            "mean_latency_ms": (report.latency_ms_total // report.calls) if report.calls else 0,
            "figures_failed": len(report.figures_failed),
            "preview": md_list(report.preview),
            **budget_meta,
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="figures_found_in_filing",
                passed=not report.figures_failed,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "held_back": len(figures),
                    "problems": md_table(figures, value="problems"),
                },
            ),
            dg.AssetCheckResult(
                check_name="no_failed_analyses",
                passed=not report.failed,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"failed": len(report.failed)},
            ),
        ],
    )
