"""A spy around a limiter's shared state: the real backend does the work (the real PostgreSQL
transaction or file lock), and every request slot it hands out is written down, so tests can
check the schedule itself, free of the arrival jitter an HTTP server sees."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from filings_pipeline.edgar.rate_state import RateState
from filings_pipeline.edgar.ratelimit import SharedRateLimiter

T = TypeVar("T")


class SlotLog:
    """Delegates to `inner`; `slots` holds the start time of every reserved slot."""

    def __init__(self, inner: RateState) -> None:
        self.inner = inner
        self.slots: list[float] = []
        self._guard = threading.Lock()

    def transact(self, fn: Callable[[dict[str, float], float], T]) -> T:
        def spy(state: dict[str, float], now: float) -> T:
            before = state.get("next_slot", 0.0)
            out = fn(state, now)
            # A reservation returns (now, pause_until, slot) and moves next_slot past the slot.
            if isinstance(out, tuple) and state.get("next_slot", 0.0) != before:
                with self._guard:
                    self.slots.append(out[2])
            return out

        return self.inner.transact(spy)

    def snapshot(self) -> tuple[dict[str, float], float]:
        return self.inner.snapshot()

    def describe(self) -> str:
        return self.inner.describe()


def record_slots(limiter: SharedRateLimiter) -> SlotLog:
    """Put a SlotLog around `limiter`'s backend and return it."""
    log = SlotLog(limiter.backend)
    limiter.backend = log
    return log


def most_in_one_second(times: list[float]) -> int:
    """Most of `times` in any window [t, t + 1 s), less 0.1 ms: slots are epoch seconds summed
    from 1/rate steps, whose float rounding (~2e-7 s a step) must not count slot k + rate in."""
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + 1.0 - 1e-4) for start in times)
