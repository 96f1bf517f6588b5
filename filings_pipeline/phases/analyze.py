"""Phase 2: analyse each filing of a day that has no current analysis, check its figures.

One analysis per (accession, prompt version, model), whatever runs overlap (a sensor run and a
manual Materialize of the same day, two threads, two machines): before calling the model for a
filing, a run claims it in the store (``ContentStore.claim_analysis``) and looks again for an
analysis once it holds the claim. A filing claimed by another run is set aside and tried again
every ``claim_poll_s``; when the other run has saved its analysis, this run reuses it. A run
renews its claims every ``claim_lease_s / 4`` seconds while it lives, so the claims of a run
that crashed run out after ``claim_lease_s`` and another run takes the work over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from filings_pipeline.analysis.figures import check_filing_figures
from filings_pipeline.analysis.schema import AnalysisKey, Analyzer
from filings_pipeline.edgar.models import Filing
from filings_pipeline.store import AnalysisRecord, ContentStore

log = logging.getLogger(__name__)

CLAIM_LEASE_S = 60.0
CLAIM_POLL_S = 0.5
_BUSY = "busy"  # another run holds the claim
_REUSED = "reused"  # another run made the analysis while this one waited


@dataclass
class AnalyzeReport:
    """What analysing one day did, and what it cost."""

    day: date
    analyzer: str
    model: str
    prompt_version: str
    filings: int = 0
    reused: int = 0
    analysed: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # accession -> reason
    figures_failed: dict[str, list[str]] = field(default_factory=dict)
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms_total: int = 0
    preview: list[str] = field(default_factory=list)


def analyze_filing(analyzer: Analyzer, filing: Filing) -> AnalysisRecord:
    """Call the analyzer once for one filing and check its figures against the filing text."""
    outcome = analyzer.analyze(filing)
    rec = AnalysisRecord(
        accession=filing.accession,
        prompt_version=analyzer.prompt_version,
        model=analyzer.model,
        day=filing.day,
        analyzer=analyzer.name,
        status="ok" if outcome.ok else "failed",
        error=outcome.error,
        input_tokens=outcome.input_tokens,
        output_tokens=outcome.output_tokens,
        latency_ms=outcome.latency_ms,
        cost_usd=outcome.cost_usd,
        calls=outcome.calls,
    )
    if outcome.analysis is not None:
        rec.payload = outcome.analysis
        check = check_filing_figures(outcome.analysis, filing)
        rec.figures_ok = check.ok
        rec.figure_problems = list(check.problems)
    return rec


def _aware(ts: datetime | None) -> datetime | None:
    """Stored timestamps come back naive from SQLite (stored as UTC)."""
    if ts is None or ts.tzinfo is not None:
        return ts
    return ts.replace(tzinfo=UTC)


@contextmanager
def _renewing(store: ContentStore, holder: str, lease_s: float) -> Iterator[None]:
    """Renew `holder`'s claims every lease/4 seconds until the block ends."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease_s / 4):
            try:
                store.renew_claims(holder, lease_s)
            except Exception:  # a store hiccup: the next round tries again
                log.warning("could not renew analysis claims of %s", holder, exc_info=True)

    thread = threading.Thread(target=renew, name="analysis-claims", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def analyze_day(
    store: ContentStore,
    analyzer: Analyzer,
    day: date,
    *,
    force: bool = False,
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    claim_lease_s: float = CLAIM_LEASE_S,
    claim_poll_s: float = CLAIM_POLL_S,
) -> AnalyzeReport:
    """Analyse the day's filings that lack a current analysis (or all of them with `force`).

    Each analysis is saved as soon as it is made, so a run killed half-way resumes where it
    stopped and never pays twice for the same (accession, prompt version, model); a filing
    another run is analysing right now is waited for and its analysis reused. With `force`,
    an analysis made after this run started (by it or by an overlapping run) counts as done.
    """
    started = datetime.now(UTC)
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    filings = store.filings_for_day(day)
    report = AnalyzeReport(day, analyzer.name, analyzer.model, analyzer.prompt_version)
    report.filings = len(filings)
    key = AnalysisKey.of(analyzer)
    existing = store.analyses_for([f.accession for f in filings], key)
    todo = [
        f for f in filings if force or not (existing.get(f.accession) and existing[f.accession].ok)
    ]
    report.reused = len(filings) - len(todo)
    done = 0

    def is_done(rec: AnalysisRecord | None) -> bool:
        if rec is None:
            return False
        made_during_this_run = (_aware(rec.created_at) or started) >= started
        return made_during_this_run or (rec.ok and not force)

    def attempt(filing: Filing) -> AnalysisRecord | str:
        if not store.claim_analysis(filing.accession, key, holder, claim_lease_s):
            return _BUSY
        try:
            # Another run may have saved it between our first look and the claim.
            if is_done(store.analyses_for([filing.accession], key).get(filing.accession)):
                return _REUSED
            rec = analyze_filing(analyzer, filing)
            store.save_analysis(rec)
            return rec
        finally:
            store.release_claim(filing.accession, key, holder)

    pending = todo
    with (
        _renewing(store, holder, claim_lease_s),
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
    ):
        while pending:
            busy: list[Filing] = []
            for filing, res in zip(pending, pool.map(attempt, pending), strict=True):
                if res == _BUSY:
                    busy.append(filing)
                    continue
                done += 1
                if isinstance(res, AnalysisRecord):
                    report.analysed += 1
                    report.calls += res.calls
                    report.input_tokens += res.input_tokens
                    report.output_tokens += res.output_tokens
                    report.cost_usd += res.cost_usd
                    report.latency_ms_total += res.latency_ms
                else:
                    report.reused += 1
                if on_progress:
                    on_progress(done, len(todo))
            pending = busy
            if pending:
                log.info(
                    "%d filings of %s are being analysed by another run; waiting", len(busy), day
                )
                time.sleep(claim_poll_s)
    store.prune_analyses(day, [f.accession for f in filings])
    current = store.analyses_for([f.accession for f in filings], key)
    for acc, rec in sorted(current.items()):
        if not rec.ok:
            report.failed[acc] = rec.error or "unknown error"
        elif not rec.figures_ok:
            report.figures_failed[acc] = rec.figure_problems
        if rec.ok and len(report.preview) < 5:
            report.preview.append(rec.payload.headline if rec.payload else "")
    return report
