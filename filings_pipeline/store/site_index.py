"""The site's index in the content store: what each listing shows, read by narrow queries.

`site_entries` holds one row per published article without its page bodies; the listings
(newest N, one day, one company, one month) and the directories (counts per day, one row per
company) are queries over it, so no step reads the whole archive's articles.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

import sqlalchemy as sa

from filings_pipeline.rendering.models import RenderedArticle
from filings_pipeline.rendering.timefmt import moment
from filings_pipeline.store import tables as t
from filings_pipeline.store.records import ARTICLE

_CHUNK = 500  # IN-list size of batched reads


def sort_key(a: RenderedArticle) -> str:
    """Sortable UTC text of the article's moment: newest first is ORDER BY sort_key DESC."""
    return moment(a.accepted_at, a.date_filed).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def lastmod(a: RenderedArticle) -> date:
    """The sitemap's lastmod of an article page: the day it was accepted (else filed)."""
    return a.accepted_at.date() if a.accepted_at else a.date_filed


def light(a: RenderedArticle) -> RenderedArticle:
    """The article as listings need it: every field except the page and email bodies."""
    return dataclasses.replace(a, article_html="", email_html="", email_text="")


def entry_row(a: RenderedArticle) -> dict[str, Any]:
    """The site_entries row of a published article."""
    return {
        "accession": a.accession,
        "day": a.day,
        "month": a.day.strftime("%Y-%m"),
        "cik": a.cik,
        "company": a.company,
        "sort_key": sort_key(a),
        "lastmod": lastmod(a),
        "slug": a.slug,
        "entry": ARTICLE.dump_python(light(a), mode="json"),
    }


@dataclass(frozen=True)
class DayRow:
    """One day of the archive: how many articles, and the newest one's lastmod."""

    day: date
    articles: int
    lastmod: date


@dataclass(frozen=True)
class CompanyRow:
    """One company of the directory: its newest name and how many articles it has."""

    cik: int
    company: str
    articles: int


def chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    """`items` in slices of at most `size` (bounded IN lists)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


class SiteIndex:
    """Narrow reads of `site_entries`; rows are written with the publications of their day."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _articles(self, q: sa.Select) -> list[RenderedArticle]:
        with self.engine.connect() as conn:
            return [ARTICLE.validate_python(r.entry) for r in conn.execute(q)]

    def _newest_first(self) -> sa.Select:
        c = t.site_entries.c
        return sa.select(c.entry).order_by(c.sort_key.desc(), c.accession.desc())

    def newest(self, limit: int) -> list[RenderedArticle]:
        """The `limit` newest listed articles, newest first (ties: higher accession first)."""
        return self._articles(self._newest_first().limit(limit))

    def for_day(self, day: date) -> list[RenderedArticle]:
        """The articles listed under `day`, newest first."""
        return self._articles(self._newest_first().where(t.site_entries.c.day == day))

    def for_company(self, cik: int) -> list[RenderedArticle]:
        """One company's articles, newest first."""
        return self._articles(self._newest_first().where(t.site_entries.c.cik == cik))

    def for_accessions(self, accessions: Iterable[str]) -> list[RenderedArticle]:
        """The listed articles among these accessions (any day)."""
        out: list[RenderedArticle] = []
        for part in chunks(sorted(set(accessions))):
            out += self._articles(self._newest_first().where(t.site_entries.c.accession.in_(part)))
        return out

    def month_pages(self, month: str) -> list[tuple[str, date]]:
        """(slug, lastmod) of the month's articles, newest first: its sitemap."""
        c = t.site_entries.c
        q = (
            sa.select(c.slug, c.lastmod)
            .where(c.month == month)
            .order_by(c.sort_key.desc(), c.accession.desc())
        )
        with self.engine.connect() as conn:
            return [(r.slug, r.lastmod) for r in conn.execute(q)]

    def day_counts(self) -> list[DayRow]:
        """One row per day with articles, newest day first."""
        c = t.site_entries.c
        q = (
            sa.select(c.day, sa.func.count(), sa.func.max(c.lastmod))
            .group_by(c.day)
            .order_by(c.day.desc())
        )
        with self.engine.connect() as conn:
            return [DayRow(r[0], int(r[1]), r[2]) for r in conn.execute(q)]

    def count(self) -> int:
        """How many articles the site lists."""
        with self.engine.connect() as conn:
            q = sa.select(sa.func.count()).select_from(t.site_entries)
            return int(conn.execute(q).scalar_one())

    def days(self) -> list[date]:
        """Every day with listed articles, oldest first."""
        return sorted(r.day for r in self.day_counts())

    def companies(self) -> list[CompanyRow]:
        """One row per company: the name on its newest article and its article count."""
        c = t.site_entries.c
        ranked = sa.select(
            c.cik,
            c.company,
            sa.func.count().over(partition_by=c.cik).label("n"),
            sa.func.row_number()
            .over(partition_by=c.cik, order_by=(c.sort_key.desc(), c.accession.desc()))
            .label("rk"),
        ).subquery()
        q = sa.select(ranked.c.cik, ranked.c.company, ranked.c.n).where(ranked.c.rk == 1)
        with self.engine.connect() as conn:
            return [CompanyRow(int(r.cik), r.company, int(r.n)) for r in conn.execute(q)]

    def company_names(self, cik: int) -> list[str]:
        """The names one company's listed articles carry, newest first."""
        c = t.site_entries.c
        newest = sa.func.max(c.sort_key)
        q = sa.select(c.company).where(c.cik == cik).group_by(c.company).order_by(newest.desc())
        with self.engine.connect() as conn:
            return list(conn.execute(q).scalars())

    def company_ciks(self) -> list[int]:
        """Every company with listed articles."""
        c = t.site_entries.c
        with self.engine.connect() as conn:
            return sorted(conn.execute(sa.select(c.cik).distinct()).scalars())


