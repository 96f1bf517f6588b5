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
