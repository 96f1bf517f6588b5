"""EdgarSource: the FilingSource over EDGAR's layout, on SEC's hosts, a local server or file://."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from filings_pipeline.edgar import urls
from filings_pipeline.edgar.bounded_text import ConversionTooSlow, document_text
from filings_pipeline.edgar.feed import FeedEntry, FeedParseError, feed_types, read_until
from filings_pipeline.edgar.fetch import (
    DocumentTooLarge,
    Fetcher,
    FetchError,
    NotPublished,
    decode_document,
)
from filings_pipeline.edgar.filing_index import (
    FilingIndexPage,
    FilingIndexParseError,
    parse_filing_index,
)
from filings_pipeline.edgar.index import (
    IndexParseError,
    ciks_by_accession,
    decode_index,
    dedupe,
    filter_forms,
    parse_index,
)
from filings_pipeline.edgar.items import parse_items_field
from filings_pipeline.edgar.models import DayListing, Exhibit, Filing, FilingError, IndexEntry
from filings_pipeline.edgar.sections import split_item_sections
from filings_pipeline.edgar.submission import Submission, SubmissionParseError, parse_submission
from filings_pipeline.edgar.tickers import parse_company_tickers, resolve_watchlist
from filings_pipeline.settings import DEFAULT_FORMS

log = logging.getLogger(__name__)
EXHIBIT_PREFIX = "EX-99"
TEXT_EXTENSIONS = (".htm", ".html", ".xhtml", ".txt", ".xml")
# Document names are plain file names inside the accession folder (no paths: a hostile index
# page must not point a file:// mirror at other local files).
_SAFE_NAME = re.compile(r"[A-Za-z0-9][\w.-]*")


@dataclass
class _Meta:
    """What SEC's metadata says about one filing (index page, .txt header, submissions JSON)."""

    primary: str = ""
    items: list[str] | None = None
    accepted_at: datetime | None = None
    period: date | None = None
    exhibits: list[tuple[str, str]] | None = None  # (type, filename)


