"""Prices per model, env overrides, cost arithmetic, totals."""

from __future__ import annotations

import pytest

from filings_pipeline.analysis.pricing import (
    UnknownModelPrice,
    base_model_id,
    cost_usd,
    price_for,
    usage_totals,
)
from filings_pipeline.analysis.schema import AnalysisOutcome

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"


@pytest.mark.parametrize(
    "model_id",
    [
        HAIKU,
        f"us.{HAIKU}",
        f"global.{HAIKU}",
        f"eu.{HAIKU}",
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{HAIKU}",
    ],
)
def test_haiku_45_any_prefix(model_id: str) -> None:
    p = price_for(model_id)
    assert (p.input_per_mtok, p.output_per_mtok) == (1.0, 5.0)


def test_families() -> None:
    assert base_model_id("global.anthropic.claude-sonnet-4-5-20250929-v1:0").startswith(
        "anthropic.claude-sonnet-4-5"
    )
    assert price_for("us.anthropic.claude-sonnet-4-20250514-v1:0").input_per_mtok == 3.0
    assert price_for("anthropic.claude-3-haiku-20240307-v1:0").output_per_mtok == 1.25
    assert price_for("anthropic.claude-3-5-haiku-20241022-v1:0").input_per_mtok == 0.8
    assert price_for("global.anthropic.claude-opus-4-5-20251101-v1:0").output_per_mtok == 25.0


def test_cost_arithmetic_matches_worked_example() -> None:
    # Reference §7: 8000 in + 700 out on Haiku 4.5 is about $0.0115.
    assert cost_usd(f"us.{HAIKU}", 8000, 700) == pytest.approx(0.0115)
    assert cost_usd(f"us.{HAIKU}", 0, 0) == 0.0
    with pytest.raises(ValueError):
        cost_usd(HAIKU, -1, 0)


def test_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_PRICE_INPUT_PER_MTOK", "2")
    monkeypatch.setenv("BEDROCK_PRICE_OUTPUT_PER_MTOK", "10")
    assert cost_usd("some.unknown-model", 1_000_000, 100_000) == pytest.approx(3.0)
    assert price_for(HAIKU).source == "env"


def test_partial_override_keeps_table_for_the_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_PRICE_INPUT_PER_MTOK", "1.1")
    p = price_for(f"us.{HAIKU}")
    assert (p.input_per_mtok, p.output_per_mtok) == (1.1, 5.0)


def test_bad_override_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_PRICE_INPUT_PER_MTOK", "one dollar")
    with pytest.raises(ValueError, match="BEDROCK_PRICE_INPUT_PER_MTOK"):
        price_for(HAIKU)


def test_unknown_model_names_the_env_vars() -> None:
    with pytest.raises(UnknownModelPrice, match="BEDROCK_PRICE_INPUT_PER_MTOK"):
        price_for("meta.llama3-70b-instruct-v1:0")


def test_usage_totals() -> None:
    outs = [
        AnalysisOutcome(None, "x", 100, 10, 50, 0.001, 1),
        AnalysisOutcome(None, "y", 0, 0, 0, 0.0, 0),
        AnalysisOutcome(None, None, 300, 30, 70, 0.002, 2),
    ]
    t = usage_totals(outs)
    assert t["filings"] == 3 and t["failed"] == 3 and t["analysed"] == 0
    assert (t["input_tokens"], t["output_tokens"], t["calls"]) == (400, 40, 3)
    assert t["cost_usd"] == pytest.approx(0.003)
    assert t["latency_ms_max"] == 70 and t["latency_ms_total"] == 120
