"""Template views: plain dicts of display-ready values, built from inputs or stored articles."""

from __future__ import annotations

from typing import Any

from filings_pipeline.rendering import labels, slugs
from filings_pipeline.rendering.environment import clean_text, excerpt, paragraphs
from filings_pipeline.rendering.item_names import item_title
from filings_pipeline.rendering.models import ArticleInput, RenderedArticle
from filings_pipeline.rendering.timefmt import format_day, format_eastern, moment, rfc3339


def article_items(form: str, filing_items: list[str], analysis_items: list[str]) -> list[str]:
    """8-K item codes to show: SEC metadata first, the analysis's only when metadata has none;
    never any for forms other than 8-K (item codes mean nothing there)."""
    if not form.upper().startswith("8-K"):
        return []
    return list(filing_items or analysis_items)


def _when(accepted_at: Any, date_filed: Any) -> str:
    return (
        f"Accepted {format_eastern(accepted_at)}"
        if accepted_at
        else f"Filed {format_day(date_filed)}"
    )


def entry_view(a: RenderedArticle) -> dict[str, Any]:
    """What an index, digest or feed shows of one stored article."""
    return {
        "slug": a.slug,
        "accession": a.accession,
        "headline": clean_text(a.headline),
        "summary": clean_text(a.summary),
        "summary_paragraphs": paragraphs(a.summary),
        "dek": excerpt(a.summary, 240),
        "company": clean_text(a.company),
        "cik": a.cik,
        "tickers": [clean_text(t) for t in a.tickers],
        "form": clean_text(a.form),
        "item_titles": [(code, item_title(code)) for code in a.items],
        "when": _when(a.accepted_at, a.date_filed),
        "when_iso": rfc3339(moment(a.accepted_at, a.date_filed)),
        "day": a.day,
        "day_label": format_day(a.day),
        "sentiment": a.sentiment,
        "sentiment_word": labels.sentiment_label(a.sentiment),
        "score": labels.score_label(a.sentiment_score),
        "materiality": a.materiality,
        "materiality_word": labels.materiality_label(a.materiality),
        "event_word": labels.event_label(a.event_type),
        "sec_url": labels.safe_http_url(a.sec_url),
        "byline": labels.byline(a.analyzer, a.model, a.prompt_version),
        "offline": a.analyzer == "offline",
        "article_path": slugs.article_path(a.slug),
        "company_path": slugs.company_path(a.cik, a.company),
        "day_path": slugs.day_path(a.day),
        "figures_ok": a.figures_ok,
    }


def story_view(inp: ArticleInput, slug: str) -> dict[str, Any]:
    """Everything the article page and the per-article email show."""
    f, an = inp.filing, inp.analysis
    tickers = f.tickers or an.tickers
    items = article_items(f.form, f.items, an.items)
    return {
        "slug": slug,
        "accession": f.accession,
        "headline": clean_text(an.headline),
        "summary": clean_text(an.summary),
        "summary_paragraphs": paragraphs(an.summary),
        "dek": excerpt(an.summary, 240),
        "key_points": [clean_text(p) for p in an.key_points],
        "company": clean_text(f.company),
        "cik": f.cik,
        "tickers": [clean_text(t) for t in tickers],
        "form": clean_text(f.form),
        "item_titles": [(code, item_title(code)) for code in items],
        "when": _when(f.accepted_at, f.date_filed),
        "when_iso": rfc3339(moment(f.accepted_at, f.date_filed)),
        "filed_label": format_day(f.date_filed),
        "filed_iso": f.date_filed.isoformat(),
        "accepted_label": format_eastern(f.accepted_at) if f.accepted_at else "",
        "day": f.day,
        "day_label": format_day(f.day),
        "sentiment": an.sentiment,
        "sentiment_word": labels.sentiment_label(an.sentiment),
        "score": labels.score_label(an.sentiment_score),
        "materiality": an.materiality,
        "materiality_word": labels.materiality_label(an.materiality),
        "materiality_rationale": clean_text(an.materiality_rationale),
        "event_word": labels.event_label(an.event_type),
        "figures": [
            (clean_text(fig.name), clean_text(f"{fig.value} {fig.unit or ''}".strip()))
            for fig in an.figures
        ],
        "figures_ok": inp.figures_ok,
        "figure_problems": [clean_text(p) for p in inp.figure_problems],
        "sec_url": labels.safe_http_url(f.sec_url),
        "byline": labels.byline(inp.analyzer, inp.model, inp.prompt_version),
        "offline": inp.analyzer == "offline",
        "article_path": slugs.article_path(slug),
        "company_path": slugs.company_path(f.cik, f.company),
        "day_path": slugs.day_path(f.day),
    }
