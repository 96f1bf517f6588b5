"""The live sensor's decisions (phases.live_requests): pure, no dagster, no HTTP."""

from __future__ import annotations

from datetime import date, datetime

from filings_pipeline.edgar.feed import FeedEntry
from filings_pipeline.phases.ingest_requests import RunState
from filings_pipeline.phases.live_requests import LiveCursor, decode_accessions, plan_runs

MONDAY, TUESDAY = date(2026, 11, 30), date(2026, 12, 1)


def entry(acc: str, form: str, filed: date) -> FeedEntry:
    return FeedEntry(acc, form, "Example Co", 1234, "Filer", filed, datetime(2026, 11, 30), "")


def test_an_amendment_and_a_filing_dated_the_next_business_day_land_on_their_own_days() -> None:
    """An 8-K/A runs on its filing day like any 8-K; one accepted after 5:30 p.m. Monday that
    SEC dates Tuesday waits for Tuesday's partition (it does not exist on Monday), then runs
    there, never on Monday."""
    amended = entry("0000001234-26-000001", "8-K/A", MONDAY)
    late = entry("0000001234-26-000002", "8-K", TUESDAY)
    cursor = LiveCursor()
    monday = plan_runs(cursor, [amended, late], lambda d: set(), lambda k: None, 100.0, MONDAY)
    assert [(r.day, [a for _, a in r.accessions]) for r in monday] == [
        (MONDAY.isoformat(), [amended.accession])
    ]
    assert cursor.open[late.accession].attempt == 0  # noticed, waiting for its day
    stored = {MONDAY.isoformat(): {amended.accession}}
    tuesday = plan_runs(cursor, [], lambda d: stored.get(d, set()), lambda k: None, 200.0, TUESDAY)
    assert [(r.day, decode_accessions(r.tag)) for r in tuesday] == [
        (TUESDAY.isoformat(), ((1234, late.accession),))
    ]
    assert amended.accession not in cursor.open


def test_a_run_that_ended_without_storing_the_filing_is_followed_by_another() -> None:
    e = entry("0000001234-26-000003", "8-K", MONDAY)
    cursor = LiveCursor()
    first = plan_runs(cursor, [e], lambda d: set(), lambda k: None, 0.0, MONDAY)
    running = plan_runs(cursor, [e], lambda d: set(), lambda k: RunState(False), 10.0, MONDAY)
    assert len(first) == 1 and running == []
    ended = plan_runs(cursor, [e], lambda d: set(), lambda k: RunState(True, 20.0), 30.0, MONDAY)
    assert len(ended) == 1 and ended[0].run_key != first[0].run_key and ended[0].attempt == 2
    done = plan_runs(
        cursor, [e], lambda d: {e.accession}, lambda k: RunState(True, 40.0), 50.0, MONDAY
    )
    assert done == [] and cursor.open == {}
