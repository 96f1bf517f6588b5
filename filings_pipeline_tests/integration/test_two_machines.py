"""Two "machines" on one: two processes that share nothing but PostgreSQL (each its own
FILINGS_DATA_DIR and TMPDIR, as two ECS run tasks) ingest and analyse at the same time against
the local EDGAR-like server (which logs each request's arrival and enforces SEC's 10 req/s) and
the local Converse server (which logs each call's interval, model, ``requestMetadata`` accession
and the caller's User-Agent, where botocore puts each machine's ``AWS_SDK_UA_APP_ID``).

Each machine ingests and analyses its own days; then, with a new model (every filing needs a
new analysis), both analyse THE SAME days, in the same order, at the same time, so that every
filing is contended and only the per-filing analysis claim keeps both from paying for it.

Counted at those independent servers: the requests of both machines together keep to the one
EDGAR budget and reach it; a throttle page served to one machine pauses both; Bedrock calls in
flight across both never exceed 5 and reach 5; no filing is fetched or stored twice, and each
accession is called exactly once per model across both machines, with both machines calling
for the same days at the same time.
"""

from __future__ import annotations

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
from filings_pipeline_tests.support.slot_log import most_in_one_second

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

RATE = 8  # EDGAR_RATE_LIMIT for the whole deployment
SEC_LIMIT = 10  # the server throttles any 1-second window above this
PAUSE = 3.0  # the test-sized throttle pause
CALL_SLOTS = 5
PER_DAY = 6
DAYS = business_days(date(2026, 11, 16), date(2026, 11, 23))  # 6 business days
MACHINES = {"a": DAYS[:3], "b": DAYS[3:]}
MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"  # each machine's own days
NEW_MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"  # then both machines, every day


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


