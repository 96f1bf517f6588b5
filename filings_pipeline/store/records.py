"""What the store keeps besides the domain models themselves, and how each becomes a row.

The store takes and returns domain models (`Filing`, `FilingHeader`, `Analysis`,
`RenderedArticle`); pydantic `TypeAdapter`s turn them into JSON columns and back, validating
what they read. No hand-written dict mapping.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter

from filings_pipeline.analysis.schema import Analysis, AnalysisKey
from filings_pipeline.edgar.models import Filing, FilingHeader, SkippedFiling
from filings_pipeline.rendering.models import RenderedArticle

# What a filing row keeps apart from its header, so header reads skip the documents.
DOCUMENT_FIELDS = {"text", "sections", "exhibits"}


@dataclass
class AnalysisRecord:
    """One stored analysis, keyed by (accession, prompt_version, model)."""

    accession: str
    prompt_version: str
    model: str
    day: date
    analyzer: str
    status: str  # ok | failed
    error: str | None = None
    payload: Analysis | None = None
    figures_ok: bool = True
    figure_problems: list[str] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    created_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def key(self) -> AnalysisKey:
        return AnalysisKey(self.prompt_version, self.model)


@dataclass(frozen=True)
class ArticleMeta:
    """A stored article without its bodies: what publishing decides on."""

    accession: str
    day: date
    slug: str
    publishable: bool
    hold_reason: str | None
    content_hash: str


@dataclass(frozen=True)
class StoredArticle:
    """A rendered article as stored, with its publishing decision. Held back when
    `hold_reason` is set; `content_hash` is of the article as stored."""

    article: RenderedArticle
    hold_reason: str | None = None

    @property
    def publishable(self) -> bool:
        return self.hold_reason is None

    @property
    def content_hash(self) -> str:
        return content_hash(ARTICLE.dump_python(self.article, mode="json"))


@dataclass
class Publication:
    """The publishing decision for one filing of a day."""

    accession: str
    day: date
    status: str  # published | held
    slug: str | None = None
    reason: str | None = None
    path: str | None = None
    content_hash: str | None = None


def content_hash(data: dict[str, Any] | str | bytes) -> str:
    """Stable sha256 of a JSON-able dict or text."""
    if isinstance(data, dict):
        data = json.dumps(data, sort_keys=True, default=str)
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


FILING = TypeAdapter(Filing)
HEADER = TypeAdapter(FilingHeader)
SKIPPED = TypeAdapter(SkippedFiling)
ANALYSIS = TypeAdapter(AnalysisRecord)
ARTICLE = TypeAdapter(RenderedArticle)
META = TypeAdapter(ArticleMeta)
PUBLICATION = TypeAdapter(Publication)
