"""The whole-deployment rate limit holds when several processes fetch at once (measured at the
server from request arrival times)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from filings_pipeline_tests.edgar.conftest import REPO_ROOT

RATE = 20.0
PROCESSES = 3
PER_PROCESS = 14


def test_rate_limit_holds_across_processes(server, tmp_path: Path) -> None:
    url = server.base_url + "/Archives/edgar/data/72333/000007233323000015/jwn-20230301.htm"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "filings_pipeline_tests.edgar.rate_worker",
                str(tmp_path / "edgar-state"),
                str(RATE),
                f"p{i}",
                *[url] * PER_PROCESS,
            ],
            env=env,
            cwd=REPO_ROOT,
        )
        for i in range(PROCESSES)
    ]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    log = sorted(server.requests_log(), key=lambda r: r.monotonic)
    assert len(log) == PROCESSES * PER_PROCESS
    agents = {r.user_agent for r in log}
    assert len(agents) == PROCESSES  # every process really sent requests
    times = [r.monotonic for r in log]
    # No 1-second window holds more than the budget (one extra allowed for arrival jitter).
    worst = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert worst <= RATE + 1, worst
    # Requests of different processes interleave rather than run one after another.
    order = [r.user_agent for r in log]
    switches = sum(1 for a, b in zip(order, order[1:], strict=False) if a != b)
    assert switches >= PROCESSES
