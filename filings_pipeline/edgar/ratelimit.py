"""One request budget for the whole deployment: a cross-process limiter in a shared state dir.

Every process that talks to EDGAR (each run, the sensor, operator commands) must point at the
same state dir (default `<FILINGS_DATA_DIR>/edgar-state/`); in production that dir must be on a
filesystem all of them share. The state is a small JSON file guarded by a `filelock` lock:

- `next_slot`: the earliest wall-clock time the next request may start. Each request reserves
  a slot and pushes `next_slot` forward by 1/rate, so requests are evenly spaced and the rate
  never exceeds the budget, whatever the number of processes (no bursts).
- `pause_until`: set when SEC serves its throttle page; nobody sends anything before it.
- `slow_until`: after a pause, requests are spaced at `slow_factor` of the rate until then.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

DEFAULT_PAUSE_SECONDS = 600.0  # SEC blocks for 10 minutes; continuing to hit it extends the block
DEFAULT_SLOW_SECONDS = 1800.0
MAX_PAUSE_SECONDS = 6 * 3600.0  # a pause longer than this means the wall clock jumped
MAX_QUEUE_SECONDS = 3600.0  # same for the queue of reserved slots


class RateLimitWait(Exception):
    """Waiting for a request slot would take longer than the caller's `max_wait`."""


class SharedRateLimiter:
    """Evenly spaced request slots shared by every process using the same `state_dir`."""

    def __init__(
        self,
        state_dir: Path,
        rate: float = 8.0,
        *,
        pause_seconds: float = DEFAULT_PAUSE_SECONDS,
        slow_seconds: float = DEFAULT_SLOW_SECONDS,
        slow_factor: float = 0.5,
        max_wait: float | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate limit must be > 0 requests/s, got {rate}")
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.rate = rate
        self.pause_seconds = pause_seconds
        self.slow_seconds = slow_seconds
        self.slow_factor = slow_factor
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._path = self.state_dir / "ratelimit.json"
        self._lock = FileLock(str(self.state_dir / "ratelimit.lock"))

    def _read(self) -> dict[str, float]:
        try:
            data = json.loads(self._path.read_text())
            return {k: float(v) for k, v in data.items()}
        except (FileNotFoundError, ValueError):
            return {}

    def _write(self, state: dict[str, float]) -> None:
        tmp = self._path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self._path)

    def state(self) -> dict[str, float]:
        """The shared state (for operators and tests)."""
        with self._lock:
            return self._read()

    def paused_for(self) -> float:
        """Seconds left in a throttle pause (0 when not paused)."""
        return max(0.0, self.state().get("pause_until", 0.0) - self._clock())

    def acquire(self) -> None:
        """Block until this process may send one request.

        With `max_wait` set (sensor ticks must finish quickly), raises RateLimitWait instead of
        waiting longer than that, e.g. during a throttle pause.
        """
        deadline = None if self.max_wait is None else self._clock() + self.max_wait
        while True:
            with self._lock:
                state = self._read()
                now = self._clock()
                pause_until = state.get("pause_until", 0.0)
                if pause_until > now + MAX_PAUSE_SECONDS:  # wall clock went backwards: reset
                    pause_until = state["pause_until"] = 0.0
                if pause_until > now:
                    wait_until = pause_until
                else:
                    interval = 1.0 / self.rate
                    if now < state.get("slow_until", 0.0):
                        interval /= self.slow_factor
                    next_slot = state.get("next_slot", 0.0)
                    if next_slot > now + MAX_QUEUE_SECONDS:  # clock went backwards: reset
                        next_slot = now
                    slot = wait_until = max(now, next_slot)
                    if deadline is None or slot <= deadline:
                        state["next_slot"] = slot + interval
                        self._write(state)
            if deadline is not None and wait_until > deadline:
                why = "paused after a throttle page" if pause_until > now else "queued"
                raise RateLimitWait(
                    f"EDGAR requests are {why} for {wait_until - now:.0f} s more "
                    f"(longer than {self.max_wait:g} s)"
                )
            if pause_until > now:
                self._sleep(min(pause_until - now, 5.0))
                continue
            if slot > now:
                self._sleep(slot - now)
            # A throttle page seen by another process while we waited cancels our slot.
            if self._read().get("pause_until", 0.0) <= self._clock():
                return

    def trip(self) -> float:
        """Throttle page seen: pause every process, then resume slower. Returns the end."""
        with self._lock:
            state = self._read()
            until = max(state.get("pause_until", 0.0), self._clock() + self.pause_seconds)
            state["pause_until"] = until
            state["slow_until"] = until + self.slow_seconds
            state["next_slot"] = max(state.get("next_slot", 0.0), until)
            self._write(state)
        return until
