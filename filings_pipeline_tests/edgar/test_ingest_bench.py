"""The ingestion benchmark runs end to end on a tiny day and writes its results file."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from filings_pipeline_tests.edgar.conftest import REPO_ROOT


def test_ingest_bench_smoke(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "ingest_bench", REPO_ROOT / "bench/ingest_bench.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "ingest.json"
    args = ["--filings", "4", "--rate", "5", "--processes", "2", "--requests-per-process", "4"]
    assert bench.main([*args, "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["machine"]["cores"] >= 1 and result["machine"]["python"]
    rate = result["request_rate"]
    assert rate["requests"] == 8 and rate["throttle_pages"] == 0
    assert rate["worst_1s_window"] <= 6
    cold, warm = result["day_of_8ks"]["cold"], result["day_of_8ks"]["warm_rerun"]
    assert cold["filings"] + cold["refused_bad_filings"] == result["eight_ks_in_day"]
    assert warm["http_requests"] < cold["http_requests"]  # the re-run reads the disk cache
