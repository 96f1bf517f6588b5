"""Attribution benchmark: how many planted misattributions the figures check catches, and how
many true figures it holds back, on the bundled sample and on the real EDGAR fixtures.

The corpus (true claims and plants, see ``filings_pipeline.devtools.attribution_corpus``) is
built from the filings' own text; every claim is checked with ``check_figures`` as the analyze
phase does. The rates are correctness figures (not timings); the seconds are for information.

Usage: python bench/attribution_bench.py [--fixtures ../shared/fixtures/edgar] [--seed 9]
Writes bench/results/attribution.json (machine described).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.ingest_bench import machine  # noqa: E402
from filings_pipeline.analysis.figures import filing_source_text  # noqa: E402
from filings_pipeline.devtools import attribution_corpus as ac  # noqa: E402

RESULTS = REPO / "bench" / "results" / "attribution.json"
FIXTURES = REPO.parent / "shared" / "fixtures" / "edgar"


def _ram_gb() -> float | None:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024**2, 1)
    return None


def run(name: str, filings: list, seed: int) -> dict[str, object]:
    t0 = time.perf_counter()
    claims = ac.corpus(filings, seed=seed)
    score = ac.score(claims, {n: filing_source_text(f) for n, f in filings})
    out: dict[str, object] = {"corpus": name, "filings": len(filings), **score.as_dict()}
    out["seconds"] = round(time.perf_counter() - t0, 2)
    print(
        f"{name}: {score.caught}/{score.plants} plants caught ({score.catch_rate:.1%}), "
        f"{score.held}/{score.true_claims} true claims held ({score.hold_rate:.1%})"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run("sample", ac.sample_filings(Path(tmp)), args.seed))
    if args.fixtures.is_dir():
        results.append(run("edgar-fixtures", ac.fixture_filings(args.fixtures), args.seed))
    else:
        print(f"{args.fixtures} not present: real-filing corpus skipped")
    report = {
        "benchmark": "attribution",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/attribution_bench.py",
        "machine": {**machine(), "ram_gb": _ram_gb(), "shared": True},
        "note": "rates are correctness (machine-independent); seconds measured on a shared "
        "machine (other helpers' tests running)",
        "goal": {"catch_rate_at_least": 0.95, "false_hold_rate_at_most": 0.05},
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
