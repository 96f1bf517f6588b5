"""The interface every filing source implements (the sample mirror and live EDGAR alike)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from filings_pipeline.edgar.models import DayListing, Filing, IndexEntry


class FilingSource(Protocol):
    """Lists a day's filings and fetches each one."""

    def list_day(self, day: date) -> DayListing:
        """The day's kept index entries (forms filtered, deduped by accession)."""
        ...

    def day_version(self, day: date) -> str | None:
        """A cheap fingerprint of the day's index (None when not published). Used by the sensor."""
        ...

    def fetch_filing(self, entry: IndexEntry, day: date) -> Filing:
        """Fetch and parse one filing. Raises FilingError with a readable reason."""
        ...

    def feed_entries(self, day: date) -> list[IndexEntry]:
        """The day's kept filings the latest-filings feed lists now (for the live day)."""
        ...

    def is_published(self, entry: IndexEntry) -> bool:
        """Whether the filing's documents are up yet (a just-accepted filing may not be)."""
        ...

    def locate(self, accession: str, cik: int | None = None) -> IndexEntry:
        """An IndexEntry for one accession from its own pages. Raises FilingError."""
        ...
