"""Huge documents: conversion time and peak memory of a ~50 MB sample 10-K, and the size cap.

Generates a one-day sample mirror whose first filing is a 10-K of about --mb MB
(``generate_mirror(big_10k_mb=...)``), then, each in a fresh process so peak memory is its own:

- in-process: ``text.document_to_text`` in the ingest thread (what ingest did before);
- bounded: ``bounded_text.document_text`` (what ingest does now: a child process with a time
  bound): wall time, the ingest process's own peak RSS and the child's;
- the day through ``phases.ingest.ingest_day`` with a cap below the document (skipped, reason).

Usage: python bench/big_document_bench.py [--mb 50]  ->  bench/results/big_document.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.ingest_bench import machine, write_results  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "big_document.json"
DAY = date(2026, 11, 17)


def _peak_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # KiB on Linux


def measure(mode: str, path: Path) -> dict[str, float]:
    """Run in a fresh process: convert `path` one way, report seconds and peak RSS."""
    from filings_pipeline.edgar.bounded_text import document_text
    from filings_pipeline.edgar.fetch import decode_document
    from filings_pipeline.edgar.text import document_to_text

    body = decode_document(path.read_bytes())
    base = _peak_mb(resource.RUSAGE_SELF)
    t = time.perf_counter()
    if mode == "in-process":
        text = document_to_text(body, path.name)
    else:
        text = document_text(body, path.name)
    seconds = time.perf_counter() - t
    return {
        "seconds": round(seconds, 1),
        "text_mb": round(len(text) / 2**20, 1),
        "rss_before_mb": base,
        "peak_rss_mb": _peak_mb(resource.RUSAGE_SELF),
        "child_peak_rss_mb": _peak_mb(resource.RUSAGE_CHILDREN),
    }


def skip_with_cap(root: Path, tmp: Path, cap_mb: float) -> dict[str, object]:
    from filings_pipeline.edgar.factory import make_source
    from filings_pipeline.phases.ingest import ingest_day
    from filings_pipeline.settings import Settings
    from filings_pipeline.store import ContentStore

    settings = Settings(data_dir=tmp, source="sample", sample_dir=root, max_document_mb=cap_mb)
    t = time.perf_counter()
    report = ingest_day(make_source(settings), ContentStore(f"sqlite:///{tmp / 'c.db'}"), DAY)
    return {
        "cap_mb": cap_mb,
        "seconds": round(time.perf_counter() - t, 2),
        "ingested": report.ingested,
        "skipped": [s.reason for s in report.skipped],
        "peak_rss_mb": _peak_mb(resource.RUSAGE_SELF),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0
    from filings_pipeline.sample import generate_mirror

    with tempfile.TemporaryDirectory(prefix="filings-big-") as tmp_name:
        tmp = Path(tmp_name)
        t = time.perf_counter()
        manifest = generate_mirror(tmp / "m", [DAY], filings_per_day=3, big_10k_mb=args.mb)
        generate_s = time.perf_counter() - t
        f = manifest.filings[0]
        path = (tmp / "m/www.sec.gov/Archives/edgar/data" / str(f.cik)
                / f.accession.replace("-", "") / f.primary_document)  # fmt: skip
        html_mb = round(path.stat().st_size / 2**20, 1)
        runs = {}
        for mode in ("in-process", "bounded"):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", mode, str(path)],
                capture_output=True, text=True, check=True, timeout=1800,
            )  # fmt: skip
            runs[mode] = json.loads(out.stdout.strip().splitlines()[-1])
        capped = skip_with_cap(tmp / "m", tmp, cap_mb=20.0)
    result = {
        "benchmark": "big_document",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "note": "2-core machine shared with other helpers' tests and benchmarks while measured",
        "document": {"form": f.form, "file": f.primary_document, "html_mb": html_mb,
                     "generate_seconds": round(generate_s, 1)},
        "conversion": runs,
        "size_cap": capped,
    }  # fmt: skip
    write_results(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
