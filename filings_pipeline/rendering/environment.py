"""The one Jinja2 environment for the site and emails: autoescaped HTML/XML, strict undefined."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from filings_pipeline.rendering import labels
from filings_pipeline.rendering.timefmt import format_day, format_eastern

_BLANK_LINES = re.compile(r"\n\s*\n")
# Characters XML 1.0 forbids (and that have no business in HTML either).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Drop control characters that are invalid in XML/HTML; keep everything else."""
    return _CONTROL.sub("", text or "")


def paragraphs(text: str) -> list[str]:
    """Split text on blank lines into non-empty paragraphs."""
    return [p.strip() for p in _BLANK_LINES.split(clean_text(text)) if p.strip()]


def excerpt(text: str, n: int = 240) -> str:
    """At most about `n` characters, cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(clean_text(text).split())
    if len(text) <= n:
        return text
    cut = text[:n].rsplit(" ", 1)[0] or text[:n]
    return cut.rstrip(",;:.-\u2014 ") + "\u2026"


def stylesheet() -> str:
    """The site's one stylesheet."""
    return files("filings_pipeline").joinpath("templates", "style.css").read_text("utf-8")


def favicon() -> bytes:
    """The site's icon (SVG), so browsers do not log a 404 for /favicon.ico."""
    return files("filings_pipeline").joinpath("templates", "favicon.svg").read_bytes()


@lru_cache(maxsize=1)
def css_version() -> str:
    """Short content hash of the stylesheet, used to bust caches when it changes."""
    return hashlib.sha256(stylesheet().encode("utf-8")).hexdigest()[:10]


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Jinja2 environment over filings_pipeline/templates (.html/.xml autoescaped, .txt not)."""
    env = Environment(
        loader=PackageLoader("filings_pipeline", "templates"),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        day=format_day,
        eastern=format_eastern,
        paragraphs=paragraphs,
        excerpt=excerpt,
        clean=clean_text,
        sentiment_label=labels.sentiment_label,
        score=labels.score_label,
        materiality_label=labels.materiality_label,
        event_label=labels.event_label,
    )
    env.globals["css_version"] = css_version()
    return env
