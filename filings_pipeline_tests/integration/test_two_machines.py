"""Two "machines" on one: two processes that share nothing but PostgreSQL (each its own
FILINGS_DATA_DIR and TMPDIR, as two ECS run tasks) ingest and analyse at the same time against
the local EDGAR-like server (which logs each request's arrival and enforces SEC's 10 req/s) and
the local Converse server (which logs each call's interval and request).

Counted at those independent servers: the requests of both machines together keep to the one
EDGAR budget and reach it; a throttle page served to one machine pauses both; Bedrock calls in
flight across both never exceed 5 and reach 5; no filing is fetched, stored or paid for twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from filings_pipeline.devtools.converse_server import ConverseServer
from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.rate_state import dispose_engines
from filings_pipeline.sample.business_calendar import business_days
from filings_pipeline.sample.mirror import generate_mirror
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.integration.conftest import REPO_ROOT
from filings_pipeline_tests.integration.machine_worker import BARRIER_TABLE
from filings_pipeline_tests.support.slot_log import most_in_one_second

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

RATE = 8  # EDGAR_RATE_LIMIT for the whole deployment
SEC_LIMIT = 10  # the server throttles any 1-second window above this
PAUSE = 3.0  # the test-sized throttle pause
CALL_SLOTS = 5
PER_DAY = 6
DAYS = business_days(date(2026, 11, 16), date(2026, 11, 23))  # 6 business days
MACHINES = {"a": DAYS[:3], "b": DAYS[3:]}


def overlap_peak(intervals: list[tuple[float, float, str]]) -> tuple[int, set[str]]:
    """Peak number of open intervals, and which owners were open together at that peak."""
    events = sorted(
        [(s, 1, who) for s, _, who in intervals] + [(e, -1, who) for _, e, who in intervals],
        key=lambda ev: (ev[0], ev[1]),
    )
    open_now: Counter[str] = Counter()
    peak, owners = 0, set()
    for _, delta, who in events:
        open_now[who] += delta
        total = sum(open_now.values())
        if total > peak:
            peak, owners = total, {w for w, n in open_now.items() if n > 0}
        elif total == peak:
            owners |= {w for w, n in open_now.items() if n > 0}
    return peak, owners


def test_two_machines_share_the_edgar_budget_the_throttle_pause_and_the_call_slots(
    pg_url: str, tmp_path: Path, figures: dict[str, dict]
) -> None:
    mirror = tmp_path / "mirror"
    manifest = generate_mirror(mirror, DAYS, filings_per_day=PER_DAY, bad_filings=False)
    accessions = {f.accession: f.day for f in manifest.filings}
    assert len(accessions) == PER_DAY * len(DAYS)
    ContentStore(pg_url)  # the store's tables, once, before the machines start
    # The workers' barrier table too: two concurrent CREATE TABLE IF NOT EXISTS can collide in
    # PostgreSQL's catalog (a unique violation in pg_type), which would fail one machine.
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(BARRIER_TABLE))
    engine.dispose()

    day_b = MACHINES["a"][1]  # machine a's second day: its index gets a throttle page
    throttled_path = rf"daily-index/.*\.{day_b:%Y%m%d}\.idx"
    with (
        MirrorServer(mirror, rate_limit=SEC_LIMIT) as edgar,
        ConverseServer(latency_s=0.5, record_requests=True) as bedrock,
    ):
        edgar.inject(throttled_path, 429, "throttle", count=1)
        base = {
            k: v for k, v in os.environ.items() if not k.startswith(("FILINGS_", "EDGAR_", "AWS_"))
        }
        procs = {}
        for name, own in MACHINES.items():
            other = [d for d in DAYS if d not in own]
            home = tmp_path / f"machine-{name}"
            (home / "tmp").mkdir(parents=True)
            env = {
                **base,
                "PYTHONPATH": str(REPO_ROOT),
                "TMPDIR": str(home / "tmp"),
                "FILINGS_DATA_DIR": str(home / "data"),
                "FILINGS_DB_URL": pg_url,
                "FILINGS_SOURCE": "edgar",
                "EDGAR_IDENTITY": f"Machine {name.upper()} machine-{name}@example.com",
                "EDGAR_ARCHIVES_URL": edgar.archives_url,
                "EDGAR_DATA_URL": edgar.data_url,
                "EDGAR_RATE_LIMIT": str(RATE),
                "FILINGS_ANALYZER": "bedrock",
                "BEDROCK_ENDPOINT_URL": bedrock.url,
                "FILINGS_MAX_CALLS_IN_FLIGHT": str(CALL_SLOTS),
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": "us-east-1",
            }
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "filings_pipeline_tests.integration.machine_worker", name,
                 ",".join(d.isoformat() for d in own), ",".join(d.isoformat() for d in other),
                 str(PAUSE)],
                env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
        outputs = {}
        for name, proc in procs.items():
            try:
                outputs[name] = proc.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                for p in procs.values():
                    p.kill()
                raise
        failed = {n: err[-3000:] for n, (_, err) in outputs.items() if procs[n].returncode != 0}
        assert failed == {}, "\n".join(f"machine {n}:\n{err}" for n, err in failed.items())
        reports = {n: json.loads(out.strip().splitlines()[-1]) for n, (out, _) in outputs.items()}
        log = edgar.requests_log()
        calls = list(bedrock.calls)
    dispose_engines(pg_url)

    # --- EDGAR: one budget for both machines, and the load reaches it ------------------------
    machine_of = {f"Machine {n.upper()} machine-{n}@example.com": n for n in MACHINES}
    assert {machine_of[r.user_agent] for r in log} == set(MACHINES)
    # The schedule both limiters drew from (each reserved slot, on the database's clock): never
    # more than the budget in any second, and the load fills it.
    slots = [t for name in MACHINES for t in reports[name]["slots"]]
    assert len(slots) >= len(log)  # every request took a slot (a pause cancels a few)
    assert {name: bool(reports[name]["slots"]) for name in MACHINES} == dict.fromkeys(
        MACHINES, True
    )
    assert most_in_one_second(slots) == RATE
    # At the server, arrivals (slots plus client and scheduling jitter) stay under SEC's 10/s:
    # it served no throttle page but the injected one.
    worst = most_in_one_second([r.wall for r in log])
    assert worst <= SEC_LIMIT, worst
    statuses = Counter(r.status for r in log)
    assert statuses[429] == 1, statuses

    # --- a throttle page seen by one machine pauses both --------------------------------------
    (t0,) = [r.wall for r in log if r.status == 429]
    assert machine_of[next(r.user_agent for r in log if r.status == 429)] == "a"
    during = [r for r in log if t0 + 0.25 <= r.wall < t0 + PAUSE - 0.05]
    assert during == [], [(machine_of[r.user_agent], r.wall - t0, r.path) for r in during]
    for name in MACHINES:  # each machine was sending before the page and again after the pause
        mine = [r.wall for r in log if machine_of[r.user_agent] == name]
        assert min(mine) < t0 and max(mine) >= t0 + PAUSE, name

    # --- nothing ingested twice ---------------------------------------------------------------
    documents = Counter(
        r.path for r in log if r.status == 200 and "/Archives/edgar/data/" in r.path
    )
    assert documents and max(documents.values()) == 1, documents.most_common(3)
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT accession FROM filings")).scalars().all()
        analyses = conn.execute(sa.text("SELECT accession, status FROM analyses")).all()
        rate_rows = conn.execute(sa.text("SELECT count(*) FROM edgar_rate_state")).scalar_one()
    engine.dispose()
    assert sorted(rows) == sorted(accessions)
    for name, own in MACHINES.items():
        assert sum(d["ingested"] for d in reports[name]["ingest"]) == PER_DAY * len(own)

    # --- Bedrock: ≤ 5 in flight across both machines, reached, nothing paid twice -------------
    def request_text(call) -> str:  # noqa: ANN001
        return json.dumps(call.request["messages"], sort_keys=True)

    def machine_of_call(call) -> str:  # noqa: ANN001
        filed = next(
            line.split(":", 1)[1].strip()
            for line in request_text(call).replace("\\n", "\n").splitlines()
            if line.strip().startswith("Filed:")
        )
        return next(n for n, own in MACHINES.items() if date.fromisoformat(filed) in own)

    ok_calls = [c for c in calls if c.status == 200]
    assert len(ok_calls) == len(calls) == len(accessions)
    paid = Counter(hashlib.sha256(request_text(c).encode()).hexdigest() for c in ok_calls)
    assert max(paid.values()) == 1
    peak, together = overlap_peak([(c.start, c.end, machine_of_call(c)) for c in calls])
    assert peak == CALL_SLOTS, peak
    assert together == set(MACHINES)  # both machines' calls held the 5 slots at the peak
    assert sorted(a for a, _ in analyses) == sorted(accessions)
    assert {s for _, s in analyses} == {"ok"}
    for name in MACHINES:
        assert all(d["reused"] == d["filings"] == PER_DAY for d in reports[name]["analyse_other"])
        assert sum(d["calls"] for d in reports[name]["analyse_other"]) == 0

    # --- the publish lock: one holder at a time across both machines ---------------------------
    held = sorted(
        (start, end, name) for name in MACHINES for start, end in reports[name]["publish_lock_held"]
    )
    assert len(held) == 10 and {n for *_, n in held} == set(MACHINES)
    overlaps = [(a, b) for a, b in zip(held, held[1:], strict=False) if b[0] < a[1]]
    assert overlaps == []

    per_machine = Counter(machine_of[r.user_agent] for r in log)
    figures["two_machines"] = {
        "edgar_requests": len(log),
        "requests_a": per_machine["a"],
        "requests_b": per_machine["b"],
        "worst_1s_window": worst,
        "edgar_rate_limit": RATE,
        "quiet_after_throttle_s": round(min(r.wall for r in log if r.wall > t0 + 0.25) - t0, 2),
        "bedrock_calls": len(calls),
        "peak_calls_in_flight": peak,
    }

    # --- nothing shared lived on either machine's disk ----------------------------------------
    assert rate_rows == 1
    for name in MACHINES:
        data = tmp_path / f"machine-{name}" / "data"
        assert not (data / "edgar-state").exists()
        assert not (data / "call-slots").exists() or not any((data / "call-slots").iterdir())
