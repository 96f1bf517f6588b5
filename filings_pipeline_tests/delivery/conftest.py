"""A content store holding one published day, and delivery configs aimed at local servers."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.delivery.config import DeliveryConfig
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.rendering.render import render_article
from filings_pipeline.store import ContentStore
from filings_pipeline.store.records import Publication, StoredArticle
from filings_pipeline_tests.rendering.factories import make_analysis, make_filing, make_input

DAY = date(2026, 11, 16)
SITE = SiteConfig(base_url="https://news.example.org")


def publish(store: ContentStore, articles: list[RenderedArticle], day: date = DAY) -> None:
    """Store the articles as rendered and published for `day` (what the publish phase does)."""
    stored = [StoredArticle(a) for a in articles]
    store.replace_articles(day, stored)
    store.replace_publications(
        day,
        [
            Publication(s.article.accession, day, "published", s.article.slug, None,
                        f"articles/{s.article.slug}.html", s.content_hash)
            for s in stored
        ],
    )  # fmt: skip


def articles(n: int = 3, *, company: str = "Acme Widgets Corp", site: SiteConfig = SITE):
    return [
        render_article(
            make_input(filing=make_filing(i + 1, company=company), analysis=make_analysis()), site
        )
        for i in range(n)
    ]


@pytest.fixture
def day_store(content_url: str) -> ContentStore:
    """A store (SQLite and PostgreSQL) with three published articles on DAY."""
    store = ContentStore(content_url)
    publish(store, articles(3))
    return store


def smtp_config(port: int, recipients: list[str], tmp: Path, **kw: object) -> DeliveryConfig:
    base = DeliveryConfig(
        transport="smtp",
        sender="Filings Desk <desk@news.example.org>",
        recipients=tuple(recipients),
        outbox_dir=tmp / "outbox",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_timeout_s=10,
        backoff_s=(0.05, 0.1),
    )
    return dataclasses.replace(base, **kw)


def readers(n: int) -> list[str]:
    return [f"reader{i:03d}@example.com" for i in range(n)]
