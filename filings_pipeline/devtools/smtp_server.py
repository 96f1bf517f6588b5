"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it accepted.

Used by the delivery tests and the README's measurement. Faults are injected per recipient:
`refuse` (a permanent 5xx for the RCPT), `defer` (4xx for the first N tries), and `on_data`,
hooks called with each message before it is recorded (`on_data`) or after it is recorded but
before the 250 goes back (`on_accepted`): a test kills the sender there.

    python -m filings_pipeline.devtools.smtp_server --port 8025 --log received.jsonl
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One message the server accepted (answered 250 to)."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)  # type: ignore[return-value]


@dataclass
class RecordingHandler:
    refuse: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." reply
    defer: dict[str, int] = field(default_factory=dict)  # address -> 4xx replies left
    on_data: Callable[[str, int], str | None] | None = None  # (rcpt, n) -> reply or None
    on_accepted: Callable[[str, int], None] | None = None  # after recording, before the 250
    log: Path | None = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    data_seen: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        addr = address.lower()
        if addr in self.refuse:
            return self.refuse[addr]
        with self.lock:
            if self.defer.get(addr, 0) > 0:
                self.defer[addr] -= 1
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.data_seen += 1
            n = self.data_seen
        rcpt = envelope.rcpt_tos[0].lower() if envelope.rcpt_tos else ""
        if self.on_data is not None:
            reply = self.on_data(rcpt, n)
            if reply is not None:
                return reply
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, time.time())
        with self.lock:
            self.received.append(item)
            if self.log is not None:
                with self.log.open("a") as fh:
                    fh.write(
                        json.dumps(
                            {
                                "from": item.mail_from,
                                "to": item.rcpt_tos,
                                "message_id": item.message["Message-ID"],
                                "subject": item.message["Subject"],
                                "at": item.at,
                            }
                        )
                        + "\n"
                    )
        if self.on_accepted is not None:
            self.on_accepted(rcpt, n)
        return f"250 2.0.0 Ok: queued as Q{n:05d}"

    def per_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(r.lower() for m in self.received for r in m.rcpt_tos)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


class SmtpServer:
    """aiosmtpd in a background thread; `tls` ('starttls' or 'ssl') needs a cert/key pair."""

    def __init__(
        self,
        handler: RecordingHandler | None = None,
        *,
        tls: str = "",
        cert: tuple[Path, Path] | None = None,
        credentials: tuple[str, str] | None = None,
        port: int = 0,
    ) -> None:
        self.handler = handler or RecordingHandler()
        self.port = port or free_port()
        kwargs: dict[str, Any] = {}
        if tls:
            assert cert is not None
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(cert[0]), str(cert[1]))
            if tls == "ssl":
                kwargs["ssl_context"] = ctx
            else:
                kwargs["tls_context"] = ctx
                kwargs["require_starttls"] = True
        if credentials is not None:

            def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
                ok = (
                    isinstance(auth_data, LoginPassword)
                    and (
                        auth_data.login.decode(),
                        auth_data.password.decode(),
                    )
                    == credentials
                )
                return AuthResult(success=ok, handled=False)

            kwargs.update(authenticator=authenticate, auth_required=True)
            # aiosmtpd counts only STARTTLS as TLS; an SMTPS connection is TLS from the start.
            kwargs["auth_require_tls"] = tls == "starttls"
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=30, **kwargs
        )

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--log", type=Path, required=True, help="JSONL, one line a message")
    parser.add_argument("--seconds", type=float, default=3600, help="stop after this long")
    args = parser.parse_args()
    with SmtpServer(RecordingHandler(log=args.log), port=args.port):
        print(f"SMTP on 127.0.0.1:{args.port}, logging to {args.log}", flush=True)
        time.sleep(args.seconds)


if __name__ == "__main__":
    main()
