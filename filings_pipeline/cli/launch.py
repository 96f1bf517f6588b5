"""Plan, price and launch a CLI batch: what `backfill` and `run` share.

1. plan from the instance which (asset, day) need a run and why (batches/plan.py);
2. estimate the Bedrock cost of the analyses it will make and refuse above the maximum
   (``--max-cost`` / FILINGS_BACKFILL_MAX_COST_USD);
3. record the batch's shared budget (the maximum) in the content store;
4. launch one run per day straight onto the queue under ``filings/batch=<id>``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from filings_pipeline.analysis.cost_estimate import CostEstimate, estimate_cost
from filings_pipeline.cli.batches.launch import Launched, launch_batch, new_batch_id
from filings_pipeline.cli.batches.plan import BackfillPlan, plan_backfill
from filings_pipeline.cli.batches.progress import TITLE_TAG
from filings_pipeline.settings import settings

if TYPE_CHECKING:
    from filings_pipeline.store import ContentStore


@dataclass
class Prepared:
    """A plan with its price, before anything is launched."""

    plan: BackfillPlan
    estimate: CostEstimate | None  # None: no analyses to run, or the offline analyzer
    analyzer: str


def open_instance(home: Path):  # -> DagsterInstance
    """The Dagster instance at `home`, with a clear error when there is none."""
    from dagster import DagsterInstance

    if not (home / "dagster.yaml").exists():
        raise click.ClickException(
            f"no Dagster instance at {home} (set DAGSTER_HOME to the deployment's, or run "
            "`filings-pipeline setup`)"
        )
    return DagsterInstance.from_config(str(home))


def prepare(
    home: Path, store: ContentStore, assets: Sequence[str], days: Sequence[str], force_all: bool
) -> Prepared:
    """Plan the range on the instance at `home` and estimate what its analyses cost."""
    from filings_pipeline.defs.resources import AnalyzerResource

    analyzer = AnalyzerResource()
    key = analyzer.identity()
    instance = open_instance(home)
    try:
        plan = plan_backfill(instance, assets, days, key, store, force_all=force_all)
    finally:
        instance.dispose()
    return prepare_estimate(plan, analyzer, store)


def prepare_estimate(plan: BackfillPlan, analyzer, store: ContentStore) -> Prepared:
    """The plan with the Bedrock estimate of the analyses it runs (None when offline)."""
    key = analyzer.identity()
    kind = analyzer.resolved_kind()
    analysed = [date.fromisoformat(d) for d in plan.days_analysed()]
    if kind != "bedrock" or not analysed:
        return Prepared(plan, None, kind)
    unanalysed = store.unanalysed_by_day(analysed, key)
    ingested = [store.count_rows("filings", d) for d in unanalysed]
    per_day = sum(ingested) / len(ingested) if ingested else None
    estimate = estimate_cost(
        key.model,
        sum(unanalysed.values()),
        len(analysed) - len(unanalysed),
        per_day,
        store.mean_tokens_per_filing(key.model),
    )
    return Prepared(plan, estimate, kind)


def describe(prepared: Prepared) -> list[str]:
    """The plan and its price, as printed before launching."""
    plan = prepared.plan
    runs = plan.runs()
    lines = [
        f"Plan: {len(runs)} of {len(plan.days)} days need a run "
        f"({len(plan.to_run())} asset-days run, {len(plan.skipped())} skipped); --all runs all.",
        *plan.lines(),
    ]
    if prepared.estimate is not None:
        lines.append(prepared.estimate.describe())
    elif any("analyses" in a for _, a in runs):
        lines.append(f"Bedrock cost: none (FILINGS_ANALYZER={prepared.analyzer})")
    return lines


def check_cost(prepared: Prepared, max_cost: float | None) -> None:
    """Refuse (click.ClickException, nothing launched) when the estimate passes the maximum."""
    est = prepared.estimate
    if est is not None and max_cost is not None and est.usd > max_cost:
        raise click.ClickException(
            f"refusing to launch: the estimated Bedrock cost ${est.usd:.2f} is above the "
            f"maximum ${max_cost:.2f} (--max-cost / FILINGS_BACKFILL_MAX_COST_USD); "
            "narrow the range, or raise the maximum"
        )


def launch(
    url: str,
    store: ContentStore,
    prepared: Prepared,
    max_cost: float | None,
    title: str,
    launched_by: str,
    on_run: Callable[[str, str], None] | None = None,
) -> Launched:
    """Record the batch's budget (when it calls Bedrock under a maximum) and launch its runs."""
    batch_id = new_batch_id()
    if prepared.estimate is not None and max_cost is not None:
        store.budgets.create(batch_id, max_cost)
    tags = {"filings/launched_by": launched_by, TITLE_TAG: title[:200]}
    split = settings().batch_two_stages
    return launch_batch(
        url,
        prepared.plan,
        batch_id,
        tags,
        on_run=on_run,
        split=split,
        canceled=lambda: store.batch_cancels.canceled(batch_id),
    )


def max_cost_or_setting(value: float | None) -> float | None:
    """--max-cost, else FILINGS_BACKFILL_MAX_COST_USD, else no maximum."""
    chosen = value if value is not None else settings().backfill_max_cost_usd
    if chosen is not None and chosen < 0:
        raise click.BadParameter("must not be negative", param_hint="--max-cost")
    return chosen


def plan_options(command: Callable) -> Callable:
    """`--all` and `--max-cost`, shared by `backfill` and `run`."""
    command = click.option(
        "--max-cost",
        type=float,
        default=None,
        help="USD: refuse to launch above this Bedrock estimate; the batch's runs share it as "
        "a budget (default $FILINGS_BACKFILL_MAX_COST_USD, else no maximum).",
    )(command)
    return click.option(
        "--all", "force_all", is_flag=True, help="Run every day, not only what is missing."
    )(command)
