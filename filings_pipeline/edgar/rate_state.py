"""Where the deployment-wide EDGAR rate-limit state lives: a lock-guarded JSON file or one row in
PostgreSQL.

The state is three wall-clock times (seconds since the epoch): `next_slot` (the earliest start of
the next request), `pause_until` (a throttle pause) and `slow_until` (reduced rate after a pause).
`SharedRateLimiter` reads and changes them only through `transact(fn)`, which runs `fn(state, now)`
while every other process of the deployment is kept out, and saves what `fn` changed.

- `FileRateState`: `<state_dir>/ratelimit.json` under a `filelock` lock. One machine, or a
  filesystem every process shares (flock is not reliable over NFS). "now" is the local clock.
- `PostgresRateState`: one row of table `edgar_rate_state`, read with `SELECT ... FOR UPDATE` in a
  transaction, so processes on different machines that share only the database take turns.
  "now" is the database's `clock_timestamp()`, so machines whose clocks disagree still space
  their requests on one clock. A process that dies mid-transaction holds nothing: PostgreSQL
  rolls the transaction back and releases the row lock when its connection drops.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

import sqlalchemy as sa
from filelock import FileLock

from filings_pipeline.atomic_write import write_atomic

T = TypeVar("T")
FIELDS = ("next_slot", "pause_until", "slow_until")
TABLE = "edgar_rate_state"
# Advisory-lock key for creating the table once when several processes start together.
_CREATE_LOCK_KEY = 0x46505254  # ASCII "FPRT"


class RateState(Protocol):
    """Shared limiter state with one writer at a time across the deployment."""

    def transact(self, fn: Callable[[dict[str, float], float], T]) -> T:
        """Run `fn(state, now)` exclusively; persist `state` if `fn` changed it."""
        ...

    def snapshot(self) -> tuple[dict[str, float], float]:
        """(state, now) without taking the lock (a consistent read of the last commit)."""
        ...

    def describe(self) -> str:
        """Where the state lives, for logs and operators (no password)."""
        ...


class FileRateState:
    """The state as a JSON file in `state_dir`, guarded by a file lock."""

    def __init__(self, state_dir: Path, clock: Callable[[], float] = time.time) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._path = self.state_dir / "ratelimit.json"
        self._lock = FileLock(str(self.state_dir / "ratelimit.lock"))

    def describe(self) -> str:
        return f"file {self._path} (lock {self._lock.lock_file})"

    def _read(self) -> dict[str, float]:
        try:
            data = json.loads(self._path.read_text())
            return {k: float(v) for k, v in data.items()}
        except (FileNotFoundError, ValueError):
            return {}

    def _write(self, state: dict[str, float]) -> None:
        write_atomic(self._path, json.dumps(state).encode())

    def transact(self, fn: Callable[[dict[str, float], float], T]) -> T:
        with self._lock:
            state = self._read()
            before = dict(state)
            result = fn(state, self._clock())
            if state != before:
                self._write(state)
            return result

    def snapshot(self) -> tuple[dict[str, float], float]:
        return self._read(), self._clock()


_ENGINES: dict[tuple[str, int], sa.Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _engine(url: str) -> sa.Engine:
    """One small pool per database and process (never share sockets across a fork)."""
    key = (url, os.getpid())
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = sa.create_engine(
                url,
                pool_pre_ping=True,
                pool_size=2,
                max_overflow=8,
                connect_args={"application_name": "filings_pipeline-edgar-rate"},
            )
            _ENGINES[key] = engine
        return engine


def dispose_engines(url: str) -> None:
    """Close this process's connections to `url` (tests drop their databases)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.pop((url, os.getpid()), None)
    if engine is not None:
        engine.dispose()


class PostgresRateState:
    """The state as one row (`name`) of `edgar_rate_state`, changed under SELECT ... FOR UPDATE."""

    def __init__(self, db_url: str, name: str = "edgar") -> None:
        self.db_url = db_url
        self.name = name
        self._safe_url = sa.engine.make_url(db_url).render_as_string(hide_password=True)
        self._ensure_row()

    def describe(self) -> str:
        return f"PostgreSQL table {TABLE} row {self.name!r} at {self._safe_url}"

    def _ensure_row(self) -> None:
        with _engine(self.db_url).begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CREATE_LOCK_KEY})
            conn.execute(
                sa.text(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                    " name text PRIMARY KEY,"
                    " next_slot double precision NOT NULL DEFAULT 0,"
                    " pause_until double precision NOT NULL DEFAULT 0,"
                    " slow_until double precision NOT NULL DEFAULT 0,"
                    " updated_at timestamptz NOT NULL DEFAULT now())"
                )
            )
            conn.execute(
                sa.text(f"INSERT INTO {TABLE} (name) VALUES (:n) ON CONFLICT (name) DO NOTHING"),
                {"n": self.name},
            )

    def _select(self, lock: bool) -> str:
        return (
            f"SELECT {', '.join(FIELDS)}, EXTRACT(EPOCH FROM clock_timestamp())::float8 AS now "
            f"FROM {TABLE} WHERE name = :n" + (" FOR UPDATE" if lock else "")
        )

    def transact(self, fn: Callable[[dict[str, float], float], T]) -> T:
        with _engine(self.db_url).begin() as conn:
            row = conn.execute(sa.text(self._select(lock=True)), {"n": self.name}).one()
            state = {f: float(getattr(row, f)) for f in FIELDS}
            before = dict(state)
            result = fn(state, float(row.now))
            if state != before:
                conn.execute(
                    sa.text(
                        f"UPDATE {TABLE} SET next_slot = :next_slot, pause_until = :pause_until, "
                        "slow_until = :slow_until, updated_at = now() WHERE name = :n"
                    ),
                    {**{f: state.get(f, 0.0) for f in FIELDS}, "n": self.name},
                )
            return result

    def snapshot(self) -> tuple[dict[str, float], float]:
        with _engine(self.db_url).connect() as conn:
            row = conn.execute(sa.text(self._select(lock=False)), {"n": self.name}).one()
        return {f: float(getattr(row, f)) for f in FIELDS}, float(row.now)


def rate_state_for(db_url: str, state_dir: Path) -> RateState:
    """PostgreSQL when the content store is PostgreSQL (every machine shares it), else the
    file under `state_dir` (one machine)."""
    if db_url.startswith("postgresql"):
        return PostgresRateState(db_url)
    return FileRateState(state_dir)
