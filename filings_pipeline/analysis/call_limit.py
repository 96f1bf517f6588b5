"""A deployment-wide cap on in-flight Bedrock calls: a counting semaphore shared across processes.

``CallSlots`` hands out one of ``limit`` numbered slots; whoever holds a slot may make one model
call. Two backends, chosen from the content-store URL by ``CallSlots.from_url``:

- PostgreSQL (``postgresql...`` URLs): session advisory locks ``pg_try_advisory_lock(classid,
  slot)`` for slot in 0..limit-1, each holder on its own connection, plus a lease row per slot in
  ``filings_call_slot_leases`` (server clock). The slot connections ask the server to probe the
  peer (``tcp_keepalives_idle/interval/count``, ``tcp_user_timeout``), so a vanished host loses
  its session, and so its lock, within about ``PG_DEAD_PEER_S`` seconds instead of hours. The
  connections run in autocommit and never sit in an open transaction
  (``idle_in_transaction_session_timeout`` is set anyway, as a backstop).
- Local file locks (anything else, e.g. SQLite): ``fcntl.flock(LOCK_EX | LOCK_NB)`` on
  ``<lock_dir>/slot-{i}.lock``; the lease is written into the locked file. Single machine only
  (flock is not reliable over NFS).

**Leases: the cap holds through a crash.** The lock says "a live holder has this slot"; the
lease says "a call started here at T and may still be running until T + lease_s". A holder
writes its lease (holder id, start, expiry) when it takes the slot and clears it when it gives
the slot back. A holder that dies (SIGKILL, OOM, lost host) loses its lock at once, but its HTTP
request may still be in progress at Bedrock: its lease stays, and the slot is not handed out
again until the lease expires. ``lease_s`` comes from the caller (the Bedrock analyzer computes
it from its botocore config, see ``bedrock.max_call_seconds``).

Waiting is by polling (every ``poll_interval`` seconds, with jitter), starting at a random slot
so holders spread out. ``timeout`` bounds a wait in which the deployment makes no progress: a
waiter fails with ``SlotTimeout`` (saying which slots are held and which are leased by a dead
holder) only when no slot was handed out to anyone for ``timeout`` seconds. A waiter behind a
long queue of busy steps waits as long as the queue keeps moving. Without a priority there is
no FIFO fairness; a waiter can be overtaken.

**Priority (PostgreSQL backend).** ``acquire(priority=p)`` queues the waiter in
``filings_call_slot_waiters`` (priority, since; refreshed every second while it waits, ignored
after ``WAITER_STALE_S`` without a refresh, so a crashed waiter drops out) and it only tries
the locks while fewer waiters with a lower (priority, since) are waiting than slots are free:
lowest priority first, then first come, first served. The Bedrock analyzer passes the time it
was built (one per analysis step), so the step that started first gets the free slots and its
day finishes first, instead of every running day sharing the slots and all finishing at once
(which leaves the slots idle while the next days' runs start). Waiters at the head of the
queue poll every ``poll_interval``; the others four times slower, so 25 waiting threads cost
the database little. The file backend ignores the priority.

The Bedrock analyzer holds a slot around each whole ``client.converse(...)`` call, including
botocore's own retries and their back-off sleeps (they happen inside that one call and cannot
be split), and releases it between its own ModelTimeout retries.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_LIMIT = 5
# Advisory-lock namespace (first int4 key): ASCII "FPBC" -- filings pipeline bedrock calls.
DEFAULT_CLASSID = 0x46504243
DEFAULT_LOCK_DIR = Path(tempfile.gettempdir()) / "filings_pipeline-call-slots"
# A lease when the caller gives none: long enough for one call with botocore's defaults.
DEFAULT_LEASE_S = 600.0
LEASE_TABLE = "filings_call_slot_leases"
WAITER_TABLE = "filings_call_slot_waiters"
WAITER_REFRESH_S = 1.0  # a waiting thread says it is still there this often
WAITER_STALE_S = 10.0  # a waiter not heard of for this long (its process died) is ignored
WAITER_FORGET_S = 3600.0  # and its row is deleted after this long
# Server-side dead-peer detection on the slot connections: idle 10 s, then 3 probes 5 s apart.
PG_KEEPALIVE = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}
PG_TCP_USER_TIMEOUT_MS = 30_000  # unacknowledged data for this long also drops the session
PG_DEAD_PEER_S = 10 + 5 * 3
PG_IDLE_IN_TRANSACTION_MS = 60_000


class SlotTimeout(TimeoutError):
    """No slot became free within the timeout."""


@dataclass(frozen=True)
class Lease:
    """Who took a slot, when, and until when its call may still be running (epoch seconds)."""

    holder: str
    started: float
    expires: float


def holder_id() -> str:
    """host:pid:thread:random -- unique per acquire, readable in an error message."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


