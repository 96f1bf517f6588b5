"""A local Bedrock Converse server: real HTTP, the wire shape botocore expects, injected faults.

Used by the tests, the benchmark, and anyone who wants to try the Bedrock path offline:

    python -m filings_pipeline.devtools.converse_server --port 8765 --latency 2
    BEDROCK_ENDPOINT_URL=http://127.0.0.1:8765 AWS_ACCESS_KEY_ID=testing \\
        AWS_SECRET_ACCESS_KEY=testing FILINGS_ANALYZER=bedrock ...

It serves ``POST /model/{modelId}/converse`` (the model id URL-decoded after splitting the path,
so ARNs work), one thread per request so latency sleeps overlap. Answers are deterministic and
built from the request's text: the headline from the ``Company:`` line, the summary and key
points from the first sentences, figures copied verbatim from the text, tokens = chars // 4.
With ``toolConfig`` it answers with a ``toolUse`` block (stopReason ``tool_use``); with
``outputConfig`` (or neither) with a JSON text block (``end_turn``).

Faults: ``inject(kind, count)`` queues them for the next calls; ``throttle_fraction`` throttles
that share of calls at random (seeded). Every call is recorded (start/end wall-clock times,
status, in-flight count at start, the ``requestMetadata`` accession) in ``calls`` and,
optionally, as JSON lines in ``log_path`` so other processes can measure peak concurrency and
count calls per filing. A call whose client went away (killed mid-call) still runs to its end
and is recorded, as Bedrock would go on generating (and billing) it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import threading
import time
import urllib.parse
import uuid
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FAULT_KINDS = (
    "throttle",  # 429 ThrottlingException (botocore retries it)
    "unavailable",  # 503 ServiceUnavailableException (botocore retries it)
    "model_timeout",  # 408 ModelTimeoutException (not retried by botocore)
    "malformed",  # tool input that fails schema validation
    "truncated",  # stopReason max_tokens with partial input
    "no_tool",  # end_turn with a text answer instead of the tool call
    "guardrail",  # stopReason guardrail_intervened
    "slow",  # answer only after `slow_s` seconds (to trigger client read timeouts)
    "wrong_figure",  # a valid answer that quotes a number the filing does not contain
)
PLANTED_FIGURE = "$987.65 billion"
_ERRORS = {
    "throttle": (429, "ThrottlingException", "Too many requests, please wait before trying again."),
    "unavailable": (503, "ServiceUnavailableException", "Service is temporarily unavailable."),
    "model_timeout": (
        408,
        "ModelTimeoutException",
        "Model has timed out in processing the request.",
    ),
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(<$])|\n+")
_FIGURE = re.compile(
    r"\$\s?\d[\d,]*(?:\.\d+)?(?:\s(?:million|billion|thousand|trillion))?"
    r"|\b\d[\d,]*(?:\.\d+)?\s?%"
)


@dataclass
class CallRecord:
    """One request the server answered."""

    model_id: str
    start: float  # time.time()
    end: float
    status: int
    kind: str  # "ok" or the injected fault
    input_chars: int
    in_flight_at_start: int  # including this call
    input_tokens: int = 0
    output_tokens: int = 0
    request: dict[str, Any] | None = None  # the request body, when record_requests is on
    accession: str | None = None  # the request's requestMetadata "accession", if any


def peak_in_flight(records: list[CallRecord] | list[dict[str, Any]]) -> int:
    """Peak overlap of [start, end) intervals (works on records from a JSONL log too)."""
    events: list[tuple[float, int]] = []
    for r in records:
        d = r if isinstance(r, dict) else asdict(r)
        events.append((d["start"], 1))
        events.append((d["end"], -1))
    peak = cur = 0
    for _, delta in sorted(events, key=lambda e: (e[0], e[1])):
        cur += delta
        peak = max(peak, cur)
    return peak


def read_call_log(path: Path) -> list[dict[str, Any]]:
    """Records written by a server started with ``log_path``."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def _request_texts(body: dict[str, Any]) -> tuple[str, str]:
    """(first user text, all request text): the filing, and what counts as input."""
    first_user = ""
    everything: list[str] = [b.get("text", "") for b in body.get("system", []) if "text" in b]
    for msg in body.get("messages", []):
        for block in msg.get("content", []):
            if "text" in block:
                everything.append(block["text"])
                if msg.get("role") == "user" and not first_user:
                    first_user = block["text"]
            elif "toolUse" in block:
                everything.append(json.dumps(block["toolUse"].get("input", {})))
            elif "toolResult" in block:
                for c in block["toolResult"].get("content", []):
                    everything.append(c.get("text", "") or json.dumps(c.get("json", {})))
    tool_cfg = body.get("toolConfig")
    if tool_cfg:
        everything.append(json.dumps(tool_cfg))
    return first_user, "\n".join(everything)


def _field(text: str, name: str) -> str:
    m = re.search(rf"^{name}:\s*(.+)$", text, re.MULTILINE)
    return m.group(1).strip() if m else ""


