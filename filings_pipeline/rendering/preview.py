"""Short plain-text previews of rendered articles (for Dagster metadata and logs)."""

from __future__ import annotations

from filings_pipeline.rendering.environment import excerpt
from filings_pipeline.rendering.models import RenderedArticle


def text_preview(rendered: RenderedArticle, n: int = 200) -> str:
    """'Headline — summary…' in at most about `n` characters, whitespace collapsed."""
    return excerpt(f"{rendered.headline} \u2014 {rendered.summary}", n)
