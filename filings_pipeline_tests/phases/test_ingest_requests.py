"""The new-filings sensor's decisions, without dagster: done, waiting, retried with backoff."""

from __future__ import annotations

from filings_pipeline.phases.ingest_requests import (
    LOST_REQUEST_S,
    Pending,
    RunState,
    SensorCursor,
    decide,
    retry_wait,
    run_key,
)

DAY = "2026-11-24"
NOW = 1_800_000_000.0


def pending(attempt: int = 1, version: str = "v1", at: float = NOW - 100) -> Pending:
    return Pending(version, attempt, run_key(DAY, version, attempt), at)


def test_a_new_day_is_requested_and_a_done_day_is_not() -> None:
    first = decide(DAY, "v1", None, None, None, NOW)
    assert first.request and first.attempt == 1 and first.run_key == f"filings:{DAY}:v1"
    assert not decide(DAY, "v1", "v1", pending(), RunState(True, NOW - 5), NOW).request


def test_a_request_in_flight_is_not_repeated() -> None:
    assert not decide(DAY, "v1", None, pending(), RunState(finished=False), NOW).request
    # not launched yet (the daemon creates the run right after the tick): wait, for a while
    assert not decide(DAY, "v1", None, pending(at=NOW - 5), None, NOW).request
    lost = decide(DAY, "v1", None, pending(at=NOW - LOST_REQUEST_S - 1), None, NOW)
    assert lost.request and lost.attempt == 2


def test_a_failed_run_is_requested_again_on_the_next_tick_then_with_backoff() -> None:
    again = decide(DAY, "v1", None, pending(1), RunState(True, NOW - 1), NOW)
    assert again.request and again.attempt == 2
    assert again.run_key != pending(1).run_key  # a reused run key is dropped by the daemon
    assert not decide(DAY, "v1", None, pending(2), RunState(True, NOW - 30), NOW).request
    later = decide(DAY, "v1", None, pending(2), RunState(True, NOW - retry_wait(2) - 1), NOW)
    assert later.request and later.attempt == 3
    assert [retry_wait(n) for n in (1, 2, 3, 4)] == [0, 60, 120, 240]
    assert retry_wait(30) == 3600


def test_a_day_that_succeeded_at_an_older_version_is_requested_again() -> None:
    """The cursor records what succeeded: a succeeded run of v1 does not make v2 done."""
    changed = decide(DAY, "v2", "v1", pending(1, "v1"), RunState(True, NOW - 1), NOW)
    assert changed.request and changed.attempt == 1 and changed.run_key.endswith(":v2")
    # the index changed while an attempt runs: wait for it rather than run the day twice
    assert not decide(DAY, "v2", "v1", pending(1, "v1"), RunState(False), NOW).request


def test_cursor_round_trip_and_an_old_cursor_format() -> None:
    cursor = SensorCursor({DAY: "v0", "2026-11-01": "x"}, {DAY: pending(2)})
    loaded = SensorCursor.load(cursor.dump({DAY}))
    assert loaded.done == {DAY: "v0"} and loaded.pending == {DAY: pending(2)}
    legacy = SensorCursor.load('{"2026-11-24": "v1"}')  # the old "requested" cursor
    assert legacy.done == {} and legacy.pending == {}
