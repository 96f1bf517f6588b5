"""The local Converse server, driven by the real boto3 client (and raw HTTP for bad requests)."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from filings_pipeline.analysis.bedrock import TOOL_NAME, tool_input_schema
from filings_pipeline.analysis.schema import Analysis
from filings_pipeline.devtools.converse_server import ConverseServer, peak_in_flight, read_call_log

TEXT = (
    "Analyse this SEC filing.\n\n<filing>\nCompany: Globex Corp\nForm: 8-K\n"
    "Items: 2.02 (Results of Operations and Financial Condition)\nTickers: GBX\n\n"
    "--- Item 2.02 ---\nGlobex Corp reported revenue of $4.25 billion for the quarter. "
    "Operating margin was 18.5% compared with 17.0% a year ago.\n</filing>"
)


def client(url: str, attempts: int = 3) -> object:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=url,
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )


def converse(c: object, model_id: str = "us.anthropic.claude-haiku-4-5-20251001-v1:0") -> dict:
    return c.converse(  # type: ignore[attr-defined]
        modelId=model_id,
        messages=[{"role": "user", "content": [{"text": TEXT}]}],
        inferenceConfig={"maxTokens": 512},
        toolConfig={
            "tools": [
                {"toolSpec": {"name": TOOL_NAME, "inputSchema": {"json": tool_input_schema()}}}
            ],
            "toolChoice": {"tool": {"name": TOOL_NAME}},
        },
    )


def test_tool_answer_is_valid_and_quotes_figures_verbatim(server: ConverseServer) -> None:
    resp = converse(client(server.url))
    assert resp["stopReason"] == "tool_use"
    use = next(b["toolUse"] for b in resp["output"]["message"]["content"] if "toolUse" in b)
    assert use["name"] == TOOL_NAME
    a = Analysis.model_validate(use["input"])
    assert a.headline.startswith("Globex Corp")
    assert a.items == ["2.02"] and a.tickers == ["GBX"] and a.event_type == "earnings"
    values = [f.value for f in a.figures]
    assert values == ["$4.25 billion", "18.5%", "17.0%"]
    assert all(v in TEXT for v in values)
    assert (
        resp["usage"]["totalTokens"] == resp["usage"]["inputTokens"] + resp["usage"]["outputTokens"]
    )
    rec = server.calls[-1]
    assert rec.input_tokens == resp["usage"]["inputTokens"] and rec.status == 200


def test_arn_model_id_is_decoded_after_splitting(server: ConverseServer) -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.x-v1:0"
    converse(client(server.url), model_id=arn)
    assert server.calls[-1].model_id == arn


def test_output_config_answers_with_json_text(server: ConverseServer) -> None:
    resp = client(server.url).converse(  # type: ignore[attr-defined]
        modelId="m",
        messages=[{"role": "user", "content": [{"text": TEXT}]}],
        outputConfig={
            "textFormat": {
                "type": "json_schema",
                "structure": {
                    "jsonSchema": {"schema": json.dumps(tool_input_schema()), "name": "a"}
                },
            }
        },
    )
    assert resp["stopReason"] == "end_turn"
    text = resp["output"]["message"]["content"][0]["text"]
    Analysis.model_validate_json(text)
    assert isinstance(
        server.calls[-1].request["outputConfig"]["textFormat"]["structure"]["jsonSchema"]["schema"],
        str,
    )


def test_injected_throttles_are_retried_by_botocore(server: ConverseServer) -> None:
    server.inject("throttle", 2)
    resp = converse(client(server.url, attempts=3))
    assert resp["ResponseMetadata"]["RetryAttempts"] == 2
    assert [c.status for c in server.calls] == [429, 429, 200]


def test_model_timeout_is_not_retried_by_botocore(server: ConverseServer) -> None:
    server.inject("model_timeout")
    with pytest.raises(ClientError) as err:
        converse(client(server.url, attempts=3))
    assert err.value.response["Error"]["Code"] == "ModelTimeoutException"
    assert len(server.calls) == 1 and server.calls[0].status == 408


def test_unavailable_is_503_and_retried(server: ConverseServer) -> None:
    server.inject("unavailable")
    converse(client(server.url))
    assert [c.status for c in server.calls] == [503, 200]


def test_bad_requests_get_clear_errors(server: ConverseServer) -> None:
    r = requests.post(f"{server.url}/model/m/converse", data=b"not json", timeout=5)
    assert r.status_code == 400 and r.headers["x-amzn-ErrorType"] == "ValidationException"
    r = requests.post(f"{server.url}/elsewhere", data=b"{}", timeout=5)
    assert r.status_code == 404
    with pytest.raises(ValueError, match="unknown fault"):
        server.inject("explode")


def test_seeded_throttle_fraction_is_reproducible() -> None:
    def statuses() -> list[int]:
        with ConverseServer(throttle_fraction=0.5, seed=7) as srv:
            c = client(srv.url, attempts=1)
            for _ in range(12):
                with contextlib.suppress(ClientError):
                    converse(c)
            return [x.status for x in srv.calls]

    first = statuses()
    assert first == statuses()
    assert 2 <= first.count(429) <= 10


def test_latency_overlaps_and_call_log_measures_peak(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    with ConverseServer(latency_s=0.3, log_path=log) as srv:
        c = client(srv.url)
        threads = [threading.Thread(target=converse, args=(c,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert srv.peak_in_flight() == 4
        assert all(r.end - r.start >= 0.29 for r in srv.calls)
    records = read_call_log(log)
    assert len(records) == 4
    assert peak_in_flight(records) == 4
