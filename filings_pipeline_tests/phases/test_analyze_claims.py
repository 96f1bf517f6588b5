"""One analysis per (accession, prompt version, model) whatever analyze phases overlap: two
threads, two processes, and a run that crashed mid-call, counted at the Converse server."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from filings_pipeline.analysis.bedrock import BedrockAnalyzer
from filings_pipeline.analysis.prompt import PROMPT_VERSION
from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.devtools.converse_server import ConverseServer
from filings_pipeline.phases.analyze import analyze_day
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.analysis_bedrock.conftest import fast_config, make_filing

from . import _claim_workers

N_FILINGS = 12
DAY = make_filing(1).day


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy SigV4 credentials for the local Converse server (children inherit them)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _day_of_filings(url: str, n: int = N_FILINGS) -> list[str]:
    filings = [make_filing(i) for i in range(1, n + 1)]
    ContentStore(url).replace_filings(DAY, filings, [])
    return [f.accession for f in filings]


def _assert_all_present(url: str, accessions: list[str], model: str) -> None:
    got = ContentStore(url).analyses_for(accessions, AnalysisKey(PROMPT_VERSION, model))
    assert sorted(got) == sorted(accessions)
    assert all(r.ok for r in got.values()), {a: r.error for a, r in got.items() if not r.ok}


def test_two_threads_pay_once_per_filing(content_url: str) -> None:
    accessions = _day_of_filings(content_url)
    with ConverseServer(latency_s=0.3) as srv:
        analyzer = BedrockAnalyzer(fast_config(srv.url))
        store = ContentStore(content_url)
        reports = []
        barrier = threading.Barrier(2)

        def run() -> None:
            barrier.wait()
            reports.append(analyze_day(store, analyzer, DAY, workers=3, claim_poll_s=0.05))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        calls = Counter(c.accession for c in srv.calls)
    assert len(reports) == 2
    assert calls == Counter(accessions)  # every filing called exactly once, none forgotten
    assert sum(r.analysed for r in reports) == N_FILINGS
    for r in reports:
        assert r.analysed + r.reused == N_FILINGS and not r.failed
    _assert_all_present(content_url, accessions, analyzer.model)


def test_two_processes_pay_once_per_filing(content_url: str, tmp_path: Path) -> None:
    accessions = _day_of_filings(content_url)
    with ConverseServer(latency_s=0.3) as srv:
        ctx = mp.get_context("spawn")
        args = [
            (srv.url, content_url, DAY, str(tmp_path / "barrier"), f"run-{k}", 2) for k in range(2)
        ]
        with ctx.Pool(2) as pool:
            results = pool.starmap(_claim_workers.run_day, args)
        calls = Counter(c.accession for c in srv.calls)
    assert calls == Counter(accessions)
    assert sum(analysed for analysed, _ in results) == N_FILINGS
    assert all(analysed + reused == N_FILINGS for analysed, reused in results)
    _assert_all_present(content_url, accessions, BedrockAnalyzer(fast_config("http://x")).model)


def test_a_crashed_runs_claims_expire_and_its_work_is_taken_over(content_url: str) -> None:
    """SIGKILL a run mid-call: its claims stay (nobody renews them) and run out after the
    lease; the next run then makes every missing analysis. Only the calls in flight at the kill
    are paid twice (their answers died with the process)."""
    accessions = _day_of_filings(content_url, 6)
    lease = 2.0
    with ConverseServer(latency_s=1.5) as srv:
        ctx = mp.get_context("spawn")
        child = ctx.Process(
            target=_claim_workers.run_day_until_killed, args=(srv.url, content_url, DAY, lease)
        )
        child.start()
        try:
            deadline = time.monotonic() + 60
            while srv.in_flight() < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert srv.in_flight() == 3, "the child never had 3 calls in flight"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.join(30)
        store = ContentStore(content_url)
        report = analyze_day(
            store,
            BedrockAnalyzer(fast_config(srv.url)),
            DAY,
            workers=3,
            claim_lease_s=lease,
            claim_poll_s=0.05,
        )
        deadline = time.monotonic() + 30
        while len(srv.calls) < 9 and time.monotonic() < deadline:  # the killed calls end too
            time.sleep(0.05)
        calls = Counter(c.accession for c in srv.calls)
    assert child.exitcode == -signal.SIGKILL
    assert report.analysed == 6 and not report.failed
    assert sorted(calls) == sorted(accessions)
    assert sorted(calls.values()) == [1, 1, 1, 2, 2, 2]  # the 3 killed mid-call, redone once
    _assert_all_present(content_url, accessions, report.model)
