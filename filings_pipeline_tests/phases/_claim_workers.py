"""Analyze phases run in child processes by the claim tests (importable under spawn)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from filings_pipeline.analysis.bedrock import BedrockAnalyzer
from filings_pipeline.phases.analyze import analyze_day
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.analysis_bedrock._workers import _barrier
from filings_pipeline_tests.analysis_bedrock.conftest import fast_config


def run_day(
    url: str, db_url: str, day: date, barrier: str, name: str, parties: int, **kw: object
) -> tuple[int, int]:
    """One analyze phase over `day`: (analysed here, reused)."""
    store = ContentStore(db_url)
    analyzer = BedrockAnalyzer(fast_config(url))
    _barrier(Path(barrier), name, parties)  # so the runs overlap
    report = analyze_day(store, analyzer, day, workers=3, **kw)  # type: ignore[arg-type]
    return report.analysed, report.reused


def run_day_until_killed(url: str, db_url: str, day: date, claim_lease_s: float) -> None:
    """An analyze phase the test SIGKILLs mid-call."""
    store = ContentStore(db_url)
    analyze_day(
        store, BedrockAnalyzer(fast_config(url)), day, workers=3, claim_lease_s=claim_lease_s
    )
    os._exit(0)
