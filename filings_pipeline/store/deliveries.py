"""The delivery ledger: who was sent which day's digest, claimed before each send.

Rows are keyed by (day, recipient). A sender claims a row (status `sending`) with an atomic
compare-and-set before it talks to the mail server, and marks it `sent` once the server has
accepted the message. `failed` is a permanent refusal with its reason; `retry` a transient
failure that a later run must try again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from filings_pipeline.store import tables as t

SENDING, SENT, FAILED, RETRY = "sending", "sent", "failed", "retry"


@dataclass(frozen=True)
class Delivery:
    """One ledger row."""

    day: date
    recipient: str
    status: str
    digest_hash: str
    message_id: str
    transport: str
    provider_id: str | None = None
    reason: str | None = None
    attempts: int = 0
    sends: int = 0
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None


def _row(r: sa.Row) -> Delivery:
    return Delivery(**{c: getattr(r, c) for c in Delivery.__dataclass_fields__})


def _insert_new(conn: sa.Connection) -> sa.Insert:
    """INSERT that does nothing when the (day, recipient) row exists (SQLite and PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(t.deliveries).on_conflict_do_nothing(index_elements=["day", "recipient"])


class DeliveryLedger:
    """Reads and compare-and-set writes of the `deliveries` table."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def for_day(self, day: date) -> dict[str, Delivery]:
        c = t.deliveries.c
        q = sa.select(t.deliveries).where(c.day == day).order_by(c.recipient)
        with self.engine.connect() as conn:
            return {r.recipient: _row(r) for r in conn.execute(q)}

    def get(self, day: date, recipient: str) -> Delivery | None:
        c = t.deliveries.c
        q = sa.select(t.deliveries).where(c.day == day, c.recipient == recipient)
        with self.engine.connect() as conn:
            r = conn.execute(q).first()
        return _row(r) if r else None

    def claim(
        self,
        day: date,
        recipient: str,
        *,
        digest_hash: str,
        message_id: str,
        transport: str,
        claimed_by: str,
        expect: Delivery | None,
    ) -> bool:
        """Mark the row `sending` for this digest, if it is still as `expect`ed (None: absent).
        False when someone else changed it first: then do not send."""
        now = datetime.now(UTC)
        values = {
            "status": SENDING,
            "digest_hash": digest_hash,
            "message_id": message_id,
            "transport": transport,
            "claimed_by": claimed_by[:200],
            "claimed_at": now,
        }
        with self.engine.begin() as conn:
            if expect is None:
                row = {"day": day, "recipient": recipient, "attempts": 1, "sends": 0, **values}
                res = conn.execute(_insert_new(conn).values(**row))
                return res.rowcount == 1
            c = t.deliveries.c
            res = conn.execute(
                sa.update(t.deliveries)
                .where(
                    c.day == day,
                    c.recipient == recipient,
                    c.status == expect.status,
                    c.digest_hash == expect.digest_hash,
                    c.attempts == expect.attempts,
                )
                .values(attempts=expect.attempts + 1, **values)
            )
            return res.rowcount == 1

    def _set(self, day: date, recipient: str, **values: object) -> None:
        c = t.deliveries.c
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(t.deliveries)
                .where(c.day == day, c.recipient == recipient)
                .values(**values)
            )

    def mark_sent(self, day: date, recipient: str, provider_id: str) -> None:
        c = t.deliveries.c
        self._set(
            day,
            recipient,
            status=SENT,
            provider_id=provider_id[:300],
            reason=None,
            sends=c.sends + 1,
            sent_at=datetime.now(UTC),
        )

    def mark_failed(self, day: date, recipient: str, reason: str) -> None:
        self._set(day, recipient, status=FAILED, reason=reason)

    def mark_retry(self, day: date, recipient: str, reason: str) -> None:
        self._set(day, recipient, status=RETRY, reason=reason)
