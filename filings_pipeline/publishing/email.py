"""Email files: each article's email (HTML + text) and each day's digest (HTML + text)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from filings_pipeline.publishing.models import SiteFile
from filings_pipeline.rendering import slugs
from filings_pipeline.rendering.environment import environment
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.rendering.render import email_root
from filings_pipeline.rendering.timefmt import format_day, moment
from filings_pipeline.rendering.views import entry_view

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
ARTICLE_CACHE = "public, max-age=3600"
INDEX_CACHE = "public, max-age=300"


def article_email_files(a: RenderedArticle) -> list[SiteFile]:
    """The per-article email as stored files: email/articles/{slug}.html and .txt."""
    return [
        SiteFile(
            slugs.email_article_path(a.slug, "html"), a.email_html.encode(), HTML, ARTICLE_CACHE
        ),
        SiteFile(
            slugs.email_article_path(a.slug, "txt"), a.email_text.encode(), TEXT, ARTICLE_CACHE
        ),
    ]


def digest_order(articles: Sequence[RenderedArticle]) -> list[RenderedArticle]:
    """Most material first, then newest first, then by accession (deterministic)."""
    by_time = sorted(articles, key=lambda a: a.accession)
    by_time.sort(key=lambda a: moment(a.accepted_at, a.date_filed), reverse=True)
    return sorted(by_time, key=lambda a: a.materiality, reverse=True)


def digest_subject(day: date, count: int, site: SiteConfig) -> str:
    """'Filings Desk: 3 articles from filings of Nov 16, 2026'."""
    noun = "article" if count == 1 else "articles"
    return f"{site.title}: {count} {noun} from filings of {format_day(day)}"


def render_digest(
    day: date,
    articles: Sequence[RenderedArticle],
    site: SiteConfig,
    *,
    unsubscribe_url: str = "",
) -> tuple[str, str, str]:
    """(subject, html, text) of one day's digest; `unsubscribe_url` adds the recipient's
    unsubscribe link to the footer of a sent copy."""
    ordered = digest_order(articles)
    subject = digest_subject(day, len(ordered), site)
    env = environment()
    root = email_root(site)
    entries = [entry_view(a) for a in ordered]
    ctx = {
        "site": site,
        "root": root,
        "subject": subject,
        "entries": entries,
        "day_label": format_day(day),
        "day_path": slugs.day_path(day),
        "site_url": site.absolute,
        "unsubscribe_url": unsubscribe_url,
    }
    html = env.get_template("email_digest.html").render(**ctx)
    text = env.get_template("email_digest.txt").render(**ctx)
    return subject, html, text


def digest_files(
    day: date, articles: Sequence[RenderedArticle], site: SiteConfig
) -> list[SiteFile]:
    """email/digests/YYYY-MM-DD.html and .txt for one day's articles (the web view of the
    newsletter). The sendable message is built per recipient by `filings_pipeline.delivery`
    and never published: it carries the recipient's address."""
    subject, html, text = render_digest(day, articles, site)
    return [
        SiteFile(slugs.digest_path(day, "html"), html.encode(), HTML, INDEX_CACHE),
        SiteFile(slugs.digest_path(day, "txt"), text.encode(), TEXT, INDEX_CACHE),
    ]
