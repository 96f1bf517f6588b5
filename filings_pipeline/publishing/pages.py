"""The site's pages, each built from the narrow slice of the archive it shows.

Stable layout (a new article changes a bounded set of pages, never a chain of them):
`index.html` (the newest HOME_SIZE articles), `days/YYYY-MM-DD.html` (a day), `days/YYYY-MM.html`
(a month's days), `days/index.html` (the months), `companies/{cik}-{name}.html` (a company),
`companies/letters/{x}.html` (the companies of a letter), `companies/index.html` (the letters),
`feed.xml` (the newest FEED_SIZE), `sitemap.xml` (an index of `sitemap-pages.xml`,
`sitemap-companies.xml` and one `sitemap-YYYY-MM.xml` per month; at the root, so their
relative locations resolve).
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
COMPANIES_SITEMAP = "sitemap-companies.xml"
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
    first = slugs.slugify(company, 50)[0]
    return first if first.isalpha() else "0-9"


def letter_path(letter: str) -> str:
    """Site-relative path of a letter's page of companies."""
    return f"companies/letters/{letter}.html"


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
def day_directory(days: Sequence[DayRow], site: SiteConfig) -> list[SiteFile]:
    """days/index.html (the months) and one days/YYYY-MM.html per month (its days)."""
    by_month: dict[str, list[DayRow]] = {}
    for row in sorted(days, key=lambda r: r.day, reverse=True):
        by_month.setdefault(month_of(row.day), []).append(row)
    rows = [
        (month_path(m), month_label(m), sum(r.articles for r in rs)) for m, rs in by_month.items()
    ]
    files = [_directory(DAYS_INDEX, site, "By day", "Articles by month", rows)]
    for m, rs in by_month.items():
        day_rows = [(slugs.day_path(r.day), format_day(r.day), r.articles) for r in rs]
        files.append(
            _directory(
                month_path(m), site, month_label(m), f"Filings of {month_label(m)}", day_rows
            )
        )
    return files


def company_directory(companies: Sequence[CompanyRow], site: SiteConfig) -> list[SiteFile]:
    """companies/index.html (the letters) and one companies/letters/{x}.html per letter."""
    by_letter: dict[str, list[CompanyRow]] = {}
    for row in sorted(companies, key=lambda r: (r.company.lower(), r.cik)):
        by_letter.setdefault(letter_of(row.company), []).append(row)
    letters = sorted(by_letter)
    rows = [(letter_path(x), x.upper(), len(by_letter[x])) for x in letters]
    files = [_directory(COMPANIES_INDEX, site, "Companies", "Companies", rows, noun="company")]
    for x in letters:
        company_rows = [
            (slugs.company_path(r.cik, r.company), r.company, r.articles) for r in by_letter[x]
        ]
        files.append(
            _directory(
                letter_path(x), site, f"Companies: {x.upper()}", f"Companies: {x.upper()}",
                company_rows,
            )
        )  # fmt: skip
    return files


# ---- sitemaps --------------------------------------------------------------------------------
def _sitemap(path: str, entries: list[tuple[str, date | None]], site: SiteConfig) -> SiteFile:
    return SiteFile(path, feeds.sitemap(entries, site), XML, INDEX_CACHE)


def sitemap_files(
    days: Sequence[DayRow], companies: Sequence[CompanyRow], site: SiteConfig
) -> list[SiteFile]:
    """sitemap.xml (an index), sitemap-pages.xml (home and directories) and
    sitemap-companies.xml (company pages): all from the aggregates."""
    months = sorted({month_of(r.day) for r in days}, reverse=True)
    letters = sorted({letter_of(r.company) for r in companies})
    newest = max((r.lastmod for r in days), default=None)
    pages: list[tuple[str, date | None]] = [("index.html", newest), (DAYS_INDEX, None)]
    pages += [(month_path(m), None) for m in months]
    pages += [(COMPANIES_INDEX, None)] + [(letter_path(x), None) for x in letters]
    company_pages: list[tuple[str, date | None]] = [
        (slugs.company_path(r.cik, r.company), None) for r in sorted(companies, key=lambda r: r.cik)
    ]
    children = [PAGES_SITEMAP, COMPANIES_SITEMAP] + [month_sitemap_path(m) for m in months]
    index = SiteFile(feeds.SITEMAP_PATH, feeds.sitemap_index(children, site), XML, INDEX_CACHE)
    return [
        _sitemap(PAGES_SITEMAP, pages, site),
        _sitemap(COMPANIES_SITEMAP, company_pages, site),
        index,
    ]


def month_sitemap(
    month: str, days: Sequence[DayRow], articles: Sequence[tuple[str, date]], site: SiteConfig
) -> SiteFile:
    """sitemap-YYYY-MM.xml: the month's day pages and article pages."""
    entries: list[tuple[str, date | None]] = [
        (slugs.day_path(r.day), r.lastmod) for r in days if month_of(r.day) == month
    ]
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
