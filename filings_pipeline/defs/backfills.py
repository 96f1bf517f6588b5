"""The UI's view of what a backfill would do: `stale_days_job` lists, per day, the assets that
are missing, failed or stale and why (the same plan `filings-pipeline backfill` prints), and
with ``launch: true`` launches them as one batch, like the CLI."""

from datetime import date, timedelta

import click
import dagster as dg

from filings_pipeline.cli.batches.plan import plan_backfill
from filings_pipeline.defs.resources import AnalyzerResource, ContentStoreResource
from filings_pipeline.phases.catalog import ASSETS, DELIVER, PUBLISH
from filings_pipeline.settings import settings


class StaleDaysConfig(dg.Config):
    """The range (default: the last 30 days) and the last phase (default: publish)."""

    start: str = ""  # YYYY-MM-DD; empty: 30 days before `end`
    end: str = ""  # YYYY-MM-DD; empty: today
    through: str = PUBLISH.asset  # the last asset of the selection
    launch: bool = False  # launch the plan's runs as one batch (through FILINGS_DAGSTER_URL)
    max_cost_usd: float | None = None  # with launch: refuse above this Bedrock estimate


def _days(config: StaleDaysConfig) -> list[str]:
    end = date.fromisoformat(config.end) if config.end else date.today()
    start = date.fromisoformat(config.start) if config.start else end - timedelta(days=30)
    first = max(start, date.fromisoformat(settings().start_date))
    return [(first + timedelta(days=i)).isoformat() for i in range((end - first).days + 1)]


@dg.op(description="Plans a backfill of only what is missing, failed or stale; lists it.")
def list_stale_days(
    context: dg.OpExecutionContext,
    config: StaleDaysConfig,
    analyzer: AnalyzerResource,
    store: ContentStoreResource,
) -> dg.Output[None]:
    if config.through not in ASSETS or config.through == DELIVER.asset:
        raise dg.Failure(f"through must be one of {list(ASSETS[:-1])}, not {config.through!r}")
    assets = list(ASSETS[: ASSETS.index(config.through) + 1])
    plan = plan_backfill(context.instance, assets, _days(config), analyzer.identity(), store.get())
    lines = plan.lines()
    context.log.info("Plan:\n" + "\n".join(lines))
    metadata: dict = {
        "days_to_run": len(plan.runs()),
        "days": len(plan.days),
        "plan": dg.MetadataValue.md(
            "| day | runs | skips |\n|---|---|---|\n"
            + "\n".join(
                f"| {day} | {', '.join(a for a in assets if plan.decisions[(a, day)].run)} | "
                + "; ".join(
                    f"{a}: {plan.decisions[(a, day)].reason}"
                    for a in assets
                    if not plan.decisions[(a, day)].run
                )
                + " |"
                for day in plan.days
            )
        ),
    }
    if config.launch and plan.runs():
        from filings_pipeline.cli.launch import Prepared, check_cost, launch, max_cost_or_setting

        # the CLI's estimate needs the same store reads; here launch without one unless a
        # maximum is given, in the config or FILINGS_BACKFILL_MAX_COST_USD (then refuse above
        # it and share it as the batch's budget, as the CLI does)
        max_cost = max_cost_or_setting(config.max_cost_usd)
        prepared = Prepared(plan, None, analyzer.resolved_kind())
        if max_cost is not None:
            from filings_pipeline.cli.launch import prepare_estimate

            prepared = prepare_estimate(plan, analyzer, store.get())
            try:
                check_cost(prepared, max_cost)
            except click.ClickException as exc:
                raise dg.Failure(exc.message) from exc
        from filings_pipeline.cli.batches.launch import PartialLaunch

        try:
            launched = launch(
                settings().dagster_url.rstrip("/"),
                store.get(),
                prepared,
                max_cost,
                f"stale_days_job {plan.days[0]}..{plan.days[-1]}",
                "stale-days-job",
            )
        except PartialLaunch as exc:
            batch = exc.launched.batch_id
            raise dg.Failure(
                f"{exc}; stop them with `filings-pipeline cancel {batch}`",
                metadata={"batch_id": batch, "runs_queued": len(exc.launched.run_ids)},
            ) from exc
        metadata["batch_id"] = launched.batch_id
        context.log.info(f"batch {launched.batch_id}: {len(launched.run_ids)} runs queued")
    return dg.Output(None, metadata=metadata)


@dg.job(
    description="Lists the days a backfill would run (missing, failed or stale) and why; with "
    "launch: true, launches them as one batch (`filings-pipeline status` / `cancel` take its id).",
    tags={"filings/phase": "plan"},
)
def stale_days_job() -> None:
    list_stale_days()
