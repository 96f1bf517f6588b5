"""The Bedrock analyzer: one Converse call per filing, structured output, every failure recorded.

- Client: ``make_client(cfg)`` builds one bedrock-runtime client per process and config (cached;
  adaptive retries, long read timeout). Credentials come only from boto3's default chain
  (env, profile, SSO, instance role); nothing here reads, stores or logs them.
- Structured output: a forced tool whose input schema is the Analysis schema
  (``structured_output="tool"``), or ``outputConfig`` JSON schema (``"output_config"``) for models
  that reject forced tools.
- Retries: throttling/5xx/read timeouts inside botocore (``retry_mode``, ``total_max_attempts``);
  ``ModelTimeoutException`` and read timeouts that outlast botocore are retried here
  (``timeout_retries`` more times). A bad answer gets at most one repair turn; every other
  outcome is an ``AnalysisOutcome`` with ``error`` -- ``analyze`` never raises for a bad answer.
- Money: tokens and latency from each response's ``usage``/``metrics``; cost from ``pricing``;
  a shared ``RunBudget`` refuses to start a call whose worst-case cost would pass the limit.
- Concurrency: optional ``CallSlots`` held around each ``client.converse`` call.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from filings_pipeline.analysis.call_limit import CallSlots, SlotTimeout
from filings_pipeline.analysis.pricing import cost_usd, price_for
from filings_pipeline.analysis.prompt import (
    DEFAULT_MAX_INPUT_TOKENS,
    PROMPT_VERSION,
    build_prompt,
    estimate_tokens,
)
from filings_pipeline.analysis.schema import Analysis, AnalysisOutcome, analysis_json_schema
from filings_pipeline.edgar.models import Filing
from filings_pipeline.settings import DEFAULT_MODEL_ID, settings

log = logging.getLogger(__name__)

TOOL_NAME = "record_filing_analysis"
TOOL_DESCRIPTION = "Record the analysis of one SEC filing. Quote every figure exactly as written."
# Bedrock adds a tool-use system prompt that counts as input; a generous allowance.
TOOL_PROMPT_OVERHEAD_TOKENS = 400
STOP_REASON_TEXT = {
    "max_tokens": "answer truncated",
    "stop_sequence": "stopped at a stop sequence",
    "guardrail_intervened": "blocked by a guardrail",
    "content_filtered": "blocked by the content filter",
    "model_context_window_exceeded": "input too long for the model",
    "malformed_model_output": "model produced malformed output",
    "malformed_tool_use": "model produced a malformed tool call",
}
REPAIRABLE_STOPS = {"malformed_model_output", "malformed_tool_use"}
# An urgent analyzer's (today's filings, the live desk) place in the call-slot queue: ahead of
# every other step by this many seconds (about 32 years), first come, first served among
# urgent ones, so a live article never waits behind a backfill of old days.
URGENT_HEAD_START_S = 1e9
# Bedrock's allowed requestMetadata value characters (service model), so a request never fails
# client-side validation because of an odd accession.
_METADATA_VALUE = re.compile(r"[a-zA-Z0-9\s:_@$#=/+,.-]{1,256}")
# botocore's longest sleep between two attempts: standard/adaptive back-off is capped at 20 s,
# and a Retry-After header may add up to 5 s more (botocore.retries.standard).
BOTOCORE_MAX_BACKOFF_S = 20.0 + 5.0
# Allowance for the adaptive token bucket's waits and for clocks between processes.
CALL_LEASE_MARGIN_S = 5.0


@dataclass(frozen=True)
class BedrockConfig:
    """How to reach Bedrock and what to ask. Hashable: the client cache is keyed on it."""

    model_id: str = DEFAULT_MODEL_ID
    region: str | None = None  # None: boto3's default (AWS_REGION / profile)
    profile: str | None = None  # AWS_PROFILE; None: default chain
    endpoint_url: str | None = None  # e.g. the local Converse server
    max_tokens: int = 2048
    temperature: float | None = None  # omitted unless set (newer models reject it)
    read_timeout: int = 300
    connect_timeout: int = 10
    total_max_attempts: int = 8  # botocore: calls in total, first one included
    retry_mode: str = "adaptive"
    structured_output: str = "tool"  # "tool" | "output_config"
    timeout_retries: int = 2  # extra attempts after ModelTimeoutException / read timeout
    timeout_backoff_s: float = 2.0  # sleep before our retry n: backoff * 2**(n-1), capped at 30s
    budget_usd: float | None = None  # per-run limit; None: no limit
    max_input_tokens: int = DEFAULT_MAX_INPUT_TOKENS

    def __post_init__(self) -> None:
        if self.structured_output not in ("tool", "output_config"):
            raise ValueError(
                "structured_output must be 'tool' or 'output_config', "
                f"got {self.structured_output!r}"
            )
        if self.retry_mode not in ("legacy", "standard", "adaptive"):
            raise ValueError(
                f"retry_mode must be legacy|standard|adaptive, got {self.retry_mode!r}"
            )
        if self.max_tokens < 1 or self.total_max_attempts < 1 or self.timeout_retries < 0:
            raise ValueError("max_tokens and total_max_attempts must be >= 1, timeout_retries >= 0")
        if self.budget_usd is not None and self.budget_usd < 0:
            raise ValueError("budget_usd must not be negative")

    @classmethod
    def from_env(cls, **overrides: Any) -> BedrockConfig:
        """Config from the environment as `Settings` reads it (BEDROCK_MODEL_ID, AWS_REGION or
        AWS_DEFAULT_REGION, AWS_PROFILE, BEDROCK_ENDPOINT_URL, BEDROCK_MAX_TOKENS,
        BEDROCK_TEMPERATURE, BEDROCK_STRUCTURED_OUTPUT, BEDROCK_RUN_BUDGET_USD); unset variables
        keep the defaults above, and keyword overrides win."""
        env = settings()
        values: dict[str, Any] = {
            "model_id": env.bedrock_model_id,
            "region": env.aws_region or None,
            "profile": env.aws_profile or None,
            "endpoint_url": env.bedrock_endpoint_url or None,
            "max_tokens": env.bedrock_max_tokens,
            "temperature": env.bedrock_temperature,
            "structured_output": env.bedrock_structured_output or None,
            "budget_usd": env.bedrock_run_budget_usd,
        }
        values = {k: v for k, v in values.items() if v is not None}
        values.update(overrides)
        return cls(**values)


def max_call_seconds(cfg: BedrockConfig) -> float:
    """The longest one ``client.converse(...)`` call can run, botocore's retries included:

        total_max_attempts x (connect_timeout + read_timeout)
        + (total_max_attempts - 1) x BOTOCORE_MAX_BACKOFF_S + CALL_LEASE_MARGIN_S

    Each attempt gives up after connect_timeout to connect and read_timeout waiting for the
    answer (Converse sends its answer in one piece); between attempts botocore sleeps at most
    20 s + 5 s of Retry-After. With the defaults (8 attempts, 10 s + 300 s) that is 2,660 s; the
    call slots honour a crashed holder's lease that long.
    """
    attempts = cfg.total_max_attempts
    per_attempt = cfg.connect_timeout + cfg.read_timeout
    return attempts * per_attempt + (attempts - 1) * BOTOCORE_MAX_BACKOFF_S + CALL_LEASE_MARGIN_S


_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def make_client(cfg: BedrockConfig) -> Any:
    """The process's bedrock-runtime client for this config (built once, shared by threads).

    The adaptive-retry token bucket lives in the client, so sharing it matters. The cache is
    keyed by the process id too: a forked worker builds its own.
    """
    key = (
        os.getpid(),
        cfg.region,
        cfg.profile,
        cfg.endpoint_url,
        cfg.read_timeout,
        cfg.connect_timeout,
        cfg.total_max_attempts,
        cfg.retry_mode,
    )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            import boto3
            from botocore.config import Config

            session = boto3.session.Session(profile_name=cfg.profile)
            client = session.client(
                "bedrock-runtime",
                region_name=cfg.region,
                endpoint_url=cfg.endpoint_url,
                config=Config(
                    retries={"mode": cfg.retry_mode, "total_max_attempts": cfg.total_max_attempts},
                    read_timeout=cfg.read_timeout,
                    connect_timeout=cfg.connect_timeout,
                    max_pool_connections=16,
                    user_agent_extra="filings_pipeline",
                ),
            )
            _clients[key] = client
        return client


class RunBudget:
    """A USD limit for one run, shared by every thread that analyses filings in it.

    ``reserve`` books a call's worst-case cost before it starts (refusing if spent + reserved +
    this estimate would pass the limit); ``settle`` swaps the booking for the real cost.
    """

    label = "run budget"

    def __init__(self, limit_usd: float) -> None:
        if limit_usd < 0:
            raise ValueError("budget limit must not be negative")
        self.limit_usd = limit_usd
        self._spent = 0.0
        self._reserved = 0.0
        self._refused = 0
        self._lock = threading.Lock()

    @property
    def spent_usd(self) -> float:
        with self._lock:
            return self._spent

    @property
    def refused(self) -> int:
        """Calls not started because of the limit."""
        with self._lock:
            return self._refused

    def reserve(self, estimate_usd: float) -> bool:
        with self._lock:
            if self._spent + self._reserved + estimate_usd > self.limit_usd:
                self._refused += 1
                return False
            self._reserved += estimate_usd
            return True

    def settle(self, estimate_usd: float, actual_usd: float) -> None:
        with self._lock:
            self._reserved = max(0.0, self._reserved - estimate_usd)
            self._spent += actual_usd


class BothBudgets:
    """A run's own budget and its batch's shared one: a call starts only if both have room
    (the booking on the first is given back when the second refuses)."""

    def __init__(self, first: Any, second: Any) -> None:
        self.budgets = (first, second)
        self.label, self.limit_usd = first.label, first.limit_usd

    def reserve(self, estimate_usd: float) -> bool:
        first, second = self.budgets
        if not first.reserve(estimate_usd):
            self.label, self.limit_usd = first.label, first.limit_usd
            return False
        if not second.reserve(estimate_usd):
            first.settle(estimate_usd, 0.0)
            self.label, self.limit_usd = second.label, second.limit_usd
            return False
        return True

    def settle(self, estimate_usd: float, actual_usd: float) -> None:
        for b in self.budgets:
            b.settle(estimate_usd, actual_usd)


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every local ``$ref`` replaced by its definition (no ``$defs`` left)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                target = copy.deepcopy(defs[ref.split("/")[-1]])
                extra = {k: v for k, v in node.items() if k != "$ref"}
                return walk({**target, **extra})
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def tool_input_schema() -> dict[str, Any]:
    """The Analysis JSON schema as sent to Bedrock (refs inlined)."""
    return _inline_refs(analysis_json_schema())


def tool_spec(schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The forced tool's ``toolSpec`` as sent (name, description, input schema)."""
    return {
        "name": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "inputSchema": {"json": tool_input_schema() if schema is None else schema},
    }


