"""Phase 1: list a day's filings in the source, fetch and parse each one, store them.

A filing is skipped (recorded with its reason, the day goes on) only for a reason that is
about the filing itself: a document that is not published, empty or unparsable. A fetch
failure that says nothing about the filing (EDGAR answering 5xx after the Fetcher's retries,
its throttle page, a pause, a refused User-Agent, a dropped connection) fails the day with
IngestUnavailable instead, and the day's stored rows are left exactly as they were: no
partial listing replaces them, so nothing paid is pruned and nothing published is retracted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import requests

from filings_pipeline.edgar.fetch import FetchError, NotPublished
from filings_pipeline.edgar.models import Filing, FilingError, IndexEntry, SkippedFiling
from filings_pipeline.edgar.source import FilingSource
from filings_pipeline.store import ContentStore

log = logging.getLogger(__name__)

# Failures that say nothing about the filing itself: the run fails and is retried instead.
# NotPublished (403 AccessDenied / 404 NoSuchKey for a listed document) is about the filing:
# the source turns it into a FilingError (a skip with its reason). Every other FetchError is not.
TRANSIENT = (requests.ConnectionError, requests.Timeout, TimeoutError, ConnectionError)


class IngestUnavailable(RuntimeError):
    """The source failed in a way that says nothing about the filing; retry the day later."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


def _unavailable(entry: IndexEntry, exc: BaseException) -> IngestUnavailable:
    url = getattr(exc, "url", "") or ""
    return IngestUnavailable(
        f"{entry.accession} ({entry.company}, {entry.form}) could not be fetched: "
        f"{type(exc).__name__}: {exc}"
        + (f" [URL {url}]" if url and url not in str(exc) else "")
        + ". Nothing of the day was stored or changed; the run is retried.",
        url,
    )


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
    except NotPublished as exc:
        return SkippedFiling(entry.accession, entry.cik, entry.company, entry.form, str(exc))
    except (FetchError, *TRANSIENT) as exc:
        raise _unavailable(entry, exc) from exc
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
    """Fetch every kept filing of `day` and replace the day's rows in one transaction.

    Raises IngestUnavailable (and stores nothing) when the listing or any filing failed for a
    reason that is not the filing's own; the filings still queued are not fetched then.
    """
    try:
        listing = source.list_day(day)
    except (FetchError, *TRANSIENT) as exc:
        url = getattr(exc, "url", "") or ""
        raise IngestUnavailable(
            f"the {day} index could not be listed: {type(exc).__name__}: {exc}. "
            "Nothing of the day was stored or changed; the run is retried.",
            url,
        ) from exc
    report = IngestReport(day=day, published=listing.published, note=listing.note)
    report.version = listing.version
    if not listing.published:
        stored = store.count_rows("filings", day)
        if stored:  # EDGAR never withdraws a daily index: a 403 now is not "an empty day"
            raise IngestUnavailable(
                f"the {day} index answers as not published ({listing.note}), but {stored} "
                "filings of that day are stored from an earlier listing; refusing to empty "
                "the day (its analyses and articles would be pruned and retracted)."
            )
        store.replace_filings(day, [], [])
        return report
    entries = listing.entries
    report.listed = len(entries)
    filings: list[Filing] = []
    done = 0
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
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
    finally:  # on a failure, filings not started yet are not fetched at all
        pool.shutdown(wait=True, cancel_futures=True)
    store.replace_filings(day, filings, report.skipped)
    report.ingested = len(filings)
    report.preview = [f"{f.form} {f.company}: {', '.join(f.items) or '-'}" for f in filings[:5]]
    return report