def build_answer(text: str) -> dict[str, Any]:
    """A deterministic analysis built from the filing text (valid against the Analysis schema)."""
    company = _field(text, "Company") or next(
        (ln.strip() for ln in text.splitlines() if ln.strip()), "The company"
    )
    form = _field(text, "Form") or "filing"
    items_line = _field(text, "Items")
    items = re.findall(r"\b\d\.\d\d\b", items_line)
    tickers = [t.strip() for t in _field(text, "Tickers").split(",") if t.strip()]
    body = text.split("\n\n", 2)[-1] if "\n\n" in text else text
    body = re.sub(r"^---.*---$", " ", body, flags=re.MULTILINE)
    sentences = [s.strip() for s in _SENTENCE_END.split(body)]
    sentences = [s for s in sentences if len(s) >= 20 and s[-1] in ".!?" and "---" not in s]
    sentences = [s for s in sentences if not s.lower().startswith(("analyse this", "company:"))]
    summary = " ".join(sentences[:3])[:1400]
    if len(summary) < 20:
        summary = f"{company} filed a {form} with the SEC; the filing text is short."
    points = [s[:300] for s in sentences[:3]] or [f"{company} filed a {form}."]
    figures: list[dict[str, Any]] = []
    for m in _FIGURE.finditer(body):
        value = m.group(0).strip()
        if len(value) > 60 or any(f["value"] == value for f in figures):
            continue
        before = re.split(r"[.;:\n]\s", body[max(0, m.start() - 60) : m.start()])[-1]
        words = re.findall(r"[A-Za-z][A-Za-z&'-]*", before)[-4:]
        figures.append({"name": (" ".join(words) or "figure")[:120], "value": value})
        if len(figures) == 5:
            break
    event = (
        "earnings"
        if "2.02" in items
        else ("periodic_report" if form.startswith("10-") else "other")
    )
    title = items_line.split(";")[0].strip() if items_line else form
    return {
        "headline": f"{company}: {title}"[:140],
        "summary": summary,
        "key_points": points,
        "sentiment": "neutral",
        "sentiment_score": 0.0,
        "materiality": 3 if items else 2,
        "materiality_rationale": "Deterministic answer from the local Converse server.",
        "event_type": event,
        "items": items,
        "tickers": tickers,
        "figures": figures,
    }


