"""Transports: SMTP (SSL or STARTTLS), Amazon SES v2 (raw MIME), and the local outbox.

`send()` returns the provider's id for the accepted message, or raises:
- `PermanentFailure`: this recipient cannot get it (SMTP 5xx for the RCPT or the message,
  SES MessageRejected); the rest of the list goes on;
- `TransientFailure`: try again later (SMTP 4xx, connection lost, SES throttling/5xx);
  `connection=True` when the server itself is unreachable, so the rest of the list waits too;
- `DeliveryConfigError`: nothing can be sent as configured (authentication, sender refused).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from filings_pipeline.atomic_write import write_atomic
from filings_pipeline.delivery.config import DeliveryConfig, DeliveryConfigError


class PermanentFailure(Exception):
    """This recipient will not get the message; the reason is recorded."""


class TransientFailure(Exception):
    """Try again later; never recorded as a permanent failure."""

    def __init__(self, reason: str, *, connection: bool = False) -> None:
        super().__init__(reason)
        self.connection = connection


class Transport(Protocol):
    name: str
    ledgered: bool  # True: a real delivery, recorded in the ledger

    def send(self, sender: str, recipient: str, message: bytes, day: date) -> str: ...

    def close(self) -> None: ...


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


class SmtpTransport:
    """One connection reused for the list; reconnects after a lost connection."""

    name = "smtp"
    ledgered = True

    def __init__(self, config: DeliveryConfig, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.smtp_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.smtp_host, c.port, timeout=c.smtp_timeout_s, context=self.ssl_context
                )
            else:
                smtp = smtplib.SMTP(c.smtp_host, c.port, timeout=c.smtp_timeout_s)
            smtp.ehlo()
            if c.smtp_starttls and not c.smtp_ssl:
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise DeliveryConfigError(
                        f"{c.smtp_host}:{c.port} does not offer STARTTLS "
                        "(set FILINGS_SMTP_STARTTLS=false only for a trusted local relay)"
                    )
                smtp.starttls(context=self.ssl_context)
                smtp.ehlo()
            if c.smtp_username:
                smtp.login(c.smtp_username, c.smtp_password)
        except smtplib.SMTPAuthenticationError as exc:
            why = _reply(exc.smtp_code, exc.smtp_error)
            raise DeliveryConfigError(f"SMTP login as {c.smtp_username!r} refused: {why}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryConfigError(f"{c.smtp_host}:{c.port}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientFailure(
                f"cannot reach {c.smtp_host}:{c.port}: {type(exc).__name__}: {exc}",
                connection=True,
            ) from exc
        return smtp

    def send(self, sender: str, recipient: str, message: bytes, day: date) -> str:
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                self._reset()
                if code >= 500:
                    raise DeliveryConfigError(f"sender {sender} refused: {_reply(code, text)}")
                raise TransientFailure(f"MAIL FROM: {_reply(code, text)}")
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                if code >= 500:
                    raise PermanentFailure(f"RCPT TO refused: {_reply(code, text)}")
                raise TransientFailure(f"RCPT TO: {_reply(code, text)}")
            try:
                code, text = smtp.data(message)
            except smtplib.SMTPDataError as exc:
                code, text = exc.smtp_code, exc.smtp_error
            if code != 250:
                self._reset()
                if code >= 500:
                    raise PermanentFailure(f"message refused: {_reply(code, text)}")
                raise TransientFailure(f"DATA: {_reply(code, text)}")
            return _reply(code, text)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TransientFailure(
                f"connection lost: {type(exc).__name__}: {exc}", connection=True
            ) from exc

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._drop()


# SES v2 SendEmail errors (botocore service model `sesv2`), by what they mean for the list.
SES_PERMANENT = {"MessageRejected", "BadRequestException"}
SES_CONFIG = {
    "AccountSuspendedException",
    "MailFromDomainNotVerifiedException",
    "NotFoundException",
    "SendingPausedException",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
}


class SesTransport:
    """Amazon SES v2 `send_email` with `Content.Raw`: the MIME message as built here.
    Credentials come from boto3's default chain. SES replaces Message-ID and Date with its
    own (AWS "Amazon SES header fields"); X-Filings-Delivery-Key keeps our id."""

    name = "ses"
    ledgered = True

    def __init__(self, config: DeliveryConfig, client: Any | None = None) -> None:
        self.config = config
        self._client = client

    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.session.Session().client(
                "sesv2",
                region_name=self.config.ses_region or None,
                endpoint_url=self.config.ses_endpoint_url or None,
                config=Config(
                    retries={"mode": "standard", "total_max_attempts": 4},
                    connect_timeout=10,
                    read_timeout=30,
                ),
            )
        return self._client

    def send(self, sender: str, recipient: str, message: bytes, day: date) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            resp = self.client().send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": [recipient]},
                Content={"Raw": {"Data": message}},
            )
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code = err.get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            reason = f"SES {code or status}: {err.get('Message', '')}".strip()
            if code in SES_PERMANENT:
                raise PermanentFailure(reason) from exc
            if code in SES_CONFIG:
                raise DeliveryConfigError(reason) from exc
            # Throttling and quota: the rest of the list would get the same answer.
            stop = code in ("TooManyRequestsException", "LimitExceededException")
            raise TransientFailure(reason, connection=stop or status >= 500) from exc
        except BotoCoreError as exc:  # connection refused, timeouts, credentials missing
            from botocore.exceptions import NoCredentialsError

            if isinstance(exc, NoCredentialsError):
                raise DeliveryConfigError(f"SES: {exc}") from exc
            raise TransientFailure(f"SES: {type(exc).__name__}: {exc}", connection=True) from exc
        return str(resp.get("MessageId", ""))

    def close(self) -> None:
        pass


def outbox_name(recipient: str) -> str:
    return "".join(c if c.isalnum() or c in "@.-_+" else "_" for c in recipient) + ".eml"


class OutboxTransport:
    """FILINGS_EMAIL_TRANSPORT=none: each message as a file under outbox/<day>/, written
    atomically; rewriting the same message changes nothing, so no ledger is needed."""

    name = "none"
    ledgered = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def send(self, sender: str, recipient: str, message: bytes, day: date) -> str:
        folder = self.root / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / outbox_name(recipient)
        if target.is_file() and target.read_bytes() == message:
            return str(target)
        write_atomic(target, message)
        return str(target)

    def close(self) -> None:
        pass


def make_transport(config: DeliveryConfig) -> Transport:
    if config.transport == "smtp":
        return SmtpTransport(config)
    if config.transport == "ses":
        return SesTransport(config)
    return OutboxTransport(config.outbox_dir)
