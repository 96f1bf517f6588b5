"""The site's pages, each built from the narrow slice of the archive it shows.

Stable layout (a new article changes a bounded set of pages, never a chain of them):
`index.html` (the newest HOME_SIZE articles), `days/YYYY-MM-DD.html` (a day), `days/YYYY-MM.html`
(a month's days), `days/index.html` (the months), `companies/{cik}-{name}.html` (a company),
`companies/index.html` (the letters), `companies/letters/{x}.html` (a letter's buckets, by the
first two characters of the name), `companies/letters/{x}/{xy}.html` (a bucket's companies),
`feed.xml` (the newest FEED_SIZE), `sitemap.xml` (an index of `sitemap-pages.xml`, one
`sitemap-companies-{xy}.xml` per bucket and one `sitemap-YYYY-MM.xml` per month; at the root,
so their relative locations resolve). A bucket's page and sitemap change only when a company
joins, leaves or is renamed in it, so a day's articles on known companies rewrite no
directory page.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from filings_pipeline.publishing import email as email_files
from filings_pipeline.publishing import feeds
from filings_pipeline.publishing.models import SiteFile
from filings_pipeline.rendering import slugs
from filings_pipeline.rendering.environment import environment, favicon, stylesheet
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.rendering.timefmt import EASTERN, format_day, moment
from filings_pipeline.rendering.views import entry_view
from filings_pipeline.store.site_index import CompanyRow, DayRow

HTML = "text/html; charset=utf-8"
XML = "application/xml"
INDEX_CACHE = "public, max-age=300"
ARTICLE_CACHE = "public, max-age=3600"
CSS_CACHE = "public, max-age=86400"
EPOCH = datetime(1970, 1, 1, tzinfo=EASTERN)
HOME_SIZE = 30  # articles on the home page
FEED_SIZE = 50  # entries in the Atom feed
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DAYS_INDEX = "days/index.html"
COMPANIES_INDEX = "companies/index.html"
PAGES_SITEMAP = "sitemap-pages.xml"
STATIC_PATHS = ("404.html", "style.css", "favicon.svg")


def relative(from_path: str, to_path: str) -> str:
    """Relative link from the page at `from_path` to `to_path` (both site-relative)."""
    return posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")


def month_of(day: date) -> str:
    """'2026-11' of a day."""
    return day.strftime("%Y-%m")


def month_path(month: str) -> str:
    """Site-relative path of a month's page of days."""
    return f"days/{month}.html"


def month_sitemap_path(month: str) -> str:
    """Site-relative path of a month's sitemap (its day pages and articles)."""
    return f"sitemap-{month}.xml"


def month_label(month: str) -> str:
    """'November 2026' of '2026-11'."""
    year, number = month.split("-")
    return f"{_MONTHS[int(number) - 1]} {year}"


def letter_of(company: str) -> str:
    """The directory letter of a company name: 'a'..'z', or '0-9' for anything else."""
    return slugs.bucket_letter(slugs.directory_bucket(company))


def letter_path(letter: str) -> str:
    """Site-relative path of a letter's page of buckets."""
    return f"companies/letters/{letter}.html"


def bucket_path(bucket: str) -> str:
    """Site-relative path of a bucket's page of companies."""
    return f"companies/letters/{slugs.bucket_letter(bucket)}/{bucket}.html"


def bucket_sitemap_path(bucket: str) -> str:
    """Site-relative path of a bucket's sitemap (its page and its companies' pages)."""
    return f"sitemap-companies-{bucket}.xml"


def bucket_label(bucket: str) -> str:
    """'Ac' of 'ac' ('0-9' stays)."""
    return bucket.capitalize()


def _page(path: str, template: str, site: SiteConfig, cache: str, **ctx: Any) -> SiteFile:
    ctx.setdefault("description", "")
    ctx.setdefault("canonical", site.absolute(path) if site.base_url else "")
    body = (
        environment().get_template(template).render(site=site, root=slugs.root_prefix(path), **ctx)
    )
    return SiteFile(path, body.encode("utf-8"), HTML, cache)


def _listing(
    path: str,
    site: SiteConfig,
    heading: str,
    entries: Sequence[RenderedArticle],
    *,
    intro: str = "",
    more: Sequence[tuple[str, str]] = (),
    canonical_path: str | None = None,
    page_title: str = "",
) -> SiteFile:
    canonical = site.absolute(canonical_path or path) if site.base_url else ""
    return _page(
        path,
        "listing.html",
        site,
        INDEX_CACHE,
        page_title=page_title or f"{heading} \u2014 {site.title}",
        heading=heading,
        intro=intro,
        entries=[entry_view(a) for a in entries],
        more=list(more),
        canonical=canonical,
    )


