"""Realistic Filing/Analysis objects for rendering and site tests (built directly, no mocks)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from filings_pipeline.analysis.schema import Analysis, Figure
from filings_pipeline.edgar.models import Exhibit, Filing
from filings_pipeline.rendering.models import ArticleInput, RenderedArticle, SiteConfig
from filings_pipeline.rendering.render import render_article

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def make_filing(
    n: int = 1,
    *,
    company: str = "Acme Widgets Corp",
    cik: int = 1234567,
    form: str = "8-K",
    day: date = date(2026, 11, 16),
    accepted_at: datetime | None = datetime(2026, 11, 16, 16, 5),
    items: list[str] | None = None,
    tickers: list[str] | None = None,
) -> Filing:
    """An 8-K like a real earnings release (Item 2.02 + 9.01, EX-99.1 attached)."""
    accession = f"0001234567-26-{n:06d}"
    folder = f"https://www.sec.gov/Archives/edgar/data/{cik}/{accession.replace('-', '')}"
    return Filing(
        accession=accession,
        cik=cik,
        company=company,
        form=form,
        day=day,
        date_filed=day,
        primary_document="acme-20261116.htm",
        primary_url=f"{folder}/acme-20261116.htm",
        index_url=f"{folder}/{accession}-index.htm",
        text="Item 2.02 Results of Operations and Financial Condition. Revenue rose 12%.",
        accepted_at=accepted_at,
        period_of_report=day,
        tickers=["ACME"] if tickers is None else tickers,
        items=["2.02", "9.01"] if items is None else items,
        sections={"2.02": "On November 16, 2026, Acme reported results."},
        exhibits=[Exhibit("EX-99.1", "ex991.htm", f"{folder}/ex991.htm", "Press release")],
    )


def make_analysis(**overrides: object) -> Analysis:
    """A valid analysis of an earnings 8-K; override any field."""
    data: dict = {
        "headline": "Acme Widgets posts 12% revenue growth in third quarter",
        "summary": (
            "Acme Widgets Corp reported third-quarter revenue of $1.2 billion, up 12% from a "
            "year earlier, driven by industrial demand.\n\nThe company raised its full-year "
            "outlook and said margins improved for a third straight quarter."
        ),
        "key_points": [
            "Revenue rose 12% to $1.2 billion",
            "Full-year outlook raised",
            "Operating margin improved to 18.4%",
        ],
        "sentiment": "positive",
        "sentiment_score": 0.6,
        "materiality": 4,
        "materiality_rationale": "Earnings beat and guidance raise move the stock.",
        "event_type": "earnings",
        "items": ["2.02", "9.01"],
        "tickers": ["ACME"],
        "figures": [
            Figure(name="Revenue", value="$1.2 billion"),
            Figure(name="Operating margin", value="18.4%"),
        ],
    }
    data.update(overrides)
    return Analysis(**data)


def make_input(
    n: int = 1,
    *,
    analyzer: str = "bedrock",
    filing: Filing | None = None,
    analysis: Analysis | None = None,
    **kw: object,
) -> ArticleInput:
    return ArticleInput(
        filing=filing or make_filing(n),
        analysis=analysis or make_analysis(),
        analyzer=analyzer,
        model="offline-extractive-v1" if analyzer == "offline" else "anthropic.claude-sonnet-4",
        prompt_version="v3",
        **kw,
    )


def make_articles(
    count: int, site: SiteConfig | None = None, days: int = 3
) -> list[RenderedArticle]:
    """`count` rendered articles spread over `days` filing days and several companies."""
    site = site or SiteConfig()
    out = []
    companies = [("Acme Widgets Corp", 1234567), ("Globex Inc", 7654321), ("Initech LLC", 1111111)]
    for i in range(count):
        day = date(2026, 11, 16) + timedelta(days=i % days)
        company, cik = companies[i % len(companies)]
        filing = make_filing(
            i + 1,
            company=company,
            cik=cik,
            day=day,
            accepted_at=datetime.combine(day, datetime.min.time()) + timedelta(hours=9, minutes=i),
        )
        analyzer = "offline" if i % 2 else "bedrock"
        out.append(render_article(make_input(analyzer=analyzer, filing=filing), site))
    return out
