"""With a PostgreSQL content store the EDGAR rate limit and the throttle pause live in that
database: processes that share nothing else (each its own state folder) still share one budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from filings_pipeline.edgar.factory import make_fetcher
from filings_pipeline.edgar.rate_state import PostgresRateState, dispose_engines
from filings_pipeline.edgar.ratelimit import RateLimitWait, SharedRateLimiter
from filings_pipeline.settings import Settings
from filings_pipeline_tests.edgar.conftest import REPO_ROOT
from filings_pipeline_tests.support.slot_log import most_in_one_second, record_slots

pytestmark = pytest.mark.postgres

RATE = 10.0
PROCESSES = 3
PER_PROCESS = 16


@pytest.fixture
def rate_db(pg_url: str):
    yield pg_url
    dispose_engines(pg_url)


def test_processes_with_separate_state_folders_share_the_budget_through_postgres(
    server, rate_db: str, tmp_path: Path
) -> None:
    """Each process has its own folder (as on separate machines); only the database is shared.
    With the file backend each would get the full budget and the sum would be 3x the rate."""
    url = server.base_url + "/Archives/edgar/data/72333/000007233323000015/jwn-20230301.htm"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = []
    for i in range(PROCESSES):
        own_tmp = tmp_path / f"machine-{i}"
        own_tmp.mkdir()
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "filings_pipeline_tests.edgar.rate_worker",
                    rate_db,
                    str(RATE),
                    f"p{i}",
                    *[url] * PER_PROCESS,
                ],
                env={**env, "TMPDIR": str(own_tmp)},
                cwd=own_tmp,
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
        )
    outs = [p.communicate(timeout=90)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES
    log = server.requests_log()
    assert len(log) == PROCESSES * PER_PROCESS
    assert len({r.user_agent for r in log}) == PROCESSES
    # The schedule the three processes drew from, on the database's clock: one slot per request,
    # never more than the budget in a second, and the load fills it. (With a state folder per
    # process each would draw its own schedule: 3x the budget.)
    slots = sorted(t for out in outs for t in json.loads(out))
    assert len(slots) == len(log)
    assert most_in_one_second(slots) == RATE
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 1 / RATE - 1e-6, min(gaps)  # epoch seconds: float steps of ~2e-7
    # At the server: the 48 requests took at least the schedule's length, less one slot of
    # arrival jitter at either end (three separate budgets would take 1.5 s).
    arrivals = sorted(r.monotonic for r in log)
    assert arrivals[-1] - arrivals[0] >= (len(log) - 1) / RATE - 2 / RATE


def test_a_throttle_page_seen_by_one_process_pauses_another(rate_db: str) -> None:
    seen_by = SharedRateLimiter(state=PostgresRateState(rate_db), rate=8.0, pause_seconds=600)
    other = SharedRateLimiter(state=PostgresRateState(rate_db), rate=8.0, max_wait=0.5)
    other.acquire()  # not paused yet
    until = seen_by.trip()
    assert 599 < other.paused_for() <= 600
    with pytest.raises(RateLimitWait, match="paused after a throttle page"):
        other.acquire()
    state = other.state()
    assert state["pause_until"] == until and state["slow_until"] == until + 1800
    assert state["next_slot"] >= until


@pytest.mark.usefixtures("tiny_switch_interval")
def test_reservations_are_one_transaction_each_under_many_threads(rate_db: str) -> None:
    """40 threads on two limiter objects (two 'processes') reserve 80 distinct slots 1/rate apart:
    a lost update (two readers of the same next_slot) would give two equal slots."""
    rate = 200.0
    limiters = [SharedRateLimiter(state=PostgresRateState(rate_db), rate=rate) for _ in range(2)]
    logs = [record_slots(lim) for lim in limiters]
    threads = [
        threading.Thread(target=lambda lim=limiters[i % 2]: [lim.acquire() for _ in range(2)])
        for i in range(40)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    slots = [t for log in logs for t in log.slots]
    assert len(slots) == 80
    ordered = sorted(slots)
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)]
    assert min(gaps) >= 1 / rate - 1e-6, min(gaps)


def test_the_factory_keeps_the_state_in_postgres_when_the_store_is_postgres(
    rate_db: str, tmp_path: Path
) -> None:
    common = dict(source="edgar", edgar_identity="Acme Corp ops@acme.com")
    pg = make_fetcher(Settings(data_dir=tmp_path / "a", db_url=rate_db, **common))
    assert isinstance(pg.limiter.backend, PostgresRateState)
    assert pg.limiter.state_dir is None
    assert not (tmp_path / "a" / "edgar-state").exists()  # nothing on the local disk
    sqlite = make_fetcher(Settings(data_dir=tmp_path / "b", **common))
    assert sqlite.limiter.state_dir == tmp_path / "b" / "edgar-state"
