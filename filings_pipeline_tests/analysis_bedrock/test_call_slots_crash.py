"""The Bedrock cap through a crash: a SIGKILLed holder's calls still count until they could
have ended, counted at an independent Converse server; and a waiter gives up after its wait."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from filings_pipeline.analysis.bedrock import BedrockAnalyzer, max_call_seconds
from filings_pipeline.analysis.bedrock_factory import make_bedrock_analyzer
from filings_pipeline.analysis.call_limit import CallSlots, SlotTimeout
from filings_pipeline.devtools.converse_server import ConverseServer, peak_in_flight
from filings_pipeline.settings import Settings

from . import _workers
from .conftest import PG_URL, fast_config, make_filing, pg_available, slots_for

LATENCY_S = 4.0
# One attempt that gives up after 1 s + 5 s: a lease of 1 x 6 + 0 x 25 + 5 = 11 s, longer than
# the server's 4 s answer, so a killed holder's calls end before its slots are handed out again.
CRASH_CFG = {"read_timeout": 5, "connect_timeout": 1, "total_max_attempts": 1}


def _wait_for(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_lease_formula_follows_the_botocore_config() -> None:
    cfg = fast_config("http://127.0.0.1:1", **CRASH_CFG)
    assert max_call_seconds(cfg) == 1 * (1 + 5) + 0 * 25 + 5
    default = BedrockAnalyzer(
        fast_config(
            "http://127.0.0.1:1", total_max_attempts=8, read_timeout=300, connect_timeout=10
        )
    )
    assert default.call_lease_s == 8 * 310 + 7 * 25 + 5


def test_sigkill_mid_call_does_not_free_the_cap(backend: dict) -> None:
    """5 calls in flight in a process that is SIGKILLed; 10 more wait in this one. The server
    must never see more than 5 at once, and does see 5 (the load fills the cap)."""
    with ConverseServer(latency_s=LATENCY_S) as srv:
        ctx = mp.get_context("spawn")
        child = ctx.Process(
            target=_workers.analyse_until_killed,
            args=(
                srv.url,
                backend["db_url"],
                backend["lock_dir"],
                backend["classid"],
                CRASH_CFG,
                1,
                5,
            ),
        )
        slots = slots_for(backend, 5, poll_interval=0.01, timeout=60)
        # Built before the child starts, so the kill is not late because of client set-up.
        analyzer = BedrockAnalyzer(fast_config(srv.url, **CRASH_CFG), slots=slots)
        outcomes: list[bool] = []
        waiting = [
            threading.Thread(
                target=lambda i=i: outcomes.append(analyzer.analyze(make_filing(100 + i)).ok)
            )
            for i in range(10)
        ]
        child.start()
        try:
            _wait_for(lambda: srv.in_flight() == 5, 60, "the child's 5 calls")
            for t in waiting:
                t.start()
            time.sleep(0.3)  # they are waiting for slots now
            assert srv.in_flight() == 5, "the child's calls must still be running at the kill"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.join(30)
        for t in waiting:
            t.join(90)
        slots.close()
        assert child.exitcode == -signal.SIGKILL
        assert outcomes == [True] * 10
        _wait_for(lambda: len(srv.calls) == 15, 30, "the killed calls to end at the server")
        killed = [c for c in srv.calls if int(c.accession[-6:]) <= 5]
        assert len(killed) == 5  # answered by the server after their client was gone
        assert peak_in_flight(srv.calls) == 5


def test_a_waiter_fails_with_a_clear_error_after_its_wait(backend: dict) -> None:
    """Every slot taken and none freed: the analysis fails with SlotTimeout after the configured
    wait, and the server saw no call (the deployment sets that wait: next test)."""
    holder = slots_for(backend, 5)
    held = [holder.acquire(lease_s=60) for _ in range(5)]
    for cm in held:
        cm.__enter__()
    try:
        with ConverseServer() as srv:
            waiter = slots_for(backend, 5, timeout=0.5)
            analyzer = BedrockAnalyzer(fast_config(srv.url), slots=waiter)
            t0 = time.monotonic()
            with pytest.raises(SlotTimeout, match=r"handed out to anyone for 0\.5s"):
                analyzer.analyze(make_filing(1))
            assert time.monotonic() - t0 < 10
            assert srv.calls == []
            waiter.close()
    finally:
        holder.close()


def test_the_wait_comes_from_settings_and_reaches_the_slots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert Settings().slot_wait_seconds == 3600  # finite by default
    monkeypatch.setenv("FILINGS_SLOT_WAIT_SECONDS", "0.5")
    wait = Settings().slot_wait_seconds
    assert wait == 0.5
    analyzer = make_bedrock_analyzer(
        fast_config("http://127.0.0.1:1"),
        max_calls_in_flight=5,
        db_url=f"sqlite:///{tmp_path / 'content.db'}",
        lock_dir=tmp_path / "slots",
        slot_wait_s=wait,
    )
    assert analyzer.slots is not None and analyzer.slots.timeout == 0.5
    monkeypatch.setenv("FILINGS_SLOT_WAIT_SECONDS", "-1")
    with pytest.raises(ValueError, match="FILINGS_SLOT_WAIT_SECONDS"):
        Settings()


@pytest.mark.postgres
def test_slot_connections_have_server_side_keepalives() -> None:
    """The server itself probes a slot holder's connection, so a vanished host loses its
    advisory locks in about 25 s, not after the kernel's 2-hour default."""
    pg_available()
    slots = CallSlots.from_url(PG_URL, limit=1, classid=random.randrange(1, 2**31 - 1))
    with slots.acquire(lease_s=5) as slot:
        conn, _ = slots._backend._held[slot]  # type: ignore[union-attr]  # the holder's session
        with conn.cursor() as cur:
            got = {}
            for name in (
                "tcp_keepalives_idle",
                "tcp_keepalives_interval",
                "tcp_keepalives_count",
                "tcp_user_timeout",
                "idle_in_transaction_session_timeout",
            ):
                cur.execute(f"SHOW {name}")
                got[name] = cur.fetchone()[0]
    slots.close()
    assert got == {
        "tcp_keepalives_idle": "10",
        "tcp_keepalives_interval": "5",
        "tcp_keepalives_count": "3",
        "tcp_user_timeout": "30000",
        "idle_in_transaction_session_timeout": "1min",
    }