def first_messages(user_text: str) -> list[dict[str, Any]]:
    """The opening Converse ``messages`` for one filing: one user turn with the prompt text."""
    return [{"role": "user", "content": [{"text": user_text}]}]


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:4]:
        loc = ".".join(str(p) for p in err["loc"]) or "answer"
        parts.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - 4
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


@dataclass
class _Tally:
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: int = 0
    calls: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)


class _CallFailed(Exception):
    """A call ended without a response; the message is the recorded reason."""


class BedrockAnalyzer:
    """Analyzer protocol over the Bedrock Converse API."""

    name = "bedrock"
    prompt_version = PROMPT_VERSION

    def __init__(
        self,
        cfg: BedrockConfig | None = None,
        *,
        client: Any | None = None,
        budget: RunBudget | None = None,
        slots: CallSlots | None = None,
        urgent: bool = False,
    ) -> None:
        self.cfg = cfg or BedrockConfig()
        self.model = self.cfg.model_id
        price_for(self.model)  # fail at start-up, not per filing, when the price is unknown
        self.client = client if client is not None else make_client(self.cfg)
        if budget is None and self.cfg.budget_usd is not None:
            budget = RunBudget(self.cfg.budget_usd)
        self.budget = budget
        self.slots = slots
        # Its calls' place in the call-slot queue: the analyzer built first (one per analysis
        # step) is served first, so running days finish one after another (call_limit.py);
        # an urgent one (today's filings) before any other.
        self.slot_priority = time.time() - (URGENT_HEAD_START_S if urgent else 0.0)
        self.call_lease_s = max_call_seconds(self.cfg)
        self._schema = tool_input_schema()
        self._schema_tokens = estimate_tokens(json.dumps(self._schema))

    # ----- request building -----
    def _request(self, system: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        inference: dict[str, Any] = {"maxTokens": self.cfg.max_tokens}
        if self.cfg.temperature is not None:
            inference["temperature"] = self.cfg.temperature
        req: dict[str, Any] = {
            "modelId": self.cfg.model_id,
            "system": [{"text": system}],
            "messages": messages,
            "inferenceConfig": inference,
        }
        if self.cfg.structured_output == "tool":
            req["toolConfig"] = {
                "tools": [{"toolSpec": tool_spec(self._schema)}],
                "toolChoice": {"tool": {"name": TOOL_NAME}},
            }
        else:
            req["outputConfig"] = {
                "textFormat": {
                    "type": "json_schema",
                    "structure": {
                        "jsonSchema": {
                            "schema": json.dumps(self._schema),
                            "name": "filing_analysis",
                            "description": TOOL_DESCRIPTION,
                        }
                    },
                }
            }
        return req

    def _estimate_usd(self, est_input_tokens: int) -> float:
        est_in = est_input_tokens + self._schema_tokens + TOOL_PROMPT_OVERHEAD_TOKENS
        return cost_usd(self.model, est_in, self.cfg.max_tokens)

    def _settle(self, estimate_usd: float, actual_usd: float) -> None:
        """Turn a call's booking into what it cost. A failure to record it (a database error on
        a shared budget) leaves the worst case booked and is logged: it never throws away an
        answer already paid for."""
        if self.budget is None:
            return
        try:
            self.budget.settle(estimate_usd, actual_usd)
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("could not record $%.6f of a Bedrock call in the budget", actual_usd)

    # ----- one converse call, with our ModelTimeout/read-timeout retries -----
    def _converse(self, req: dict[str, Any], tally: _Tally) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

        attempts = self.cfg.timeout_retries + 1
        last = ""
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                time.sleep(min(30.0, self.cfg.timeout_backoff_s * 2 ** (attempt - 2)))
            tally.calls += 1
            try:
                if self.slots is not None:
                    with self.slots.acquire(lease_s=self.call_lease_s, priority=self.slot_priority):
                        resp = self.client.converse(**req)
                else:
                    resp = self.client.converse(**req)
            except ClientError as exc:
                err = exc.response.get("Error", {})
                code = err.get("Code", "ClientError")
                retries = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
                if code == "ModelTimeoutException":
                    last = "ModelTimeoutException"
                    log.warning("Bedrock ModelTimeoutException (attempt %d/%d)", attempt, attempts)
                    continue
                detail = _short(err.get("Message", "") or str(exc))
                after = f" after {retries + 1} attempts" if retries else ""
                raise _CallFailed(f"{code}{after}: {detail}") from exc
            except ReadTimeoutError as exc:
                last = "read timeout"
                log.warning("Bedrock read timeout (attempt %d/%d): %s", attempt, attempts, exc)
                continue
            except BotoCoreError as exc:
                raise _CallFailed(f"{type(exc).__name__}: {_short(str(exc))}") from exc
            usage = resp.get("usage", {})
            tally.input_tokens += int(usage.get("inputTokens", 0))
            tally.output_tokens += int(usage.get("outputTokens", 0))
            tally.latency_ms += int(resp.get("metrics", {}).get("latencyMs", 0))
            return resp
        raise _CallFailed(f"{last} after {attempts} attempts")

    # ----- answer parsing -----
    def _extract(self, resp: dict[str, Any]) -> tuple[Any, str | None, str | None]:
        """(raw answer, toolUseId, error). raw is a dict (tool) or a JSON string (text)."""
        stop = resp.get("stopReason", "")
        content = resp.get("output", {}).get("message", {}).get("content", []) or []
        tool_uses = [b["toolUse"] for b in content if "toolUse" in b]
        text = "".join(b.get("text", "") for b in content if "text" in b)
        if stop in STOP_REASON_TEXT:
            return None, None, f"stopReason={stop} ({STOP_REASON_TEXT[stop]})"
        if self.cfg.structured_output == "tool":
            use = next((u for u in tool_uses if u.get("name") == TOOL_NAME), None)
            if use is None:
                said = f" (model answered in text: {_short(text)!r})" if text.strip() else ""
                return None, None, f"stopReason={stop} without a {TOOL_NAME} tool call{said}"
            return use.get("input"), use.get("toolUseId"), None
        if stop not in ("end_turn", "tool_use") or not text.strip():
            return None, None, f"stopReason={stop} without a JSON answer"
        return text, None, None

    @staticmethod
    def _validate(raw: Any) -> Analysis:
        if isinstance(raw, str):
            return Analysis.model_validate_json(raw)
        return Analysis.model_validate(raw)

    # ----- the public call -----
    def analyze(self, filing: Filing) -> AnalysisOutcome:
        """Analyze one filing; every failure comes back as an outcome with ``error``."""
        parts = build_prompt(filing, self.cfg.max_input_tokens)
        tally = _Tally()
        messages = first_messages(parts.user_text)
        est_tokens = parts.est_tokens
        error: str | None = None
        analysis: Analysis | None = None
        repaired = False
        while True:
            estimate = self._estimate_usd(est_tokens)
            if self.budget is not None and not self.budget.reserve(estimate):
                error = f"{self.budget.label} of ${self.budget.limit_usd:g} reached; not called"
                if tally.calls:
                    error += " (repair attempt)"
                break
            before_in, before_out = tally.input_tokens, tally.output_tokens
            try:
                req = self._request(parts.system, messages)
                # Not model input: lands in Bedrock's invocation logs (and the local server's
                # call log), so calls can be counted per filing.
                if _METADATA_VALUE.fullmatch(filing.accession):
                    req["requestMetadata"] = {"accession": filing.accession}
                resp = self._converse(req, tally)
            except _CallFailed as exc:
                error = str(exc)
                # A read-timed-out generation may still be billed: keep the estimate booked.
                self._settle(estimate, estimate if "read timeout" in error else 0.0)
                break
            except BaseException as exc:
                # No call was made without a slot; anything else (a database error around the
                # slot) may have followed a billed call. Never leave the booking reserved.
                self._settle(estimate, 0.0 if isinstance(exc, SlotTimeout) else estimate)
                raise
            actual = cost_usd(
                self.model, tally.input_tokens - before_in, tally.output_tokens - before_out
            )
            self._settle(estimate, actual)
            raw, tool_use_id, error = self._extract(resp)
            stop = resp.get("stopReason", "")
            if error is not None:
                if stop in REPAIRABLE_STOPS and not repaired:
                    repaired = True
                    continue  # one plain retry of the same request
                break
            try:
                analysis = self._validate(raw)
                error = None
                break
            except ValidationError as exc:
                reason = _validation_reason(exc)
                error = f"answer failed validation: {reason}"
                if repaired:
                    error += " (after one repair attempt)"
                    break
                repaired = True
                messages = messages + self._repair_turn(resp, tool_use_id, reason)
                est_tokens += estimate_tokens(json.dumps(raw) if not isinstance(raw, str) else raw)
                est_tokens += 100
        if analysis is not None:
            if not analysis.tickers and filing.tickers:
                analysis.tickers = list(filing.tickers)
            if not analysis.items and filing.items:
                analysis.items = list(filing.items)
        if error:
            log.warning("Bedrock analysis of %s failed: %s", filing.accession, error)
        return AnalysisOutcome(
            analysis=analysis,
            error=error if analysis is None else None,
            input_tokens=tally.input_tokens,
            output_tokens=tally.output_tokens,
            latency_ms=tally.latency_ms,
            cost_usd=cost_usd(self.model, tally.input_tokens, tally.output_tokens),
            calls=tally.calls,
        )

    def _repair_turn(
        self, resp: dict[str, Any], tool_use_id: str | None, reason: str
    ) -> list[dict[str, Any]]:
        """The assistant's answer, then a user turn saying what was wrong."""
        assistant = resp.get("output", {}).get("message", {"role": "assistant", "content": []})
        fix = (
            f"The answer did not match the schema: {reason}. "
            "Answer again with every required field valid. Quote figures exactly as written."
        )
        if tool_use_id:
            user_content: list[dict[str, Any]] = [
                {
                    "toolResult": {
                        "toolUseId": tool_use_id,
                        "content": [{"text": f"Validation failed: {reason}"}],
                        "status": "error",
                    }
                },
                {"text": fix},
            ]
        else:
            user_content = [{"text": fix}]
        return [
            {"role": "assistant", "content": assistant.get("content", [])},
            {"role": "user", "content": user_content},
        ]
