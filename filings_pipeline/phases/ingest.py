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
    live: bool = False  # listed from the latest-filings feed (no daily index yet), merged
    kept: int = 0  # live: filings already stored, kept as they were (not fetched again)
    waiting: list[str] = field(default_factory=list)  # live: listed, documents not up yet

    @property
    def skip_rate(self) -> float:
        """Share of the listed filings that were skipped (the asset's check)."""
        return len(self.skipped) / self.listed if self.listed else 0.0


@dataclass(frozen=True)
class LiveRequest:
    """Ingest a day before its daily index exists: what the feed lists now, plus
    `accessions` ((cik, accession) pairs the live sensor saw, in case the feed moved on)."""

    accessions: tuple[tuple[int, str], ...] = ()


def _ingest_live(
    source: FilingSource,
    store: ContentStore,
    day: date,
    live: LiveRequest,
    report: IngestReport,
    workers: int,
) -> IngestReport:
    """Merge the day's new feed filings into the stored day; drop and re-fetch nothing.

    A filing already stored (ok or skipped) is kept as it is and not fetched again; a listed
    filing whose index page is not up yet is left out (`waiting`) and nothing is recorded for
    it, so a later run takes it; the write re-reads the day under a lock, so two live runs of
    the day never drop each other's filings.
    """
    report.live = True
    try:
        listed = {e.accession: e for e in source.feed_entries(day)}
    except (FetchError, *TRANSIENT) as exc:
        raise IngestUnavailable(
            f"the latest-filings feed could not be read for {day}: {type(exc).__name__}: {exc}. "
            "Nothing of the day was stored or changed; the run is retried.",
            getattr(exc, "url", "") or "",
        ) from exc
    stored = set(store.accessions_for_day(day)) | {s.accession for s in store.skipped_for_day(day)}
    for cik, acc in live.accessions:
        if acc not in listed and acc not in stored:
            listed[acc] = IndexEntry(cik, "", "", day, f"edgar/data/{cik}/{acc}.txt")
    report.listed = len(listed)
    new = [e for a, e in listed.items() if a not in stored]

    def fetch(entry: IndexEntry) -> Filing | SkippedFiling | None:
        try:
            if not source.is_published(entry):
                return None
            if not entry.form:  # seen by the sensor, gone from the feed: its own index page
                entry = source.locate(entry.accession, entry.cik)
                if entry.date_filed != day:
                    return None  # SEC dates it another day: that day's run takes it
        except (FetchError, *TRANSIENT) as exc:
            raise _unavailable(entry, exc) from exc
        except FilingError:
            return None
        return _fetch_one(source, entry, day)

    filings: list[Filing] = []
    skipped: list[SkippedFiling] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for entry, result in zip(new, pool.map(fetch, new), strict=True):
            if result is None:
                report.waiting.append(entry.accession)
            elif isinstance(result, SkippedFiling):
                skipped.append(result)
            else:
                filings.append(result)
    with store.lock(f"ingest-{day.isoformat()}"):
        current = store.filings_for_day(day)
        have = {f.accession for f in current}
        old_skips = [s for s in store.skipped_for_day(day) if s.accession not in have]
        merged = current + [f for f in filings if f.accession not in have]
        ok = {f.accession for f in merged}
        skips = old_skips + [s for s in skipped if s.accession not in ok]
        if filings or skipped:
            store.replace_filings(day, merged, skips)
    report.kept = len(have)
    report.ingested = len(merged)
    report.skipped = skips
    for f in merged:
        report.forms[f.form] = report.forms.get(f.form, 0) + 1
    report.preview = [f"{f.form} {f.company}: {', '.join(f.items) or '-'}" for f in filings[:5]]
    report.note = (
        f"live: {len(filings)} new, {len(have)} kept, {len(report.waiting)} not published yet"
    )
    return report


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
    live: LiveRequest | None = None,
) -> IngestReport:
    """Fetch every kept filing of `day` and replace the day's rows in one transaction.

    With `live` and no daily index yet (the day is today), the day is listed from the
    latest-filings feed instead and merged into what is stored (see `_ingest_live`); once the
    index exists it is the day's listing again (the nightly reconciliation).

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
    if not listing.published and live is not None:
        return _ingest_live(source, store, day, live, report, workers)
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