class EdgarSource:
    """Lists a day's filings from the daily master index and fetches each filing's documents."""

    def __init__(
        self,
        archives_url: str,
        data_url: str,
        fetcher: Fetcher,
        forms: Iterable[str] = DEFAULT_FORMS,
        watchlist: Iterable[str] = (),
    ) -> None:
        self.archives_url = archives_url.rstrip("/")
        self.data_url = data_url.rstrip("/")
        self.fetcher = fetcher
        self.forms = tuple(forms)
        self.watchlist = tuple(w for w in watchlist if w.strip())
        self._tickers: dict[int, list[str]] | None = None
        self._watch_ciks: set[int] | None = None
        # The ingest threads share one source: the lazy loads happen once, under this lock.
        self._lazy_lock = threading.Lock()

    # -- day listing -------------------------------------------------------------------------
    def _index(self, day: date):
        return self.fetcher.get(urls.daily_index_url(self.archives_url, day), conditional=True)

    def list_day(self, day: date) -> DayListing:
        """The day's kept entries; `published=False` when EDGAR has no index for the day."""
        try:
            result = self._index(day)
        except NotPublished as exc:
            return DayListing(
                day=day,
                published=False,
                note=f"no index for {day}: {_reason(exc)} (weekend, holiday or not yet published)",
            )
        try:
            parsed = parse_index(decode_index(result.content))
        except IndexParseError as exc:
            raise FetchError(f"daily index for {day} is unreadable: {exc}", result.url) from exc
        kept = dedupe(filter_forms(parsed.entries, self.forms))
        if self.watchlist:
            watch = self.watch_ciks()
            ciks = ciks_by_accession(parsed.entries)
            kept = [e for e in kept if watch.intersection(ciks.get(e.accession, [e.cik]))]
        note = f"{len(kept)} of {len(dedupe(parsed.entries))} filings kept"
        if parsed.bad_rows:
            note += f"; {len(parsed.bad_rows)} index rows could not be parsed"
        return DayListing(day=day, published=True, entries=kept, version=result.version, note=note)

    def day_version(self, day: date) -> str | None:
        """Fingerprint of the day's index (a conditional GET; None when not published)."""
        try:
            return self._index(day).version
        except NotPublished:
            return None

    # -- the live day (before its daily index exists) -------------------------------------------
    def read_feed(self, stop: Callable[[FeedEntry], bool]) -> tuple[set[str], list[FeedEntry]]:
        """Read the latest-filings feed of each kept form until `stop` (see `read_until`):
        every accession listed, and the kept ones (forms and watchlist applied), one entry per
        accession. Fetch errors propagate (a 403 too: EDGAR always has the feed); so does
        FeedParseError (a malformed page). A file:// mirror has no feed: it lists nothing."""
        by_acc: dict[str, list[FeedEntry]] = {}
        for form in feed_types(self.forms):
            if self.archives_url.startswith("file:"):
                return set(), []  # a mirror on disk has no feed
            read = read_until(self.fetcher, self.archives_url, form, stop)
            for e in read.entries:
                by_acc.setdefault(e.accession, []).append(e)
        wanted = {f.upper() for f in self.forms}
        watch = self.watch_ciks() if self.watchlist else None
        kept = [
            entries[0]
            for entries in by_acc.values()
            if entries[0].form.upper() in wanted
            and (watch is None or watch.intersection(x.cik for x in entries))
        ]
        return set(by_acc), kept

    def feed_entries(self, day: date) -> list[IndexEntry]:
        """The kept filings of `day` the latest-filings feed lists now (pages on until a filing
        of an earlier day). Fetch errors propagate (a malformed page as FetchError)."""
        try:
            _, kept = self.read_feed(lambda e: e.filed is not None and e.filed < day)
        except FeedParseError as exc:
            raise FetchError(f"the latest-filings feed is unreadable: {exc}") from exc
        return [
            IndexEntry(e.cik, e.company, e.form, day, f"edgar/data/{e.cik}/{e.accession}.txt")
            for e in kept
            if e.filed == day
        ]

    def is_published(self, entry: IndexEntry) -> bool:
        """Whether the filing's index page is up yet (kept in the disk cache for the fetch)."""
        return (
            self._get_text(urls.index_page_url(self.archives_url, entry.cik, entry.accession))
            is not None
        )

    # -- tickers / watchlist -------------------------------------------------------------------
    def tickers(self) -> dict[int, list[str]]:
        """CIK -> tickers from company_tickers.json, fetched once per source ({} if missing).

        Thread-safe: concurrent first calls wait for one fetch and all get its result; a
        transient failure leaves it unloaded, so a later call tries again."""
        with self._lazy_lock:
            if self._tickers is None:
                try:
                    url = urls.tickers_url(self.archives_url)
                    data = self.fetcher.get(url, cache=False, conditional=True).content
                    self._tickers = parse_company_tickers(data)
                except (NotPublished, ValueError):
                    self._tickers = {}
            return self._tickers

    def watch_ciks(self) -> set[int]:
        """CIKs of the watchlist (resolved once, thread-safe)."""
        tickers = self.tickers()
        with self._lazy_lock:
            if self._watch_ciks is None:
                self._watch_ciks = resolve_watchlist(self.watchlist, tickers)
            return self._watch_ciks

    # -- one filing ----------------------------------------------------------------------------
    def _get_text(self, url: str) -> str | None:
        try:
            return self.fetcher.get(url).text()
        except NotPublished:
            return None

    def _index_page(self, cik: int, accession: str) -> FilingIndexPage | None:
        html = self._get_text(urls.index_page_url(self.archives_url, cik, accession))
        if html is None:
            return None
        try:
            return parse_filing_index(html)
        except FilingIndexParseError:
            return None

    def _submission(self, cik: int, accession: str) -> Submission | None:
        url = urls.submission_txt_url(self.archives_url, cik, accession)
        try:
            raw = self.fetcher.get(url).content
        except NotPublished:
            return None
        except DocumentTooLarge as exc:  # it holds every document: the folder's copies remain
            log.warning("%s: complete submission not used: %s", accession, exc.reason)
            return None
        try:
            return parse_submission(decode_document(raw))
        except SubmissionParseError:
            return None

    def _submissions_json(self, cik: int, accession: str) -> _Meta | None:
        try:
            url = urls.submissions_json_url(self.data_url, cik)
            data = self.fetcher.get(url, cache=False, conditional=True)
            recent = json.loads(data.content)["filings"]["recent"]
            i = recent["accessionNumber"].index(accession)
        except (NotPublished, ValueError, KeyError, TypeError):
            return None
        accepted = recent.get("acceptanceDateTime", [""] * (i + 1))[i]
        report = (recent.get("reportDate") or [""] * (i + 1))[i]
        return _Meta(
            primary=recent.get("primaryDocument", [""] * (i + 1))[i],
            items=parse_items_field(recent.get("items", [""] * (i + 1))[i] or ""),
            # acceptanceDateTime ends in Z but is US Eastern wall-clock time (reference §6).
            accepted_at=datetime.fromisoformat(accepted[:19]) if accepted else None,
            period=date.fromisoformat(report) if report else None,
        )

    def locate(self, accession: str, cik: int | None = None) -> IndexEntry:
        """An IndexEntry for one accession, from its index page or complete submission header.

        Without `cik`, the accession's prefix is tried: it is often the filing agent's CIK, not
        the company's, and then the caller must pass the company's CIK. Raises FilingError.
        """
        if not re.fullmatch(r"\d{10}-\d{2}-\d{6}", accession):
            raise FilingError(f"{accession!r} is not an accession number (0000000000-00-000000)")
        cik = cik if cik is not None else int(accession[:10])
        path = f"edgar/data/{cik}/{accession}.txt"
        page = self._index_page(cik, accession)
        if page is not None and page.filing_date is not None:
            return IndexEntry(cik, page.company, page.form, page.filing_date, path)
        sub = self._submission(cik, accession)
        if sub is not None and sub.filed is not None:
            return IndexEntry(cik, sub.company, sub.form, sub.filed, path)
        raise FilingError(
            f"{accession}: not found under CIK {cik}; the accession prefix is often the filing "
            "agent's CIK, so pass the company's CIK (--cik)"
        )

    def fetch_filing(self, entry: IndexEntry, day: date) -> Filing:
        """Fetch metadata, the primary document and EX-99.x exhibits of one filing.

        Raises FilingError when the primary document is missing, empty or unreadable;
        transient fetch failures (throttle, 5xx) propagate as FetchError for a retry.
        """
        acc, cik = entry.accession, entry.cik
        folder = urls.folder_url(self.archives_url, cik, acc)
        meta = _Meta()
        page = self._index_page(cik, acc)
        submission: Submission | None = None
        if page is not None and page.primary is not None:
            meta = _Meta(
                primary=page.primary.document,
                items=page.items,
                accepted_at=page.accepted_at,
                period=page.period_of_report,
                exhibits=[(d.type, d.document) for d in page.exhibits(EXHIBIT_PREFIX)],
            )
        else:
            submission = self._submission(cik, acc)
            if submission is not None and submission.primary() is not None:
                meta = _Meta(
                    primary=submission.primary().filename,
                    items=submission.items,
                    accepted_at=submission.accepted_at,
                    period=submission.period_of_report,
                    exhibits=[
                        (d.type, d.filename)
                        for d in submission.documents
                        if d.type.upper().startswith(EXHIBIT_PREFIX)
                    ],
                )
        is_8k = entry.form.upper().startswith("8-K")
        if not meta.primary or (is_8k and not meta.items):
            extra = self._submissions_json(cik, acc)
            if extra is not None:
                meta.primary = meta.primary or extra.primary
                meta.items = meta.items or extra.items
                meta.accepted_at = meta.accepted_at or extra.accepted_at
                meta.period = meta.period or extra.period
        if not meta.primary:
            raise FilingError(
                f"{acc}: primary document missing (403 AccessDenied): no index page, complete "
                f"submission or submissions JSON entry under CIK {cik}"
            )

        missing: dict[str, str] = {}

        def document(filename: str) -> str | None:
            """Text of a document in the folder, else from the complete submission."""
            nonlocal submission
            try:
                body = self.fetcher.get(folder + filename).content
                return document_text(decode_document(body), filename)
            except NotPublished as exc:
                missing[filename] = _reason(exc)
            if submission is None:
                submission = self._submission(cik, acc)
            doc = submission.by_filename(filename) if submission else None
            return doc.text() if doc else None

        if not _SAFE_NAME.fullmatch(meta.primary):
            raise FilingError(f"{acc}: primary document name {meta.primary!r} is not a file name")
        if not meta.primary.lower().endswith(TEXT_EXTENSIONS):
            raise FilingError(f"{acc}: primary document {meta.primary} is not a text document")
        primary_url = folder + meta.primary
        try:
            text = document(meta.primary)
        except (DocumentTooLarge, ConversionTooSlow) as exc:
            why = exc.reason if isinstance(exc, DocumentTooLarge) else str(exc)
            raise FilingError(f"{acc}: primary document {meta.primary} skipped: {why}") from exc
        if text is None:
            reason = missing.get(meta.primary, "not in the complete submission")
            raise FilingError(f"{acc}: primary document {meta.primary} missing ({reason})")
        if not text.strip():
            raise FilingError(f"{acc}: primary document {meta.primary} is empty (no text in it)")
        exhibits = []
        for ex_type, filename in meta.exhibits or []:
            if not _SAFE_NAME.fullmatch(filename):
                continue
            try:
                ex_text = document(filename)
            except (DocumentTooLarge, ConversionTooSlow) as exc:
                log.warning("%s: exhibit %s left out: %s", acc, filename, exc)
                continue
            if ex_text:
                exhibits.append(Exhibit(ex_type, filename, folder + filename, ex_text))
        items = list(meta.items or []) if is_8k else []
        return Filing(
            accession=acc,
            cik=cik,
            company=entry.company,
            form=entry.form,
            day=day,
            date_filed=entry.date_filed,
            primary_document=meta.primary,
            primary_url=primary_url,
            index_url=urls.index_page_url(self.archives_url, cik, acc),
            text=text,
            accepted_at=meta.accepted_at,
            period_of_report=meta.period,
            tickers=list(self.tickers().get(cik, [])),
            items=items,
            sections=split_item_sections(text, items) if items else {},
            exhibits=exhibits,
        )


def _reason(exc: FetchError) -> str:
    if exc.status == 403:
        return "403 AccessDenied"
    if exc.status == 404:
        return "404 NoSuchKey"
    return "no such file" if exc.status is None else f"HTTP {exc.status}"
