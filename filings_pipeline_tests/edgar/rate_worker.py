"""Worker process for the whole-deployment rate-limit test: fetch URLs through a shared limiter.

Usage: python -m filings_pipeline_tests.edgar.rate_worker STATE RATE NAME URL [URL ...]

STATE is a state folder (file backend) or a postgresql URL (one row in that database). Prints
the request slots the limiter reserved, as one JSON list.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.rate_state import PostgresRateState
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
from filings_pipeline_tests.support.slot_log import record_slots


def main(argv: list[str]) -> None:
    state, rate, name, *urls = argv
    if state.startswith("postgresql"):
        limiter = SharedRateLimiter(state=PostgresRateState(state), rate=float(rate))
    else:
        limiter = SharedRateLimiter(Path(state), float(rate))
    slots = record_slots(limiter)
    fetcher = Fetcher(f"Worker {name} {name}@example.com", limiter)
    for url in urls:
        fetcher.get(url, cache=False)
    print(json.dumps(slots.slots), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
