"""The live desk's freshness verdict (phases.freshness): pure, no dagster."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from filings_pipeline.phases.freshness import freshness
from filings_pipeline.phases.live_requests import in_edgar_hours

ET = ZoneInfo("America/New_York")
TUESDAY_NOON = datetime(2026, 12, 1, 12, 0, tzinfo=ET)
TUESDAY_NIGHT = datetime(2026, 12, 1, 23, 0, tzinfo=ET)
SATURDAY_NOON = datetime(2026, 12, 5, 12, 0, tzinfo=ET)


def test_edgar_hours_are_weekdays_6am_to_10pm_eastern() -> None:
    assert in_edgar_hours(TUESDAY_NOON)
    assert in_edgar_hours(datetime(2026, 12, 1, 6, 0, tzinfo=ET))
    assert not in_edgar_hours(datetime(2026, 12, 1, 5, 59, tzinfo=ET))
    assert not in_edgar_hours(datetime(2026, 12, 1, 22, 0, tzinfo=ET))
    assert not in_edgar_hours(TUESDAY_NIGHT) and not in_edgar_hours(SATURDAY_NOON)


def test_a_filing_shown_longer_ago_than_the_limit_and_not_on_site_fails() -> None:
    t = TUESDAY_NOON.timestamp()
    shown = {"a": t - 1200, "b": t - 300, "c": t - 30}
    verdict = freshness(shown, {"b"}, TUESDAY_NOON, 600, published_now=["b"])
    assert not verdict.passed and verdict.late == ["a"] and verdict.waiting == 1
    assert verdict.newest_lag_s == 300.0
    ok = freshness(shown, {"a", "b", "c"}, TUESDAY_NOON, 600, published_now=["c", "b"])
    assert ok.passed and ok.late == [] and ok.newest_lag_s == 30.0


def test_outside_edgar_hours_late_filings_are_listed_but_do_not_fail() -> None:
    t = TUESDAY_NIGHT.timestamp()
    verdict = freshness({"a": t - 7200}, set(), TUESDAY_NIGHT, 600)
    assert verdict.passed and verdict.late == ["a"] and not verdict.edgar_hours
