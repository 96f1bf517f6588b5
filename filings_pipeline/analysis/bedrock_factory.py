"""Builds the production Bedrock analyzer from configuration: client, run budget, call slots."""

from __future__ import annotations

from pathlib import Path

from filings_pipeline.analysis.bedrock import BedrockAnalyzer, BedrockConfig, RunBudget
from filings_pipeline.analysis.call_limit import CallSlots


def bedrock_config(
    *, model_id: str = "", region_name: str = "", profile_name: str = "", endpoint_url: str = ""
) -> BedrockConfig:
    """BedrockConfig from the environment; non-empty arguments win."""
    overrides = {
        "model_id": model_id,
        "region": region_name,
        "profile": profile_name,
        "endpoint_url": endpoint_url,
    }
    return BedrockConfig.from_env(**{k: v for k, v in overrides.items() if v})


def make_bedrock_analyzer(
    *,
    model_id: str = "",
    region_name: str = "",
    profile_name: str = "",
    endpoint_url: str = "",
    budget_usd: float = 0.0,
    max_calls_in_flight: int = 5,
    db_url: str,
    lock_dir: Path,
) -> BedrockAnalyzer:
    """A Bedrock analyzer whose calls share the deployment-wide slots.

    Empty arguments fall back to the environment (BEDROCK_MODEL_ID, AWS_REGION, AWS_PROFILE,
    BEDROCK_ENDPOINT_URL, BEDROCK_RUN_BUDGET_USD). The slots live in the content store's
    PostgreSQL (advisory locks) or, with SQLite, in lock files under `lock_dir`, so every run
    and every thread of the deployment counts against the same `max_calls_in_flight`.
    """
    cfg = bedrock_config(
        model_id=model_id,
        region_name=region_name,
        profile_name=profile_name,
        endpoint_url=endpoint_url,
    )
    limit = budget_usd or cfg.budget_usd
    budget = RunBudget(limit) if limit else None
    slots = CallSlots.from_url(db_url, max_calls_in_flight, lock_dir)
    return BedrockAnalyzer(cfg, budget=budget, slots=slots)
