"""Plain data types for what EDGAR gives us: index rows, filings, exhibits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


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
class FilingHeader:
    """What SEC says about a filing, without its documents: enough to render and index it."""

    accession: str
    cik: int
    company: str
    form: str
    day: date  # the partition: the daily index this filing was listed in
    date_filed: date
    primary_document: str
    primary_url: str
    index_url: str
    accepted_at: datetime | None = None  # US Eastern wall-clock time, naive
    period_of_report: date | None = None
    tickers: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # 8-K item codes ("2.02") from SEC metadata

    @property
    def sec_url(self) -> str:
        """Link to the filing on SEC's site (the filing index page)."""
        return self.index_url


@dataclass
class Filing(FilingHeader):
    """A filing as the pipeline keeps it: metadata from SEC, clean text from the documents."""

    text: str = field(kw_only=True)
    sections: dict[str, str] = field(default_factory=dict, kw_only=True)  # item code -> text
    exhibits: list[Exhibit] = field(default_factory=list, kw_only=True)


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
