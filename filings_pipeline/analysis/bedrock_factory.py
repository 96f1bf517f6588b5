"""Builds the production Bedrock analyzer from configuration: client, run budget, call slots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from filings_pipeline.analysis.bedrock import BedrockAnalyzer, BedrockConfig, BothBudgets, RunBudget
from filings_pipeline.analysis.call_limit import CallSlots


def make_bedrock_analyzer(
    cfg: BedrockConfig,
    *,
    max_calls_in_flight: int,
    db_url: str,
    lock_dir: Path,
    slot_wait_s: float | None = None,
    shared_budget: Any | None = None,
    urgent: bool = False,
) -> BedrockAnalyzer:
    """A Bedrock analyzer whose calls share the deployment-wide slots.

    The slots live in the content store's PostgreSQL (advisory locks) or, with SQLite, in lock
    files under `lock_dir`, so every run and every thread of the deployment counts against the
    same `max_calls_in_flight`. `cfg.budget_usd` caps the run's spend; `shared_budget` (a
    batch's, store/batches.py) caps the spend of every run of a CLI launch together. A call
    fails with `SlotTimeout` once no slot was handed out to anyone for `slot_wait_s` (None:
    it waits forever). An `urgent` analyzer's calls (today's filings) take free slots before
    those of every other step.
    """
    budget: Any = RunBudget(cfg.budget_usd) if cfg.budget_usd else None
    if shared_budget is not None:
        budget = shared_budget if budget is None else BothBudgets(budget, shared_budget)
    slots = CallSlots.from_url(db_url, max_calls_in_flight, lock_dir, timeout=slot_wait_s)
    return BedrockAnalyzer(cfg, budget=budget, slots=slots, urgent=urgent)
