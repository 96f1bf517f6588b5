"""Worker process for the whole-deployment rate-limit test: fetch URLs through a shared limiter.

Usage: python -m filings_pipeline_tests.edgar.rate_worker STATE_DIR RATE NAME URL [URL ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.ratelimit import SharedRateLimiter


def main(argv: list[str]) -> None:
    state_dir, rate, name, *urls = argv
    fetcher = Fetcher(
        f"Worker {name} {name}@example.com", SharedRateLimiter(Path(state_dir), float(rate))
    )
    for url in urls:
        fetcher.get(url, cache=False)


if __name__ == "__main__":
    main(sys.argv[1:])
