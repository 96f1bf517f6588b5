"""``python -m filings_pipeline.sample --root DIR --start D --end D [--per-day N] [--hostile]``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from filings_pipeline.sample import (
    DEFAULT_FILINGS_PER_DAY,
    archives_url,
    business_days,
    data_url,
    generate_mirror,
)


def main(argv: list[str] | None = None) -> int:
    """Generate a sample EDGAR mirror and print where it is."""
    parser = argparse.ArgumentParser(prog="python -m filings_pipeline.sample", description=__doc__)
    parser.add_argument("--root", type=Path, required=True, help="mirror root folder")
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--end", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--per-day", type=int, default=DEFAULT_FILINGS_PER_DAY)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-bad", action="store_true", help="no deliberately broken filings")
    parser.add_argument("--hostile", action="store_true", help="plant script payloads")
    parser.add_argument("--markers", action="store_true", help="plant a word unique to each filing")
    parser.add_argument(
        "--big-10k-mb", type=float, default=0.0, metavar="MB",
        help="make each day's first filing a 10-K of about MB megabytes (e.g. 50)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.end < args.start:
        parser.error("--end is before --start")
    if not 0 <= args.per_day <= 999:
        parser.error("--per-day must be between 0 and 999")
    manifest = generate_mirror(
        args.root,
        business_days(args.start, args.end),
        filings_per_day=args.per_day,
        seed=args.seed,
        bad_filings=not args.no_bad,
        hostile=args.hostile,
        markers=args.markers,
        big_10k_mb=args.big_10k_mb,
    )
    print(
        f"wrote {len(manifest.filings)} filings ({len(manifest.bad)} deliberately bad) "
        f"for {len(manifest.days)} business days under {args.root}"
    )
    print(f"EDGAR_ARCHIVES_URL={archives_url(args.root)}")
    print(f"EDGAR_DATA_URL={data_url(args.root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
