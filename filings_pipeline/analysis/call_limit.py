"""A deployment-wide cap on in-flight Bedrock calls: a counting semaphore shared across processes.

``CallSlots`` hands out one of ``limit`` numbered slots; whoever holds a slot may make one model
call. Two backends, chosen from the content-store URL by ``CallSlots.from_url``:

- PostgreSQL (``postgresql...`` URLs): session advisory locks ``pg_try_advisory_lock(classid,
  slot)`` for slot in 0..limit-1, each holder on its own connection. PostgreSQL releases the lock
  when the holder unlocks or when its connection dies, so a crashed process never leaks a slot.
  Advisory locks are per database: every process of one deployment shares the same database.
- Local file locks (anything else, e.g. SQLite): ``fcntl.flock(LOCK_EX | LOCK_NB)`` on
  ``<lock_dir>/slot-{i}.lock``. The kernel releases the lock when the process exits, however it
  exits. Single machine only (flock is not reliable over NFS).

Waiting is by polling (every ``poll_interval`` seconds, with jitter), starting at a random slot
so holders spread out. There is no FIFO fairness; a waiter can be overtaken, which is fine for a
batch of filings. The Bedrock analyzer holds a slot around each whole ``client.converse(...)``
call, including botocore's own retries and their back-off sleeps (they happen inside that one
call and cannot be split), and releases it between its own ModelTimeout retries.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DEFAULT_LIMIT = 5
# Advisory-lock namespace (first int4 key): ASCII "FPBC" -- filings pipeline bedrock calls.
DEFAULT_CLASSID = 0x46504243
DEFAULT_LOCK_DIR = Path(tempfile.gettempdir()) / "filings_pipeline-call-slots"


class SlotTimeout(TimeoutError):
    """No slot became free within the timeout."""


class _FileBackend:
    """Slots as flock'd files in one directory (one machine)."""

    def __init__(self, lock_dir: Path, limit: int) -> None:
        self.lock_dir = Path(lock_dir)
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        self.limit = limit
        self._held: dict[int, int] = {}  # slot -> fd
        self._guard = threading.Lock()

    def describe(self) -> str:
        return f"file locks in {self.lock_dir}"

    def try_acquire(self, slot: int) -> bool:
        import fcntl

        path = self.lock_dir / f"slot-{slot}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        with self._guard:
            self._held[slot] = fd
        return True

    def release(self, slot: int) -> None:
        import fcntl

        with self._guard:
            fd = self._held.pop(slot)
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def close(self) -> None:
        with self._guard:
            held = list(self._held)
        for slot in held:
            self.release(slot)


class _PostgresBackend:
    """Slots as PostgreSQL session advisory locks, each held on its own connection."""

    def __init__(self, db_url: str, limit: int, classid: int) -> None:
        from sqlalchemy.engine import make_url

        url = make_url(db_url)
        self._connect_kwargs: dict[str, Any] = {
            "host": url.host or "localhost",
            "port": url.port or 5432,
            "user": url.username,
            "password": url.password,
            "dbname": url.database,
            "connect_timeout": 10,
            "application_name": "filings_pipeline-call-slots",
            # Notice a dead peer so the server drops its locks soon after a crash.
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
        self._connect_kwargs = {k: v for k, v in self._connect_kwargs.items() if v is not None}
        self._safe_url = url.render_as_string(hide_password=True)
        self.limit = limit
        self.classid = classid
        self._idle: list[Any] = []
        self._held: dict[int, Any] = {}  # slot -> connection
        self._guard = threading.Lock()
        self._pid = os.getpid()

    def describe(self) -> str:
        return (
            f"PostgreSQL advisory locks ({self.classid}, 0..{self.limit - 1}) at {self._safe_url}"
        )

    def _conn(self) -> Any:
        import psycopg2

        with self._guard:
            if self._pid != os.getpid():  # forked: never share the parent's sockets
                self._idle, self._held, self._pid = [], {}, os.getpid()
            if self._idle:
                return self._idle.pop()
        conn = psycopg2.connect(**self._connect_kwargs)
        conn.autocommit = True
        return conn

    def _give_back(self, conn: Any, ok: bool) -> None:
        if ok and not conn.closed:
            with self._guard:
                self._idle.append(conn)
        else:
            with contextlib.suppress(Exception):
                conn.close()

    def try_acquire(self, slot: int) -> bool:
        conn = self._conn()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_lock(%s, %s)", (self.classid, slot))
                got = bool(cur.fetchone()[0])
        except Exception:
            self._give_back(conn, ok=False)
            raise
        if not got:
            self._give_back(conn, ok=True)
            return False
        with self._guard:
            self._held[slot] = conn
        return True

    def release(self, slot: int) -> None:
        with self._guard:
            conn = self._held.pop(slot)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", (self.classid, slot))
                ok = bool(cur.fetchone()[0])
        except Exception:
            ok = False  # connection gone: the server has already dropped the lock
        self._give_back(conn, ok=ok)

    def close(self) -> None:
        with self._guard:
            held = list(self._held)
        for slot in held:
            self.release(slot)
        with self._guard:
            idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                conn.close()


class CallSlots:
    """At most ``limit`` holders at once across every process sharing the backend.

    >>> slots = CallSlots.from_url(settings.db_url, limit=5, lock_dir=data_dir / "call-slots")
    >>> with slots.acquire():
    ...     client.converse(...)
    """

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        backend_url: str | None = None,
        *,
        lock_dir: Path | None = None,
        classid: int = DEFAULT_CLASSID,
        poll_interval: float = 0.05,
        timeout: float | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError(f"call slot limit must be at least 1, got {limit}")
        self.limit = limit
        self.poll_interval = poll_interval
        self.timeout = timeout
        if backend_url and backend_url.startswith("postgresql"):
            self._backend: _FileBackend | _PostgresBackend = _PostgresBackend(
                backend_url, limit, classid
            )
        else:
            self._backend = _FileBackend(lock_dir or DEFAULT_LOCK_DIR, limit)

    @classmethod
    def from_url(
        cls, db_url: str, limit: int = DEFAULT_LIMIT, lock_dir: Path | None = None, **kw: Any
    ) -> CallSlots:
        """PostgreSQL advisory locks for a postgresql URL, file locks in ``lock_dir`` otherwise."""
        return cls(limit, db_url, lock_dir=lock_dir, **kw)

    @property
    def backend(self) -> str:
        """A readable description of where the slots live (no password)."""
        return self._backend.describe()

    @contextlib.contextmanager
    def acquire(self, timeout: float | None = None) -> Iterator[int]:
        """Wait for a free slot, hold it for the ``with`` block, yield its number."""
        timeout = self.timeout if timeout is None else timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        slot = self._wait_for_slot(deadline, timeout)
        try:
            yield slot
        finally:
            self._backend.release(slot)

    def _wait_for_slot(self, deadline: float | None, timeout: float | None) -> int:
        while True:
            start = random.randrange(self.limit)
            for k in range(self.limit):
                slot = (start + k) % self.limit
                if self._backend.try_acquire(slot):
                    return slot
            if deadline is not None and time.monotonic() >= deadline:
                raise SlotTimeout(
                    f"no Bedrock call slot free within {timeout}s "
                    f"(limit {self.limit}, {self.backend})"
                )
            time.sleep(self.poll_interval * random.uniform(0.5, 1.5))

    def close(self) -> None:
        """Release anything held and close idle connections."""
        self._backend.close()
