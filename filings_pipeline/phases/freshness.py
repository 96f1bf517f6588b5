"""How fresh the live desk is: filings the feed showed that are not on the site yet. No dagster.

`shown` maps each accession to when the live sensor first saw it in the latest-filings feed (the
creation time of the first live run that asked for it); `on_site` is the set of accessions
whose article is published. During EDGAR hours a filing shown more than `max_lag_s` ago that
is not on the site fails the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from filings_pipeline.phases.live_requests import in_edgar_hours


@dataclass(frozen=True)
class Freshness:
    passed: bool
    late: list[str] = field(default_factory=list)  # shown > max_lag_s ago, not on the site
    waiting: int = 0  # shown, not on the site yet, still within max_lag_s
    newest_lag_s: float | None = None  # the newest article this check saw published
    edgar_hours: bool = True


def freshness(
    shown: Mapping[str, float],
    on_site: set[str],
    now: datetime,
    max_lag_s: float,
    published_now: Iterable[str] = (),
) -> Freshness:
    """The check's verdict. `published_now`: accessions published by this very run, whose
    lag is `now - shown` (the newest article's lag is reported from them)."""
    t = now.timestamp()
    missing = {a: t - s for a, s in shown.items() if a not in on_site}
    late = sorted(a for a, age in missing.items() if age > max_lag_s)
    fresh = [a for a in published_now if a in shown and a in on_site]
    newest = min((t - shown[a] for a in fresh), default=None)
    hours = in_edgar_hours(now)
    return Freshness(
        passed=not late or not hours,
        late=late,
        waiting=len(missing) - len(late),
        newest_lag_s=round(newest, 1) if newest is not None else None,
        edgar_hours=hours,
    )