class _FileBackend:
    """Slots as flock'd files in one directory (one machine); the lease is the file's content."""

    def __init__(self, lock_dir: Path, limit: int) -> None:
        self.lock_dir = Path(lock_dir)
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        self.limit = limit
        self._held: dict[int, int] = {}  # slot -> fd
        self._guard = threading.Lock()

    def describe(self) -> str:
        return f"file locks in {self.lock_dir}"

    def wait_turn(self, waiter: str, priority: float, refresh: bool) -> tuple[bool, bool]:
        """(may try the locks now, is near the head): no priority queue here."""
        return True, True

    def leave_queue(self, waiter: str) -> None:
        return None

    def last_handout(self) -> object:
        """Changes whenever a slot is taken or given back (the slot files' modification times)."""
        marks = []
        for slot in range(self.limit):
            with contextlib.suppress(FileNotFoundError):
                marks.append(os.stat(self.lock_dir / f"slot-{slot}.lock").st_mtime_ns)
        return tuple(marks)

    def try_acquire(self, slot: int, lease_s: float) -> bool | Lease:
        """True when taken; False when a live holder has it; the Lease of a dead holder whose
        call may still be running."""
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
        try:
            now = time.time()
            previous = _parse_lease(os.pread(fd, 4096, 0))
            if previous is not None and previous.expires > now:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
                return previous
            lease = Lease(holder_id(), now, now + lease_s)
            data = json.dumps(lease.__dict__).encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
        except BaseException:
            os.close(fd)  # closing drops the flock
            raise
        with self._guard:
            self._held[slot] = fd
        return True

    def release(self, slot: int) -> None:
        import fcntl

        with self._guard:
            fd = self._held.pop(slot, None)
        if fd is None:  # already given back (close() before the with block ended)
            return
        try:
            os.ftruncate(fd, 0)  # the call is over: no lease to honour
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def close(self) -> None:
        with self._guard:
            held = list(self._held)
        for slot in held:
            self.release(slot)


def _parse_lease(raw: bytes) -> Lease | None:
    if not raw.strip():
        return None
    try:
        d = json.loads(raw)
        return Lease(str(d["holder"]), float(d["started"]), float(d["expires"]))
    except (ValueError, KeyError, TypeError):
        return None  # a torn or foreign file: no lease


