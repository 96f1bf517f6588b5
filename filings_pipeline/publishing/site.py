"""Which pages a publish writes: the whole site (a rebuild) or what one day changed.

Both read the archive through a `SiteSource` (the content store's narrow queries, or a list of
articles in memory for small sites and tests) and build pages with `publishing.pages`, so an
incremental publish and a rebuild produce the same bytes for every page they both write.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Protocol
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

from filings_pipeline.publishing import feeds
from filings_pipeline.publishing import pages as pg
from filings_pipeline.publishing.models import SiteFile
from filings_pipeline.rendering import slugs
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.rendering.slugs import directory_bucket
from filings_pipeline.store.site_index import CompanyRow, DayRow, lastmod, light, sort_key

relative = pg.relative  # re-exported: templates' callers link with it


class SiteSource(Protocol):
    """The narrow reads the pages are built from (`store.site_index.SiteIndex` in production)."""

    def newest(self, limit: int) -> list[RenderedArticle]: ...
    def for_day(self, day: date) -> list[RenderedArticle]: ...
    def for_company(self, cik: int) -> list[RenderedArticle]: ...
    def for_companies(self, ciks: Iterable[int]) -> dict[int, list[RenderedArticle]]: ...
    def month_pages(self, month: str) -> list[tuple[str, date]]: ...
    def day_counts(self) -> list[DayRow]: ...
    def days_of_month(self, month: str) -> list[DayRow]: ...
    def month_counts(self) -> list[pg.MonthRow]: ...
    def bucket_counts(self) -> list[tuple[str, int]]: ...
    def companies_in(self, bucket: str) -> list[CompanyRow]: ...
    def company_ciks(self) -> list[int]: ...


class MemorySource:
    """A `SiteSource` over a list of articles (the same order and rows as the store's)."""

    def __init__(self, articles: Iterable[RenderedArticle]) -> None:
        rows = [(sort_key(a), a.accession, light(a)) for a in articles]
        self._articles = [a for _, _, a in sorted(rows, key=lambda r: r[:2], reverse=True)]

    def newest(self, limit: int) -> list[RenderedArticle]:
        return self._articles[:limit]

    def for_day(self, day: date) -> list[RenderedArticle]:
        return [a for a in self._articles if a.day == day]

    def for_company(self, cik: int) -> list[RenderedArticle]:
        return [a for a in self._articles if a.cik == cik]

    def for_companies(self, ciks: Iterable[int]) -> dict[int, list[RenderedArticle]]:
        wanted, out = set(ciks), {}
        for a in self._articles:
            if a.cik in wanted:
                out.setdefault(a.cik, []).append(a)
        return out

    def month_pages(self, month: str) -> list[tuple[str, date]]:
        return [(a.slug, lastmod(a)) for a in self._articles if pg.month_of(a.day) == month]

    def day_counts(self) -> list[DayRow]:
        days = sorted({a.day for a in self._articles}, reverse=True)
        return [
            DayRow(d, len(arts), max(lastmod(a) for a in arts))
            for d in days
            for arts in [self.for_day(d)]
        ]

    def days_of_month(self, month: str) -> list[DayRow]:
        return [r for r in self.day_counts() if pg.month_of(r.day) == month]

    def month_counts(self) -> list[pg.MonthRow]:
        months: dict[str, list[DayRow]] = {}
        for r in self.day_counts():
            months.setdefault(pg.month_of(r.day), []).append(r)
        return [
            (m, sum(r.articles for r in rs), max(r.lastmod for r in rs))
            for m, rs in sorted(months.items(), reverse=True)
        ]

    def _companies(self) -> list[CompanyRow]:
        rows: dict[int, CompanyRow] = {}
        for a in self._articles:  # newest first: the first name seen is the newest
            old = rows.get(a.cik)
            rows[a.cik] = CompanyRow(
                a.cik, old.company if old else a.company, (old.articles if old else 0) + 1
            )
        return list(rows.values())

    def bucket_counts(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for r in self._companies():
            counts[r.bucket] = counts.get(r.bucket, 0) + 1
        return sorted(counts.items())

    def companies_in(self, bucket: str) -> list[CompanyRow]:
        return [r for r in self._companies() if r.bucket == bucket]

    def company_ciks(self) -> list[int]:
        return sorted({a.cik for a in self._articles})


def shared_pages(source: SiteSource, site: SiteConfig) -> list[SiteFile]:
    """The pages every publish rewrites (unchanged ones are skipped by the publisher's digest
    check), each from an aggregate bounded by months and directory buckets, not articles:
    home, feed, the day and company indexes, the sitemap index and pages sitemap, static."""
    months, buckets = source.month_counts(), source.bucket_counts()
    newest = source.newest(max(pg.HOME_SIZE, pg.FEED_SIZE))
    return [
        pg.days_index(months, site),
        pg.companies_index(buckets, site),
        pg.home_page(newest, site),
        pg.feed_file(newest, site),
        pg.pages_sitemap(months, buckets, site),
        pg.sitemap_index(months, buckets, site),
        *pg.static_files(site),
    ]


def month_files(source: SiteSource, site: SiteConfig, months: Iterable[str]) -> list[SiteFile]:
    """The page of days and the sitemap of each of these months (those with articles)."""
    files: list[SiteFile] = []
    for m in sorted(months):
        days = source.days_of_month(m)
        if days:
            files += [
                pg.month_page(m, days, site),
                pg.month_sitemap(m, days, source.month_pages(m), site),
            ]
    return files


def directory_files(
    source: SiteSource, site: SiteConfig, buckets: Iterable[str] | None = None
) -> list[SiteFile]:
    """The page and sitemap of each of these directory buckets (None: all), and the letter
    pages over them (those with companies)."""
    counts = source.bucket_counts()
    wanted = {b for b, _ in counts} if buckets is None else set(buckets)
    files: list[SiteFile] = []
    for b in sorted(wanted):
        companies = source.companies_in(b)
        if companies:
            files += [pg.bucket_page(b, companies, site), pg.bucket_sitemap(b, companies, site)]
    by_letter: dict[str, list[tuple[str, int]]] = {}
    for b, n in counts:
        by_letter.setdefault(slugs.bucket_letter(b), []).append((b, n))
    for x in sorted({slugs.bucket_letter(b) for b in wanted}):
        if x in by_letter:
            files.append(pg.letter_page(x, by_letter[x], site))
    return files


def site_batches(
    source: SiteSource,
    site: SiteConfig,
    articles_of_day: Callable[[date], Sequence[RenderedArticle]],
) -> Iterator[list[SiteFile]]:
    """The whole site, in write order (every article before any listing), one bounded batch
    at a time: a day's articles, a day's pages, a company's pages, the months, the
    directory, then the shared pages."""
    days = [r.day for r in source.day_counts()]
    for d in days:
        yield [f for a in articles_of_day(d) for f in pg.article_files(a)]
    for d in days:
        yield pg.day_files(d, source.for_day(d), site)
    for cik in source.company_ciks():
        yield pg.company_files(cik, source.for_company(cik), site)
    yield month_files(source, site, {pg.month_of(d) for d in days})
    yield directory_files(source, site)
    yield shared_pages(source, site)


def build_site(articles: Sequence[RenderedArticle], site: SiteConfig) -> list[SiteFile]:
    """The whole site of these articles in write order (for small sites and tests; the
    publish phase streams `site_batches` over the store instead)."""
    _check_unique(articles)
    by_day: dict[date, list[RenderedArticle]] = {}
    for a in sorted(articles, key=lambda a: a.accession):
        by_day.setdefault(a.day, []).append(a)
    batches = site_batches(MemorySource(articles), site, lambda d: by_day.get(d, []))
    return [f for batch in batches for f in batch]


@dataclass
class DayChange:
    """What publishing one day changed in the archive, and so which pages to rewrite."""

    day: date
    before: list[RenderedArticle] = field(default_factory=list)  # listed before (light)
    after: list[RenderedArticle] = field(default_factory=list)  # listed now (light)
    company_names: dict[int, list[str]] = field(default_factory=dict)  # before, newest first
    listed: dict[int, str] = field(default_factory=dict)  # the destination's directory names
    companies_after: dict[int, CompanyRow] = field(default_factory=dict)  # directory rows now
    gone: list[RenderedArticle] = field(default_factory=list)  # the destination has, not listed

    @property
    def days(self) -> set[date]:
        return {self.day} | {a.day for a in self.before}

    @property
    def ciks(self) -> set[int]:
        return {a.cik for a in (*self.before, *self.after, *self.gone)}

    @property
    def months(self) -> set[str]:
        return {pg.month_of(d) for d in self.days}

    @property
    def buckets(self) -> set[str]:
        """Directory buckets a company joined, left or was renamed in (their pages list
        names only, so a new article on a known company changes none)."""
        out: set[str] = set()
        for cik in self.ciks | set(self.listed):
            was, row = self.listed.get(cik), self.companies_after.get(cik)
            now = row.company if row else None
            if was != now:
                out |= {directory_bucket(name) for name in (was, now) if name is not None}
        return out

    @property
    def directory(self) -> dict[int, str | None]:
        """What the destination's directory lists once the change is written."""
        ciks = self.ciks | set(self.listed)
        return {cik: (r.company if (r := self.companies_after.get(cik)) else None) for cik in ciks}

    @property
    def retracted(self) -> list[str]:
        """Slugs listed before and not now (held back, or moved to another slug)."""
        now = {a.slug for a in self.after}
        return sorted({a.slug for a in (*self.before, *self.gone)} - now)


def day_listings(source: SiteSource, site: SiteConfig, change: DayChange) -> list[SiteFile]:
    """The listings one day's change touches: its days' pages and digests, its companies'
    pages, its months' pages and sitemaps, the directory buckets and letters whose companies
    changed, and the shared pages."""
    files: list[SiteFile] = []
    for d in sorted(change.days):
        entries = source.for_day(d)
        if entries:
            files += pg.day_files(d, entries, site)
    by_company = source.for_companies(change.ciks)
    for cik in sorted(change.ciks):
        files += pg.company_files(cik, by_company.get(cik, []), site)
    files += month_files(source, site, change.months)
    buckets = change.buckets
    if buckets:
        files += directory_files(source, site, buckets)
    files += shared_pages(source, site)
    return files


def stale_candidates(change: DayChange) -> list[str]:
    """Paths that may no longer belong to the site after this change (the caller keeps the
    ones it just wrote): retracted articles, emptied days and months, companies' pages under
    names they no longer have, and the directory pages of the buckets and letters they left."""
    paths = [p for slug in change.retracted for p in pg.article_paths(slug)]
    paths += [p for d in change.days for p in pg.day_paths(d)]
    paths += [p for m in change.months for p in (pg.month_path(m), pg.month_sitemap_path(m))]
    for cik, names in change.company_names.items():
        paths += [slugs.company_path(cik, name) for name in names]
    paths += [slugs.company_path(a.cik, a.company) for a in change.gone]
    for b in change.buckets:
        paths += [
            pg.bucket_path(b),
            pg.bucket_sitemap_path(b),
            pg.letter_path(slugs.bucket_letter(b)),
        ]
    return paths


def _check_unique(articles: Sequence[RenderedArticle]) -> None:
    seen: dict[str, str] = {}
    for a in articles:
        for key in (a.slug, a.accession):
            if key in seen:
                raise ValueError(f"duplicate article {key!r}: pass each accession once")
            seen[key] = a.accession


def _resolve(link: str, from_path: str, base_url: str) -> str | None:
    """Site-relative target of `link`, or None when it points outside the site.

    A root-absolute link comes back with its leading '/' so the caller can report it."""
    return _resolve_in(link.strip(), posixpath.dirname(from_path), base_url)


@lru_cache(maxsize=65536)
def _resolve_in(link: str, folder: str, base_url: str) -> str | None:
    """`_resolve` for a page in `folder` (cached: the pages of a publish share most links)."""
    prefix = base_url.rstrip("/") + "/" if base_url else ""
    if prefix and link.startswith(prefix):
        link, folder = link[len(prefix) :], ""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path:
        return None  # external, mailto:, or a same-page '#fragment'
    path = unquote(parts.path)
    if path.startswith("/"):
        return path  # root-absolute links break under a folder or an S3 prefix
    target = posixpath.normpath(posixpath.join(folder, path))
    if target == ".":
        return "index.html"
    return posixpath.join(target, "index.html") if path.endswith("/") else target


_LINK_ATTRIBUTES = etree.XPath("//@href | //@src | //@action | //@poster | //@data")


def _links(f: SiteFile) -> list[str]:
    if f.content_type.startswith("text/html"):
        if not f.body.strip():
            return []
        doc = lxml.html.document_fromstring(f.body)
        return [str(link) for link in _LINK_ATTRIBUTES(doc)]
    if f.path.endswith(".xml"):
        root = etree.fromstring(f.body)
        hrefs = [el.get("href", "") for el in root.iter(f"{{{feeds.ATOM_NS}}}link")]
        locs = [el.text or "" for el in root.iter(f"{{{feeds.SITEMAP_NS}}}loc")]
        return hrefs + locs
    return []


Unresolved = dict[str, tuple[str, str]]  # target path -> (first page linking it, the link)


def link_problems(files: Sequence[SiteFile], base_url: str = "") -> tuple[list[str], Unresolved]:
    """(problems found in the files alone, links to paths not among them). Root-absolute links
    ('/x.html') and links leaving the site are problems: they break under a folder or prefix."""
    written = {f.path for f in files}
    problems: list[str] = []
    unresolved: Unresolved = {}
    for f in files:
        try:
            links = _links(f)
        except (etree.XMLSyntaxError, etree.ParserError, ValueError) as exc:
            problems.append(f"{f.path}: cannot parse ({exc})")
            continue
        for link in dict.fromkeys(links):
            target = _resolve(link, f.path, base_url)
            if target is None:
                continue
            if target.startswith("/"):
                problems.append(f"{f.path}: root-absolute link {link!r} (use a relative link)")
            elif target == ".." or target.startswith("../"):
                problems.append(f"{f.path}: link {link!r} leaves the site")
            elif target not in written:
                unresolved.setdefault(target, (f.path, link))
    return problems, unresolved


def broken(unresolved: Unresolved, present: Callable[[set[str]], set[str]] | None) -> list[str]:
    """'page: broken link' messages for the targets `present` (the manifest) does not hold."""
    found = present(set(unresolved)) if present and unresolved else set()
    return [
        f"{page}: broken link {link!r} (no {target})"
        for target, (page, link) in sorted(unresolved.items())
        if target not in found
    ]


def check_internal_links(
    files: Sequence[SiteFile],
    base_url: str = "",
    present: Callable[[set[str]], set[str]] | None = None,
) -> list[str]:
    """Every internal link (HTML href/src, Atom links, sitemap locations) of `files` that does
    not resolve to a file of the site, as 'page: broken link ...' messages. Empty: all good.

    A target not among `files` counts when `present(targets)` (the destination's manifest)
    returns it, so a day's publish checks its pages without reading the rest of the site.
    Links starting with `base_url` count as internal."""
    problems, unresolved = link_problems(files, base_url)
    return problems + broken(unresolved, present)
