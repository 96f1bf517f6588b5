"""Kill benchmark: the Bedrock cap and paying once, while a run worker is SIGKILLed mid-call.

    .venv/bin/python bench/kill_bench.py [--repeats 3] [--latency 3] [--filings 15]

For each content-store backend (SQLite, so file-lock call slots; PostgreSQL, so advisory-lock
slots), and each repeat: a day of filings in a fresh store; run A (a child process running the
real analyze phase: claims, call slots, the real boto3 client) starts; once A has 5 calls in
flight at the local Converse server, run B (another process, same day: a manual Materialize
overlapping a sensor run) starts and waits; then A is SIGKILLed mid-call. B must take A's work
over without breaking the cap. The server (this process, independent of both) logs every call
with its accession (requestMetadata), so the figures are counted there:

- peak calls in flight (cap 5; must never be above, and the load reaches it);
- calls paid twice (accessions the server answered more than once), and how many of them were
  the calls in flight when A died (their answers died with A: unavoidable);
- whether every filing ends with an analysis.

Then the normal-path cost of the crash safety: acquire + release of a call slot with this
code and with the code before it (git base), and the claim round trips per filing.

Writes bench/results/kill.json, machine stated. Calls use a short botocore config (1 attempt,
connect 2 s, read 6 s: a lease of 13 s) and a 5 s claim lease so a repeat takes seconds, not
the 44 minutes the shipped config's lease (2,660 s) would hold a crashed worker's slots.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.throughput.report import machine  # noqa: E402
from filings_pipeline.analysis.bedrock import BedrockAnalyzer, BedrockConfig, max_call_seconds  # noqa: E402
from filings_pipeline.analysis.call_limit import CallSlots  # noqa: E402
from filings_pipeline.analysis.prompt import PROMPT_VERSION  # noqa: E402
from filings_pipeline.analysis.schema import AnalysisKey  # noqa: E402
from filings_pipeline.devtools.converse_server import ConverseServer, peak_in_flight  # noqa: E402
from filings_pipeline.phases.analyze import analyze_day  # noqa: E402
from filings_pipeline.store import ContentStore  # noqa: E402
from filings_pipeline_tests.analysis_bedrock.conftest import make_filing  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "kill.json"
PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
BASE_COMMIT = "153dbdf"  # main before the crash-safe slots (for the overhead comparison)
CLAIM_LEASE_S = 5.0
SLOTS = 5


def bench_config(url: str) -> BedrockConfig:
    return BedrockConfig(
        region="us-east-1",
        endpoint_url=url,
        retry_mode="standard",
        total_max_attempts=1,
        connect_timeout=2,
        read_timeout=6,
        timeout_retries=0,
    )


def run_phase(url: str, db_url: str, lock_dir: str, day: date, tag: str) -> None:
    """A run worker: the analyze phase of `day` with 5 threads (child process)."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="1"
    )
    slots = CallSlots.from_url(db_url, SLOTS, Path(lock_dir), timeout=300)
    analyzer = BedrockAnalyzer(bench_config(url), slots=slots)
    report = analyze_day(
        ContentStore(db_url), analyzer, day, workers=5, claim_lease_s=CLAIM_LEASE_S
    )
    Path(lock_dir, f"done-{tag}").write_text(json.dumps([report.analysed, report.reused]))
    slots.close()


def _wait(cond: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.005)


def one_kill(
    srv: ConverseServer, db_url: str, lock_dir: Path, day: date, first: int, n: int
) -> dict[str, Any]:
    """Run A, then B overlapping it, SIGKILL A mid-call; count at the server."""
    store = ContentStore(db_url)
    filings = [make_filing(first + i, day=day, date_filed=day) for i in range(n)]
    store.replace_filings(day, filings, [])
    accessions = {f.accession for f in filings}
    ctx = mp.get_context("spawn")
    a = ctx.Process(target=run_phase, args=(srv.url, db_url, str(lock_dir), day, "a"))
    b = ctx.Process(target=run_phase, args=(srv.url, db_url, str(lock_dir), day, "b"))
    a.start()
    try:
        _wait(lambda: srv.in_flight() == SLOTS, 120, "run A's 5 calls")
        b.start()
        time.sleep(1.0)  # B is up and waiting for slots and claims
        in_flight_at_kill = srv.in_flight()
        os.kill(a.pid, signal.SIGKILL)
        killed_at = time.time()
    finally:
        a.join(30)
    b.join(600)
    _wait(lambda: srv.in_flight() == 0, 60, "the killed calls to end at the server")
    calls = [c for c in srv.calls if c.accession in accessions]
    per_accession = Counter(c.accession for c in calls)
    twice = {acc: k for acc, k in per_accession.items() if k > 1}
    in_flight_killed = {c.accession for c in calls if c.start < killed_at < c.end}
    present = store.analyses_for(
        sorted(accessions), AnalysisKey(PROMPT_VERSION, bench_config(srv.url).model_id)
    )
    return {
        "filings": n,
        "calls": len(calls),
        "peak_in_flight": peak_in_flight(calls),
        "in_flight_at_kill": in_flight_at_kill,
        "paid_twice": len(twice),
        "paid_twice_were_in_flight_at_kill": sorted(twice) == sorted(in_flight_killed),
        "paid_more_than_twice": sum(1 for k in twice.values() if k > 2),
        "analyses_present": sum(1 for r in present.values() if r.ok),
        "run_b_exit": b.exitcode,
        "run_b_s_after_kill": round(max(c.end for c in calls) - killed_at, 2),
    }


