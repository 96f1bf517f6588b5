"""What rendering takes (ArticleInput, SiteConfig) and what it gives back (RenderedArticle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from filings_pipeline.analysis.schema import Analysis
from filings_pipeline.edgar.models import FilingHeader

ANALYZERS = ("offline", "bedrock")


@dataclass
class ArticleInput:
    """One analysed filing, ready to render (its header: rendering never shows the text)."""

    filing: FilingHeader
    analysis: Analysis
    analyzer: str  # "offline" | "bedrock"
    model: str
    prompt_version: str
    figures_ok: bool = True
    figure_problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.analyzer not in ANALYZERS:
            raise ValueError(f"analyzer must be one of {ANALYZERS}, got {self.analyzer!r}")


@dataclass(frozen=True)
class SiteConfig:
    """Site-wide settings. Empty base_url: every link is relative (works from a folder)."""

    title: str = "Filings Desk"
    base_url: str = ""
    tagline: str = "News from today's SEC filings"
    email_from: str = "Filings Desk <desk@filings-desk.invalid>"
    email_to: str = "Filings Desk readers <readers@filings-desk.invalid>"

    def __post_init__(self) -> None:
        base = self.base_url.strip()
        if base and not base.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base!r}")
        object.__setattr__(self, "base_url", base.rstrip("/"))

    def absolute(self, path: str) -> str:
        """Absolute URL of a site-relative path; the path unchanged when base_url is empty."""
        return f"{self.base_url}/{path}" if self.base_url else path


@dataclass(frozen=True)
class RenderedArticle:
    """A rendered article plus every field the site indexes need. The store keeps it as JSON
    through a pydantic TypeAdapter (`store.records.ARTICLE`)."""

    accession: str
    day: date
    slug: str
    headline: str
    summary: str
    company: str
    cik: int
    tickers: list[str]
    form: str
    items: list[str]
    sentiment: str
    sentiment_score: float
    materiality: int
    event_type: str
    analyzer: str
    model: str
    prompt_version: str
    date_filed: date
    accepted_at: datetime | None
    sec_url: str
    article_html: str
    email_html: str
    email_text: str
    figures_ok: bool = True
