"""Which days the new-filings sensor asks to ingest: pure decisions, no dagster here.

A day is done when its last *successful* ingest recorded the index version the source shows
now. A request is only a request: while its run is queued or running the day waits; when that
run ended without making the day done (it failed, was cancelled, or listed another version),
the day is asked for again with a new run key, after a backoff that grows with the attempts
(the first re-request goes out on the next tick). So a transient failure is retried until it
succeeds, and never leaves the day looking finished.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

RETRY_BASE_S = 60.0  # the wait before a day's third attempt; doubles per attempt after that
RETRY_CAP_S = 3600.0
LOST_REQUEST_S = 600.0  # a request whose run never appeared is asked for again after this


@dataclass(frozen=True)
class Pending:
    """A request the sensor made for one day, kept in its cursor until the day is done."""

    version: str
    attempt: int
    run_key: str
    requested_at: float


@dataclass(frozen=True)
class RunState:
    """What the instance knows of the run behind a pending request."""

    finished: bool
    ended_at: float | None = None


@dataclass(frozen=True)
class Decision:
    """Ask for the day now (`request`, with this attempt's run key), or wait."""

    request: bool
    attempt: int = 0
    run_key: str = ""
    reason: str = ""


def run_key(day: str, version: str, attempt: int) -> str:
    """`filings:DAY:VERSION` for the first request (as before), `...:retryN` after that."""
    base = f"filings:{day}:{version}"
    return base if attempt <= 1 else f"{base}:retry{attempt - 1}"


def retry_wait(failed_attempts: int) -> float:
    """Seconds to wait after the run of attempt `failed_attempts` ended, before the next."""
    if failed_attempts <= 1:
        return 0.0
    return min(RETRY_BASE_S * 2 ** (failed_attempts - 2), RETRY_CAP_S)


def decide(
    day: str,
    current: str,
    done: str | None,
    pending: Pending | None,
    run: RunState | None,
    now: float,
) -> Decision:
    """The decision for one day whose index shows version `current`.

    `done`: the version of the day's last successful ingest; `pending`: the sensor's open
    request for the day, if any; `run`: the state of that request's run (None: not found).
    """
    if done == current:
        return Decision(False, reason="done")
    if pending is None:
        return Decision(True, 1, run_key(day, current, 1), "new or changed")
    if run is not None and not run.finished:
        return Decision(False, reason=f"attempt {pending.attempt} still queued or running")
    if pending.version != current:
        return Decision(True, 1, run_key(day, current, 1), "changed since the last request")
    if run is None:
        if now - pending.requested_at < LOST_REQUEST_S:
            return Decision(False, reason=f"attempt {pending.attempt} not launched yet")
    else:
        wait = retry_wait(pending.attempt) - (now - (run.ended_at or now))
        if wait > 0:
            return Decision(False, reason=f"attempt {pending.attempt} failed; next in {wait:.0f} s")
    nxt = pending.attempt + 1
    return Decision(True, nxt, run_key(day, current, nxt), f"attempt {pending.attempt} failed")


@dataclass
class SensorCursor:
    """The sensor's cursor: what succeeded (per day, the version of the last successful
    ingest) and the requests still open. Not what was requested as if it were done."""

    done: dict[str, str]
    pending: dict[str, Pending]

    @classmethod
    def load(cls, raw: str | None) -> SensorCursor:
        data: Any = json.loads(raw) if raw else {}
        if not isinstance(data, dict) or set(data) - {"done", "pending"}:
            return cls({}, {})  # an older cursor format: start over from the materializations
        pending = {k: Pending(**v) for k, v in (data.get("pending") or {}).items()}
        return cls(dict(data.get("done") or {}), pending)

    def dump(self, keep: set[str]) -> str:
        return json.dumps(
            {
                "done": {k: v for k, v in self.done.items() if k in keep},
                "pending": {k: asdict(v) for k, v in self.pending.items() if k in keep},
            },
            sort_keys=True,
        )
