"""A large published archive, seeded straight into a content store (bulk inserts, no pipeline):
for the publishing benchmark and the big-site browser test.

`seed(store, n, destinations)` adds n published articles over business days before
WARM_DAY (400 a day, 20 per company), their rows in the site index, and for each destination
the manifest rows a publish of them would have left (their article pages with real digests;
company, day, month and directory pages by path) plus the site state, so the next publish is
incremental. With `site_dir`, the article pages are also written there (plain writes).
`rendered_days` adds days of 100 rendered, publishable, not yet published articles (and their
filings rows), two in three on companies already in the archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from filings_pipeline.phases.publish import site_fingerprint
from filings_pipeline.publishing.pages import (
    article_files,
    bucket_path,
    bucket_sitemap_path,
    day_paths,
    letter_path,
    month_of,
    month_path,
    month_sitemap_path,
)
from filings_pipeline.publishing.sync import entry_of
from filings_pipeline.rendering import slugs
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.store import ContentStore
from filings_pipeline.store import tables as t
from filings_pipeline.store.records import ARTICLE, StoredArticle
from filings_pipeline.store.site_index import entry_row

WARM_DAY, NEW_DAY = date(2026, 11, 30), date(2026, 12, 1)
DAY_SIZE = 100  # articles of a day to publish
PER_SEEDED_DAY = 400
ARTICLES_PER_COMPANY = 20
KEY = ("offline-1", "offline-extractive-v1")


def business_days_before(day: date, count: int) -> list[date]:
    """`count` weekdays before `day`, oldest first."""
    out: list[date] = []
    d = day
    while len(out) < count:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            out.append(d)
    return sorted(out)


def company(i: int) -> tuple[int, str]:
    """(cik, name) of seeded company `i`; names start with every letter."""
    words = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne"]
    kinds = ["Corp", "Inc", "Holdings", "Group", "LLC", "Partners"]
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i % 26]
    return 1_000_000 + i, f"{letter}{words[i % 8].lower()} {kinds[i % 6]} {i}"


def article(n: int, day: date, cik: int, name: str, size: int = 6000) -> RenderedArticle:
    """A RenderedArticle made directly: its page a plain valid HTML page of about `size` bytes
    linking to its company and day pages, as rendered ones do."""
    accession = f"{cik:010d}-{day:%y}-{n:06d}"
    slug = slugs.article_slug(day, name, "8-K", accession)
    filler = "<p>" + ("Revenue rose on higher volumes. " * (size // 32)) + "</p>"
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
        f'<link rel="stylesheet" href="../style.css"></head><body><h1>{name} files an 8-K</h1>'
        f'<p><a href="../{slugs.company_path(cik, name)}">{name}</a> '
        f'<a href="../{slugs.day_path(day)}">{day}</a></p>{filler}</body></html>'
    )
    accepted = datetime.combine(day, datetime.min.time()) + timedelta(hours=8, seconds=n % 36000)
    return RenderedArticle(
        accession=accession, day=day, slug=slug, headline=f"{name} reports item 8.01 ({n})",
        summary=f"{name} filed a current report describing other events. " * 3,
        company=name, cik=cik, tickers=[], form="8-K", items=["8.01"], sentiment="neutral",
        sentiment_score=0.0, materiality=2 + n % 3, event_type="other", analyzer="offline",
        model=KEY[1], prompt_version=KEY[0], date_filed=day, accepted_at=accepted,
        sec_url=f"https://www.sec.gov/Archives/edgar/data/{cik}/{accession}-index.htm",
        article_html=html, email_html=f"<p>{name}</p>", email_text=name,
    )  # fmt: skip


def _article_row(a: RenderedArticle, now: datetime) -> dict[str, Any]:
    return {
        "accession": a.accession, "day": a.day, "slug": a.slug, "prompt_version": KEY[0],
        "model": KEY[1], "publishable": True, "hold_reason": None,
        "content_hash": StoredArticle(a).content_hash,
        "data": ARTICLE.dump_python(a, mode="json"), "rendered_at": now,
    }  # fmt: skip


def seed(
    store: ContentStore,
    size: int,
    destinations: Sequence[str],
    *,
    site_dir: Path | None = None,
    site: SiteConfig | None = None,
) -> None:
    """Bulk-insert `size` published articles as described in the module docstring."""
    companies = max(1, size // ARTICLES_PER_COMPANY)
    days = business_days_before(WARM_DAY, max(1, -(-size // PER_SEEDED_DAY)))
    now = datetime.now()
    batches: dict[sa.Table, list[dict[str, Any]]] = {
        t.articles: [],
        t.publications: [],
        t.site_entries: [],
        t.site_files: [],
    }

    def flush() -> None:
        with store.engine.begin() as conn:
            for table, rows in batches.items():
                if rows:
                    conn.execute(sa.insert(table), rows)
                    rows.clear()

    for n in range(size):
        day = days[n // PER_SEEDED_DAY]
        a = article(n, day, *company(n % companies), size=1500)
        row = _article_row(a, now)
        batches[t.articles].append(row)
        batches[t.publications].append(
            {
                "accession": a.accession, "day": day, "slug": a.slug, "status": "published",
                "reason": None, "path": slugs.article_path(a.slug),
                "content_hash": row["content_hash"], "published_at": now,
            }
        )  # fmt: skip
        batches[t.site_entries].append(entry_row(a))
        for f in article_files(a):
            if site_dir is not None:
                target = Path(site_dir) / f.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f.body)
            for dest in destinations:
                batches[t.site_files].append({"destination": dest, "path": f.path, **entry_of(f)})
        if len(batches[t.articles]) >= 2000:
            flush()
    # The seeded site's listing pages as a publish of those days would have recorded them:
    # paths only (a placeholder digest, so any page a publish touches is rewritten).
    listed = [slugs.company_path(*company(i)) for i in range(companies if size else 0)]
    listed += [p for d in days if size for p in day_paths(d)]
    months = sorted({month_of(d) for d in days}) if size else []
    listed += [p for m in months for p in (month_path(m), month_sitemap_path(m))]
    buckets = {slugs.directory_bucket(company(i)[1]) for i in range(companies if size else 0)}
    listed += [p for b in sorted(buckets) for p in (bucket_path(b), bucket_sitemap_path(b))]
    listed += sorted({letter_path(slugs.bucket_letter(b)) for b in buckets})
    for dest in destinations:
        batches[t.site_files] += [
            {"destination": dest, "path": p, "sha256": "seeded", "content_type": "",
             "cache_control": ""}
            for p in listed
        ]  # fmt: skip
    flush()
    store.refresh_site_aggregates()
    for dest in destinations:
        manifest = store.site_manifest(dest)
        manifest.reset_directory()
        files = manifest.counted()
        store.record_site_state(dest, site_fingerprint(site or SiteConfig()), files, size)


def rendered_days(store: ContentStore, size: int, days: Sequence[date]) -> None:
    """Days of DAY_SIZE rendered, publishable articles (not published), with filings rows."""
    companies = max(1, size // ARTICLES_PER_COMPANY)
    now = datetime.now()
    for number, day in enumerate(days):
        items = []
        for k in range(DAY_SIZE):
            i = number * DAY_SIZE + k
            which = (i * 7) % companies if k % 3 else companies + i
            items.append(StoredArticle(article(10_000_000 + i, day, *company(which))))
        store.replace_articles(day, items)
        rows = [
            {
                "accession": s.article.accession, "day": day, "cik": s.article.cik,
                "company": s.article.company, "form": "8-K", "status": "ok",
                "skip_reason": None, "text_length": 0, "data": None, "documents": None,
                "ingested_at": now,
            }
            for s in items
        ]  # fmt: skip
        with store.engine.begin() as conn:
            conn.execute(sa.insert(t.filings), rows)
