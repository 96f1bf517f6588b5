"""Functions run in child processes by the call-limit tests (importable under spawn)."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from filings_pipeline.analysis.bedrock import BedrockAnalyzer
from filings_pipeline.analysis.call_limit import CallSlots

from .conftest import fast_config, make_filing


def _barrier(directory: Path, name: str, parties: int) -> None:
    """Wait until `parties` processes have arrived (each writes a file), so they overlap."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text("ready")
    deadline = time.monotonic() + 60
    while len(list(directory.iterdir())) < parties:
        if time.monotonic() > deadline:
            raise TimeoutError("the other worker processes never started")
        time.sleep(0.01)


def analyse_many(
    url: str, db_url: str, lock_dir: str, classid: int, limit: int, first: int, n: int
) -> list[bool]:
    """Analyse n filings on 3 threads, holding a deployment-wide call slot per call."""
    slots = CallSlots.from_url(
        db_url, limit=limit, lock_dir=Path(lock_dir), classid=classid, poll_interval=0.01
    )
    analyzer = BedrockAnalyzer(fast_config(url), slots=slots)
    _barrier(Path(lock_dir).parent / "barrier", f"worker-{first}", 3)
    with ThreadPoolExecutor(3) as pool:
        outs = list(pool.map(analyzer.analyze, [make_filing(first + i) for i in range(n)]))
    slots.close()
    return [o.ok for o in outs]


def hold_and_crash(
    db_url: str, lock_dir: str, classid: int, limit: int, ready: str, lease_s: float
) -> None:
    """Take every slot (leases of `lease_s`), say so, then die without releasing anything."""
    slots = CallSlots.from_url(db_url, limit=limit, lock_dir=Path(lock_dir), classid=classid)
    held = [slots.acquire(lease_s=lease_s) for _ in range(limit)]
    for cm in held:
        cm.__enter__()
    Path(ready).write_text("held")
    time.sleep(0.2)
    os._exit(3)


def analyse_until_killed(
    url: str, db_url: str, lock_dir: str, classid: int, cfg: dict, first: int, n: int
) -> None:
    """Analyse n filings on n threads holding call slots; the test SIGKILLs this process."""
    slots = CallSlots.from_url(
        db_url, limit=5, lock_dir=Path(lock_dir), classid=classid, poll_interval=0.01
    )
    analyzer = BedrockAnalyzer(fast_config(url, **cfg), slots=slots)
    with ThreadPoolExecutor(n) as pool:
        list(pool.map(analyzer.analyze, [make_filing(first + i) for i in range(n)]))
    os._exit(0)  # not reached when the test kills us mid-call
