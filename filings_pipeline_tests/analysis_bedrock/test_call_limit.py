"""CallSlots: never more than `limit` holders across threads and processes, both backends."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from pathlib import Path

import pytest

from filings_pipeline.analysis.bedrock import BedrockAnalyzer
from filings_pipeline.analysis.call_limit import CallSlots, SlotTimeout
from filings_pipeline.devtools.converse_server import ConverseServer

from . import _workers
from .conftest import fast_config, make_filing, slots_for


def test_backend_choice(backend: dict) -> None:
    s = slots_for(backend, 2)
    expected = "PostgreSQL" if backend["db_url"].startswith("postgresql") else "file locks"
    assert expected in s.backend
    assert "password" not in s.backend
    s.close()


def test_threads_never_exceed_limit_and_reach_it(backend: dict) -> None:
    slots = slots_for(backend, 3, poll_interval=0.01)
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    held: list[int] = []

    def work() -> None:
        with slots.acquire() as slot:
            with lock:
                held.append(slot)
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            time.sleep(0.05)
            with lock:
                state["now"] -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slots.close()
    assert state["peak"] == 3
    assert set(held) <= {0, 1, 2} and len(held) == 12


def test_priority_waiters_never_exceed_limit_and_each_is_served_once(
    backend: dict, tiny_switch_interval: None
) -> None:
    """24 threads queueing with priorities (4 per step), switch interval 10 us: never more than
    3 slots held, the cap reached, each marker served exactly once, the queue empty after."""
    slots = slots_for(backend, 3, poll_interval=0.01)
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    served: list[str] = []

    def work(marker: str, priority: float) -> None:
        with slots.acquire(priority=priority, timeout=60):
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            time.sleep(0.02)
            with lock:
                state["now"] -= 1
                served.append(marker)

    threads = [
        threading.Thread(target=work, args=(f"step{i // 4}-item{i}", float(i // 4)))
        for i in range(24)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slots.close()
    assert state["peak"] == 3
    assert sorted(served) == sorted(f"step{i // 4}-item{i}" for i in range(24))
    if backend["db_url"].startswith("postgresql"):
        assert _waiting(backend) == 0


def test_timeout_when_all_slots_held(backend: dict) -> None:
    a, b = slots_for(backend, 2), slots_for(backend, 2)
    with a.acquire(), a.acquire(), pytest.raises(SlotTimeout, match="limit 2"):  # noqa: SIM117
        with b.acquire(timeout=0.2):
            pass
    with b.acquire(timeout=1):  # free again once released
        pass
    a.close()
    b.close()


def test_crashed_process_leaks_no_slot_once_its_leases_expire(
    backend: dict, tmp_path: Path
) -> None:
    """A crashed holder's slots stay taken until its leases run out (its calls might still be
    running at the server), then come back: nothing leaks, nothing is handed out early."""
    ready = tmp_path / "ready"
    lease_s = 3.0
    ctx = mp.get_context("spawn")
    p = ctx.Process(
        target=_workers.hold_and_crash,
        args=(backend["db_url"], backend["lock_dir"], backend["classid"], 2, str(ready), lease_s),
    )
    p.start()
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready.exists(), "child never took the slots"
    taken = time.time()
    s = slots_for(backend, 2)
    with pytest.raises(SlotTimeout), s.acquire(timeout=0.05):  # the child holds both
        pass
    p.join(30)
    assert p.exitcode == 3
    with pytest.raises(SlotTimeout, match="leased by holders that stopped mid-call"):  # noqa: SIM117
        with s.acquire(timeout=0.2):
            pass
    with s.acquire(timeout=10), s.acquire(timeout=10):  # both came back after the leases
        assert time.time() >= taken + lease_s - 0.5  # (server and local clocks: same host)
    s.close()


def test_processes_and_threads_peak_at_limit_against_the_server(backend: dict) -> None:
    with ConverseServer(latency_s=0.25) as srv:
        ctx = mp.get_context("spawn")
        args = [
            (srv.url, backend["db_url"], backend["lock_dir"], backend["classid"], 5, 100 * k, 6)
            for k in range(1, 4)
        ]
        with ctx.Pool(3) as pool:
            results = pool.starmap(_workers.analyse_many, args)
        assert all(all(r) for r in results)
        assert len(srv.calls) == 18
        assert srv.peak_in_flight() == 5  # 9 threads in 3 processes wanted more


def test_without_slots_the_server_sees_more(server: ConverseServer) -> None:
    server.latency_s = 0.25
    a = BedrockAnalyzer(fast_config(server.url))
    threads = [threading.Thread(target=a.analyze, args=(make_filing(i),)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert server.peak_in_flight() > 5  # the measurement can fail, so the cap test means something


def test_limit_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        CallSlots(0, lock_dir=tmp_path)


def _waiting(b: dict) -> int:
    import sqlalchemy as sa

    from filings_pipeline.analysis.call_limit import WAITER_TABLE

    engine = sa.create_engine(b["db_url"])
    try:
        with engine.connect() as conn:
            q = sa.text(f"SELECT count(*) FROM {WAITER_TABLE} WHERE classid = :c")
            return int(conn.execute(q, {"c": b["classid"]}).scalar() or 0)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_lower_priority_goes_first(backend: dict) -> None:
    """PostgreSQL: a waiter of an older step (lower priority) is served before one that came
    earlier with a higher value; equal priorities are served first come, first served."""
    # the later waiter polls 25 times as often: without the queue it would win the slot
    holder = slots_for(backend, 1)
    late = slots_for(backend, 1, poll_interval=0.002)
    early = slots_for(backend, 1, poll_interval=0.05)
    order: list[str] = []

    def wait(slots: CallSlots, name: str, priority: float) -> None:
        with slots.acquire(priority=priority, timeout=30):
            order.append(name)
            time.sleep(0.1)

    with holder.acquire():
        threads = []
        for name, slots, prio, n in (("later step", late, 2.0, 1), ("older step", early, 1.0, 2)):
            threads.append(threading.Thread(target=wait, args=(slots, name, prio)))
            threads[-1].start()
            deadline = time.monotonic() + 10
            while _waiting(backend) < n and time.monotonic() < deadline:
                time.sleep(0.02)
        assert _waiting(backend) == 2
        time.sleep(0.2)  # both keep polling; neither may take the held slot
        assert order == []
    for t in threads:
        t.join()
    assert order == ["older step", "later step"]
    assert _waiting(backend) == 0  # a waiter leaves the queue once served
    for s in (holder, late, early):
        s.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_waiter_behind_a_moving_queue_outwaits_its_timeout(backend: dict) -> None:
    """The wait bounds a deployment that makes no progress, not a queue that moves: an older
    step (three threads, so one of its calls is always queued ahead) keeps the one slot busy
    for 6 timeouts, handing it from call to call, and a newer step's waiter still gets it
    afterwards instead of failing its step. Seen failing when the timeout counted the whole
    wait ("no Bedrock call slot free within 0.5s")."""
    timeout = 0.5
    older = slots_for(backend, 1, poll_interval=0.005)
    newer = slots_for(backend, 1, poll_interval=0.05)
    lock = threading.Lock()
    calls = {"older": 0}
    got: dict[str, float] = {}
    stop_at = time.monotonic() + 6 * timeout

    def older_thread() -> None:  # call after call, each 0.1 s, queued ahead (priority 1)
        while time.monotonic() < stop_at:
            with older.acquire(priority=1.0, timeout=30):
                with lock:
                    calls["older"] += 1
                time.sleep(0.1)

    busy = [threading.Thread(target=older_thread) for _ in range(3)]
    for t in busy:
        t.start()
    time.sleep(0.3)  # all three queued or calling
    t0 = time.monotonic()
    with newer.acquire(priority=2.0, timeout=timeout):
        got["waited"] = time.monotonic() - t0
    for t in busy:
        t.join()
    assert got["waited"] > 2 * timeout  # it really waited behind the queue, past its timeout
    assert calls["older"] >= 10
    for s in (older, newer):
        s.close()


def test_a_stuck_deployment_still_times_out_while_a_waiter_polls(backend: dict) -> None:
    """Both slots held by calls that never end: nothing changes hands, so the waiter fails
    after its timeout (about it, not a multiple of it) naming the wait."""
    holder, waiter = slots_for(backend, 2), slots_for(backend, 2)
    with holder.acquire(), holder.acquire():
        t0 = time.monotonic()
        with pytest.raises(SlotTimeout, match="handed out to anyone for 0.4s"):  # noqa: SIM117
            with waiter.acquire(timeout=0.4, priority=1.0):
                pass
        assert time.monotonic() - t0 < 5
    holder.close()
    waiter.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_failing_queue_cleanup_does_not_keep_the_slot_taken(
    backend: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The waiter took its slot, then removing its queue row fails (a dropped connection):
    the slot is still used and given back, not left held (with its lease) by a failed step."""
    slots = slots_for(backend, 1)
    backend_impl = slots._backend

    def broken_conn() -> None:
        raise OSError("connection to the database lost")

    original = backend_impl.leave_queue

    def leave_with_lost_connection(waiter: str) -> None:
        with monkeypatch.context() as m:
            m.setattr(backend_impl, "_conn", broken_conn)
            original(waiter)

    monkeypatch.setattr(backend_impl, "leave_queue", leave_with_lost_connection)
    with slots.acquire(priority=1.0, timeout=5) as slot:
        assert slot == 0
    monkeypatch.undo()
    other = slots_for(backend, 1)
    with other.acquire(timeout=2):  # the slot and its lease came back
        pass
    for s in (slots, other):
        s.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_rows_of_waiters_that_died_long_ago_are_deleted(backend: dict) -> None:
    import sqlalchemy as sa

    from filings_pipeline.analysis.call_limit import WAITER_FORGET_S, WAITER_TABLE

    slots = slots_for(backend, 1)
    with slots.acquire(priority=1.0, timeout=5):  # makes the tables
        pass
    engine = sa.create_engine(backend["db_url"])
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"INSERT INTO {WAITER_TABLE} (classid, waiter, priority, since, seen) VALUES"
                " (:c, 'dead-long-ago', 0, now() - make_interval(secs => :old),"
                "  now() - make_interval(secs => :old)),"
                " (:c, 'dead-just-now', 0, now() - interval '20 seconds',"
                "  now() - interval '20 seconds')"
            ),
            {"c": backend["classid"], "old": WAITER_FORGET_S + 60},
        )
    with slots.acquire(priority=1.0, timeout=5):  # served: the stale rows are ignored
        pass
    with engine.connect() as conn:
        left = (
            conn.execute(
                sa.text(f"SELECT waiter FROM {WAITER_TABLE} WHERE classid = :c"),
                {"c": backend["classid"]},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    slots.close()
    assert left == ["dead-just-now"]  # the long-dead row is gone; a recent one stays a while