@dataclass
class _Reply:
    status: int
    payload: dict[str, Any]
    error_type: str | None
    kind: str
    tokens_in: int = 0
    tokens_out: int = 0
    input_chars: int = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _send(self, status: int, payload: dict[str, Any], error_type: str | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (read timeout); nothing to do

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = self.path.split("?")[0].split("/")
        if len(parts) != 4 or parts[1] != "model" or parts[3] != "converse":
            self._send(404, {"message": f"unknown route {self.path}"}, "UnknownOperationException")
            return
        model_id = urllib.parse.unquote(parts[2])
        self.server.owner._handle(self, model_id, raw)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    owner: ConverseServer


class ConverseServer:
    """The local Converse server. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_s: float = 0.0,
        latency_jitter_s: float = 0.0,
        *,
        throttle_fraction: float = 0.0,
        seed: int = 0,
        slow_s: float = 5.0,
        log_path: Path | None = None,
        record_requests: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.latency_s = latency_s
        self.latency_jitter_s = latency_jitter_s
        self.throttle_fraction = throttle_fraction
        self.slow_s = slow_s
        self.log_path = Path(log_path) if log_path else None
        self.record_requests = record_requests
        self.seed = seed
        self._seen: dict[str, int] = {}  # request digest -> times seen (seeded throttling)
        self.calls: list[CallRecord] = []
        self._faults: list[str] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----- lifecycle -----
    @property
    def url(self) -> str:
        """http://host:port (valid once started)."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ConverseServer:
        """Bind and serve in a background thread."""
        self._httpd = _HTTPServer((self.host, self.port), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="converse-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ConverseServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- faults and records -----
    def inject(self, kind: str, count: int = 1) -> None:
        """Queue ``count`` faults of ``kind`` (see FAULT_KINDS) for the next calls, in order."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose from {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._faults.extend([kind] * count)

    def in_flight(self) -> int:
        """Calls being handled right now."""
        with self._lock:
            return self._in_flight

    def peak_in_flight(self) -> int:
        """Most calls the server was handling at once."""
        with self._lock:
            return max((c.in_flight_at_start for c in self.calls), default=0)

    def reset(self) -> None:
        """Forget recorded calls and queued faults."""
        with self._lock:
            self.calls.clear()
            self._faults.clear()
            self._seen.clear()

    def _next_fault(self, raw: bytes) -> str | None:
        """The queued fault, else a seeded throttle draw.

        The draw is keyed by (seed, request digest, how often this request was seen), so each
        request's sequence of throttles is the same whichever order threads send them in.
        """
        with self._lock:
            if self._faults:
                return self._faults.pop(0)
            if not self.throttle_fraction:
                return None
            digest = hashlib.sha256(raw).hexdigest()
            n = self._seen.get(digest, 0)
            self._seen[digest] = n + 1
        draw = random.Random(f"{self.seed}:{digest}:{n}").random()
        return "throttle" if draw < self.throttle_fraction else None

    def _delay(self) -> float:
        with self._lock:
            jitter = self._rng.uniform(0, self.latency_jitter_s) if self.latency_jitter_s else 0.0
        return self.latency_s + jitter

    # ----- the call -----
    def _handle(self, req: _Handler, model_id: str, raw: bytes) -> None:
        start = time.time()
        with self._lock:
            self._in_flight += 1
            in_flight = self._in_flight
        reply = _Reply(500, {"message": "internal error"}, "InternalServerException", "error")
        try:
            reply = self._answer(raw)
        finally:
            # Record before answering, so a client that got its answer finds the record.
            end = time.time()
            body = None
            try:
                parsed = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                parsed = {"unparsable": raw.decode("utf-8", "replace")}
            if self.record_requests:
                body = parsed
            meta = parsed.get("requestMetadata") if isinstance(parsed, dict) else None
            accession = meta.get("accession") if isinstance(meta, dict) else None
            rec = CallRecord(
                model_id,
                start,
                end,
                reply.status,
                reply.kind,
                reply.input_chars or len(raw),
                in_flight,
                reply.tokens_in,
                reply.tokens_out,
                body,
                accession if isinstance(accession, str) else None,
            )
            with self._lock:
                self._in_flight -= 1
                self.calls.append(rec)
                if self.log_path:
                    with self.log_path.open("a") as fh:
                        fh.write(json.dumps({**asdict(rec), "request": None}) + "\n")
            req._send(reply.status, reply.payload, reply.error_type)

    def _answer(self, raw: bytes) -> _Reply:
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            err = {"message": "request body is not JSON"}
            return _Reply(400, err, "ValidationException", "bad_request", 0, 0, len(raw))
        filing_text, all_text = _request_texts(body)
        fault = self._next_fault(raw)
        if fault in ("throttle", "unavailable"):
            status, code, message = _ERRORS[fault]
            return _Reply(status, {"message": message}, code, fault, 0, 0, len(all_text))
        t0 = time.monotonic()
        time.sleep(self.slow_s if fault == "slow" else self._delay())
        if fault == "model_timeout":
            status, code, message = _ERRORS[fault]
            return _Reply(status, {"message": message}, code, fault, 0, 0, len(all_text))

        answer: dict[str, Any] = build_answer(filing_text)
        stop = "tool_use"
        if fault == "malformed":
            answer = {"headline": "x", "summary": "too short", "sentiment": "ecstatic"}
        elif fault == "truncated":
            answer = {"headline": answer["headline"], "summary": answer["summary"][:40]}
            stop = "max_tokens"
        elif fault == "wrong_figure":
            answer["summary"] = f"{answer['summary']} Revenue reached {PLANTED_FIGURE}."[:1500]
            answer["figures"] = [
                *answer["figures"][:4],
                {"name": "revenue", "value": PLANTED_FIGURE},
            ]
        tool_cfg = body.get("toolConfig")
        text_only = fault in ("no_tool", "guardrail")
        if tool_cfg and not text_only:
            choice = tool_cfg.get("toolChoice", {}).get("tool", {}).get("name")
            name = choice or tool_cfg["tools"][0]["toolSpec"]["name"]
            content = [
                {
                    "toolUse": {
                        "toolUseId": f"tooluse_{uuid.uuid4().hex[:20]}",
                        "name": name,
                        "input": answer,
                    }
                }
            ]
            out_text = json.dumps(answer)
        else:
            if fault == "no_tool":
                out_text = "I read the filing. It looks routine."
            elif fault == "guardrail":
                out_text = "Sorry, the model cannot answer this request."
            else:
                out_text = json.dumps(answer)
                if fault == "truncated":
                    out_text = out_text[: max(10, len(out_text) // 2)]
            content = [{"text": out_text}]
            if stop == "tool_use":
                stop = "end_turn"
        if fault == "guardrail":
            stop = "guardrail_intervened"
        tokens_in = len(all_text) // 4
        tokens_out = max(1, len(out_text) // 4)
        payload = {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": {
                "inputTokens": tokens_in,
                "outputTokens": tokens_out,
                "totalTokens": tokens_in + tokens_out,
            },
            "metrics": {"latencyMs": int((time.monotonic() - t0) * 1000)},
        }
        return _Reply(200, payload, None, fault or "ok", tokens_in, tokens_out, len(all_text))


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: serve until interrupted."""
    ap = argparse.ArgumentParser(description="Local Bedrock Converse server (for offline runs).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    ap.add_argument("--jitter", type=float, default=0.0, help="extra random seconds, 0..jitter")
    ap.add_argument("--throttle-fraction", type=float, default=0.0, help="share of calls -> 429")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log", type=Path, default=None, help="append a JSON line per call here")
    args = ap.parse_args(argv)
    server = ConverseServer(
        args.host,
        args.port,
        args.latency,
        args.jitter,
        throttle_fraction=args.throttle_fraction,
        seed=args.seed,
        log_path=args.log,
    ).start()
    print(f"Converse server at {server.url} (POST /model/{{modelId}}/converse); Ctrl-C stops it")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print(f"served {len(server.calls)} calls; peak in flight {server.peak_in_flight()}")


if __name__ == "__main__":
    main()