def _directory(
    path: str, site: SiteConfig, title: str, heading: str, rows: list, noun: str = "article"
) -> SiteFile:
    return _page(
        path,
        "directory.html",
        site,
        INDEX_CACHE,
        page_title=f"{title} \u2014 {site.title}",
        heading=heading,
        rows=rows,
        noun=noun,
    )


# ---- the pages of one article ----------------------------------------------------------------
def article_files(a: RenderedArticle) -> list[SiteFile]:
    """The article page and its email renderings (bodies as rendered and stored)."""
    page = SiteFile(slugs.article_path(a.slug), a.article_html.encode("utf-8"), HTML, ARTICLE_CACHE)
    return [page, *email_files.article_email_files(a)]


def article_paths(slug: str) -> list[str]:
    """Every path `article_files` writes for an article (to retract them)."""
    return [
        slugs.article_path(slug),
        slugs.email_article_path(slug, "html"),
        slugs.email_article_path(slug, "txt"),
    ]


# ---- listings --------------------------------------------------------------------------------
def home_page(newest: Sequence[RenderedArticle], site: SiteConfig) -> SiteFile:
    """index.html: the newest HOME_SIZE articles, with links to the archives."""
    return _listing(
        slugs.page_path(1),
        site,
        "Latest articles",
        newest[:HOME_SIZE],
        intro="Articles from the latest SEC filings, newest first.",
        more=[(DAYS_INDEX, "Older articles, by day"), (COMPANIES_INDEX, "By company")],
        page_title=site.title,
    )


def day_files(day: date, entries: Sequence[RenderedArticle], site: SiteConfig) -> list[SiteFile]:
    """A day's archive page and its digest web view (entries newest first)."""
    month = month_of(day)
    page = _listing(
        slugs.day_path(day),
        site,
        f"Filings of {format_day(day)}",
        entries,
        more=[(month_path(month), f"Every day of {month_label(month)}")],
    )
    return [page, *email_files.digest_files(day, entries, site)]


def day_paths(day: date) -> list[str]:
    """Every path `day_files` writes for a day."""
    return [slugs.day_path(day), slugs.digest_path(day, "html"), slugs.digest_path(day, "txt")]


def company_files(cik: int, entries: Sequence[RenderedArticle], site: SiteConfig) -> list[SiteFile]:
    """A company's page (entries newest first) under every name its articles link to."""
    if not entries:
        return []
    main_path = slugs.company_path(cik, entries[0].company)  # newest name
    paths = dict.fromkeys([main_path] + [slugs.company_path(cik, a.company) for a in entries])
    heading = f"{entries[0].company} (CIK {cik})"
    return [_listing(p, site, heading, entries, canonical_path=main_path) for p in paths]


def company_prefix(cik: int) -> str:
    """The path prefix every page of one company starts with."""
    return f"companies/{int(cik)}-"


def feed_file(newest: Sequence[RenderedArticle], site: SiteConfig) -> SiteFile:
    """feed.xml: the newest FEED_SIZE articles; updated = the newest one's time."""
    entries = newest[:FEED_SIZE]
    updated = moment(entries[0].accepted_at, entries[0].date_filed) if entries else EPOCH
    body = feeds.atom_feed(entries, site, updated=updated)
    return SiteFile(feeds.FEED_PATH, body, "application/atom+xml; charset=utf-8", INDEX_CACHE)


# ---- directories -----------------------------------------------------------------------------
MonthRow = tuple[str, int, date]  # (month, articles, newest lastmod)


def days_index(months: Sequence[MonthRow], site: SiteConfig) -> SiteFile:
    """days/index.html: the months, newest first, with their article counts."""
    rows = [(month_path(m), month_label(m), n) for m, n, _ in months]
    return _directory(DAYS_INDEX, site, "By day", "Articles by month", rows)


def month_page(month: str, days: Sequence[DayRow], site: SiteConfig) -> SiteFile:
    """days/YYYY-MM.html: the month's days, newest first, with their article counts."""
    rows = [(slugs.day_path(r.day), format_day(r.day), r.articles) for r in days]
    label = month_label(month)
    return _directory(month_path(month), site, label, f"Filings of {label}", rows)


def companies_index(buckets: Sequence[tuple[str, int]], site: SiteConfig) -> SiteFile:
    """companies/index.html: the letters with their company counts."""
    letters: dict[str, int] = {}
    for bucket, n in buckets:
        letter = slugs.bucket_letter(bucket)
        letters[letter] = letters.get(letter, 0) + n
    rows = [(letter_path(x), x.upper(), letters[x]) for x in sorted(letters)]
    return _directory(COMPANIES_INDEX, site, "Companies", "Companies", rows, noun="company")


