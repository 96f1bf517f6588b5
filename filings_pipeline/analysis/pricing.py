"""Bedrock on-demand prices per model (USD per 1M tokens) and the cost of a call.

Prices come from /work/shared/reference/bedrock-and-aws.md section 7 (list prices; the newest
rows come from third-party trackers and are marked so). Model ids are matched without their
inference-profile prefix (``us.``, ``eu.``, ``apac.``, ``global.`` ...) and without an ARN's
``arn:...:inference-profile/`` part, by the longest known family prefix, so
``us.anthropic.claude-haiku-4-5-20251001-v1:0`` and ``global.anthropic.claude-haiku-4-5-...``
both price as Claude Haiku 4.5.

Bedrock may charge about +10% on regional (geo) profiles for 4.5+ models, and batch is -50%;
neither is applied here. To use your own contract prices, set ``BEDROCK_PRICE_INPUT_PER_MTOK``
and ``BEDROCK_PRICE_OUTPUT_PER_MTOK`` (they override the table for every model).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from filings_pipeline.settings import settings

ENV_INPUT = "BEDROCK_PRICE_INPUT_PER_MTOK"
ENV_OUTPUT = "BEDROCK_PRICE_OUTPUT_PER_MTOK"

# Inference-profile prefixes Bedrock uses in front of a base model id.
PROFILE_PREFIXES = ("us-gov.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "global.")


@dataclass(frozen=True)
class Price:
    """USD per one million tokens."""

    input_per_mtok: float
    output_per_mtok: float
    source: str = "table"  # "table" or "env"


# Family prefix (base model id without profile prefix) -> (input, output) USD per 1M tokens.
PRICES: dict[str, tuple[float, float]] = {
    "anthropic.claude-haiku-4-5": (1.0, 5.0),
    "anthropic.claude-sonnet-4-6": (3.0, 15.0),
    "anthropic.claude-sonnet-4-5": (3.0, 15.0),
    "anthropic.claude-sonnet-4": (3.0, 15.0),
    "anthropic.claude-opus-4-7": (5.0, 25.0),
    "anthropic.claude-opus-4-6": (5.0, 25.0),
    "anthropic.claude-opus-4-5": (5.0, 25.0),
    "anthropic.claude-3-7-sonnet": (3.0, 15.0),
    "anthropic.claude-3-5-sonnet": (3.0, 15.0),
    "anthropic.claude-3-5-haiku": (0.8, 4.0),
    "anthropic.claude-3-haiku": (0.25, 1.25),
    # Third-party trackers only, not verified against AWS:
    "anthropic.claude-sonnet-5": (2.0, 10.0),
    "anthropic.claude-haiku-5-5": (0.10, 0.50),
}


class UnknownModelPrice(ValueError):
    """No price is known for a model id (and no env override is set)."""


def base_model_id(model_id: str) -> str:
    """Strip an ARN's resource path and an inference-profile prefix from a model id."""
    mid = model_id.strip()
    if mid.startswith("arn:") and "/" in mid:
        mid = mid.rsplit("/", 1)[-1]
    for prefix in PROFILE_PREFIXES:
        if mid.startswith(prefix):
            return mid[len(prefix) :]
    return mid


def price_for(model_id: str) -> Price:
    """The price of a model: env overrides first, then the table. Raises UnknownModelPrice."""
    env = settings()
    env_in, env_out = env.price_input_per_mtok, env.price_output_per_mtok
    if env_in is not None and env_out is not None:
        return Price(env_in, env_out, source="env")
    base = base_model_id(model_id)
    match = max((k for k in PRICES if base.startswith(k)), key=len, default=None)
    if match is None:
        if env_in is not None or env_out is not None:
            raise UnknownModelPrice(
                f"no price known for model {model_id!r}: set both {ENV_INPUT} and {ENV_OUTPUT}"
            )
        raise UnknownModelPrice(
            f"no price known for model {model_id!r}; set {ENV_INPUT} and {ENV_OUTPUT} "
            "(USD per 1M tokens)"
        )
    p_in, p_out = PRICES[match]
    return Price(
        env_in if env_in is not None else p_in,
        env_out if env_out is not None else p_out,
        source="table" if env_in is None and env_out is None else "table+env",
    )


def cost_usd(model_id: str, input_tokens: int, output_tokens: int) -> float:
    """Estimated USD cost of a call: tokens / 1e6 x price (no cache terms)."""
    if input_tokens < 0 or output_tokens < 0:
        raise ValueError("token counts must not be negative")
    p = price_for(model_id)
    return input_tokens / 1e6 * p.input_per_mtok + output_tokens / 1e6 * p.output_per_mtok


def usage_totals(outcomes: Iterable[Any]) -> dict[str, Any]:
    """Totals over AnalysisOutcome-like objects, for per-partition asset metadata.

    Returns analysed/failed counts, model calls, input/output tokens, estimated USD, and
    latency (sum and max, ms).
    """
    total = {
        "filings": 0,
        "analysed": 0,
        "failed": 0,
        "calls": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cost_usd": 0.0,
        "latency_ms_total": 0,
        "latency_ms_max": 0,
    }
    for o in outcomes:
        total["filings"] += 1
        total["analysed" if o.analysis is not None else "failed"] += 1
        total["calls"] += o.calls
        total["input_tokens"] += o.input_tokens
        total["output_tokens"] += o.output_tokens
        total["cost_usd"] += o.cost_usd
        total["latency_ms_total"] += o.latency_ms
        total["latency_ms_max"] = max(total["latency_ms_max"], o.latency_ms)
    total["cost_usd"] = round(total["cost_usd"], 6)
    return total
