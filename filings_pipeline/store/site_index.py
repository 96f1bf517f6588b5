"""The site's index in the content store: what each listing shows, read by narrow queries.

`site_entries` holds one row per published article without its page bodies; the listings
(newest N, one day, one company, one month) are queries over it. The directories read two
small tables kept with it in the same transaction (`refresh_aggregates`): `site_day_stats`
(one row per day) and `site_companies` (one row per company, with its directory bucket), so
no step reads or aggregates the whole archive.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

import sqlalchemy as sa

from filings_pipeline.rendering.models import RenderedArticle
from filings_pipeline.rendering.slugs import directory_bucket
from filings_pipeline.rendering.timefmt import moment
from filings_pipeline.store import tables as t
from filings_pipeline.store.records import ARTICLE

_CHUNK = 500  # IN-list size of batched reads
_AGGREGATES_LOCK = 0x517E_A66  # PostgreSQL advisory lock key of refresh_aggregates


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

    @property
    def bucket(self) -> str:
        """The directory page it is listed on (slugs.directory_bucket of its newest name)."""
        return directory_bucket(self.company)


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

    def for_companies(self, ciks: Iterable[int]) -> dict[int, list[RenderedArticle]]:
        """These companies' articles, newest first each (one query per 500 companies)."""
        out: dict[int, list[RenderedArticle]] = {}
        for part in chunks(sorted(set(ciks))):
            q = self._newest_first().where(t.site_entries.c.cik.in_(part))
            for a in self._articles(q):
                out.setdefault(a.cik, []).append(a)
        return out

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
        """One row per day with articles, newest day first (for a rebuild)."""
        return self._day_rows(None)

    def days_of_month(self, month: str) -> list[DayRow]:
        """The month's days with articles, newest first."""
        return self._day_rows(month)

    def _day_rows(self, month: str | None) -> list[DayRow]:
        c = t.site_day_stats.c
        q = sa.select(c.day, c.articles, c.lastmod).order_by(c.day.desc())
        if month is not None:
            q = q.where(c.month == month)
        with self.engine.connect() as conn:
            return [DayRow(r.day, int(r.articles), r.lastmod) for r in conn.execute(q)]

    def month_counts(self) -> list[tuple[str, int, date]]:
        """(month, articles, newest lastmod) per month with articles, newest month first."""
        c = t.site_day_stats.c
        q = (
            sa.select(c.month, sa.func.sum(c.articles), sa.func.max(c.lastmod))
            .group_by(c.month)
            .order_by(c.month.desc())
        )
        with self.engine.connect() as conn:
            return [(r[0], int(r[1]), r[2]) for r in conn.execute(q)]

    def count(self) -> int:
        """How many articles the site lists."""
        with self.engine.connect() as conn:
            q = sa.select(sa.func.sum(t.site_day_stats.c.articles))
            return int(conn.execute(q).scalar() or 0)

    def days(self) -> list[date]:
        """Every day with listed articles, oldest first."""
        return sorted(r.day for r in self.day_counts())

    def bucket_counts(self) -> list[tuple[str, int]]:
        """(directory bucket, companies) per bucket with companies, sorted by bucket."""
        c = t.site_companies.c
        q = sa.select(c.bucket, sa.func.count()).group_by(c.bucket).order_by(c.bucket)
        with self.engine.connect() as conn:
            return [(r[0], int(r[1])) for r in conn.execute(q)]

    def companies_in(self, bucket: str) -> list[CompanyRow]:
        """The companies listed on one directory bucket (any order)."""
        c = t.site_companies.c
        q = sa.select(c.cik, c.company, c.articles).where(c.bucket == bucket)
        with self.engine.connect() as conn:
            return [CompanyRow(int(r.cik), r.company, int(r.articles)) for r in conn.execute(q)]

    def companies_of(self, ciks: Iterable[int]) -> dict[int, CompanyRow]:
        """The directory rows of these companies (those with listed articles)."""
        c = t.site_companies.c
        out: dict[int, CompanyRow] = {}
        with self.engine.connect() as conn:
            for part in chunks(sorted(set(ciks))):
                q = sa.select(c.cik, c.company, c.articles).where(c.cik.in_(part))
                for r in conn.execute(q):
                    out[int(r.cik)] = CompanyRow(int(r.cik), r.company, int(r.articles))
        return out

    def companies(self) -> list[CompanyRow]:
        """Every company's directory row (for a rebuild and tests)."""
        c = t.site_companies.c
        q = sa.select(c.cik, c.company, c.articles).order_by(c.cik)
        with self.engine.connect() as conn:
            return [CompanyRow(int(r.cik), r.company, int(r.articles)) for r in conn.execute(q)]

    def company_names(self, ciks: Iterable[int]) -> dict[int, list[str]]:
        """The names each of these companies' listed articles carry, newest first."""
        c = t.site_entries.c
        out: dict[int, list[str]] = {}
        with self.engine.connect() as conn:
            for part in chunks(sorted(set(ciks))):
                newest = sa.func.max(c.sort_key)
                q = (
                    sa.select(c.cik, c.company)
                    .where(c.cik.in_(part))
                    .group_by(c.cik, c.company)
                    .order_by(c.cik, newest.desc())
                )
                for r in conn.execute(q):
                    out.setdefault(int(r.cik), []).append(r.company)
        return out

    def company_ciks(self) -> list[int]:
        """Every company with listed articles."""
        c = t.site_companies.c
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(c.cik).order_by(c.cik)).scalars())


