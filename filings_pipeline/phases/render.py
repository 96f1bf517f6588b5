"""Phase 3: render an article page and an email for each filing with a current analysis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.rendering.models import ArticleInput
from filings_pipeline.rendering.render import SiteConfig, render_article
from filings_pipeline.rendering.safety import unsafe_markup
from filings_pipeline.store import ContentStore
from filings_pipeline.store.records import StoredArticle


@dataclass
class RenderReport:
    """What rendering one day did, and what its check found."""

    day: date
    rendered: int = 0
    publishable: int = 0
    held: dict[str, str] = field(default_factory=dict)  # accession -> reason
    not_analysed: dict[str, str] = field(default_factory=dict)  # accession -> reason
    html_bytes: int = 0
    preview: str = ""
    active_markup: dict[str, str] = field(default_factory=dict)  # accession -> problem


def render_day(
    store: ContentStore,
    day: date,
    *,
    key: AnalysisKey,
    site: SiteConfig,
    on_progress: Callable[[int, int], None] | None = None,
) -> RenderReport:
    """Render the day's analysed filings and replace the day's articles in one transaction.

    Reads the filings' headers only (rendering never shows a filing's text)."""
    report = RenderReport(day)
    filings = store.filing_headers_for_day(day)
    analyses = store.analyses_for([f.accession for f in filings], key)
    items: list[StoredArticle] = []
    for i, filing in enumerate(filings, 1):
        rec = analyses.get(filing.accession)
        if rec is None or not rec.ok or rec.payload is None:
            report.not_analysed[filing.accession] = (
                rec.error if rec is not None and rec.error else "no current analysis"
            )
            continue
        inp = ArticleInput(
            filing=filing,
            analysis=rec.payload,
            analyzer=rec.analyzer,
            model=rec.model,
            prompt_version=rec.prompt_version,
            figures_ok=rec.figures_ok,
            figure_problems=list(rec.figure_problems),
        )
        article = render_article(inp, site)
        hold = None
        if not rec.figures_ok:
            hold = "figures not backed by the filing: " + "; ".join(rec.figure_problems[:3])
            report.held[filing.accession] = hold
        problem = unsafe_markup(article.article_html) or unsafe_markup(article.email_html)
        if problem:
            report.active_markup[filing.accession] = problem
        items.append(StoredArticle(article, hold))
        report.html_bytes += len(article.article_html) + len(article.email_html)
        if not report.preview:
            report.preview = article.headline
        if on_progress:
            on_progress(i, len(filings))
    store.replace_articles(day, items)
    report.rendered = len(items)
    report.publishable = sum(1 for a in items if a.publishable)
    return report
