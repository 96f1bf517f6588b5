"""Editors' decisions on rendered articles (FILINGS_PUBLISH_MODE=review).

A decision holds for the content it was made on (the article's content hash): an article
re-rendered with different content waits for review again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from filings_pipeline.store import tables as t

APPROVED, REJECTED = "approved", "rejected"
PENDING = "pending"  # the publication status of an article waiting for review


@dataclass(frozen=True)
class PendingArticle:
    """An article the last publish of its day left waiting for an editor."""

    accession: str
    day: date
    company: str
    headline: str
    reason: str


@dataclass(frozen=True)
class Review:
    """One editor's decision on one article."""

    accession: str
    decision: str  # approved | rejected
    content_hash: str
    reason: str | None
    editor: str | None
    seq: int
    decided_at: datetime


def _row(r: sa.Row) -> Review:
    return Review(r.accession, r.decision, r.content_hash, r.reason, r.editor, r.seq, r.decided_at)


class ReviewBook:
    """Reads and writes the `reviews` table."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def decide(
        self,
        accession: str,
        decision: str,
        content_hash: str,
        *,
        reason: str | None = None,
        editor: str | None = None,
    ) -> Review:
        """Record (or replace) the decision on an article; returns it."""
        if decision not in (APPROVED, REJECTED):
            raise ValueError(f"decision must be {APPROVED} or {REJECTED}, not {decision!r}")
        row = {
            "accession": accession,
            "decision": decision,
            "content_hash": content_hash,
            "reason": reason,
            "editor": editor,
            "seq": time.time_ns(),
            "decided_at": datetime.now(UTC),
        }
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.reviews).where(t.reviews.c.accession == accession))
            conn.execute(sa.insert(t.reviews), [row])
        return Review(**row)

    def for_accessions(self, accessions: list[str]) -> dict[str, Review]:
        if not accessions:
            return {}
        q = sa.select(t.reviews).where(t.reviews.c.accession.in_(accessions))
        with self.engine.connect() as conn:
            return {r.accession: _row(r) for r in conn.execute(q)}

    def since(self, seq: int) -> list[Review]:
        """Decisions made after `seq`, oldest first (the review sensor's cursor)."""
        q = sa.select(t.reviews).where(t.reviews.c.seq > seq).order_by(t.reviews.c.seq)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(q)]

    def pending(self, day: date | None = None) -> list[PendingArticle]:
        """Publications in status `pending`, oldest day first (optionally of one day)."""
        p, a = t.publications.c, t.articles.c
        q = (
            sa.select(p.accession, p.day, p.reason, a.data)
            .join(t.articles, a.accession == p.accession)
            .where(p.status == PENDING)
            .order_by(p.day, p.accession)
        )
        if day is not None:
            q = q.where(p.day == day)
        with self.engine.connect() as conn:
            rows = list(conn.execute(q))
        return [
            PendingArticle(
                r.accession, r.day, str(r.data.get("company", "")),
                str(r.data.get("headline", "")), r.reason or "pending review",
            )
            for r in rows
        ]  # fmt: skip

    def rendered(self, accessions: list[str]) -> dict[str, tuple[date, str]]:
        """accession -> (day, content hash) of the rendered articles among these."""
        c = t.articles.c
        q = sa.select(c.accession, c.day, c.content_hash).where(c.accession.in_(accessions))
        with self.engine.connect() as conn:
            return {r.accession: (r.day, r.content_hash) for r in conn.execute(q)}