def refresh_aggregates(
    conn: sa.Connection, days: Iterable[date] | None, ciks: Iterable[int] | None
) -> None:
    """Recompute the `site_day_stats` rows of these days and the `site_companies` rows of
    these companies from `site_entries` (None: all of them), inside the caller's transaction.
    Each read is narrow: the entries of those days and of those companies. One transaction
    at a time recomputes (an advisory lock on PostgreSQL; SQLite has one writer anyway), so
    two days committed at once both count in a company they share."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AGGREGATES_LOCK})
    d, c = t.site_day_stats.c, t.site_companies.c
    e = t.site_entries.c
    day_parts = [None] if days is None else list(chunks(sorted(set(days))))
    for part in day_parts:
        delete = sa.delete(t.site_day_stats)
        conn.execute(delete if part is None else delete.where(d.day.in_(part)))
        q = sa.select(e.day, e.month, sa.func.count(), sa.func.max(e.lastmod)).group_by(
            e.day, e.month
        )
        rows = [
            {"day": r[0], "month": r[1], "articles": int(r[2]), "lastmod": r[3]}
            for r in conn.execute(q if part is None else q.where(e.day.in_(part)))
        ]
        if rows:
            conn.execute(sa.insert(t.site_day_stats), rows)
    cik_parts = [None] if ciks is None else list(chunks(sorted(set(ciks))))
    for part in cik_parts:
        delete = sa.delete(t.site_companies)
        conn.execute(delete if part is None else delete.where(c.cik.in_(part)))
        q = sa.select(e.cik, e.company).order_by(e.cik, e.sort_key.desc(), e.accession.desc())
        newest: dict[int, list[Any]] = {}  # cik -> [newest name, count]
        for r in conn.execute(q if part is None else q.where(e.cik.in_(part))):
            row = newest.setdefault(int(r.cik), [r.company, 0])
            row[1] += 1
        rows = [
            {"cik": cik, "company": name, "bucket": directory_bucket(name), "articles": n}
            for cik, (name, n) in newest.items()
        ]
        for chunk in chunks(rows):
            conn.execute(sa.insert(t.site_companies), list(chunk))


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
            added = 0
            for part in chunks(rows):
                present = sa.select(sa.func.count()).where(
                    c.destination == self.destination, c.path.in_([r["path"] for r in part])
                )
                added += len(part) - int(conn.execute(present).scalar_one())
                stmt = insert(t.site_files).values(list(part))
                stmt = stmt.on_conflict_do_update(
                    index_elements=[c.destination, c.path],
                    set_={k: stmt.excluded[k] for k in ("sha256", "content_type", "cache_control")},
                )
                conn.execute(stmt)
            self._add_to_count(conn, added)

    def _add_to_count(self, conn: sa.Connection, delta: int) -> None:
        """Keep site_state.files (when the destination has one) equal to its recorded paths,
        in the transaction that changed them, so a publish never counts the manifest."""
        if delta:
            s = t.site_state.c
            conn.execute(
                sa.update(t.site_state)
                .where(s.destination == self.destination)
                .values(files=s.files + delta)
            )

    def count(self) -> int:
        """How many paths the destination holds (kept in site_state; counted when the
        destination has no state yet)."""
        s = t.site_state.c
        with self.engine.connect() as conn:
            q = sa.select(s.files).where(s.destination == self.destination)
            kept = conn.execute(q).scalar()
        return self.counted() if kept is None else int(kept)

    def counted(self) -> int:
        """How many paths the destination holds, counted (reads every row of it)."""
        c = t.site_files.c
        q = sa.select(sa.func.count()).where(c.destination == self.destination)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def directory(self, ciks: Iterable[int]) -> dict[int, str]:
        """The name the destination's company directory lists each of these companies under."""
        c = t.site_directory.c
        out: dict[int, str] = {}
        with self.engine.connect() as conn:
            for part in chunks(sorted(set(ciks))):
                q = sa.select(c.cik, c.company).where(
                    c.destination == self.destination, c.cik.in_(part)
                )
                out.update({int(r.cik): r.company for r in conn.execute(q)})
        return out

    def record_directory(self, names: dict[int, str | None]) -> None:
        """Record what the destination's directory now lists (None: the company is gone)."""
        c = t.site_directory.c
        with self.engine.begin() as conn:
            for part in chunks(sorted(names)):
                conn.execute(
                    sa.delete(t.site_directory).where(
                        c.destination == self.destination, c.cik.in_(part)
                    )
                )
                rows = [
                    {"destination": self.destination, "cik": cik, "company": names[cik]}
                    for cik in part
                    if names[cik] is not None
                ]
                if rows:
                    conn.execute(sa.insert(t.site_directory), rows)

    def reset_directory(self) -> None:
        """Record that the destination lists every company as site_companies has it (after a
        rebuild wrote the whole directory)."""
        c, k = t.site_directory.c, t.site_companies.c
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.site_directory).where(c.destination == self.destination))
            rows = sa.select(sa.literal(self.destination), k.cik, k.company)
            conn.execute(
                sa.insert(t.site_directory).from_select(["destination", "cik", "company"], rows)
            )

    def forget(self, paths: Iterable[str]) -> None:
        """Drop these paths (after they were deleted at the destination)."""
        c = t.site_files.c
        with self.engine.begin() as conn:
            removed = 0
            for part in chunks(sorted(set(paths))):
                result = conn.execute(
                    sa.delete(t.site_files).where(
                        c.destination == self.destination, c.path.in_(part)
                    )
                )
                removed += result.rowcount
            self._add_to_count(conn, -removed)
