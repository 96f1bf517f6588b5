"""A local server speaking the Amazon SES v2 `SendEmail` REST wire protocol.

No real SES can run here, so the delivery tests point the real boto3 `sesv2` client at this:
real HTTP, SigV4-signed requests (not verified), `POST /v2/email/outbound-emails` with a JSON
body whose `Content.Raw.Data` is the base64 MIME message, `{"MessageId": ...}` back. Faults:
`reject` (400 MessageRejected for an address) and `throttle` (429 TooManyRequestsException
for the next N requests, which botocore retries).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/v2/email/outbound-emails"


@dataclass
class SesCall:
    """One SendEmail request the server accepted."""

    from_address: str
    to: list[str]
    raw: bytes
    message_id: str
    authorization: str

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.raw)  # type: ignore[return-value]


@dataclass
class SesState:
    reject: dict[str, str] = field(default_factory=dict)  # address -> message
    throttle: int = 0
    hits: int = 0
    accepted: list[SesCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: dict[str, Any], error: str = "") -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with state.lock:
            state.hits += 1
            throttled = state.throttle > 0
            if throttled:
                state.throttle -= 1
        if self.path.split("?")[0] != PATH:
            return self._send(404, {"message": f"no route {self.path}"}, "NotFoundException")
        if throttled:
            return self._send(429, {"message": "Maximum sending rate exceeded."},
                              "TooManyRequestsException")  # fmt: skip
        try:
            req = json.loads(body)
            raw = base64.b64decode(req["Content"]["Raw"]["Data"], validate=True)
            to = list(req.get("Destination", {}).get("ToAddresses", []))
        except (ValueError, KeyError, TypeError) as exc:
            return self._send(400, {"message": f"bad request: {exc}"}, "BadRequestException")
        for addr in to:
            if addr.lower() in state.reject:
                return self._send(400, {"message": state.reject[addr.lower()]}, "MessageRejected")
        call = SesCall(
            req.get("FromEmailAddress", ""),
            to,
            raw,
            f"0100{uuid.uuid4().hex}-000000",
            self.headers.get("Authorization", ""),
        )
        with state.lock:
            state.accepted.append(call)
        self._send(200, {"MessageId": call.message_id})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: SesState


class SesServer:
    """Start with `with SesServer() as ses:`; `ses.url` is the endpoint for boto3."""

    def __init__(self, state: SesState | None = None) -> None:
        self.state = state or SesState()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.state = self.state
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> SesServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)
