"""What the live sensor asks for: pure decisions over the latest-filings feed, no dagster here.

The cursor holds the accessions the feed listed (`known`: where paging stops) and the kept
accessions noticed but not yet in the content store (`open`). An open accession is requested in
a run of its filing day; it leaves `open` only once the store holds it (ingested, or skipped
for a reason of its own). A run that ended without storing it (its documents were not up yet,
or the run failed) is followed by another request on a later tick, so a just-accepted filing
is never dropped for good. A filing SEC dates a later day (accepted after 5:30 p.m.) waits
until that day's partition exists.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from filings_pipeline.edgar.feed import FeedEntry, eastern_today
from filings_pipeline.phases.ingest import LiveRequest
from filings_pipeline.phases.ingest_requests import LOST_REQUEST_S, RunState, retry_wait

LIVE_ACCESSIONS_TAG = "filings/live_accessions"  # "cik:accession,..." on the runs it requests
LIVE_DAYS = 3  # a day this recent without a daily index is listed from the feed
KNOWN_CAP = 5000  # accessions remembered for the paging stop
EASTERN = ZoneInfo("America/New_York")
EDGAR_OPENS, EDGAR_CLOSES = time(6, 0), time(22, 0)


def encode_accessions(pairs: Iterable[tuple[int, str]]) -> str:
    return ",".join(f"{cik}:{acc}" for cik, acc in sorted(pairs, key=lambda p: p[1]))


def decode_accessions(tag: str) -> tuple[tuple[int, str], ...]:
    """The (cik, accession) pairs of a run's live tag (bad parts are ignored)."""
    out = []
    for part in tag.split(","):
        cik, _, acc = part.strip().partition(":")
        if cik.isdigit() and len(acc) == 20:
            out.append((int(cik), acc))
    return tuple(out)


def live_request(day: date, tag: str, today: date | None = None) -> LiveRequest | None:
    """How the ingest asset lists `day` when its daily index is not up: from the feed (plus
    the run's accessions) for a recent day or a live run; None (no index: an empty day) else."""
    accessions = decode_accessions(tag)
    age = ((today or eastern_today()) - day).days
    if accessions or 0 <= age < LIVE_DAYS:
        return LiveRequest(accessions)
    return None


def in_edgar_hours(now: datetime) -> bool:
    """6 a.m. to 10 p.m. ET on a weekday: when EDGAR accepts filings."""
    local = now.astimezone(EASTERN)
    return local.weekday() < 5 and EDGAR_OPENS <= local.time() < EDGAR_CLOSES


@dataclass(frozen=True)
class OpenAccession:
    """A kept accession the feed showed that the store does not hold yet."""

    cik: int
    day: str  # the filing date SEC gives it (its partition)
    first_seen: float
    attempt: int = 0  # runs requested for it so far
    run_key: str = ""
    requested_at: float = 0.0


@dataclass
class LiveCursor:
    known: list[str] = field(default_factory=list)
    open: dict[str, OpenAccession] = field(default_factory=dict)
    last_poll: float = 0.0

    @classmethod
    def load(cls, raw: str | None) -> LiveCursor:
        try:
            data: Any = json.loads(raw) if raw else {}
            return cls(
                list(data.get("known") or []),
                {k: OpenAccession(**v) for k, v in (data.get("open") or {}).items()},
                float(data.get("last_poll") or 0.0),
            )
        except (ValueError, TypeError, AttributeError):
            return cls()

    def dump(self) -> str:
        return json.dumps(
            {
                "known": self.known[-KNOWN_CAP:],
                "open": {k: asdict(v) for k, v in sorted(self.open.items())},
                "last_poll": self.last_poll,
            },
            sort_keys=True,
        )

    def remember(self, accessions: Iterable[str]) -> None:
        have = set(self.known)
        for acc in accessions:
            if acc not in have:
                have.add(acc)
                self.known.append(acc)


@dataclass(frozen=True)
class LiveRun:
    """One run to request: a day and the accessions it is for."""

    day: str
    run_key: str
    accessions: tuple[tuple[int, str], ...]
    attempt: int

    @property
    def tag(self) -> str:
        return encode_accessions(self.accessions)


def live_run_key(day: str, accessions: Iterable[str], attempt: int) -> str:
    digest = hashlib.sha256(",".join(sorted(accessions)).encode()).hexdigest()[:16]
    return f"live:{day}:{digest}:{attempt}"


def plan_runs(
    cursor: LiveCursor,
    entries: Iterable[FeedEntry],
    stored: Callable[[str], set[str]],
    run_state: Callable[[str], RunState | None],
    now: float,
    today: date,
) -> list[LiveRun]:
    """Update `cursor` with this tick's kept feed `entries` and return the runs to request.

    `stored(day)`: accessions the store holds for that day; `run_state(run_key)`: the state of
    the run behind a request (None: not launched yet).
    """
    for e in entries:
        if e.accession not in cursor.open and e.filed is not None:
            cursor.open[e.accession] = OpenAccession(e.cik, e.filed.isoformat(), now)
    held: dict[str, set[str]] = {}
    due: dict[str, list[tuple[str, OpenAccession]]] = {}
    for acc, item in list(cursor.open.items()):
        if item.day not in held:
            held[item.day] = stored(item.day)
        if acc in held[item.day]:
            del cursor.open[acc]  # done: ingested, or skipped for a reason of its own
            continue
        if date.fromisoformat(item.day) > today:
            continue  # dated a later day: its partition does not exist yet
        if item.attempt:
            run = run_state(item.run_key)
            if run is None and now - item.requested_at < LOST_REQUEST_S:
                continue
            if run is not None and not run.finished:
                continue
            if run is not None and now - (run.ended_at or now) < retry_wait(item.attempt):
                continue
        due.setdefault(item.day, []).append((acc, item))
    runs = []
    for day, items in sorted(due.items()):
        attempt = max(i.attempt for _, i in items) + 1
        key = live_run_key(day, [a for a, _ in items], attempt)
        runs.append(LiveRun(day, key, tuple((i.cik, a) for a, i in items), attempt))
        for acc, item in items:
            cursor.open[acc] = OpenAccession(
                item.cik, item.day, item.first_seen, item.attempt + 1, key, now
            )
    return runs


def poll_due(cursor: LiveCursor, now: datetime, off_hours_s: float) -> bool:
    """Whether this tick reads the feed: every tick during EDGAR hours (the sensor's interval
    spaces them), once every `off_hours_s` outside them."""
    return in_edgar_hours(now) or now.timestamp() - cursor.last_poll >= off_hours_s - 1.0
