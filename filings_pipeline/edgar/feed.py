"""The "Latest Filings" Atom feed (reference §5) and change detection for the live sensor."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from lxml import etree

from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.items import codes_from_item_lines
from filings_pipeline.edgar.source import FilingSource
from filings_pipeline.edgar.urls import latest_filings_feed_url

_NS = {"a": "http://www.w3.org/2005/Atom"}
_TITLE = re.compile(r"^(?P<form>.+?) - (?P<company>.*) \((?P<cik>\d{1,10})\) \((?P<role>[^)]*)\)$")
_ACC = re.compile(r"\d{10}-\d{2}-\d{6}")
_FILED = re.compile(r"Filed:\s*(\d{4}-\d{2}-\d{2})")
PAGE = 100  # the most entries EDGAR gives in one page of the feed


class FeedParseError(ValueError):
    """The body is not an Atom feed."""


@dataclass(frozen=True)
class FeedEntry:
    """One (filing, entity) entry of the feed; a Form 4 appears once per entity."""

    accession: str
    form: str
    company: str
    cik: int
    role: str
    filed: date | None
    updated: datetime | None
    index_url: str
    items: list[str] = field(default_factory=list)


def parse_feed(data: bytes) -> list[FeedEntry]:
    """Entries of a Latest Filings Atom page (ISO-8859-1 XML)."""
    try:
        root = etree.fromstring(
            data, parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError as exc:
        raise FeedParseError(f"not an Atom feed: {exc}") from exc
    if root.tag != "{http://www.w3.org/2005/Atom}feed":
        raise FeedParseError(f"not an Atom feed: root element is {root.tag}")
    out: list[FeedEntry] = []
    for entry in root.findall("a:entry", _NS):
        title = (entry.findtext("a:title", "", _NS) or "").strip()
        summary = html.unescape(entry.findtext("a:summary", "", _NS) or "")
        summary = re.sub(r"<[^>]+>", " ", summary)
        ident = entry.findtext("a:id", "", _NS) or ""
        acc = _ACC.search(ident) or _ACC.search(summary)
        m = _TITLE.match(title)
        if not acc or not m:
            continue
        link = entry.find("a:link", _NS)
        updated = entry.findtext("a:updated", "", _NS)
        filed = _FILED.search(summary)
        category = entry.find("a:category", _NS)
        out.append(
            FeedEntry(
                accession=acc.group(0),
                form=category.get("term") if category is not None else m.group("form"),
                company=m.group("company"),
                cik=int(m.group("cik")),
                role=m.group("role"),
                filed=date.fromisoformat(filed.group(1)) if filed else None,
                updated=datetime.fromisoformat(updated) if updated else None,
                index_url=link.get("href", "") if link is not None else "",
                items=codes_from_item_lines(summary),
            )
        )
    return out


def fetch_latest(
    fetcher: Fetcher, archives_url: str, form: str = "8-K", start: int = 0, count: int = PAGE
) -> list[FeedEntry]:
    """One request: `count` of the newest filings of `form` from `start` (never cached)."""
    url = latest_filings_feed_url(archives_url, form, count=count, start=start)
    result = fetcher.get(url, cache=False)
    return parse_feed(result.content)


def feed_types(forms: tuple[str, ...]) -> list[str]:
    """The feed's `type=` values that cover `forms`: EDGAR matches `type` as a prefix, so 8-K
    covers 8-K/A and one request per prefix is enough."""
    kept = sorted({f.upper() for f in forms})
    return [f for f in kept if not any(f != o and f.startswith(o) for o in kept)]


@dataclass
class FeedRead:
    """What one read of the feed found, newest first, one entry per accession."""

    entries: list[FeedEntry]
    pages: int
    reached: bool  # stopped at an entry `stop` matched (else: the end of the feed or page cap)


def read_until(
    fetcher: Fetcher,
    archives_url: str,
    form: str,
    stop: Callable[[FeedEntry], bool],
    *,
    max_pages: int = 10,
    count: int = PAGE,
) -> FeedRead:
    """The newest entries of `form`, page after page, until a page holds an entry `stop`
    matches (e.g. an accession already known, or a filing of an earlier day).

    The feed holds at most `count` entries a page: while a full page has no stopping entry,
    the next page is read (`start=`), up to `max_pages`. Stopping entries are left out. An
    accession listed twice (a filing with several entities, or one that slid across pages
    between two requests) is kept once. Fetch errors and FeedParseError propagate.
    """
    out: list[FeedEntry] = []
    seen: set[str] = set()
    for page in range(max_pages):
        entries = fetch_latest(fetcher, archives_url, form, start=page * count, count=count)
        hit = False
        for e in entries:
            if stop(e):
                hit = True
            elif e.accession not in seen:
                seen.add(e.accession)
                out.append(e)
        if hit or len(entries) < count:
            return FeedRead(out, page + 1, hit)
    return FeedRead(out, max_pages, False)


def eastern_today() -> date:
    """Today in America/New_York (EDGAR's filing days)."""
    return datetime.now(ZoneInfo("America/New_York")).date()


def changed_days(
    source: FilingSource, cursor: str | None, today: date | None = None, lookback_days: int = 3
) -> tuple[list[date], str]:
    """Days (today and the `lookback_days - 1` before) whose daily index changed since `cursor`.

    `today` defaults to the current America/New_York date; weekends are skipped. One cheap call
    per day (`day_version`: a conditional GET, usually a 304). Returns the days to run, oldest
    first, and the new cursor (JSON of day -> version) for the sensor to store. Days without an
    index yet are not returned and stay unrecorded, so they fire once published. Fetch errors
    (Paused during a throttle pause, Unavailable) propagate: skip the tick, keep the cursor.
    """
    today = today or eastern_today()
    try:
        seen: dict[str, str] = json.loads(cursor)["versions"] if cursor else {}
    except (ValueError, KeyError, TypeError):
        seen = {}
    days = [today - timedelta(days=n) for n in range(lookback_days - 1, -1, -1)]
    versions: dict[str, str] = {}
    changed: list[date] = []
    for day in days:
        if day.weekday() >= 5:
            continue  # EDGAR publishes no index on Saturdays and Sundays
        version = source.day_version(day)
        if version is None:
            continue
        versions[day.isoformat()] = version
        if seen.get(day.isoformat()) != version:
            changed.append(day)
    return changed, json.dumps({"versions": versions}, sort_keys=True)


def new_feed_days(entries: list[FeedEntry], forms: tuple[str, ...], seen: set[str]) -> list[date]:
    """Filing dates of feed entries of the kept forms whose accession is not in `seen`."""
    wanted = {f.upper() for f in forms}
    days = {
        e.filed for e in entries if e.filed and e.form.upper() in wanted and e.accession not in seen
    }
    return sorted(d for d in days if d is not None)
