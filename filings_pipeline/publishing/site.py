"""Build the whole static site from stored RenderedArticles, and check its internal links."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

from filings_pipeline.publishing import email as email_files
from filings_pipeline.publishing import feeds
from filings_pipeline.publishing.models import SiteFile
from filings_pipeline.rendering import slugs
from filings_pipeline.rendering.environment import environment, favicon, stylesheet
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.rendering.timefmt import EASTERN, format_day, moment
from filings_pipeline.rendering.views import entry_view

HTML = "text/html; charset=utf-8"
INDEX_CACHE = "public, max-age=300"
ARTICLE_CACHE = "public, max-age=3600"
CSS_CACHE = "public, max-age=86400"
EPOCH = datetime(1970, 1, 1, tzinfo=EASTERN)


def newest_first(articles: Iterable[RenderedArticle]) -> list[RenderedArticle]:
    """Newest acceptance time first; ties broken by accession so the order is deterministic."""
    ordered = sorted(articles, key=lambda a: a.accession, reverse=True)
    return sorted(ordered, key=lambda a: moment(a.accepted_at, a.date_filed), reverse=True)


def relative(from_path: str, to_path: str) -> str:
    """Relative link from the page at `from_path` to `to_path` (both site-relative)."""
    return posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")


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
    pager: dict[str, Any] | None = None,
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
        pager=pager,
        canonical=canonical,
    )


def _home_pages(
    ordered: list[RenderedArticle], site: SiteConfig, per_page: int, generated_for: date | None
) -> list[SiteFile]:
    total = max(1, -(-len(ordered) // per_page))
    intro = (
        f"Articles from SEC filings through {format_day(generated_for)}, newest first."
        if generated_for
        else "Articles from the latest SEC filings, newest first."
    )
    pages = []
    for number in range(1, total + 1):
        path = slugs.page_path(number)
        pager = None
        if total > 1:
            pager = {
                "number": number,
                "total": total,
                "prev": relative(path, slugs.page_path(number - 1)) if number > 1 else "",
                "next": relative(path, slugs.page_path(number + 1)) if number < total else "",
            }
        chunk = ordered[(number - 1) * per_page : number * per_page]
        heading = "Latest articles" if number == 1 else f"Latest articles, page {number}"
        title = site.title if number == 1 else f"{heading} \u2014 {site.title}"
        pages.append(
            _listing(path, site, heading, chunk, intro=intro, pager=pager, page_title=title)
        )
    return pages


def _company_pages(ordered: list[RenderedArticle], site: SiteConfig) -> tuple[list[SiteFile], list]:
    by_cik: dict[int, list[RenderedArticle]] = defaultdict(list)
    for a in ordered:
        by_cik[a.cik].append(a)
    files, rows = [], []
    for cik, arts in sorted(by_cik.items(), key=lambda kv: (kv[1][0].company.lower(), kv[0])):
        main_path = slugs.company_path(cik, arts[0].company)  # newest name
        # A company renamed over time: every name its articles link to gets the same page.
        paths = dict.fromkeys([main_path] + [slugs.company_path(cik, a.company) for a in arts])
        heading = f"{arts[0].company} (CIK {cik})"
        for path in paths:
            files.append(_listing(path, site, heading, arts, canonical_path=main_path))
        rows.append((main_path, arts[0].company, len(arts)))
    return files, rows


def _updated(ordered: list[RenderedArticle], generated_for: date | None) -> datetime:
    if ordered:
        return moment(ordered[0].accepted_at, ordered[0].date_filed)
    if generated_for:
        return datetime.combine(generated_for, time(0), tzinfo=EASTERN)
    return EPOCH


def _check_unique(articles: Sequence[RenderedArticle]) -> None:
    seen: dict[str, str] = {}
    for a in articles:
        for key in (a.slug, a.accession):
            if key in seen:
                raise ValueError(f"duplicate article {key!r}: pass each accession once")
            seen[key] = a.accession


def build_site(
    articles: Sequence[RenderedArticle],
    site: SiteConfig,
    *,
    per_page: int = 20,
    generated_for: date | None = None,
    feed_size: int = 50,
) -> list[SiteFile]:
    """The whole site in write order: articles, day/company archives, homepage pages, feed,
    sitemap, 404, stylesheet, then the email files. Same articles -> byte-identical files.

    `generated_for` labels the homepage ("through <day>") and dates an empty feed.
    """
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, got {per_page}")
    if feed_size < 1:
        raise ValueError(f"feed_size must be at least 1, got {feed_size}")
    _check_unique(articles)
    ordered = newest_first(articles)
    files = [
        SiteFile(slugs.article_path(a.slug), a.article_html.encode("utf-8"), HTML, ARTICLE_CACHE)
        for a in ordered
    ]

    by_day: dict[date, list[RenderedArticle]] = defaultdict(list)
    for a in ordered:
        by_day[a.day].append(a)
    days = sorted(by_day, reverse=True)
    for d in days:
        files.append(_listing(slugs.day_path(d), site, f"Filings of {format_day(d)}", by_day[d]))
    day_rows = [(slugs.day_path(d), format_day(d), len(by_day[d])) for d in days]
    files.append(
        _page(
            "days/index.html",
            "directory.html",
            site,
            INDEX_CACHE,
            page_title=f"By day \u2014 {site.title}",
            heading="Articles by filing day",
            rows=day_rows,
        )
    )

    company_files, company_rows = _company_pages(ordered, site)
    files += company_files
    files.append(
        _page(
            "companies/index.html",
            "directory.html",
            site,
            INDEX_CACHE,
            page_title=f"Companies \u2014 {site.title}",
            heading="Companies",
            rows=company_rows,
        )
    )

    home = _home_pages(ordered, site, per_page, generated_for)
    files += home
    updated = _updated(ordered, generated_for)
    feed = feeds.atom_feed(ordered[:feed_size], site, updated=updated)
    files.append(
        SiteFile(feeds.FEED_PATH, feed, "application/atom+xml; charset=utf-8", INDEX_CACHE)
    )

    newest_in = {d: by_day[d][0] for d in days}
    site_date = updated.date() if ordered else None
    entries: list[tuple[str, date | None]] = [(f.path, site_date) for f in home]
    entries += [(slugs.day_path(d), _lastmod(newest_in[d])) for d in days]
    entries += [(f.path, None) for f in company_files if f.path.startswith("companies/")]
    entries += [(slugs.article_path(a.slug), _lastmod(a)) for a in ordered]
    files.append(
        SiteFile(feeds.SITEMAP_PATH, feeds.sitemap(entries, site), "application/xml", INDEX_CACHE)
    )

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
    files.append(SiteFile("404.html", body.encode("utf-8"), HTML, INDEX_CACHE))
    files.append(
        SiteFile("style.css", stylesheet().encode("utf-8"), "text/css; charset=utf-8", CSS_CACHE)
    )
    files.append(SiteFile("favicon.svg", favicon(), "image/svg+xml", CSS_CACHE))

    for a in ordered:
        files += email_files.article_email_files(a)
    for d in days:
        files += email_files.digest_files(d, by_day[d], site)
    return files


def _lastmod(a: RenderedArticle) -> date:
    return a.accepted_at.date() if a.accepted_at else a.date_filed


def _resolve(link: str, from_path: str, base_url: str) -> str | None:
    """Site-relative target of `link`, or None when it points outside the site.

    A root-absolute link comes back with its leading '/' so the caller can report it."""
    link = link.strip()
    prefix = base_url.rstrip("/") + "/" if base_url else ""
    folder = posixpath.dirname(from_path)
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


def _links(f: SiteFile) -> list[str]:
    if f.content_type.startswith("text/html"):
        if not f.body.strip():
            return []
        doc = lxml.html.document_fromstring(f.body)
        return [link for _el, _attr, link, _pos in doc.iterlinks()]
    if f.path.endswith(".xml"):
        root = etree.fromstring(f.body)
        hrefs = [el.get("href", "") for el in root.iter(f"{{{feeds.ATOM_NS}}}link")]
        locs = [el.text or "" for el in root.iter(f"{{{feeds.SITEMAP_NS}}}loc")]
        return hrefs + locs
    return []


def check_internal_links(files: Sequence[SiteFile], base_url: str = "") -> list[str]:
    """Every internal link (HTML href/src, Atom links, sitemap locations) that does not
    resolve to a file in `files`, as 'page: broken link ...' messages. Empty list: all good.

    Links starting with `base_url` count as internal. Root-absolute links ('/x.html') are
    reported, since they break when the site is served from a folder or an S3 prefix."""
    present = {f.path for f in files}
    problems: list[str] = []
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
            elif target not in present:
                problems.append(f"{f.path}: broken link {link!r} (no {target})")
    return problems
