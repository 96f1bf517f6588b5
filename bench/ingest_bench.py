"""Ingestion benchmark against a local EDGAR look-alike server.

Measures, for the configured fair-access budget (EDGAR_RATE_LIMIT, default 8 requests/s):

1. requests per second achieved (timed at the server) against the limit, with several
   processes sharing one limiter, and whether the server (throttling above 10/s like SEC) ever
   served its throttle page;
2. filings per minute for a day of 8-Ks fetched through EdgarSource (cold, then a warm re-run
   served from the Archives disk cache), and the parse-only rate over file:// URLs.

Usage: python bench/ingest_bench.py [--filings 40] [--rate 8] [--processes 3]
Writes bench/results/ingest.json (machine described: CPU model, cores, Python version).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.edgar_source import EdgarSource
from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.models import FilingError
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
from filings_pipeline.sample.mirror import generate_mirror
from filings_pipeline.settings import settings

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "ingest.json"
IDENTITY = "filings_pipeline bench bench@example.com"
DAY = date(2026, 11, 17)

_WORKER = """
import sys
from pathlib import Path
from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
state, rate, *urls = sys.argv[1:]
fetcher = Fetcher("bench worker bench@example.com", SharedRateLimiter(Path(state), float(rate)))
for url in urls:
    fetcher.get(url, cache=False)
"""


def machine() -> dict[str, object]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_results(out: Path, result: dict) -> None:
    """Write a benchmark's results file (JSON) and print it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def achieved_rate(times: list[float]) -> float:
    """Requests per second between the first and the last arrival."""
    times = sorted(times)
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def worst_window(times: list[float]) -> int:
    """Most requests in any one-second window."""
    times = sorted(times)
    return max(sum(1 for t in times if s <= t < s + 1.0) for s in times) if times else 0


def bench_rate(server: MirrorServer, url: str, rate: float, processes: int, per: int, tmp: Path):
    server.clear_log()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(tmp / "rate-state"), str(rate), *[url] * per],
            env=env,
        )
        for _ in range(processes)
    ]
    for p in procs:
        p.wait(timeout=600)
    log = server.requests_log()
    times = [r.wall for r in log]
    return {
        "configured_limit_per_s": rate,
        "processes": processes,
        "requests": len(log),
        "achieved_per_s": round(achieved_rate(times), 3),
        "achieved_over_limit": round(achieved_rate(times) / rate, 3),
        "worst_1s_window": worst_window(times),
        "throttle_pages": sum(1 for r in log if r.status == 429),
        "not_published_403_404": sum(1 for r in log if r.status in (403, 404)),
    }


def run_day(src: EdgarSource) -> tuple[int, int, float]:
    """(filings fetched, filings refused, seconds) for DAY's 8-Ks."""
    start = time.perf_counter()
    ok = bad = 0
    for entry in src.list_day(DAY).entries:
        try:
            src.fetch_filing(entry, DAY)
            ok += 1
        except FilingError:
            bad += 1
    return ok, bad, time.perf_counter() - start


def bench_filings(server: MirrorServer, root: Path, rate: float, tmp: Path) -> dict[str, object]:
    limiter = SharedRateLimiter(tmp / "day-state", rate)
    results: dict[str, object] = {}
    for label in ("cold", "warm_rerun"):
        server.clear_log()
        fetcher = Fetcher(IDENTITY, limiter, cache_dir=tmp / "cache")
        src = EdgarSource(server.archives_url, server.data_url, fetcher, forms=("8-K",))
        ok, bad, secs = run_day(src)
        log = server.requests_log()
        results[label] = {
            "filings": ok,
            "refused_bad_filings": bad,
            "seconds": round(secs, 2),
            "filings_per_minute": round((ok + bad) / secs * 60, 1),
            "http_requests": len(log),
            "requests_per_filing": round(len(log) / max(1, ok + bad), 2),
            "achieved_per_s": round(achieved_rate([r.wall for r in log]), 3),
            "throttle_pages": sum(1 for r in log if r.status == 429),
            "not_published_403_404": sum(1 for r in log if r.status in (403, 404)),
        }
    archives = (root / "www.sec.gov" / "Archives").as_uri()
    src = EdgarSource(archives, (root / "data.sec.gov").as_uri(), Fetcher(IDENTITY), forms=("8-K",))
    ok, bad, secs = run_day(src)
    results["parse_only_file_urls"] = {
        "filings": ok + bad,
        "seconds": round(secs, 3),
        "filings_per_minute": round((ok + bad) / secs * 60, 1),
    }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=40, help="filings in the benchmark day")
    parser.add_argument("--rate", type=float, default=settings().edgar_rate_limit)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--requests-per-process", type=int, default=20)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        manifest = generate_mirror(tmp / "mirror", [DAY], filings_per_day=args.filings)
        eight_ks = [f for f in manifest.filings if f.form == "8-K"]
        # The server throttles like SEC: more than 10 requests in a second -> throttle page.
        with MirrorServer(tmp / "mirror", rate_limit=10, rate_block_seconds=600) as server:
            url = f"{server.archives_url}/edgar/daily-index/2026/QTR4/master.{DAY:%Y%m%d}.idx"
            rate = bench_rate(
                server, url, args.rate, args.processes, args.requests_per_process, tmp
            )
            filings = bench_filings(server, tmp / "mirror", args.rate, tmp)
    result = {
        "benchmark": "ingest",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "day": DAY.isoformat(),
        "eight_ks_in_day": len(eight_ks),
        "request_rate": rate,
        "day_of_8ks": filings,
    }
    write_results(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