def _pg_database() -> tuple[str, str, str]:
    """A fresh database: (url, name, server version)."""
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"kill_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar_one()
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name, str(version)


def _drop(name: str) -> None:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _base_call_limit(tmp: Path) -> ModuleType:
    """call_limit.py as it was before the crash-safe slots, loaded as its own module."""
    src = subprocess.run(
        ["git", "show", f"{BASE_COMMIT}:filings_pipeline/analysis/call_limit.py"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    ).stdout
    path = tmp / "call_limit_base.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("call_limit_base", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _cycle_us(acquire: Any, n: int) -> float:
    """Median microseconds of one acquire + release."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        with acquire():
            pass
        times.append((time.perf_counter() - t0) * 1e6)
    return round(statistics.median(times), 1)


def overhead(db_urls: dict[str, str], tmp: Path, n: int = 2000) -> dict[str, Any]:
    """Acquire + release of a free slot, before and after; claim round trips per filing."""
    base = _base_call_limit(tmp)
    out: dict[str, Any] = {}
    for name, url in db_urls.items():
        new = CallSlots.from_url(url, SLOTS, tmp / f"ovh-new-{name}", classid=11)
        old = base.CallSlots.from_url(url, SLOTS, tmp / f"ovh-old-{name}", classid=12)
        _cycle_us(functools.partial(new.acquire, lease_s=60), 50)  # warm connections
        _cycle_us(old.acquire, 50)
        store = ContentStore(url)
        key = AnalysisKey(PROMPT_VERSION, "m")
        times = []
        for i in range(min(n, 500)):
            t0 = time.perf_counter()
            store.claim_analysis(f"bench-{i}", key, "h", 60)
            store.analyses_for([f"bench-{i}"], key)
            store.release_claim(f"bench-{i}", key, "h")
            times.append((time.perf_counter() - t0) * 1e6)
        out[name] = {
            "slot_acquire_release_us_before": _cycle_us(old.acquire, n),
            "slot_acquire_release_us_now": _cycle_us(functools.partial(new.acquire, lease_s=60), n),
            "claim_recheck_release_us_per_filing": round(statistics.median(times), 1),
        }
        new.close()
        old.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--latency", type=float, default=3.0, help="seconds per Converse answer")
    ap.add_argument("--filings", type=int, default=15, help="filings per day")
    args = ap.parse_args(argv)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="1"
    )
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    pg_url, pg_name, pg_version = _pg_database()
    backends: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="kill-bench-") as tmpdir:
            tmp = Path(tmpdir)
            urls = {"sqlite": f"sqlite:///{tmp / 'content.db'}", "postgresql": pg_url}
            with ConverseServer(latency_s=args.latency) as srv:
                for b, (name, url) in enumerate(urls.items()):
                    repeats = []
                    for k in range(args.repeats):
                        day = date(2026, 11, 2) + timedelta(days=k)
                        lock_dir = tmp / f"slots-{name}"
                        lock_dir.mkdir(exist_ok=True)
                        first = 10_000 * (b + 1) + 1000 * k  # accessions of their own
                        row = one_kill(srv, url, lock_dir, day, first, args.filings)
                        print(name, k, row, flush=True)
                        repeats.append(row)
                    backends[name] = {
                        "repeats": repeats,
                        "peak_in_flight_max": max(r["peak_in_flight"] for r in repeats),
                        "paid_twice_total": sum(r["paid_twice"] for r in repeats),
                        "kills": len(repeats),
                    }
            costs = overhead(urls, tmp)
    finally:
        _drop(pg_name)
    cfg = bench_config("http://127.0.0.1")
    result = {
        "benchmark": "kill: SIGKILL a run worker mid-call while an overlapping run waits",
        "command": "python bench/kill_bench.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "measured_at": started.isoformat(timespec="seconds"),
        "machine": {
            **machine(pg_version),
            "shared": True,
            "load_average_before": [round(x, 2) for x in load_before],
            "note": "measured while other sessions loaded the 2 cores",
        },
        "setup": {
            "latency_s": args.latency,
            "filings_per_day": args.filings,
            "call_slots": SLOTS,
            "threads_per_run": 5,
            "botocore": {
                "total_max_attempts": cfg.total_max_attempts,
                "connect_timeout": cfg.connect_timeout,
                "read_timeout": cfg.read_timeout,
            },
            "slot_lease_s": max_call_seconds(cfg),
            "claim_lease_s": CLAIM_LEASE_S,
            "lease_formula": "total_max_attempts x (connect_timeout + read_timeout) + "
            "(total_max_attempts - 1) x 25 + 5",
        },
        "backends": backends,
        "normal_path_cost": costs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(
        json.dumps(
            {
                k: {kk: v[kk] for kk in ("peak_in_flight_max", "paid_twice_total")}
                for k, v in backends.items()
            }
        )
    )
    print(json.dumps(costs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
