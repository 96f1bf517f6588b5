"""The analysis schema every analyzer fills (offline or Bedrock), validated with pydantic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from filings_pipeline.edgar.models import Filing

Sentiment = Literal["positive", "neutral", "negative"]
EventType = Literal[
    "earnings",
    "m_and_a",
    "leadership_change",
    "financing",
    "restatement",
    "cybersecurity",
    "shareholder_vote",
    "periodic_report",
    "other",
]


class Figure(BaseModel):
    """A number the analysis quotes, exactly as written in the filing."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    value: str = Field(min_length=1, max_length=60, description="As written, e.g. '$1.2 billion'")
    unit: str | None = Field(default=None, max_length=30)


class Analysis(BaseModel):
    """What an analyzer says about one filing."""

    model_config = ConfigDict(extra="forbid")

    headline: str = Field(min_length=5, max_length=140)
    summary: str = Field(min_length=20, max_length=1500)
    key_points: list[str] = Field(min_length=1, max_length=6)
    sentiment: Sentiment
    sentiment_score: float = Field(ge=-1.0, le=1.0)
    materiality: int = Field(ge=1, le=5)
    materiality_rationale: str = Field(default="", max_length=500)
    event_type: EventType
    items: list[str] = Field(default_factory=list)
    tickers: list[str] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list, max_length=20)

    @field_validator("key_points")
    @classmethod
    def _points_not_blank(cls, v: list[str]) -> list[str]:
        if any(not p.strip() for p in v):
            raise ValueError("key points must not be blank")
        return v


@dataclass(frozen=True)
class AnalysisKey:
    """What makes a stored analysis current: the prompt version and the model that made it."""

    prompt_version: str
    model: str

    @classmethod
    def of(cls, analyzer: Analyzer) -> AnalysisKey:
        return cls(analyzer.prompt_version, analyzer.model)


def analysis_json_schema() -> dict:
    """JSON schema for the Bedrock tool input / outputConfig."""
    return Analysis.model_json_schema()


@dataclass
class AnalysisOutcome:
    """One analyzer call: the analysis, or the reason there is none, plus what it cost."""

    analysis: Analysis | None
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: int = 0
    cost_usd: float = 0.0
    calls: int = 0  # model calls made (0 for offline)

    @property
    def ok(self) -> bool:
        return self.analysis is not None


class Analyzer(Protocol):
    """Turns a filing into an analysis. `name` is 'offline' or 'bedrock'."""

    name: str
    model: str  # model id, or 'offline-extractive-v1'
    prompt_version: str

    def analyze(self, filing: Filing) -> AnalysisOutcome:
        """Analyze one filing. Never raises for a bad answer: returns an outcome with `error`."""
        ...
