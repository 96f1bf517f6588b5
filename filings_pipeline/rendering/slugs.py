"""URL-safe slugs and the site-relative paths of pages (one place, so links always match files)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 60) -> str:
    """Lower-case ASCII words joined by '-', e.g. 'Acme Corp. /DE/' -> 'acme-corp-de'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug.strip("-") or "x"


def article_slug(day: date, company: str, form: str, accession: str) -> str:
    """Stable, unique slug: '2026-11-16-acme-corp-8-k-0001234567-26-000123'."""
    return "-".join(
        [day.isoformat(), slugify(company, 50), slugify(form, 12), slugify(accession, 30)]
    )


def article_path(slug: str) -> str:
    """Site-relative path of an article page."""
    return f"articles/{slug}.html"


def day_path(day: date) -> str:
    """Site-relative path of a day's archive page."""
    return f"days/{day.isoformat()}.html"


def directory_bucket(company: str) -> str:
    """The company directory's page a company is listed on: the first two characters of its
    name's slug ('ac' for 'Acme Corp', 'a' for 'A-Mark'), or '0-9' when it starts with no
    letter. A bucket holds a small slice of the companies, so a new company rewrites one."""
    slug = slugify(company, 50)
    if not slug[0].isalpha():
        return "0-9"
    return slug[:2] if len(slug) > 1 and slug[1].isalnum() else slug[0]


def bucket_letter(bucket: str) -> str:
    """The directory letter ('a'..'z' or '0-9') of a bucket."""
    return "0-9" if bucket == "0-9" else bucket[0]


def company_path(cik: int, company: str) -> str:
    """Site-relative path of a company page: 'companies/{cik}-{name-slug}.html'."""
    return f"companies/{int(cik)}-{slugify(company, 50)}.html"


def page_path(number: int) -> str:
    """Site-relative path of homepage page `number` (1 is index.html)."""
    return "index.html" if number <= 1 else f"page/{number}.html"


def email_article_path(slug: str, ext: str = "html") -> str:
    """Site-relative path of an article's email rendering ('html' or 'txt')."""
    return f"email/articles/{slug}.{ext}"


def digest_path(day: date, ext: str = "html") -> str:
    """Site-relative path of a day's digest ('html', 'txt' or 'eml')."""
    return f"email/digests/{day.isoformat()}.{ext}"


def root_prefix(path: str) -> str:
    """Relative prefix from the folder of `path` back to the site root ('', '../', '../../')."""
    return "../" * path.count("/")
