"""Render one analysed filing into its article page and its email (HTML and plain text)."""

from __future__ import annotations

from filings_pipeline.rendering import slugs
from filings_pipeline.rendering.environment import environment, excerpt
from filings_pipeline.rendering.models import ArticleInput, RenderedArticle, SiteConfig
from filings_pipeline.rendering.views import article_items, story_view

__all__ = ["ArticleInput", "RenderedArticle", "SiteConfig", "render_article", "email_root"]


def email_root(site: SiteConfig) -> str:
    """Prefix for links in emails: the absolute site URL, else relative from email/<kind>/."""
    return f"{site.base_url}/" if site.base_url else "../../"


def render_article(inp: ArticleInput, site: SiteConfig) -> RenderedArticle:
    """Render the article page, the per-article email HTML and its plain-text alternative.

    Deterministic: the same input gives byte-identical output (no wall-clock time).
    """
    f, an = inp.filing, inp.analysis
    slug = slugs.article_slug(f.day, f.company, f.form, f.accession)
    story = story_view(inp, slug)
    env = environment()
    path = slugs.article_path(slug)
    article_html = env.get_template("article.html").render(
        site=site,
        root=slugs.root_prefix(path),
        s=story,
        page_title=f"{story['headline']} \u2014 {site.title}",
        description=excerpt(an.summary, 200),
        canonical=site.absolute(path) if site.base_url else "",
    )
    email_ctx = {"site": site, "root": email_root(site), "s": story}
    email_html = env.get_template("email_article.html").render(**email_ctx)
    email_text = env.get_template("email_article.txt").render(
        **email_ctx, article_url=site.absolute(path)
    )
    return RenderedArticle(
        accession=f.accession,
        day=f.day,
        slug=slug,
        headline=story["headline"],
        summary=story["summary"],
        company=story["company"],
        cik=f.cik,
        tickers=list(story["tickers"]),
        form=story["form"],
        items=article_items(f.form, f.items, an.items),
        sentiment=an.sentiment,
        sentiment_score=an.sentiment_score,
        materiality=an.materiality,
        event_type=an.event_type,
        analyzer=inp.analyzer,
        model=inp.model,
        prompt_version=inp.prompt_version,
        date_filed=f.date_filed,
        accepted_at=f.accepted_at,
        sec_url=f.sec_url,
        article_html=article_html,
        email_html=email_html,
        email_text=email_text,
        figures_ok=inp.figures_ok,
    )
