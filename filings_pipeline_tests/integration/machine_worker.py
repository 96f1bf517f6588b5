"""One "machine" of the two-machine test: ingest its days, then analyse days, sharing nothing
with the other machine but PostgreSQL (its own FILINGS_DATA_DIR and TMPDIR, set by the test).

Usage: python -m filings_pipeline_tests.integration.machine_worker NAME OWN_DAYS OTHER_DAYS PAUSE
(days comma-separated ISO dates). Configuration comes from the environment, as in a run task,
and the objects are built the way the Dagster resources build them: the configured source
(`make_source`) and the Bedrock analyzer with its deployment-wide call slots. Prints one JSON
line with what each phase did and every EDGAR request slot its limiter reserved.

The machines wait for each other at a few points (a barrier in a PostgreSQL table), so that
both ingest at the same time and then both analyse at the same time.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date

import sqlalchemy as sa

from filings_pipeline.analysis.bedrock import BedrockConfig
from filings_pipeline.analysis.bedrock_factory import make_bedrock_analyzer
from filings_pipeline.edgar.factory import make_source
from filings_pipeline.phases.analyze import analyze_day
from filings_pipeline.phases.ingest import ingest_day
from filings_pipeline.phases.publish import PUBLISH_LOCK
from filings_pipeline.settings import settings
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.support.slot_log import record_slots

MACHINES = 2
BARRIER_TABLE = "CREATE TABLE IF NOT EXISTS test_barrier (name text, machine text)"


def barrier(engine: sa.Engine, name: str, machine: str, timeout: float = 180.0) -> None:
    """Wait until every machine has reached `name`."""
    with engine.begin() as conn:
        conn.execute(sa.text(BARRIER_TABLE))  # the test made it; kept for a worker run alone
        conn.execute(sa.text("INSERT INTO test_barrier VALUES (:n, :m)"), {"n": name, "m": machine})
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            count = conn.execute(
                sa.text("SELECT count(DISTINCT machine) FROM test_barrier WHERE name = :n"),
                {"n": name},
            ).scalar_one()
        if count >= MACHINES:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"machine {machine}: the other machine never reached {name!r}")
        time.sleep(0.05)


def main(argv: list[str]) -> None:
    name, own, other, pause = argv
    own_days = [date.fromisoformat(d) for d in own.split(",")]
    other_days = [date.fromisoformat(d) for d in other.split(",")]
    env = settings()
    store = ContentStore(env.db_url)
    engine = sa.create_engine(env.db_url, poolclass=sa.pool.NullPool)
    source = make_source(env)
    # A test-sized throttle pause (SEC's is 10 minutes): the only change to the built objects.
    source.fetcher.limiter.pause_seconds = float(pause)
    source.fetcher.limiter.slow_seconds = 1.0
    slots = record_slots(source.fetcher.limiter)
    analyzer = make_bedrock_analyzer(
        BedrockConfig.from_env(),
        max_calls_in_flight=env.max_calls_in_flight,
        db_url=env.db_url,
        lock_dir=env.data_dir / "call-slots",
    )
    out: dict[str, object] = {"machine": name}

    barrier(engine, "ingest", name)
    out["ingest"] = [
        {
            "day": d.isoformat(),
            "listed": r.listed,
            "ingested": r.ingested,
            "skipped": len(r.skipped),
        }
        for d in own_days
        for r in [ingest_day(source, store, d, workers=4)]
    ]

    out["slots"] = slots.slots

    barrier(engine, "analyse", name)
    out["analyse_own"] = [_analyse(store, analyzer, d) for d in own_days]

    # A retry of the other machine's days, here: everything is analysed already.
    barrier(engine, "analyse-other", name)
    out["analyse_other"] = [_analyse(store, analyzer, d) for d in other_days]

    # The publish phase's lock, taken by both machines at once: held intervals must not overlap.
    barrier(engine, "publish-lock", name)
    held = []
    for _ in range(5):
        with store.lock(PUBLISH_LOCK):
            start = time.time()
            time.sleep(0.1)
            held.append((start, time.time()))
    out["publish_lock_held"] = held
    print(json.dumps(out), flush=True)


def _analyse(store: ContentStore, analyzer, day: date) -> dict[str, object]:  # noqa: ANN001
    r = analyze_day(store, analyzer, day, workers=5)
    return {
        "day": day.isoformat(),
        "filings": r.filings,
        "analysed": r.analysed,
        "reused": r.reused,
        "calls": r.calls,
        "failed": r.failed,
    }


if __name__ == "__main__":
    main(sys.argv[1:])