class _PostgresBackend:
    """Slots as PostgreSQL session advisory locks, each held on its own connection, with a lease
    row per slot (times from the server's clock, so hosts' clocks do not matter)."""

    def __init__(self, db_url: str, limit: int, classid: int) -> None:
        from sqlalchemy.engine import make_url

        url = make_url(db_url)
        server_opts = {
            **PG_KEEPALIVE,
            "tcp_user_timeout": PG_TCP_USER_TIMEOUT_MS,
            "idle_in_transaction_session_timeout": PG_IDLE_IN_TRANSACTION_MS,
            # A lease write need not wait for its WAL flush (~4-8 ms each on a busy disk): it
            # is lost only if the server itself crashes within ~0.6 s, and then every slot
            # session, and so every lock, is gone too.
            "synchronous_commit": "off",
        }
        self._connect_kwargs: dict[str, Any] = {
            "host": url.host or "localhost",
            "port": url.port or 5432,
            "user": url.username,
            "password": url.password,
            "dbname": url.database,
            "connect_timeout": 10,
            "application_name": "filings_pipeline-call-slots",
            # Client side: notice a dead server.
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
            # Server side (the same as SET on the session, without a round trip): the server
            # notices a dead or vanished client and drops its advisory locks.
            "options": " ".join(f"-c {k}={v}" for k, v in server_opts.items()),
        }
        self._connect_kwargs = {k: v for k, v in self._connect_kwargs.items() if v is not None}
        self._safe_url = url.render_as_string(hide_password=True)
        self.limit = limit
        self.classid = classid
        self._idle: list[Any] = []
        self._held: dict[int, tuple[Any, str]] = {}  # slot -> (connection, holder)
        self._guard = threading.Lock()
        self._pid = os.getpid()
        self._table_ready = False

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
        if not self._table_ready:
            self._create_table(conn)
        return conn

    def _create_table(self, conn: Any) -> None:
        """The lease table, created once per database (serialised: concurrent CREATE TABLE IF
        NOT EXISTS can collide in the catalog)."""
        with conn.cursor() as cur:
            cur.execute("BEGIN")
            try:
                cur.execute("SELECT pg_advisory_xact_lock(%s, -1)", (self.classid,))
                cur.execute(
                    f"CREATE TABLE IF NOT EXISTS {LEASE_TABLE} ("
                    " classid integer NOT NULL, slot integer NOT NULL, holder text,"
                    " started timestamptz, expires timestamptz, PRIMARY KEY (classid, slot))"
                )
                cur.execute(
                    f"CREATE TABLE IF NOT EXISTS {WAITER_TABLE} ("
                    " classid integer NOT NULL, waiter text NOT NULL,"
                    " priority double precision NOT NULL, since timestamptz NOT NULL,"
                    " seen timestamptz NOT NULL, PRIMARY KEY (classid, waiter))"
                )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        self._table_ready = True

    def _give_back(self, conn: Any, ok: bool) -> None:
        if ok and not conn.closed:
            with self._guard:
                self._idle.append(conn)
        else:
            with contextlib.suppress(Exception):
                conn.close()

    def wait_turn(self, waiter: str, priority: float, refresh: bool) -> tuple[bool, bool]:
        """Join (or stay in) the priority queue; (may try the locks now, is near the head).

        May try: fewer live waiters ahead of this one than slots free (slots whose lease is
        neither held nor left by a dead holder). Near the head: fewer ahead than the limit."""
        conn = self._conn()
        ok = False
        try:
            with conn.cursor() as cur:
                if refresh:
                    cur.execute(
                        f"INSERT INTO {WAITER_TABLE} AS w (classid, waiter, priority, since, seen)"
                        " VALUES (%s, %s, %s, clock_timestamp(), clock_timestamp())"
                        " ON CONFLICT (classid, waiter) DO UPDATE SET seen = clock_timestamp()",
                        (self.classid, waiter, float(priority)),
                    )
                cur.execute(
                    f"SELECT (SELECT count(*) FROM {WAITER_TABLE} w"
                    "         WHERE w.classid = me.classid AND w.waiter <> me.waiter"
                    "           AND w.seen > clock_timestamp() - make_interval(secs => %s)"
                    "           AND (w.priority, w.since) < (me.priority, me.since)),"
                    f"       (SELECT count(*) FROM {LEASE_TABLE} l"
                    "         WHERE l.classid = me.classid AND l.expires > clock_timestamp())"
                    f" FROM {WAITER_TABLE} me WHERE me.classid = %s AND me.waiter = %s",
                    (WAITER_STALE_S, self.classid, waiter),
                )
                row = cur.fetchone()
            ok = True
        finally:
            self._give_back(conn, ok=ok)
        if row is None:  # not registered (refresh=False before the first refresh)
            return True, True
        ahead, held = int(row[0]), int(row[1])
        return ahead < self.limit - held, ahead < self.limit

    def leave_queue(self, waiter: str) -> None:
        """Take this waiter's row out, and rows of waiters that died long ago. Never raises:
        a row left behind is ignored after WAITER_STALE_S, while an error here would leave
        the slot the waiter just took unreleased."""
        conn = None
        ok = False
        try:
            conn = self._conn()
            with conn.cursor() as cur:
                cur.execute(
                    f"DELETE FROM {WAITER_TABLE} WHERE classid = %s AND (waiter = %s"
                    "  OR seen < clock_timestamp() - make_interval(secs => %s))",
                    (self.classid, waiter, WAITER_FORGET_S),
                )
            ok = True
        except Exception:  # noqa: BLE001 - see the docstring
            pass
        finally:
            if conn is not None:
                self._give_back(conn, ok=ok)

    def last_handout(self) -> object:
        """Changes whenever a slot is taken (the newest lease's start, on the server's clock)."""
        conn = self._conn()
        ok = False
        try:
            with conn.cursor() as cur:
                cur.execute(
                    f"SELECT max(started) FROM {LEASE_TABLE} WHERE classid = %s", (self.classid,)
                )
                mark = cur.fetchone()[0]
            ok = True
        finally:
            self._give_back(conn, ok=ok)
        return mark

    def try_acquire(self, slot: int, lease_s: float) -> bool | Lease:
        conn = self._conn()
        holder = holder_id()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_lock(%s, %s)", (self.classid, slot))
                if not cur.fetchone()[0]:
                    self._give_back(conn, ok=True)
                    return False
                cur.execute(
                    f"INSERT INTO {LEASE_TABLE} AS l (classid, slot, holder, started, expires)"
                    " VALUES (%s, %s, %s, clock_timestamp(),"
                    "         clock_timestamp() + make_interval(secs => %s))"
                    " ON CONFLICT (classid, slot) DO UPDATE SET holder = EXCLUDED.holder,"
                    "   started = EXCLUDED.started, expires = EXCLUDED.expires"
                    " WHERE l.expires IS NULL OR l.expires <= clock_timestamp()"
                    " RETURNING true",
                    (self.classid, slot, holder, float(lease_s)),
                )
                if cur.fetchone() is None:  # a dead holder's call may still be running
                    cur.execute(
                        f"SELECT holder, extract(epoch FROM started), extract(epoch FROM expires)"
                        f" FROM {LEASE_TABLE} WHERE classid = %s AND slot = %s",
                        (self.classid, slot),
                    )
                    row = cur.fetchone()
                    cur.execute("SELECT pg_advisory_unlock(%s, %s)", (self.classid, slot))
                    self._give_back(conn, ok=True)
                    return Lease(str(row[0]), float(row[1]), float(row[2]))
        except Exception:
            self._give_back(conn, ok=False)
            raise
        with self._guard:
            self._held[slot] = (conn, holder)
        return True

    def release(self, slot: int) -> None:
        with self._guard:
            held = self._held.pop(slot, None)
        if held is None:  # already given back (close() before the with block ended)
            return
        conn, holder = held
        try:
            with conn.cursor() as cur:
                cur.execute(
                    f"UPDATE {LEASE_TABLE} SET holder = NULL, expires = NULL"
                    " WHERE classid = %s AND slot = %s AND holder = %s",
                    (self.classid, slot, holder),
                )
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", (self.classid, slot))
                ok = bool(cur.fetchone()[0])
        except Exception:
            # Connection gone: the server has dropped the lock; the lease stays until it
            # expires, which errs on the safe side.
            ok = False
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
    """At most ``limit`` calls at once across every process sharing the backend, crashes included.

    >>> slots = CallSlots.from_url(settings.db_url, limit=5, lock_dir=data_dir / "call-slots")
    >>> with slots.acquire(lease_s=max_call_seconds(cfg)):
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
        if timeout is not None and timeout < 0:
            raise ValueError(f"call slot wait must not be negative, got {timeout}")
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
    def acquire(
        self,
        timeout: float | None = None,
        *,
        lease_s: float = DEFAULT_LEASE_S,
        priority: float | None = None,
    ) -> Iterator[int]:
        """Wait for a free slot, hold it for the ``with`` block, yield its number.

        ``lease_s``: how long after now the call made under this slot could still be running
        if this process died; a slot freed by a crash is not handed out before that.
        ``priority``: lower goes first, then first come, first served (PostgreSQL backend).
        """
        if lease_s <= 0:
            raise ValueError(f"lease_s must be positive, got {lease_s}")
        timeout = self.timeout if timeout is None else timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        if priority is None:
            slot = self._wait_for_slot(deadline, timeout, lease_s)
        else:
            waiter = holder_id()
            try:
                slot = self._wait_for_slot(deadline, timeout, lease_s, (waiter, priority))
            finally:
                self._backend.leave_queue(waiter)
        try:
            yield slot
        finally:
            self._backend.release(slot)

    def _wait_for_slot(
        self,
        deadline: float | None,
        timeout: float | None,
        lease_s: float,
        queued: tuple[str, float] | None = None,
    ) -> int:
        leased: dict[int, Lease] = {}
        refreshed = -WAITER_REFRESH_S
        progress = None if deadline is None else self._backend.last_handout()
        while True:
            turn, near = True, True
            if queued is not None:
                refresh = time.monotonic() - refreshed >= WAITER_REFRESH_S
                turn, near = self._backend.wait_turn(queued[0], queued[1], refresh)
                if refresh:
                    refreshed = time.monotonic()
            if turn:
                leased = {}
                start = random.randrange(self.limit)
                for k in range(self.limit):
                    slot = (start + k) % self.limit
                    got = self._backend.try_acquire(slot, lease_s)
                    if got is True:
                        return slot
                    if isinstance(got, Lease):
                        leased[slot] = got
            if deadline is not None and time.monotonic() >= deadline:
                mark = self._backend.last_handout()
                if mark == progress:  # no slot changed hands for `timeout` seconds
                    raise SlotTimeout(self._timeout_message(timeout, leased))
                progress, deadline = mark, time.monotonic() + (timeout or 0.0)
            pause = self.poll_interval * (1 if near else 4)
            time.sleep(pause * random.uniform(0.5, 1.5))

    def _timeout_message(self, timeout: float | None, leased: dict[int, Lease]) -> str:
        msg = (
            f"no Bedrock call slot handed out to anyone for {timeout}s (limit {self.limit}, "
            f"{self.backend}); "
            f"{self.limit - len(leased)} held by running calls"
        )
        if leased:
            now = time.time()
            who = ", ".join(
                f"slot {s} by {ls.holder} for {max(0.0, ls.expires - now):.0f}s more"
                for s, ls in sorted(leased.items())
            )
            msg += f", {len(leased)} leased by holders that stopped mid-call ({who})"
        return msg + " (FILINGS_SLOT_WAIT_SECONDS sets the wait)"

    def close(self) -> None:
        """Release anything held and close idle connections."""
        self._backend.close()
