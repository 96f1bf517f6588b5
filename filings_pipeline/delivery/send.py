"""Send a day's digest to the list, exactly once per (day, recipient) through the ledger.

The protocol, per recipient, under one lock per day (so two runs at once take turns and the
second finds everyone already sent):

1. claim the ledger row (`sending`, with this digest's hash and Message-ID) by an atomic
   compare-and-set; a row someone else changed first is left alone;
2. hand the message to the transport;
3. mark the row `sent` (or `failed` with the server's reason, or `retry`).

The crash window is between the server accepting a message (2) and the ledger write (3).
We chose **at-least-once** for it: a row still `sending` when the lock is next taken belongs
to a sender that died (the lock is released by process death), so the message is sent again,
with the same Message-ID and X-Filings-Delivery-Key, which lets a receiving system or a mail
client drop the duplicate. The alternative, at-most-once, would silently lose the digest for
that reader whenever a sender died between claiming and sending, which is the wider window.
Everything outside that window is exactly once.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from filings_pipeline.delivery.config import DeliveryConfig, DeliveryConfigError
from filings_pipeline.delivery.message import Digest, as_bytes, digest_message, message_id
from filings_pipeline.delivery.transports import (
    PermanentFailure,
    TransientFailure,
    Transport,
    make_transport,
)
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.store import ContentStore
from filings_pipeline.store.deliveries import FAILED, RETRY, SENDING, SENT, Delivery

LOCK_TIMEOUT_S = 3600.0


@dataclass
class DeliveryReport:
    """What one delivery of a day's digest did."""

    day: date
    transport: str
    articles: int = 0
    recipients: int = 0
    subject: str = ""
    digest_hash: str = ""
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already sent this digest
    not_resent: list[str] = field(default_factory=list)  # sent an earlier version; not resent
    failed: dict[str, str] = field(default_factory=dict)  # permanent, this run
    failed_earlier: dict[str, str] = field(default_factory=dict)  # permanent, earlier runs
    retry: dict[str, str] = field(default_factory=dict)  # transient: a later run retries
    resent_in_doubt: list[str] = field(default_factory=list)  # sender died mid-send before
    written: list[str] = field(default_factory=list)  # outbox files (transport none)
    note: str = ""

    @property
    def complete(self) -> bool:
        """No recipient is left for a later run."""
        return not self.retry


def published_for_day(store: ContentStore, day: date) -> list[RenderedArticle]:
    """The day's published articles: what the site shows, so what the digest lists."""
    published = {p.accession for p in store.publications_for_day(day) if p.status == "published"}
    return [s.article for s in store.articles_for_day(day) if s.article.accession in published]


def _worker_id(run_id: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{run_id}"


def deliver_digest(
    store: ContentStore,
    day: date,
    site: SiteConfig,
    config: DeliveryConfig,
    *,
    transport: Transport | None = None,
    run_id: str = "",
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send (or, with transport none, write to the outbox) the day's digest to each reader
    who has not had it. Raises DeliveryConfigError when nothing can be sent as configured."""
    transport = transport or make_transport(config)
    report = DeliveryReport(day, transport.name)
    articles = published_for_day(store, day)
    report.articles = len(articles)
    if not articles:
        report.note = "no published articles this day: no digest"
        return report
    recipients = config.list_for_sending()
    report.recipients = len(recipients)
    if transport.ledgered and not site.base_url:
        raise DeliveryConfigError(
            "FILINGS_SITE_BASE_URL must be set to send email: the digest's links must be "
            "absolute to work in a mail client"
        )
    unsubscribe_base = config.unsubscribe_url or (
        f"{site.base_url}/unsubscribe" if site.base_url else ""
    )
    digest = Digest.build(day, articles, site)
    report.subject, report.digest_hash = digest.subject, digest.digest_hash

    def message(recipient: str) -> bytes:
        return as_bytes(
            digest_message(
                digest,
                site,
                sender=config.sender,
                domain=config.sender_domain,
                recipient=recipient,
                unsubscribe_base=unsubscribe_base,
            )
        )

    try:
        if not transport.ledgered:
            for r in recipients:
                report.written.append(transport.send(config.sender_address, r, message(r), day))
            return report
        with store.lock(f"digest-{day.isoformat()}", timeout_s=LOCK_TIMEOUT_S):
            _send_list(store, digest, config, transport, recipients, message, report, run_id, sleep)
    finally:
        transport.close()
    return report


def _send_list(
    store: ContentStore,
    digest: Digest,
    config: DeliveryConfig,
    transport: Transport,
    recipients: tuple[str, ...],
    message: Callable[[str], bytes],
    report: DeliveryReport,
    run_id: str,
    sleep: Callable[[float], None],
) -> None:
    ledger = store.deliveries
    rows = ledger.for_day(digest.day)
    server_down: str = ""
    for r in recipients:
        row: Delivery | None = rows.get(r)
        if row is not None and row.status == SENT:
            if row.digest_hash == digest.digest_hash:
                report.skipped.append(r)
                continue
            if not config.resend_changed:
                report.not_resent.append(r)
                continue
        if row is not None and row.status == FAILED:
            report.failed_earlier[r] = row.reason or "refused"
            continue
        if server_down:
            report.retry[r] = f"not tried: {server_down}"
            continue
        if row is not None and row.status == SENDING:
            report.resent_in_doubt.append(r)
        mid = message_id(digest, r, config.sender_domain)
        if not ledger.claim(
            digest.day,
            r,
            digest_hash=digest.digest_hash,
            message_id=mid,
            transport=transport.name,
            claimed_by=_worker_id(run_id),
            expect=row,
        ):
            report.skipped.append(r)  # another sender changed the row first: theirs
            continue
        body = message(r)
        last: TransientFailure | None = None
        for attempt in range(max(1, config.attempts)):
            try:
                provider_id = transport.send(config.sender_address, r, body, digest.day)
            except PermanentFailure as exc:
                ledger.mark_failed(digest.day, r, str(exc))
                report.failed[r] = str(exc)
                last = None
                break
            except TransientFailure as exc:
                last = exc
                if attempt + 1 < config.attempts:
                    sleep(config.backoff_s[min(attempt, len(config.backoff_s) - 1)])
                continue
            except DeliveryConfigError as exc:
                ledger.mark_retry(digest.day, r, str(exc))
                raise
            ledger.mark_sent(digest.day, r, provider_id)
            report.sent.append(r)
            last = None
            break
        if last is not None:
            ledger.mark_retry(digest.day, r, str(last))
            report.retry[r] = str(last)
            if last.connection:
                server_down = str(last)


__all__ = ["FAILED", "RETRY", "SENDING", "SENT", "DeliveryReport", "deliver_digest"]