def letter_page(letter: str, buckets: Sequence[tuple[str, int]], site: SiteConfig) -> SiteFile:
    """companies/letters/{x}.html: the letter's buckets with their company counts."""
    rows = [(bucket_path(b), bucket_label(b), n) for b, n in sorted(buckets)]
    heading = f"Companies: {letter.upper()}"
    return _directory(letter_path(letter), site, heading, heading, rows, noun="company")


def bucket_page(bucket: str, companies: Sequence[CompanyRow], site: SiteConfig) -> SiteFile:
    """companies/letters/{x}/{xy}.html: the bucket's companies by name (no counts, so the page
    changes only when a company joins, leaves or is renamed)."""
    rows = [
        (slugs.company_path(r.cik, r.company), r.company, None)
        for r in sorted(companies, key=lambda r: (r.company.lower(), r.cik))
    ]
    heading = f"Companies: {bucket_label(bucket)}"
    return _directory(bucket_path(bucket), site, heading, heading, rows, noun="company")


# ---- sitemaps --------------------------------------------------------------------------------
def _sitemap(path: str, entries: list[tuple[str, date | None]], site: SiteConfig) -> SiteFile:
    return SiteFile(path, feeds.sitemap(entries, site), XML, INDEX_CACHE)


def sitemap_index(
    months: Sequence[MonthRow], buckets: Sequence[tuple[str, int]], site: SiteConfig
) -> SiteFile:
    """sitemap.xml: sitemap-pages.xml, then the buckets' and the months' sitemaps."""
    children = [PAGES_SITEMAP] + [bucket_sitemap_path(b) for b, _ in sorted(buckets)]
    children += [month_sitemap_path(m) for m, _, _ in months]
    return SiteFile(feeds.SITEMAP_PATH, feeds.sitemap_index(children, site), XML, INDEX_CACHE)


def pages_sitemap(
    months: Sequence[MonthRow], buckets: Sequence[tuple[str, int]], site: SiteConfig
) -> SiteFile:
    """sitemap-pages.xml: home, the day directory and months, the company index and letters."""
    letters = sorted({slugs.bucket_letter(b) for b, _ in buckets})
    newest = max((lastmod for _, _, lastmod in months), default=None)
    pages: list[tuple[str, date | None]] = [("index.html", newest), (DAYS_INDEX, None)]
    pages += [(month_path(m), None) for m, _, _ in months]
    pages += [(COMPANIES_INDEX, None)] + [(letter_path(x), None) for x in letters]
    return _sitemap(PAGES_SITEMAP, pages, site)


def bucket_sitemap(bucket: str, companies: Sequence[CompanyRow], site: SiteConfig) -> SiteFile:
    """sitemap-companies-{xy}.xml: the bucket's page and its companies' pages."""
    entries: list[tuple[str, date | None]] = [(bucket_path(bucket), None)]
    entries += [
        (slugs.company_path(r.cik, r.company), None) for r in sorted(companies, key=lambda r: r.cik)
    ]
    return _sitemap(bucket_sitemap_path(bucket), entries, site)


def month_sitemap(
    month: str, days: Sequence[DayRow], articles: Sequence[tuple[str, date]], site: SiteConfig
) -> SiteFile:
    """sitemap-YYYY-MM.xml: the month's day pages (`days`: that month's) and article pages."""
    entries: list[tuple[str, date | None]] = [(slugs.day_path(r.day), r.lastmod) for r in days]
    entries += [(slugs.article_path(slug), lastmod) for slug, lastmod in articles]
    return _sitemap(month_sitemap_path(month), entries, site)


# ---- static ----------------------------------------------------------------------------------
def static_files(site: SiteConfig) -> list[SiteFile]:
    """404 page, stylesheet and icon."""
    not_found_root = f"{site.base_url}/" if site.base_url else ""
    body = (
        environment()
        .get_template("404.html")
        .render(
            site=site,
            root=not_found_root,
            page_title=f"Page not found \u2014 {site.title}",
            description="",
            canonical="",
        )
    )
    return [
        SiteFile("404.html", body.encode("utf-8"), HTML, INDEX_CACHE),
        SiteFile("style.css", stylesheet().encode("utf-8"), "text/css; charset=utf-8", CSS_CACHE),
        SiteFile("favicon.svg", favicon(), "image/svg+xml", CSS_CACHE),
    ]
