"""Plain data types for what EDGAR gives us: index rows, filings, exhibits."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class IndexEntry:
    """One row of a daily index file (one per filer CIK; dedupe by accession)."""

    cik: int
    company: str
    form: str
    date_filed: date
    path: str  # e.g. "edgar/data/1404123/0001564590-20-011604.txt"

    @property
    def accession(self) -> str:
        """Accession number with dashes, e.g. 0001564590-20-011604."""
        return self.path.rsplit("/", 1)[-1].removesuffix(".txt")


@dataclass
class Exhibit:
    """An exhibit whose text the pipeline uses (EX-99.x press releases)."""

    type: str  # "EX-99.1"
    filename: str
    url: str
    text: str = ""


@dataclass
class Filing:
    """A filing as the pipeline keeps it: metadata from SEC, clean text from the documents."""

    accession: str
    cik: int
    company: str
    form: str
    day: date  # the partition: the daily index this filing was listed in
    date_filed: date
    primary_document: str
    primary_url: str
    index_url: str
    text: str
    accepted_at: datetime | None = None  # US Eastern wall-clock time, naive
    period_of_report: date | None = None
    tickers: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # 8-K item codes ("2.02") from SEC metadata
    sections: dict[str, str] = field(default_factory=dict)  # item code -> section text
    exhibits: list[Exhibit] = field(default_factory=list)

    @property
    def sec_url(self) -> str:
        """Link to the filing on SEC's site (the filing index page)."""
        return self.index_url

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (dates as ISO strings)."""
        d = dataclasses.asdict(self)
        d["day"] = self.day.isoformat()
        d["date_filed"] = self.date_filed.isoformat()
        d["accepted_at"] = self.accepted_at.isoformat() if self.accepted_at else None
        d["period_of_report"] = self.period_of_report.isoformat() if self.period_of_report else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Filing:
        """Inverse of to_dict."""
        d = dict(d)
        d["day"] = date.fromisoformat(d["day"])
        d["date_filed"] = date.fromisoformat(d["date_filed"])
        d["accepted_at"] = (
            datetime.fromisoformat(d["accepted_at"]) if d.get("accepted_at") else None
        )
        d["period_of_report"] = (
            date.fromisoformat(d["period_of_report"]) if d.get("period_of_report") else None
        )
        d["exhibits"] = [Exhibit(**e) for e in d.get("exhibits", [])]
        return cls(**d)


@dataclass(frozen=True)
class SkippedFiling:
    """A filing listed in the index that could not be used, and why."""

    accession: str
    cik: int
    company: str
    form: str
    reason: str


class FilingError(Exception):
    """A single filing cannot be ingested (missing, empty or unparsable document)."""


@dataclass
class DayListing:
    """What a source says about one filing day."""

    day: date
    published: bool  # False: no index for that day (weekend, holiday, not yet published)
    entries: list[IndexEntry] = field(default_factory=list)  # deduped by accession, forms filtered
    version: str | None = (
        None  # fingerprint (ETag, Last-Modified or content hash) for change detection
    )
    note: str = ""  # e.g. "no index: 403 AccessDenied (weekend or holiday)"