def _insert_for(engine: sa.Engine) -> Any:
    """The dialect's INSERT with ON CONFLICT (an upsert that concurrent writers cannot break)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class SiteManifest:
    """What one destination holds, path -> {sha256, content_type, cache_control}, in the store.

    The publishers diff against it instead of listing the destination."""

    def __init__(self, engine: sa.Engine, destination: str) -> None:
        self.engine = engine
        self.destination = destination

    def entries(self, paths: Iterable[str]) -> dict[str, dict[str, str]]:
        """The recorded entries of these paths (absent paths are missing from the result)."""
        c = t.site_files.c
        out: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for part in chunks(sorted(set(paths))):
                q = sa.select(c.path, c.sha256, c.content_type, c.cache_control).where(
                    c.destination == self.destination, c.path.in_(part)
                )
                for r in conn.execute(q):
                    out[r.path] = {
                        "sha256": r.sha256,
                        "content_type": r.content_type,
                        "cache_control": r.cache_control,
                    }
        return out

    def paths(self, prefix: str = "") -> list[str]:
        """Recorded paths starting with `prefix` (all of them when empty), sorted."""
        c = t.site_files.c
        q = sa.select(c.path).where(c.destination == self.destination)
        if prefix:
            q = q.where(c.path.startswith(prefix, autoescape=True))
        with self.engine.connect() as conn:
            return list(conn.execute(q.order_by(c.path)).scalars())

    def record(self, entries: dict[str, dict[str, str]]) -> None:
        """Insert or replace these paths' entries, in one transaction."""
        if not entries:
            return
        c = t.site_files.c
        rows = [
            {
                "destination": self.destination,
                "path": p,
                "sha256": e["sha256"],
                "content_type": e.get("content_type", ""),
                "cache_control": e.get("cache_control", ""),
            }
            for p, e in entries.items()
        ]
        insert = _insert_for(self.engine)
        with self.engine.begin() as conn:
            for part in chunks(rows):
                stmt = insert(t.site_files).values(list(part))
                stmt = stmt.on_conflict_do_update(
                    index_elements=[c.destination, c.path],
                    set_={k: stmt.excluded[k] for k in ("sha256", "content_type", "cache_control")},
                )
                conn.execute(stmt)

    def count(self) -> int:
        """How many paths the destination holds."""
        c = t.site_files.c
        q = sa.select(sa.func.count()).where(c.destination == self.destination)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def forget(self, paths: Iterable[str]) -> None:
        """Drop these paths (after they were deleted at the destination)."""
        c = t.site_files.c
        with self.engine.begin() as conn:
            for part in chunks(sorted(set(paths))):
                conn.execute(
                    sa.delete(t.site_files).where(
                        c.destination == self.destination, c.path.in_(part)
                    )
                )
