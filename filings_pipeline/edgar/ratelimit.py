"""One request budget for the whole deployment: a cross-process limiter over shared state.

Every process that talks to EDGAR (each run, the sensor, operator commands) must share the same
state (`filings_pipeline.edgar.rate_state`): one row in PostgreSQL when the content store is
PostgreSQL (processes on different machines share only the database), else a small JSON file
under a file lock in `<FILINGS_DATA_DIR>/edgar-state/` (one machine). The state holds:

- `next_slot`: the earliest wall-clock time the next request may start. Each request reserves
  a slot and pushes `next_slot` forward by 1/rate, so requests are evenly spaced and the rate
  never exceeds the budget, whatever the number of processes (no bursts).
- `pause_until`: set when SEC serves its throttle page; nobody sends anything before it.
- `slow_until`: after a pause, requests are spaced at `slow_factor` of the rate until then.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from filings_pipeline.edgar.rate_state import FileRateState, RateState

DEFAULT_PAUSE_SECONDS = 600.0  # SEC blocks for 10 minutes; continuing to hit it extends the block
DEFAULT_SLOW_SECONDS = 1800.0
MAX_PAUSE_SECONDS = 6 * 3600.0  # a pause longer than this means the wall clock jumped
MAX_QUEUE_SECONDS = 3600.0  # same for the queue of reserved slots


class RateLimitWait(Exception):
    """Waiting for a request slot would take longer than the caller's `max_wait`."""


class SharedRateLimiter:
    """Evenly spaced request slots shared by every process using the same state.

    Give `state_dir` for the file backend (its clock is `clock`), or `state` for another backend
    (e.g. `PostgresRateState`, which uses the database's clock).
    """

    def __init__(
        self,
        state_dir: Path | None = None,
        rate: float = 8.0,
        *,
        state: RateState | None = None,
        pause_seconds: float = DEFAULT_PAUSE_SECONDS,
        slow_seconds: float = DEFAULT_SLOW_SECONDS,
        slow_factor: float = 0.5,
        max_wait: float | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate limit must be > 0 requests/s, got {rate}")
        if (state is None) == (state_dir is None):
            raise ValueError("give exactly one of state_dir (file backend) or state")
        self.backend: RateState = (
            state if state is not None else FileRateState(Path(str(state_dir)), clock)
        )
        self.rate = rate
        self.pause_seconds = pause_seconds
        self.slow_seconds = slow_seconds
        self.slow_factor = slow_factor
        self.max_wait = max_wait
        self._sleep = sleep

    @property
    def state_dir(self) -> Path | None:
        """The folder of the file backend (None for PostgreSQL)."""
        return self.backend.state_dir if isinstance(self.backend, FileRateState) else None

    def state(self) -> dict[str, float]:
        """The shared state (for operators and tests)."""
        return self.backend.snapshot()[0]

    def paused_for(self) -> float:
        """Seconds left in a throttle pause (0 when not paused)."""
        state, now = self.backend.snapshot()
        return max(0.0, state.get("pause_until", 0.0) - now)

    def _reserve(
        self, state: dict[str, float], now: float, deadline: float | None
    ) -> tuple[float, float, float]:
        """Under the lock: (now, pause_until, wait_until); reserves a slot when one is due
        before `deadline` and no pause is on."""
        pause_until = state.get("pause_until", 0.0)
        if pause_until > now + MAX_PAUSE_SECONDS:  # wall clock went backwards: reset
            pause_until = state["pause_until"] = 0.0
        if pause_until > now:
            return now, pause_until, pause_until
        interval = 1.0 / self.rate
        if now < state.get("slow_until", 0.0):
            interval /= self.slow_factor
        next_slot = state.get("next_slot", 0.0)
        if next_slot > now + MAX_QUEUE_SECONDS:  # clock went backwards: reset
            next_slot = now
        slot = max(now, next_slot)
        if deadline is None or slot <= deadline:
            state["next_slot"] = slot + interval
        return now, pause_until, slot

    def acquire(self) -> None:
        """Block until this process may send one request.

        With `max_wait` set (sensor ticks must finish quickly), raises RateLimitWait instead of
        waiting longer than that, e.g. during a throttle pause.
        """
        deadline: float | None = None

        def reserve(state: dict[str, float], now: float) -> tuple[float, float, float]:
            nonlocal deadline
            if deadline is None and self.max_wait is not None:
                deadline = now + self.max_wait  # on the state's clock, set on the first try
            return self._reserve(state, now, deadline)

        while True:
            now, pause_until, wait_until = self.backend.transact(reserve)
            if deadline is not None and wait_until > deadline:
                why = "paused after a throttle page" if pause_until > now else "queued"
                raise RateLimitWait(
                    f"EDGAR requests are {why} for {wait_until - now:.0f} s more "
                    f"(longer than {self.max_wait:g} s)"
                )
            if pause_until > now:
                self._sleep(min(pause_until - now, 5.0))
                continue
            if wait_until > now:
                self._sleep(wait_until - now)
            # A throttle page seen by another process while we waited cancels our slot.
            state, now = self.backend.snapshot()
            if state.get("pause_until", 0.0) <= now:
                return

    def trip(self) -> float:
        """Throttle page seen: pause every process, then resume slower. Returns the end
        (on the state's clock)."""

        def pause(state: dict[str, float], now: float) -> float:
            until = max(state.get("pause_until", 0.0), now + self.pause_seconds)
            state["pause_until"] = until
            state["slow_until"] = until + self.slow_seconds
            state["next_slot"] = max(state.get("next_slot", 0.0), until)
            return until

        return self.backend.transact(pause)
