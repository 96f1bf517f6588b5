"""BedrockAnalyzer with the real boto3 client against the local Converse server."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from filings_pipeline.analysis.bedrock import (
    DEFAULT_MODEL_ID,
    TOOL_NAME,
    BedrockAnalyzer,
    BedrockConfig,
    RunBudget,
)
from filings_pipeline.analysis.pricing import cost_usd, usage_totals
from filings_pipeline.analysis.prompt import PROMPT_VERSION
from filings_pipeline.devtools.converse_server import ConverseServer

from .conftest import fast_config, make_filing

Make = Callable[..., BedrockAnalyzer]


def test_happy_path_records_tokens_latency_cost(server: ConverseServer, analyzer_for: Make) -> None:
    server.latency_s = 0.05
    a = analyzer_for()
    assert (a.name, a.model, a.prompt_version) == ("bedrock", DEFAULT_MODEL_ID, PROMPT_VERSION)
    f = make_filing(7)
    out = a.analyze(f)
    assert out.ok and out.error is None and out.calls == 1
    rec = server.calls[0]
    assert (out.input_tokens, out.output_tokens) == (rec.input_tokens, rec.output_tokens)
    assert out.latency_ms >= 50
    assert out.cost_usd == pytest.approx(
        cost_usd(DEFAULT_MODEL_ID, rec.input_tokens, rec.output_tokens)
    )
    assert out.analysis.headline.startswith("Acme Widgets 7 Inc.")
    assert {x.value for x in out.analysis.figures} >= {"$7.5 billion", "$1.07"}
    req = rec.request
    assert req["toolConfig"]["toolChoice"] == {"tool": {"name": TOOL_NAME}}
    assert "$defs" not in str(req["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"])
    assert "temperature" not in req["inferenceConfig"]  # omitted unless configured
    assert req["inferenceConfig"]["maxTokens"] == 2048


def test_temperature_sent_when_configured(server: ConverseServer, analyzer_for: Make) -> None:
    analyzer_for(temperature=0.2).analyze(make_filing())
    assert server.calls[0].request["inferenceConfig"]["temperature"] == pytest.approx(0.2)


def test_output_config_mode(server: ConverseServer, analyzer_for: Make) -> None:
    out = analyzer_for(structured_output="output_config").analyze(make_filing(2))
    assert out.ok, out.error
    req = server.calls[0].request
    assert "toolConfig" not in req
    assert isinstance(req["outputConfig"]["textFormat"]["structure"]["jsonSchema"]["schema"], str)


def test_throttling_storm_ends_with_every_filing_analysed() -> None:
    # Throttle draws are seeded per request body, so thread order does not change them; with
    # seed 8 and these filings, 17 of 37 calls are throttled (longest streak 2 per filing).
    with ConverseServer(throttle_fraction=0.5, seed=8, latency_s=0.02) as srv:
        a = BedrockAnalyzer(fast_config(srv.url, total_max_attempts=10))
        filings = [make_filing(i) for i in range(1, 21)]
        with ThreadPoolExecutor(4) as pool:
            outs = list(pool.map(a.analyze, filings))
        statuses = [c.status for c in srv.calls]
    assert all(o.ok for o in outs), [o.error for o in outs if not o.ok]
    assert statuses.count(200) == 20
    assert statuses.count(429) / len(statuses) >= 0.35  # a real storm
    assert all(o.calls == 1 for o in outs)  # botocore retried the 429s inside one call
    assert {o.analysis.headline.split(":")[0] for o in outs} == {f.company for f in filings}


def test_malformed_answer_is_repaired_once(server: ConverseServer, analyzer_for: Make) -> None:
    server.inject("malformed")
    out = analyzer_for().analyze(make_filing())
    assert out.ok and out.calls == 2
    repair = server.calls[1].request["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    result = repair[2]["content"][0]["toolResult"]
    assert result["status"] == "error"
    assert result["toolUseId"] == repair[1]["content"][0]["toolUse"]["toolUseId"]
    assert "summary" in result["content"][0]["text"]
    assert out.input_tokens == sum(c.input_tokens for c in server.calls)


def test_malformed_twice_is_a_recorded_failure_and_the_day_goes_on(
    server: ConverseServer, analyzer_for: Make
) -> None:
    server.inject("malformed", 2)
    a = analyzer_for()
    bad = a.analyze(make_filing(1))
    assert not bad.ok and bad.calls == 2
    assert bad.error.startswith("answer failed validation: ")
    assert "summary: String should have at least 20 characters" in bad.error
    assert "after one repair attempt" in bad.error
    assert bad.input_tokens > 0 and bad.cost_usd > 0  # failures still cost money
    assert a.analyze(make_filing(2)).ok


def test_truncated_answer_fails_with_max_tokens(server: ConverseServer, analyzer_for: Make) -> None:
    server.inject("truncated")
    out = analyzer_for().analyze(make_filing())
    assert not out.ok and out.calls == 1
    assert out.error == "stopReason=max_tokens (answer truncated)"


def test_truncated_json_text_in_output_config_mode(
    server: ConverseServer, analyzer_for: Make
) -> None:
    server.inject("truncated")
    out = analyzer_for(structured_output="output_config").analyze(make_filing())
    assert not out.ok and "max_tokens" in out.error


def test_text_answer_without_tool_call_fails(server: ConverseServer, analyzer_for: Make) -> None:
    server.inject("no_tool")
    out = analyzer_for().analyze(make_filing())
    assert not out.ok
    assert "without a record_filing_analysis tool call" in out.error
    assert "It looks routine." in out.error


def test_guardrail_is_recorded(server: ConverseServer, analyzer_for: Make) -> None:
    server.inject("guardrail")
    out = analyzer_for().analyze(make_filing())
    assert out.error == "stopReason=guardrail_intervened (blocked by a guardrail)"


def test_model_timeout_retried_by_our_code(server: ConverseServer, analyzer_for: Make) -> None:
    server.inject("model_timeout", 2)
    out = analyzer_for(timeout_retries=2).analyze(make_filing())
    assert out.ok and out.calls == 3
    assert [c.status for c in server.calls] == [408, 408, 200]


def test_model_timeout_gives_up(server: ConverseServer, analyzer_for: Make) -> None:
    server.inject("model_timeout", 3)
    out = analyzer_for(timeout_retries=2).analyze(make_filing())
    assert out.error == "ModelTimeoutException after 3 attempts" and out.calls == 3


def test_read_timeout_retried_by_our_code(server: ConverseServer, analyzer_for: Make) -> None:
    server.slow_s = 2.5
    server.inject("slow")
    out = analyzer_for(read_timeout=1, total_max_attempts=1, timeout_retries=1).analyze(
        make_filing()
    )
    assert out.ok and out.calls == 2


def test_throttling_beyond_retries_is_a_failure_not_a_crash(
    server: ConverseServer, analyzer_for: Make
) -> None:
    server.inject("throttle", 2)
    a = analyzer_for(total_max_attempts=2)
    out = a.analyze(make_filing(1))
    assert not out.ok
    assert out.error.startswith("ThrottlingException after 2 attempts: Too many requests")
    assert a.analyze(make_filing(2)).ok


def test_accounting_adds_up_over_many_calls(server: ConverseServer, analyzer_for: Make) -> None:
    a = analyzer_for()
    server.inject("malformed")  # one repaired filing among them
    outs = [a.analyze(make_filing(i)) for i in range(1, 11)]
    totals = usage_totals(outs)
    assert totals["analysed"] == 10 and totals["calls"] == 11 == len(server.calls)
    assert totals["input_tokens"] == sum(c.input_tokens for c in server.calls)
    assert totals["output_tokens"] == sum(c.output_tokens for c in server.calls)
    expected = cost_usd(a.model, totals["input_tokens"], totals["output_tokens"])
    assert totals["cost_usd"] == pytest.approx(expected, abs=1e-6)


def test_budget_stops_new_calls_and_says_so(server: ConverseServer, analyzer_for: Make) -> None:
    budget = RunBudget(0.02)  # a call's worst case here is about $0.013 (2048 output tokens)
    a = analyzer_for(budget=budget)
    outs = [a.analyze(make_filing(i)) for i in range(1, 9)]
    called = [o for o in outs if o.calls]
    refused = [o for o in outs if not o.calls]
    assert called and refused
    assert all(o.ok for o in called)
    for o in refused:
        assert o.error == "run budget of $0.02 reached; not called"
        assert (o.input_tokens, o.cost_usd) == (0, 0.0)
    assert len(server.calls) == len(called)
    assert budget.spent_usd == pytest.approx(sum(o.cost_usd for o in called))
    assert budget.spent_usd <= 0.02
    assert budget.refused == len(refused)


def test_budget_holds_across_threads(server: ConverseServer, analyzer_for: Make) -> None:
    server.latency_s = 0.05
    budget = RunBudget(0.05)
    a = analyzer_for(budget=budget)
    with ThreadPoolExecutor(8) as pool:
        outs = list(pool.map(a.analyze, [make_filing(i) for i in range(1, 25)]))
    assert budget.spent_usd <= 0.05
    assert sum(1 for o in outs if o.ok) == len(server.calls)
    assert any(o.error and "run budget" in o.error for o in outs)


def test_budget_from_config(server: ConverseServer, analyzer_for: Make) -> None:
    out = analyzer_for(budget_usd=0.0).analyze(make_filing())
    assert out.error == "run budget of $0 reached; not called" and not server.calls


def test_hostile_text_stays_text(server: ConverseServer, analyzer_for: Make) -> None:
    hostile = (
        '<script>alert("pwned")</script> was printed in the release. '
        "An image <img src=x onerror=alert(1)> appeared too. "
        "The template {{ config.items() }} and __import__('os').system('id') are just text."
    )
    f = make_filing(
        1, company="Evil <b>Corp</b>", items=["8.01"], sections={"8.01": hostile}, exhibits=[]
    )
    out = analyzer_for().analyze(f)
    assert out.ok, out.error
    sent = server.calls[0].request["messages"][0]["content"][0]["text"]
    assert '<script>alert("pwned")</script>' in sent and "Company: Evil <b>Corp</b>" in sent
    a = out.analysis
    assert a.headline.startswith("Evil <b>Corp</b>")
    joined = " ".join([a.summary, *a.key_points])
    assert '<script>alert("pwned")</script>' in joined
    assert "<img src=x onerror=alert(1)>" in joined
    assert "{{ config.items() }}" in joined and "__import__('os').system('id')" in joined


def test_unknown_price_fails_at_startup(server: ConverseServer) -> None:
    with pytest.raises(ValueError, match="BEDROCK_PRICE_INPUT_PER_MTOK"):
        BedrockAnalyzer(fast_config(server.url, model_id="meta.llama3-70b-instruct-v1:0"))


def test_config_validation_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="structured_output"):
        BedrockConfig(structured_output="xml")
    monkeypatch.setenv("BEDROCK_MODEL_ID", "global.anthropic.claude-sonnet-4-5-20250929-v1:0")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("BEDROCK_RUN_BUDGET_USD", "2.5")
    cfg = BedrockConfig.from_env(max_tokens=1000)
    assert cfg.model_id.startswith("global.") and cfg.region == "eu-west-1"
    assert cfg.budget_usd == 2.5 and cfg.max_tokens == 1000 and cfg.temperature is None
    monkeypatch.setenv("BEDROCK_MAX_TOKENS", "lots")
    with pytest.raises(ValueError, match="BEDROCK_MAX_TOKENS"):
        BedrockConfig.from_env()


def test_one_client_per_process_and_config(server: ConverseServer) -> None:
    from filings_pipeline.analysis.bedrock import make_client

    cfg = fast_config(server.url)
    assert make_client(cfg) is make_client(fast_config(server.url))
    assert make_client(cfg) is not make_client(fast_config(server.url, read_timeout=11))