def test_two_machines_share_the_edgar_budget_the_throttle_pause_the_call_slots_and_the_claims(
    pg_url: str, tmp_path: Path, figures: dict[str, dict]
) -> None:
    mirror = tmp_path / "mirror"
    manifest = generate_mirror(mirror, DAYS, filings_per_day=PER_DAY, bad_filings=False)
    accessions = {f.accession: f.day for f in manifest.filings}
    assert len(accessions) == PER_DAY * len(DAYS)
    ContentStore(pg_url)  # the store's tables, once, before the machines start

    day_b = MACHINES["a"][1]  # machine a's second day: its index gets a throttle page
    throttled_path = rf"daily-index/.*\.{day_b:%Y%m%d}\.idx"
    with (
        MirrorServer(mirror, rate_limit=SEC_LIMIT) as edgar,
        ConverseServer(latency_s=0.5) as bedrock,
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
                "BEDROCK_MODEL_ID": MODEL,
                "AWS_REGION": "us-east-1",
                "AWS_SDK_UA_APP_ID": f"machine-{name}",  # botocore: "app/machine-a" in its UA
            }
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "filings_pipeline_tests.integration.machine_worker", name,
                 ",".join(d.isoformat() for d in own), ",".join(d.isoformat() for d in other),
                 str(PAUSE), NEW_MODEL],
                env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
        reports = {}
        for name, proc in procs.items():
            try:
                stdout, stderr = proc.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                for p in procs.values():
                    p.kill()
                raise
            assert proc.returncode == 0, stderr[-4000:]
            reports[name] = json.loads(stdout.strip().splitlines()[-1])
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
        analyses = conn.execute(sa.text("SELECT model, accession, status FROM analyses")).all()
        rate_rows = conn.execute(sa.text("SELECT count(*) FROM edgar_rate_state")).scalar_one()
        claims_left = conn.execute(sa.text("SELECT count(*) FROM analysis_claims")).scalar_one()
    engine.dispose()
    assert sorted(rows) == sorted(accessions)
    for name, own in MACHINES.items():
        assert sum(d["ingested"] for d in reports[name]["ingest"]) == PER_DAY * len(own)

    # --- Bedrock: ≤ 5 in flight across both machines, reached, nothing paid twice -------------
    def machine_of_call(call) -> str:  # noqa: ANN001
        (name,) = [n for n in MACHINES if f"app/machine-{n}" in (call.user_agent or "").split()]
        return name

    assert [c.status for c in calls] == [200] * len(calls)
    phase = {model: [c for c in calls if c.model_id == model] for model in (MODEL, NEW_MODEL)}
    assert sum(map(len, phase.values())) == len(calls)
    for model, made in phase.items():  # each filing paid once per model, across both machines
        per_accession = Counter(c.accession for c in made)
        twice = {acc: n for acc, n in per_accession.items() if n != 1}
        assert twice == {}, f"{model}: accessions called more than once: {twice}"
        assert set(per_accession) == set(accessions), model
    callers = {
        model: {c.accession: machine_of_call(c) for c in made} for model, made in phase.items()
    }
    assert sorted(map(tuple, analyses)) == sorted(
        (model, acc, "ok") for model in phase for acc in accessions
    )  # both machines see every analysis of both models in the one store
    assert claims_left == 0  # every claim was given back

    # Own days: each machine paid for its own days; both machines' calls held the 5 slots.
    assert all(accessions[a] in MACHINES[who] for a, who in callers[MODEL].items())
    peak, together = overlap_peak([(c.start, c.end, machine_of_call(c)) for c in phase[MODEL]])
    assert peak == CALL_SLOTS, peak
    assert together == set(MACHINES)  # both machines' calls held the 5 slots at the peak
    for name in MACHINES:
        assert all(d["reused"] == d["filings"] == PER_DAY for d in reports[name]["analyse_other"])
        assert sum(d["calls"] for d in reports[name]["analyse_other"]) == 0

    # The same days at the same time (new model): the claims shared the work out while both ran,
    # not left it to whichever machine came first.
    shared = callers[NEW_MODEL]
    calls_by = Counter(shared.values())
    assert set(calls_by) == set(MACHINES), calls_by  # both machines paid for some filings
    peak_same, _ = overlap_peak([(c.start, c.end, shared[c.accession]) for c in phase[NEW_MODEL]])
    assert peak_same == CALL_SLOTS, peak_same
    a_calls, b_calls = ([c for c in phase[NEW_MODEL] if shared[c.accession] == n] for n in "ab")
    assert any(x.start < y.end and y.start < x.end for x in a_calls for y in b_calls), (
        "the two machines' calls never overlapped in time"
    )
    by_day = {d: Counter(shared[a] for a, day in accessions.items() if day == d) for d in DAYS}
    shared_days = [d for d, who in by_day.items() if set(who) == set(MACHINES)]
    assert shared_days, by_day  # some day's filings were split between the machines
    for name in MACHINES:  # each machine's own count agrees with the server's, day by day
        for d in reports[name]["analyse_same"]:
            mine = by_day[date.fromisoformat(d["day"])][name]
            assert (d["analysed"], d["calls"], d["failed"]) == (mine, mine, {}), (name, d)
            assert d["analysed"] + d["reused"] == d["filings"] == PER_DAY, (name, d)
        # Once both are done, analysing again finds every analysis in the store: no call.
        again = [(d["reused"], d["calls"]) for d in reports[name]["analyse_again"]]
        assert again == [(PER_DAY, 0)] * len(DAYS), (name, again)

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
        "same_days_calls_a": calls_by["a"],
        "same_days_calls_b": calls_by["b"],
        "same_days_split_days": len(shared_days),
        "same_days_peak_in_flight": peak_same,
    }

    # --- nothing shared lived on either machine's disk ----------------------------------------
    assert rate_rows == 1
    for name in MACHINES:
        data = tmp_path / f"machine-{name}" / "data"
        assert not (data / "edgar-state").exists()
        assert not (data / "call-slots").exists() or not any((data / "call-slots").iterdir())
