"""Editorial review (FILINGS_PUBLISH_MODE=review): what waits for an editor, and decisions.

The CLI (`filings-pipeline review`) and the Dagster UI (`review_job`) both come here; a
decision is recorded in the store, and the review sensor re-publishes the decided days.
"""

from __future__ import annotations

from datetime import date

from filings_pipeline.store import ContentStore
from filings_pipeline.store.reviews import APPROVED, REJECTED, PendingArticle, Review


class ReviewError(ValueError):
    """A decision that cannot be recorded (unknown accession, not rendered)."""


def pending_articles(store: ContentStore, day: date | None = None) -> list[PendingArticle]:
    """Articles the last publish of their day left pending review, oldest day first."""
    return store.reviews.pending(day)


def decide(
    store: ContentStore,
    accessions: list[str],
    decision: str,
    *,
    reason: str | None = None,
    editor: str | None = None,
) -> list[tuple[Review, date]]:
    """Approve or reject these articles as they are rendered now. All or nothing: an unknown
    accession raises ReviewError before anything is recorded. Returns (review, day) pairs."""
    if decision not in (APPROVED, REJECTED):
        raise ReviewError(f"decision must be {APPROVED} or {REJECTED}, not {decision!r}")
    if decision == REJECTED and not (reason or "").strip():
        raise ReviewError("a rejection needs a reason (--reason)")
    if not accessions:
        raise ReviewError("no accession numbers given")
    found = store.reviews.rendered(accessions)
    missing = [a for a in accessions if a not in found]
    if missing:
        raise ReviewError(f"no rendered article for {', '.join(missing)}")
    out = []
    for acc in dict.fromkeys(accessions):
        day, content = found[acc]
        out.append(
            (store.reviews.decide(acc, decision, content, reason=reason, editor=editor), day)
        )
    return out
