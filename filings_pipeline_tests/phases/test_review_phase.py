"""Review mode in the publish phase, without Dagster: approval holds for the content approved."""

from __future__ import annotations

import dataclasses

import pytest

from filings_pipeline.phases.publish import publish_day
from filings_pipeline.phases.review import ReviewError, decide, pending_articles
from filings_pipeline.rendering.render import SiteConfig
from filings_pipeline.store.records import StoredArticle
from filings_pipeline_tests.phases.test_publish_phase import KEY, ready_day  # noqa: F401


def _publish(store, day, publisher):
    return publish_day(store, day, publisher, SiteConfig(), key=KEY, mode="review")


def test_an_approved_article_that_changes_waits_for_review_again(ready_day) -> None:  # noqa: F811
    store, day, publisher = ready_day
    first = _publish(store, day, publisher)
    assert first.published == [] and first.pending and first.unaccounted == []
    assert {p.accession for p in pending_articles(store, day)} == set(first.pending)
    acc = first.pending[0]
    decide(store, [acc], "approved", editor="ed")
    second = _publish(store, day, publisher)
    assert second.published == [acc] and acc not in second.pending
    stored = {s.article.accession: s for s in store.articles_for_day(day)}
    page = publisher.root / f"articles/{stored[acc].article.slug}.html"
    assert page.is_file()
    # the article is re-rendered with a new headline: the approval was for the old content
    changed = dataclasses.replace(stored[acc].article, headline="A different headline")
    store.replace_articles(
        day, [StoredArticle(changed) if a == acc else s for a, s in stored.items()]
    )
    third = _publish(store, day, publisher)
    assert third.published == [] and acc in third.pending
    pub = {p.accession: p for p in store.publications_for_day(day)}[acc]
    assert pub.status == "pending" and "changed since" in pub.reason
    assert not page.exists()  # retracted until the editor approves the new content


def test_bad_decisions_record_nothing(ready_day) -> None:  # noqa: F811
    store, day, publisher = ready_day
    pending = _publish(store, day, publisher).pending
    with pytest.raises(ReviewError, match="no rendered article"):
        decide(store, [pending[0], "0000000000-00-000000"], "approved")
    with pytest.raises(ReviewError, match="reason"):
        decide(store, [pending[0]], "rejected")
    assert store.reviews.for_accessions(pending) == {}
    with pytest.raises(ValueError, match="FILINGS_PUBLISH_MODE"):
        publish_day(store, day, publisher, SiteConfig(), key=KEY, mode="sometimes")
