"""Email files: each article's email (HTML + text) and each day's digest (HTML, text, .eml)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from filings_pipeline.publishing.models import SiteFile
from filings_pipeline.rendering import slugs
from filings_pipeline.rendering.environment import environment
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.rendering.render import email_root
from filings_pipeline.rendering.timefmt import EASTERN, format_day, moment
from filings_pipeline.rendering.views import entry_view

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
EML = "message/rfc822"
ARTICLE_CACHE = "public, max-age=3600"
INDEX_CACHE = "public, max-age=300"
DIGEST_HOUR = time(18, 0)  # the digest's Date header: 6 PM Eastern on its day


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


def _domain(site: SiteConfig) -> str:
    addr = parseaddr(site.email_from)[1]
    return addr.rsplit("@", 1)[-1] if "@" in addr else "filings-desk.invalid"


def render_digest(
    day: date, articles: Sequence[RenderedArticle], site: SiteConfig
) -> tuple[str, str, str]:
    """(subject, html, text) of one day's digest."""
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
    }
    html = env.get_template("email_digest.html").render(**ctx)
    text = env.get_template("email_digest.txt").render(**ctx)
    return subject, html, text


def digest_message(day: date, subject: str, html: str, text: str, site: SiteConfig) -> EmailMessage:
    """A complete multipart/alternative message (text/plain then text/html), deterministic:
    Date, Message-ID and MIME boundary all derive from the day."""
    msg = EmailMessage()
    msg["From"] = site.email_from
    msg["To"] = site.email_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.combine(day, DIGEST_HOUR, tzinfo=EASTERN))
    msg["Message-ID"] = f"<digest-{day.isoformat()}@{_domain(site)}>"
    # Quoted-printable encodes every '=', so the '='-bearing boundary can never occur in a body.
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg.set_boundary(f"==filings-digest-{day.isoformat()}==")
    return msg


def digest_files(
    day: date, articles: Sequence[RenderedArticle], site: SiteConfig
) -> list[SiteFile]:
    """email/digests/YYYY-MM-DD.html, .txt and .eml for one day's articles."""
    subject, html, text = render_digest(day, articles, site)
    eml = digest_message(day, subject, html, text, site).as_bytes(policy=policy.SMTP)
    return [
        SiteFile(slugs.digest_path(day, "html"), html.encode(), HTML, INDEX_CACHE),
        SiteFile(slugs.digest_path(day, "txt"), text.encode(), TEXT, INDEX_CACHE),
        SiteFile(slugs.digest_path(day, "eml"), eml, EML, INDEX_CACHE),
    ]
