"""What rendering takes (ArticleInput, SiteConfig) and what it gives back (RenderedArticle)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from filings_pipeline.analysis.schema import Analysis
from filings_pipeline.edgar.models import Filing

ANALYZERS = ("offline", "bedrock")


@dataclass
class ArticleInput:
    """One analysed filing, ready to render."""

    filing: Filing
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
    """A rendered article plus every field the site indexes need (JSON-serialisable)."""

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

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (dates as ISO strings)."""
        d = dataclasses.asdict(self)
        d["day"] = self.day.isoformat()
        d["date_filed"] = self.date_filed.isoformat()
        d["accepted_at"] = self.accepted_at.isoformat() if self.accepted_at else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RenderedArticle:
        """Inverse of to_dict. Unknown keys are ignored; a missing key is a ValueError."""
        names = {f.name for f in dataclasses.fields(cls)}
        required = {
            f.name
            for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        missing = sorted(required - d.keys())
        if missing:
            raise ValueError(f"RenderedArticle dict is missing {', '.join(missing)}")
        kw = {k: v for k, v in d.items() if k in names}
        try:
            kw["day"] = date.fromisoformat(kw["day"])
            kw["date_filed"] = date.fromisoformat(kw["date_filed"])
            kw["accepted_at"] = (
                datetime.fromisoformat(kw["accepted_at"]) if kw.get("accepted_at") else None
            )
            kw["cik"] = int(kw["cik"])
            kw["materiality"] = int(kw["materiality"])
            kw["sentiment_score"] = float(kw["sentiment_score"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"RenderedArticle dict has a bad value: {exc}") from exc
        kw["tickers"] = list(kw["tickers"])
        kw["items"] = list(kw["items"])
        return cls(**kw)
