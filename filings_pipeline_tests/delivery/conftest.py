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


def delivery_config(
    transport: str, recipients: list[str], tmp: Path, **kw: object
) -> DeliveryConfig:
    """The desk's sender and an outbox under `tmp`, with `kw` for the transport's fields."""
    base = DeliveryConfig(
        transport=transport,
        sender="Filings Desk <desk@news.example.org>",
        recipients=tuple(recipients),
        outbox_dir=tmp / "outbox",
    )
    return dataclasses.replace(base, **kw)


def smtp_config(port: int, recipients: list[str], tmp: Path, **kw: object) -> DeliveryConfig:
    """SMTP to the local server on `port`: plain, short timeout and backoff."""
    fields = dict(
        smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, smtp_timeout_s=10,
        backoff_s=(0.05, 0.1),
    )  # fmt: skip
    return delivery_config("smtp", recipients, tmp, **{**fields, **kw})


def ses_config(url: str, recipients: list[str], tmp: Path) -> DeliveryConfig:
    """SES v2 through the real boto3 client at the local wire server `url`."""
    return delivery_config(
        "ses", recipients, tmp, ses_region="us-east-1", ses_endpoint_url=url, backoff_s=(0.05,)
    )


def readers(n: int) -> list[str]:
    return [f"reader{i:03d}@example.com" for i in range(n)]
