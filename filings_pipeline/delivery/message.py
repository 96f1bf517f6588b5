"""One recipient's copy of a day's digest: a complete multipart/alternative message.

Deterministic for (day, digest content, recipient): the Date, Message-ID and MIME boundary
derive from them, so a resend after a crash carries the same Message-ID and a receiving
system (or a person's mail client) can drop the duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

from filings_pipeline.publishing.email import digest_order, render_digest
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.rendering.timefmt import EASTERN

DIGEST_HOUR = time(18, 0)  # the Date header: 6 PM Eastern on the digest's day
DELIVERY_KEY_HEADER = "X-Filings-Delivery-Key"  # survives providers that rewrite Message-ID


@dataclass(frozen=True)
class Digest:
    """A day's digest, independent of who receives it."""

    day: date
    articles: tuple[RenderedArticle, ...]
    subject: str
    digest_hash: str  # what a recipient was sent: a changed digest has a new hash

    @classmethod
    def build(cls, day: date, articles: Sequence[RenderedArticle], site: SiteConfig) -> Digest:
        ordered = tuple(digest_order(articles))
        subject, html, text = render_digest(day, ordered, site)
        h = hashlib.sha256()
        for part in (day.isoformat(), subject, html, text):
            h.update(part.encode() + b"\0")
        return cls(day, ordered, subject, h.hexdigest())


def recipient_key(recipient: str) -> str:
    return hashlib.sha256(recipient.lower().encode()).hexdigest()[:12]


def message_id(digest: Digest, recipient: str, domain: str) -> str:
    """`<digest.2026-11-16.{content}.{recipient}@sender-domain>`."""
    return (
        f"<digest.{digest.day.isoformat()}.{digest.digest_hash[:12]}."
        f"{recipient_key(recipient)}@{domain}>"
    )


def unsubscribe_link(base: str, recipient: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}list=digest&r={quote(recipient, safe='')}"


def digest_message(
    digest: Digest,
    site: SiteConfig,
    *,
    sender: str,
    domain: str,
    recipient: str,
    unsubscribe_base: str,
) -> EmailMessage:
    """text/plain then text/html; List-Unsubscribe (mailto and the web link) and, when that
    link is https, List-Unsubscribe-Post for one-click unsubscribe (RFC 8058)."""
    unsubscribe = unsubscribe_link(unsubscribe_base, recipient) if unsubscribe_base else ""
    subject, html, text = render_digest(
        digest.day, digest.articles, site, unsubscribe_url=unsubscribe
    )
    mid = message_id(digest, recipient, domain)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.combine(digest.day, DIGEST_HOUR, tzinfo=EASTERN))
    msg["Message-ID"] = mid
    msg[DELIVERY_KEY_HEADER] = mid.strip("<>")
    msg["List-Id"] = f"{site.title} daily digest <digest.{domain}>"
    mailto = f"<mailto:unsubscribe@{domain}?subject=unsubscribe%20{quote(recipient, safe='@')}>"
    msg["List-Unsubscribe"] = f"{mailto}, <{unsubscribe}>" if unsubscribe else mailto
    if unsubscribe.startswith("https://"):
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Precedence"] = "bulk"
    msg["Auto-Submitted"] = "auto-generated"
    # Quoted-printable encodes every '=', so the '='-bearing boundary never occurs in a body.
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg.set_boundary(f"==filings-digest-{digest.day.isoformat()}-{digest.digest_hash[:12]}==")
    return msg


def as_bytes(msg: EmailMessage) -> bytes:
    """The message on the wire: CRLF line ends, RFC 5322 header folding."""
    return msg.as_bytes(policy=policy.SMTP)
