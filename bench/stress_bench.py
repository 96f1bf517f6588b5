"""Stress benchmark: ingest >= 10,000 marked sample filings through the real ingest phase.

Generates a sample mirror whose every filing carries a word unique to its accession
(``markers=True``), then runs ``phases.ingest.ingest_day`` (the shipped thread count) for each
day over the mirror exactly as ``FILINGS_SOURCE=sample`` does (file:// URLs, the real Fetcher,
EdgarSource, text extraction, SQLite content store), and counts from the stored rows:

- empty: a stored filing whose text is empty;
- mixed: a stored filing (text or exhibits) missing its own marker or carrying another's;
- spurious skips: a skipped filing that the generator did not break on purpose, or a
  deliberately broken one that was stored.

Usage: python bench/stress_bench.py [--days 20] [--per-day 500] [--switch-interval S]
       [--shared-profile]   (the pre-fix inscriptis use, to show the benchmark catches it)
Writes bench/results/stress.json (or --out), stating the machine.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.ingest_bench import machine, write_results  # noqa: E402
from filings_pipeline.edgar import text as text_mod  # noqa: E402
from filings_pipeline.edgar.factory import make_source  # noqa: E402
from filings_pipeline.phases import ingest  # noqa: E402
from filings_pipeline.sample import business_days, generate_mirror  # noqa: E402
from filings_pipeline.sample.content import marker_word  # noqa: E402
from filings_pipeline.settings import Settings  # noqa: E402
from filings_pipeline.store import ContentStore  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "stress.json"
START = date(2026, 9, 1)
_MARKER = re.compile(r"fpmark\d{18}")


def shipped_workers() -> int:
    """The ingest phase's thread count as shipped (ingest_day's default)."""
    import inspect

    return int(inspect.signature(ingest.ingest_day).parameters["workers"].default)


def count(day_filings, day_skipped, manifest_day) -> dict[str, list[str]]:
    """Empty, mixed and spurious-skip accessions of one day."""
    bad = {f.accession for f in manifest_day if f.bad_reason}
    out: dict[str, list[str]] = {"empty": [], "mixed": [], "spurious_skips": []}
    for f in day_filings:
        own = marker_word(f.accession)
        texts = [f.text] + [x.text for x in f.exhibits]
        found = {m for t in texts for m in _MARKER.findall(t)}
        if not f.text.strip():
            out["empty"].append(f.accession)
        elif found != {own} or own not in f.text:
            out["mixed"].append(f.accession)
        if f.accession in bad:
            out["spurious_skips"].append(f.accession)  # broken on purpose, yet stored
    out["spurious_skips"] += [s.accession for s in day_skipped if s.accession not in bad]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20, help="business days in the mirror")
    parser.add_argument("--per-day", type=int, default=500, help="filings per day (<= 999)")
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="sys.setswitchinterval during the ingest (default: Python's)",
    )
    parser.add_argument(
        "--shared-profile",
        action="store_true",
        help="use inscriptis's shared CSS profile, as before the fix",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)  # fmt: skip
    logging.getLogger("filings_pipeline").setLevel(logging.ERROR)  # the skips are counted
    days = business_days(START, date(2026, 12, 31))[: args.days]
    if args.shared_profile:
        from inscriptis.model.config import ParserConfig

        text_mod._parser_config = ParserConfig  # the old, shared-profile use
    totals = {"empty": [], "mixed": [], "spurious_skips": []}
    stored = skipped = expected_bad = 0
    with tempfile.TemporaryDirectory(prefix="filings-stress-") as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        manifest = generate_mirror(tmp / "mirror", days, filings_per_day=args.per_day,
                                   markers=True)  # fmt: skip
        generate_s = time.perf_counter() - t0
        settings = Settings(data_dir=tmp, source="sample", sample_dir=tmp / "mirror")
        source = make_source(settings)
        store = ContentStore(f"sqlite:///{tmp / 'content.db'}")
        old_interval = sys.getswitchinterval()
        if args.switch_interval:
            sys.setswitchinterval(args.switch_interval)
        t1 = time.perf_counter()
        try:
            for day in days:
                report = ingest.ingest_day(source, store, day)
                assert report.listed == len(manifest.for_day(day)), (day, report.listed)
        finally:
            sys.setswitchinterval(old_interval)
        ingest_s = time.perf_counter() - t1
        for day in days:
            filings, skips = store.filings_for_day(day), store.skipped_for_day(day)
            stored, skipped = stored + len(filings), skipped + len(skips)
            expected_bad += sum(1 for f in manifest.for_day(day) if f.bad_reason)
            for key, accs in count(filings, skips, manifest.for_day(day)).items():
                totals[key] += accs
    listed = len(manifest.filings)
    result = {
        "benchmark": "stress",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "note": "2-core machine shared with other helpers' tests and benchmarks while measured",
        "mode": "shared inscriptis profile (pre-fix)" if args.shared_profile else "as shipped",
        "path": "phases.ingest.ingest_day over FILINGS_SOURCE=sample (file:// mirror), "
        "SQLite content store",
        "ingest_threads": shipped_workers(),
        "switch_interval_s": args.switch_interval or old_interval,
        "days": len(days),
        "filings_listed": listed,
        "stored": stored,
        "skipped": skipped,
        "deliberately_broken": expected_bad,
        "empty": len(totals["empty"]),
        "mixed": len(totals["mixed"]),
        "spurious_skips": len(totals["spurious_skips"]),
        "examples": {k: v[:5] for k, v in totals.items()},
        "generate_seconds": round(generate_s, 1),
        "ingest_seconds": round(ingest_s, 1),
        "filings_per_second": round(listed / ingest_s, 1),
    }
    write_results(args.out, result)
    return 0 if result["empty"] == result["mixed"] == result["spurious_skips"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
