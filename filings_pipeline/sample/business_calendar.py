"""Which days EDGAR publishes daily index files for: weekdays that are not US federal holidays."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# Ad-hoc federal closures seen as gaps in real EDGAR listings (fixtures: daily-index 2018 QTR4).
# A hard-coded list cannot foresee new closures; live mode treats 403 AccessDenied as "no index".
AD_HOC_CLOSURES: frozenset[date] = frozenset(
    {
        date(2018, 12, 5),  # national day of mourning (President G. H. W. Bush)
        date(2018, 12, 24),  # Christmas Eve closure by executive order
    }
)


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.US(years=year, categories=("public",)).keys())


def is_business_day(d: date) -> bool:
    """True when EDGAR would publish a daily index for ``d`` (Mon-Fri, not a federal holiday)."""
    if d.weekday() >= 5:
        return False
    return d not in _federal_holidays(d.year) and d not in AD_HOC_CLOSURES


def business_days(start: date, end: date) -> list[date]:
    """Business days from ``start`` to ``end`` inclusive (empty when ``end < start``)."""
    days: list[date] = []
    d = start
    while d <= end:
        if is_business_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


def previous_business_day(d: date, n: int = 1) -> date:
    """The ``n``-th business day before ``d``."""
    while n > 0:
        d -= timedelta(days=1)
        if is_business_day(d):
            n -= 1
    return d
