"""Phase 1: list a day's filings in the source, fetch and parse each one, store them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import requests

from filings_pipeline.edgar.models import Filing, FilingError, IndexEntry, SkippedFiling
from filings_pipeline.edgar.source import FilingSource
from filings_pipeline.store import ContentStore

log = logging.getLogger(__name__)

# Failures that say nothing about the filing itself: the run fails and is retried instead.
TRANSIENT = (requests.ConnectionError, requests.Timeout, TimeoutError, ConnectionError)


@dataclass
class IngestReport:
    """What ingesting one day did."""

    day: date
    published: bool
    note: str = ""
    listed: int = 0
    ingested: int = 0
    skipped: list[SkippedFiling] = field(default_factory=list)
    forms: dict[str, int] = field(default_factory=dict)
    version: str | None = None
    preview: list[str] = field(default_factory=list)

    @property
    def skip_rate(self) -> float:
        """Share of the listed filings that were skipped (the asset's check)."""
        return len(self.skipped) / self.listed if self.listed else 0.0


def _fetch_one(source: FilingSource, entry: IndexEntry, day: date) -> Filing | SkippedFiling:
    try:
        filing = source.fetch_filing(entry, day)
    except FilingError as exc:
        return SkippedFiling(entry.accession, entry.cik, entry.company, entry.form, str(exc))
    except TRANSIENT:
        raise
    except Exception as exc:  # a parser failure on one document must not sink the day
        reason = f"could not parse: {type(exc).__name__}: {exc}"
        return SkippedFiling(entry.accession, entry.cik, entry.company, entry.form, reason)
    if not filing.text.strip():
        reason = f"primary document {filing.primary_document} has no text"
        return SkippedFiling(entry.accession, entry.cik, entry.company, entry.form, reason)
    return filing


def ingest_day(
    source: FilingSource,
    store: ContentStore,
    day: date,
    *,
    workers: int = 4,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Fetch every kept filing of `day` and replace the day's rows in one transaction."""
    listing = source.list_day(day)
    report = IngestReport(day=day, published=listing.published, note=listing.note)
    report.version = listing.version
    if not listing.published:
        store.replace_filings(day, [], [])
        return report
    entries = listing.entries
    report.listed = len(entries)
    filings: list[Filing] = []
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for result in pool.map(lambda e: _fetch_one(source, e, day), entries):
            done += 1
            if isinstance(result, SkippedFiling):
                report.skipped.append(result)
                log.warning("skipped %s (%s): %s", result.accession, result.company, result.reason)
            else:
                filings.append(result)
                report.forms[result.form] = report.forms.get(result.form, 0) + 1
            if on_progress:
                on_progress(done, len(entries))
    store.replace_filings(day, filings, report.skipped)
    report.ingested = len(filings)
    report.preview = [f"{f.form} {f.company}: {', '.join(f.items) or '-'}" for f in filings[:5]]
    return report
